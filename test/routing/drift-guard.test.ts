import { describe, expect, it } from 'vitest';
import { guardIngress } from '../../src/routing/drift-guard.js';
import { liveWeightActionIsConsistent } from '../../src/routing/alb/index.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';
import { parseRollout, IngressObject } from '../../src/routing/wire/index.js';
import { trafficStateOf } from '../../src/routing/traffic-state.js';
import { diff } from '../../src/webhook/patch.js';
import { argocdReapplyReview } from '../support/admission-review.js';
import { parsedValue } from './builders.js';

const review = argocdReapplyReview();
const fromGit = review.request.object;
const live = review.request.oldObject;

const WEIGHT_KEY = 'alb.ingress.kubernetes.io/actions.shop-stable';
const HDR_ACTION = 'alb.ingress.kubernetes.io/actions.shop-testers';
const HDR_CONDITIONS = 'alb.ingress.kubernetes.io/conditions.shop-testers';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const weightAction = (canary: number) =>
  `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"shop-canary","ServicePort":"80","Weight":${canary}},{"ServiceName":"shop-stable","ServicePort":"80","Weight":${100 - canary}}]}}`;

/** The header route's bytes (argoproj/argo-rollouts v1.10.2, utils/ingress/ingress.go: ALBAction, ALBCondition). */
const ROUTE_ACTION =
  '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"shop-canary","ServicePort":"80","Weight":100}]}}';
const ROUTE_CONDITIONS =
  '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-canary","values":["true"]}}]';

function rollout(status: Record<string, unknown>, extra: Record<string, unknown> = {}): Rollout {
  return parsedValue(
    parseRollout({
      metadata: { name: 'shop', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'shop-stable',
            canaryService: 'shop-canary',
            trafficRouting: {
              managedRoutes: [{ name: 'shop-testers' }],
              alb: { ingress: 'shop', servicePort: 80 },
            },
            steps: [
              {
                setHeaderRoute: {
                  name: 'shop-testers',
                  match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }],
                },
              },
              { setWeight: 20 },
              { pause: {} },
              { setWeight: 50 },
              { pause: { duration: '5m' } },
            ],
            ...extra,
          },
        },
      },
      status,
    }),
  );
}

const midCanary = rollout({
  currentPodHash: 'new',
  stableRS: 'old',
  currentStepIndex: 2,
  canary: {
    weights: {
      canary: { weight: 20, serviceName: 'shop-canary', podTemplateHash: 'new' },
      stable: { weight: 80, serviceName: 'shop-stable', podTemplateHash: 'old' },
    },
  },
});

function paths(obj: JsonObject): string[] {
  const rules = (obj.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] })
    .rules;
  return rules[0]!.http.paths.map((p) => p.backend.service.name);
}

function guard(requested: JsonObject, liveObject: JsonObject | undefined, rollouts: Rollout[]) {
  return guardIngress({ requested, live: liveObject, albRollouts: rollouts, rolloutNamed: () => undefined });
}

describe('guardIngress: GitOps re-apply of an ALB Ingress', () => {
  it('keeps the live weights, header route and bookkeeping when Argo CD re-applies mid-canary', () => {
    const result = guard(fromGit, live, [midCanary]);
    expect(IngressObject.of(result.ingress).stringAnnotations()).toEqual({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      [WEIGHT_KEY]: weightAction(20),
      [HDR_ACTION]: ROUTE_ACTION,
      [HDR_CONDITIONS]: ROUTE_CONDITIONS,
      [MANAGED]: `{"shop":["${WEIGHT_KEY}","${HDR_ACTION}","${HDR_CONDITIONS}"]}`,
    });
    expect(paths(result.ingress)).toEqual(['shop-testers', 'shop-stable']);
    expect(result.owners).toEqual(['shop/shop']);
    expect(result.errors).toEqual([]);
    expect(result.overrides.map((o) => o.key).sort()).toEqual(
      [HDR_ACTION, WEIGHT_KEY, HDR_CONDITIONS].sort(), // the bookkeeping key is restored silently
    );
    expect(result.overrides.find((o) => o.key === WEIGHT_KEY)).toMatchObject({
      requested: undefined,
      meaning: 'live traffic (canary 20%)',
      provider: 'alb',
    });
  });

  it('replaces a weight action that git hard-codes and reports what it replaced', () => {
    const requested = structuredClone(live);
    const gitDefault =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"shop-stable","servicePort":80}]}}';
    (requested.metadata as { annotations: Record<string, string> }).annotations[WEIGHT_KEY] = gitDefault;
    const result = guard(requested, live, [midCanary]);
    expect(IngressObject.of(result.ingress).stringAnnotations()[WEIGHT_KEY]).toBe(weightAction(20));
    expect(result.overrides).toEqual([
      {
        key: WEIGHT_KEY,
        rollout: 'shop',
        requested: gitDefault,
        live: weightAction(20),
        admitted: weightAction(20),
        meaning: 'live traffic (canary 20%)',
        provider: 'alb',
      },
    ]);
  });

  it('prefers the live value the controller just wrote over an older status weight', () => {
    const ahead = structuredClone(live);
    (ahead.metadata as { annotations: Record<string, string> }).annotations[WEIGHT_KEY] = weightAction(50);
    const result = guard(fromGit, ahead, [midCanary]);
    expect(IngressObject.of(result.ingress).stringAnnotations()[WEIGHT_KEY]).toBe(weightAction(50));
  });

  it('derives the weight from the status when the live value is not consistent with the Rollout', () => {
    const tampered = structuredClone(live);
    (tampered.metadata as { annotations: Record<string, string> }).annotations[WEIGHT_KEY] = weightAction(
      20,
    ).replace('shop-canary', 'someone-else');
    const result = guard(fromGit, tampered, [midCanary]);
    expect(IngressObject.of(result.ingress).stringAnnotations()[WEIGHT_KEY]).toBe(weightAction(20));
  });

  it('gives a re-created Ingress (CREATE, no live object) the current weight and header route', () => {
    const result = guard(fromGit, undefined, [midCanary]);
    const annotations = IngressObject.of(result.ingress).stringAnnotations();
    expect(annotations[WEIGHT_KEY]).toBe(weightAction(20));
    expect(annotations[HDR_CONDITIONS]).toBe(ROUTE_CONDITIONS);
    expect(paths(result.ingress)).toEqual(['shop-testers', 'shop-stable']);
    // Nothing was overridden: the request simply did not have these keys and nothing live did.
    expect(result.overrides).toEqual([]);
  });

  it('keeps all traffic on stable and drops header routes after an abort, whatever the live object says', () => {
    const aborted = rollout({ currentPodHash: 'new', stableRS: 'old', currentStepIndex: 0, abort: true });
    const result = guard(fromGit, live, [aborted]);
    const annotations = IngressObject.of(result.ingress).stringAnnotations();
    expect(annotations[WEIGHT_KEY]).toBe(weightAction(0));
    // The aborted Rollout is back at step 0, whose setHeaderRoute the controller re-applies.
    expect(annotations[HDR_ACTION]).toBe(ROUTE_ACTION);
    expect(annotations[HDR_CONDITIONS]).toBe(ROUTE_CONDITIONS);
  });

  it('removes header routes and keeps 0% canary once fully promoted', () => {
    const promoted = rollout({ currentPodHash: 'new', stableRS: 'new', currentStepIndex: 5 });
    const result = guard(fromGit, live, [promoted]);
    const annotations = IngressObject.of(result.ingress).stringAnnotations();
    expect(annotations[WEIGHT_KEY]).toBe(weightAction(0));
    expect(annotations[HDR_ACTION]).toBeUndefined();
    expect(annotations[HDR_CONDITIONS]).toBeUndefined();
    expect(paths(result.ingress)).toEqual(['shop-stable']);
  });

  it('leaves an Ingress no Rollout routes through untouched', () => {
    const result = guard(fromGit, live, []);
    expect(result.ingress).toEqual(fromGit);
    expect(result.owners).toEqual([]);
  });

  it('is idempotent: a second pass over its own output changes nothing and reports nothing', () => {
    const first = guard(fromGit, live, [midCanary]);
    const second = guard(first.ingress, first.ingress, [midCanary]);
    expect(diff(first.ingress, second.ingress)).toEqual([]);
    expect(second.overrides).toEqual([]);
  });

  it('does not modify its inputs', () => {
    const before = structuredClone(fromGit);
    guard(fromGit, live, [midCanary]);
    expect(fromGit).toEqual(before);
  });
});

describe('guardIngress: several Ingresses and several Rollouts', () => {
  it('guards every Ingress listed in alb.ingresses', () => {
    const multi = rollout(
      {
        currentPodHash: 'new',
        stableRS: 'old',
        currentStepIndex: 2,
        canary: {
          weights: {
            canary: { weight: 20, serviceName: 'shop-canary' },
            stable: { weight: 80, serviceName: 'shop-stable' },
          },
        },
      },
      {
        trafficRouting: { alb: { ingresses: ['shop', 'shop-internal'], servicePort: 80 } },
        steps: [{ setWeight: 20 }, { pause: {} }],
      },
    );
    for (const name of ['shop', 'shop-internal']) {
      const requested = structuredClone(fromGit);
      (requested.metadata as { name: string }).name = name;
      expect(
        IngressObject.of(guard(requested, undefined, [multi]).ingress).stringAnnotations()[WEIGHT_KEY],
      ).toBe(weightAction(20));
    }
  });

  it("keeps another Rollout's bookkeeping entry", () => {
    const withOther = structuredClone(live);
    (withOther.metadata as { annotations: Record<string, string> }).annotations[MANAGED] =
      '{"other":["alb.ingress.kubernetes.io/actions.other-stable"],"shop":["alb.ingress.kubernetes.io/actions.shop-stable","alb.ingress.kubernetes.io/actions.shop-testers","alb.ingress.kubernetes.io/conditions.shop-testers"]}';
    const result = guard(fromGit, withOther, [midCanary]);
    expect(IngressObject.of(result.ingress).stringAnnotations()[MANAGED]).toBe(
      `{"other":["alb.ingress.kubernetes.io/actions.other-stable"],"shop":["${WEIGHT_KEY}","${HDR_ACTION}","${HDR_CONDITIONS}"]}`,
    );
  });

  it('updates each Ingress from its own bookkeeping, review after review, with one Rollout object', () => {
    // The same Rollout object serves many reviews (its rendering is remembered), so the
    // bookkeeping of one Ingress must never leak into another's answer.
    const withForeign = (i: number) => {
      const live = structuredClone(fromGit);
      const foreign = `{"other-${i}":["alb.ingress.kubernetes.io/actions.x-${i}"]}`;
      (live.metadata as { annotations: Record<string, string> }).annotations[MANAGED] = foreign;
      return live;
    };
    for (const round of [1, 2]) {
      for (let i = 0; i < 40; i++) {
        const requested = i % 3 === 0 ? fromGit : withForeign(i);
        const managed = JSON.parse(
          IngressObject.of(guard(requested, undefined, [midCanary]).ingress).stringAnnotations()[MANAGED]!,
        );
        const expected: Record<string, string[]> = {
          shop: [WEIGHT_KEY, HDR_ACTION, HDR_CONDITIONS],
          ...(i % 3 === 0 ? {} : { [`other-${i}`]: [`alb.ingress.kubernetes.io/actions.x-${i}`] }),
        };
        expect(managed, `round ${round}, Ingress ${i}`).toEqual(expected);
      }
    }
  });
});

describe('guardIngress: NGINX canary Ingress', () => {
  const nginxRollout = parsedValue(
    parseRollout({
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        strategy: {
          canary: {
            stableService: 'web-stable',
            canaryService: 'web-canary',
            trafficRouting: { nginx: { stableIngress: 'web' } },
            steps: [{ setWeight: 30 }, { pause: {} }],
          },
        },
      },
      status: {
        currentPodHash: 'new',
        stableRS: 'old',
        currentStepIndex: 1,
        canary: {
          weights: {
            canary: { weight: 30, serviceName: 'web-canary' },
            stable: { weight: 70, serviceName: 'web-stable' },
          },
        },
      },
    }),
  );
  const canary = (annotations: Record<string, string>): JsonObject => ({
    metadata: {
      name: 'web-web-canary',
      namespace: 'shop',
      annotations,
      ownerReferences: [
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u', controller: true },
      ],
    },
    spec: { rules: [] },
  });

  it('restores canary and canary-weight when someone else edits the canary Ingress', () => {
    const liveCanary = canary({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '30',
    });
    const edited = canary({ 'nginx.ingress.kubernetes.io/canary': 'false', team: 'payments' });
    const result = guardIngress({
      requested: edited,
      live: liveCanary,
      albRollouts: [],
      rolloutNamed: (n) => (n === 'web' ? nginxRollout : undefined),
    });
    expect(IngressObject.of(result.ingress).stringAnnotations()).toEqual({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '30',
      team: 'payments',
    });
    expect(result.overrides.map((o) => o.key)).toEqual([
      'nginx.ingress.kubernetes.io/canary',
      'nginx.ingress.kubernetes.io/canary-weight',
    ]);
    expect(result.overrides.map((o) => o.provider)).toEqual(['nginx', 'nginx']);
  });

  it('ignores an Ingress owned by a Rollout under another name', () => {
    const other = canary({});
    (other.metadata as { name: string }).name = 'unrelated';
    const result = guardIngress({ requested: other, albRollouts: [], rolloutNamed: () => nginxRollout });
    expect(result.owners).toEqual([]);
  });
});

describe('liveWeightActionIsConsistent', () => {
  const state = trafficStateOf(midCanary, 'alb')!;
  it.each([
    [weightAction(20), true],
    [weightAction(35), true],
    [weightAction(20).replace(/"Type"/, '"type"'), true],
    [
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"shop-canary","ServicePort":"80","Weight":20},{"ServiceName":"shop-stable","ServicePort":"80","Weight":70}]}}',
      false,
    ],
    [weightAction(20).replace('"80"', '"8080"'), false],
    [weightAction(20).replaceAll('"80"', '80'), true],
    // Found by the hostile-shape fuzzer: a port nested in a list threw (HTTP 500) instead of
    // counting as inconsistent; a one-element list printed as "80" and counted as consistent.
    [weightAction(20).replace('"80"', '[{"v":"80"}]'), false],
    [weightAction(20).replace('"80"', '["80"]'), false],
    [weightAction(20).replace('"80"', '{"v":"80"}'), false],
    [weightAction(20).replace('"Weight":20', '"Weight":20.5'), false],
    ['not json', false],
    ['{"Type":"redirect"}', false],
    [
      weightAction(20).replace(
        ']}}',
        '],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":60}}}',
      ),
      false,
    ],
  ])('%s → %s', (value, expected) => {
    expect(liveWeightActionIsConsistent(value, midCanary, state)).toBe(expected);
  });
});
