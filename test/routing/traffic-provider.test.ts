/**
 * The drift guard through the TrafficProvider interface alone: a provider whose owned value is
 * a field path inside spec.rules (as a Gateway API HTTPRoute's backend weights are) plugs in
 * without the guard naming it.
 */
import { describe, expect, it } from 'vitest';
import { guardObject } from '../../src/routing/drift-guard.js';
import type { JsonObject } from '../../src/routing/model.js';
import type { TrafficProvider } from '../../src/routing/traffic-provider.js';
import { rollout } from './builders.js';

const owner = rollout({ name: 'web' });
const WEIGHT = 'spec.rules[0].backendRefs[1].weight';

function canaryRef(obj: JsonObject | undefined): JsonObject | undefined {
  const rules = (obj?.spec as JsonObject | undefined)?.rules as JsonObject[] | undefined;
  return (rules?.[0]?.backendRefs as JsonObject[] | undefined)?.[1];
}

/** Owns the canary weight of the first rule and always puts 30 there. */
const weightProvider: TrafficProvider = {
  name: 'alb',
  trafficStateOf: () => undefined,
  reconcile(working) {
    const ref = canaryRef(working);
    if (!ref) return { shares: [], errors: [] };
    ref.weight = 30;
    return {
      shares: [{ rollout: owner, values: [{ key: WEIGHT, meaning: 'live traffic', admitted: '30' }] }],
      errors: [],
    };
  },
  ownedValue(obj, key) {
    if (key !== WEIGHT) return undefined;
    const weight = canaryRef(obj)?.weight;
    return weight === undefined ? undefined : String(weight);
  },
};

const route = (weight: number): JsonObject => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    rules: [
      {
        backendRefs: [
          { name: 'stable', weight: 100 - weight },
          { name: 'canary', weight },
        ],
      },
    ],
  },
});

describe('guardObject with a provider that owns a field in spec.rules', () => {
  it('puts the owned value in place and reports the request that changed it, by field path', () => {
    const requested = route(0);
    const result = guardObject(
      { requested, live: route(30), albRollouts: [], rolloutNamed: () => undefined },
      [weightProvider],
    );
    expect(canaryRef(result.ingress)?.weight).toBe(30);
    expect(canaryRef(requested)?.weight).toBe(0);
    expect(result.owners).toEqual(['default/web']);
    expect(result.overrides).toEqual([
      {
        key: WEIGHT,
        rollout: 'web',
        requested: '0',
        live: '30',
        admitted: '30',
        meaning: 'live traffic',
        provider: 'alb',
      },
    ]);
  });

  it('reports nothing when the request already carries the owned value', () => {
    const result = guardObject({ requested: route(30), albRollouts: [], rolloutNamed: () => undefined }, [
      weightProvider,
    ]);
    expect(result.overrides).toEqual([]);
    expect(result.owners).toEqual(['default/web']);
  });
});
