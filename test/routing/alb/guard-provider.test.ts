/**
 * The ALB drift-guard provider's own decisions, one input each, that the row-by-row tests of
 * test/routing/drift-guard-decisions.test.ts do not reach: which live weight actions count as
 * consistent with the Rollout (integer, non-negative weights; the nesting limit of annotation
 * JSON; stickiness), read through `liveWeightActionIsConsistent` and through `guardIngress`.
 *
 * The live action texts follow the structs the Argo Rollouts controller marshals
 * (argoproj/argo-rollouts v1.10.2, utils/ingress/ingress.go: ALBAction, ALBForwardConfig,
 * ALBTargetGroup, ALBTargetGroupStickinessConfig), written here by hand.
 */
import { describe, expect, it } from 'vitest';
import { liveWeightActionIsConsistent } from '../../../src/routing/alb/index.js';
import { guardIngress } from '../../../src/routing/drift-guard.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { IngressObject, MAX_NESTING_DEPTH } from '../../../src/routing/wire/index.js';
import { albIngress, albRollout, midRollout, rollout } from '../builders.js';

const ACTION = 'alb.ingress.kubernetes.io/actions.stable-svc';

/** The controller's weight action on port 443, with `tail` added inside ForwardConfig and `extra` after it. */
function forward(weights: [canary: number | string, stable: number | string], tail = '', extra = ''): string {
  const [canary, stable] = weights;
  return (
    `{"Type":"forward","ForwardConfig":{"TargetGroups":[` +
    `{"ServiceName":"canary-svc","ServicePort":"443","Weight":${canary}},` +
    `{"ServiceName":"stable-svc","ServicePort":"443","Weight":${stable}}]${tail}}${extra}}`
  );
}

/** At step 1 (setWeight 20) with 20 % recorded in the status. */
const mid20 = rollout({
  canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
  status: midRollout(20, { currentStepIndex: 1 }),
});
const state20 = trafficStateOf(mid20, 'alb')!;

describe('liveWeightActionIsConsistent: the weights', () => {
  it.each([
    ['integers from 0 that add up to 100', [35, 65], true],
    ['a canary at 0', [0, 100], true],
    ['a negative weight, even with a total of 100', [-10, 110], false],
    ['fractions that add up to 100', [35.5, 64.5], false],
    ['weights as strings', ['"35"', '"65"'], false],
    ['a total other than 100', [35, 60], false],
  ] as const)('%s → %s', (_, weights, consistent) => {
    expect(liveWeightActionIsConsistent(forward([...weights]), mid20, state20)).toBe(consistent);
  });

  it('a live action with negative weights is replaced by the status weights in the admitted Ingress', () => {
    const live = albIngress(undefined, { [ACTION]: forward([-10, 110]) });
    const result = guardIngress({
      requested: albIngress(),
      live,
      albRollouts: [mid20],
      rolloutNamed: () => undefined,
    });
    expect(IngressObject.of(result.ingress).annotation(ACTION)).toBe(forward([20, 80]));
  });
});

describe('liveWeightActionIsConsistent: JSON nested past the limit counts as malformed', () => {
  // The action object is one level; an extra key holding n nested arrays adds n more.
  const nested = (depth: number) => `,"Extra":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;

  it(`depth ${MAX_NESTING_DEPTH} is read (extra keys are ignored, as Go's decoder ignores them)`, () => {
    expect(MAX_NESTING_DEPTH).toBe(1000);
    expect(liveWeightActionIsConsistent(forward([35, 65], '', nested(1000)), mid20, state20)).toBe(true);
  });

  it(`depth ${MAX_NESTING_DEPTH + 1} is not read, so the action is not consistent`, () => {
    expect(liveWeightActionIsConsistent(forward([35, 65], '', nested(1001)), mid20, state20)).toBe(false);
  });
});

describe('liveWeightActionIsConsistent: stickiness', () => {
  const sticky = (block: Record<string, unknown>) =>
    albRollout(
      { stickinessConfig: block },
      {
        canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
        status: midRollout(20, { currentStepIndex: 1 }),
      },
    );
  const tail = ',"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":300}';

  it('spec stickiness disabled: a live stickiness block is not consistent, none is', () => {
    const off = sticky({ enabled: false, durationSeconds: 300 });
    const state = trafficStateOf(off, 'alb')!;
    expect(liveWeightActionIsConsistent(forward([35, 65], tail), off, state)).toBe(false);
    expect(liveWeightActionIsConsistent(forward([35, 65]), off, state)).toBe(true);
  });

  it('spec stickiness enabled: the live block must be enabled with the same duration', () => {
    const on = sticky({ enabled: true, durationSeconds: 300 });
    const state = trafficStateOf(on, 'alb')!;
    expect(liveWeightActionIsConsistent(forward([35, 65], tail), on, state)).toBe(true);
    expect(liveWeightActionIsConsistent(forward([35, 65], tail.replace('300', '301')), on, state)).toBe(
      false,
    );
  });
});
