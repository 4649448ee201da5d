/**
 * Step route names against trafficRouting.managedRoutes: a short list is scanned, a longer
 * one looked up in a set. Both must give Argo's answer: a finding for each step whose
 * header or mirror route is not listed, at that step, and none for a listed one.
 */
import { describe, expect, it } from 'vitest';
import { validateRolloutSpec } from '../../../src/routing/rollout-validation/validate-rollout.js';
import { rolloutOf } from './fixtures.js';

function missingRoutes(managedCount: number, stepNames: string[]): string[] {
  const canary = {
    stableService: 'web-stable',
    canaryService: 'web-canary',
    trafficRouting: {
      istio: { virtualService: { name: 'vs' } },
      managedRoutes: Array.from({ length: managedCount }, (_, i) => ({ name: `route-${i}` })),
    },
    steps: stepNames.map((name, i) =>
      i % 2 === 0 ? { setHeaderRoute: { name } } : { setMirrorRoute: { name } },
    ),
  };
  return validateRolloutSpec(rolloutOf(canary))
    .filter((f) => f.rule === 'managed-routes-missing-route')
    .map((f) => f.field);
}

describe('managed route names', () => {
  // 8 names are scanned, 9 looked up in a set: each size is asked for its first, its last and
  // a name it does not hold.
  for (const count of [1, 8, 9, 40]) {
    it(`${count} managed routes: the steps naming route-0 and route-${count - 1} pass, route-${count} does not`, () => {
      expect(
        missingRoutes(count, ['route-0', `route-${count - 1}`, `route-${count}`, `route-${count}`]),
      ).toEqual([
        'spec.strategy.canary.steps[2].setHeaderRoute',
        'spec.strategy.canary.steps[3].setMirrorRoute',
      ]);
    });
  }

  it('a name that differs only in case is not managed (Argo compares bytes)', () => {
    expect(missingRoutes(9, ['Route-3'])).toEqual(['spec.strategy.canary.steps[0].setHeaderRoute']);
    expect(missingRoutes(2, ['Route-1'])).toEqual(['spec.strategy.canary.steps[0].setHeaderRoute']);
  });

  it('reports a missing managedRoutes once, although two steps need it (the only findings: exactly two, deduplicated)', () => {
    const canary = {
      stableService: 'web-stable',
      canaryService: 'web-canary',
      trafficRouting: { istio: { virtualService: { name: 'vs' } } },
      steps: [{ setWeight: 10 }, { setHeaderRoute: { name: 'a' } }, { setHeaderRoute: { name: 'b' } }],
    };
    expect(validateRolloutSpec(rolloutOf(canary)).map((f) => [f.rule, f.field])).toEqual([
      ['managed-routes-required', 'spec.strategy.canary.trafficRouting.managedRoutes'],
    ]);
  });
});
