/**
 * Every decision of the GitOps drift guard, one example each, with the expected bytes written
 * out. The rows of docs/routing.md "Drift guard: which value wins" are named in the describe
 * blocks; each has at least one test that fails when its branch is removed.
 *
 * Expected action bytes follow the structs the Argo Rollouts controller marshals
 * (argoproj/argo-rollouts v1.10.2, utils/ingress/ingress.go: ALBAction, ALBForwardConfig,
 * ALBTargetGroup with ServicePort a string and Weight an *int64 with omitempty,
 * ALBTargetGroupStickinessConfig, ALBCondition), written here by hand.
 */
import { describe, expect, it } from 'vitest';
import { albTrafficProvider, liveWeightActionIsConsistent } from '../../src/routing/alb/index.js';
import { nginxTrafficProvider } from '../../src/routing/nginx/index.js';
import { guardIngress } from '../../src/routing/drift-guard.js';
import type { JsonObject, Rollout } from '../../src/routing/model.js';
import { trafficStateOf } from '../../src/routing/traffic-state.js';
import { parseRollout, IngressObject } from '../../src/routing/wire/index.js';
import { albIngress, albRollout, midRollout, rollout, v1Path, type Loose } from './builders.js';
import { parsedValue } from './builders.js';

const ACTION = 'alb.ingress.kubernetes.io/actions.stable-svc';
const ROUTE_ACTION = 'alb.ingress.kubernetes.io/actions.canary-route';
const ROUTE_CONDITIONS = 'alb.ingress.kubernetes.io/conditions.canary-route';
const MANAGED = 'rollouts.argoproj.io/managed-alb-annotations';
const CLASS = { 'kubernetes.io/ingress.class': 'alb' };

/** The controller's weight action on port 443 (the builders' Rollout). */
function forward(groups: [service: string, weight: number][], tail = ''): string {
  const targets = groups.map(([s, w]) => `{"ServiceName":"${s}","ServicePort":"443","Weight":${w}}`);
  return `{"Type":"forward","ForwardConfig":{"TargetGroups":[${targets.join(',')}]${tail}}}`;
}
const weights = (canary: number) =>
  forward([
    ['canary-svc', canary],
    ['stable-svc', 100 - canary],
  ]);
const ROUTE_BYTES = forward([['canary-svc', 100]]);
const CONDITION_BYTES =
  '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-canary","values":["yes"]}}]';

function guard(requested: JsonObject, live: JsonObject | undefined, albRollouts: Rollout[]) {
  return guardIngress({ requested, live, albRollouts, rolloutNamed: () => undefined });
}
const annotationsOf = (ingress: JsonObject) => IngressObject.of(ingress).stringAnnotations();
const withAnnotations = (annotations: Record<string, string>) =>
  albIngress(undefined, { ...CLASS, ...annotations });

/** A Rollout with a header route active at step 0 and `setWeight: 20` at step 1. */
function headerRouteRollout(status: Loose): Rollout {
  return rollout({
    canary: {
      trafficRouting: {
        managedRoutes: [{ name: 'canary-route' }],
        alb: { ingress: 'ingress', servicePort: 443 },
      },
      steps: [
        {
          setHeaderRoute: {
            name: 'canary-route',
            match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
          },
        },
        { setWeight: 20 },
        { pause: {} },
      ],
    },
    status,
  });
}

const mid20 = rollout({
  canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
  status: midRollout(20, { currentStepIndex: 1 }),
});

describe('which value wins: the ALB weight action', () => {
  it('row 1: a consistent live value wins over the status while traffic is moving (status weights)', () => {
    const result = guard(albIngress(), withAnnotations({ [ACTION]: weights(35) }), [mid20]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(35));
    expect(result.overrides).toEqual([
      {
        key: ACTION,
        rollout: 'rollout',
        requested: undefined,
        admitted: weights(35),
        live: weights(35),
        meaning: 'live traffic (canary 20%)',
        provider: 'alb',
      },
    ]);
  });

  it('row 1: a consistent live value also wins while the weight comes from the steps (no recorded weights)', () => {
    const fromSteps = rollout({
      canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
      status: { stableRS: 'stable-hash', currentPodHash: 'canary-hash', currentStepIndex: 1 },
    });
    expect(trafficStateOf(fromSteps, 'alb')).toMatchObject({ source: 'steps', canaryWeight: 20 });
    const result = guard(albIngress(), withAnnotations({ [ACTION]: weights(10) }), [fromSteps]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(10));
  });

  it('row 1: a live 0% canary is a consistent value, not a missing one', () => {
    const result = guard(albIngress(), withAnnotations({ [ACTION]: weights(0) }), [mid20]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(0));
  });

  it.each([
    ['a live action without the stable group', forward([['canary-svc', 100]])],
    ['negative weights that still sum to 100', weights(120)],
    [
      'fractional weights that still sum to 100',
      forward([
        ['canary-svc', 20.5],
        ['stable-svc', 79.5],
      ]),
    ],
    [
      'an extra group without a service name',
      forward([
        ['canary-svc', 20],
        ['stable-svc', 80],
      ]).replace(']}}', ',{"ServicePort":"443","Weight":0}]}}'),
    ],
    ['a type other than forward', weights(35).replace('"Type":"forward"', '"Type":"fixed-response"')],
    [
      'no target group list',
      '{"Type":"forward","ForwardConfig":{"TargetGroups":{"ServiceName":"canary-svc"}}}',
    ],
    [
      'stickiness the Rollout does not ask for',
      weights(35).replace(']}}', '],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":60}}}'),
    ],
    ['text that is not JSON', 'forward 35%'],
  ])('row 2: %s is not consistent, so the status weight wins', (_, liveValue) => {
    const result = guard(albIngress(), withAnnotations({ [ACTION]: liveValue }), [mid20]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(20));
  });

  it.each([
    ['aborted', { stableRS: 'stable-hash', currentPodHash: 'canary-hash', currentStepIndex: 0, abort: true }],
    ['fully promoted', { stableRS: 'canary-hash', currentPodHash: 'canary-hash', currentStepIndex: 2 }],
    ['not started', { currentStepIndex: 0 }],
  ])('row 3: %s → 0%% canary, whatever the live value says', (_, status) => {
    const settled = rollout({ canary: { steps: [{ setWeight: 20 }, { pause: {} }] }, status });
    const result = guard(albIngress(), withAnnotations({ [ACTION]: weights(35) }), [settled]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(0));
  });

  it('row 3: after an abort the action is written in the controller bytes even when the live one means the same', () => {
    const aborted = rollout({
      canary: { steps: [{ setWeight: 20 }] },
      status: { stableRS: 'stable-hash', currentPodHash: 'canary-hash', abort: true },
    });
    const sameMeaning = weights(0).replace('"Type"', '"type"');
    const result = guard(albIngress(), withAnnotations({ [ACTION]: sameMeaning }), [aborted]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(0));
  });

  it('row 4: CREATE (no live object) gets the status weight, and injecting it is not an override', () => {
    const result = guard(albIngress(), undefined, [mid20]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(weights(20));
    expect(result.overrides).toEqual([]);
  });

  it('row 4: CREATE with a weight action hard-coded in git reports the replacement', () => {
    const hardCoded =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"stable-svc","servicePort":"443"}]}}';
    const result = guard(withAnnotations({ [ACTION]: hardCoded }), undefined, [mid20]);
    expect(result.overrides).toEqual([
      {
        key: ACTION,
        rollout: 'rollout',
        requested: hardCoded,
        admitted: weights(20),
        meaning: 'live traffic (canary 20%)',
        provider: 'alb',
      },
    ]);
  });
});

describe('which value wins: experiment destinations in the weight action', () => {
  const withExperiments = rollout({
    canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
    status: midRollout(20, {
      currentStepIndex: 1,
      canary: {
        weights: {
          canary: { weight: 20, serviceName: 'canary-svc' },
          stable: { weight: 65, serviceName: 'stable-svc' },
          additional: [
            { weight: 10, serviceName: 'exp-a' },
            { weight: 5, serviceName: 'exp-b' },
          ],
        },
      },
    }),
  });

  it('renders canary, experiments in order, then stable, and describes the experiments in the override', () => {
    const result = guard(albIngress(), withAnnotations({ [ACTION]: 'git' }), [withExperiments]);
    const expected = forward([
      ['canary-svc', 20],
      ['exp-a', 10],
      ['exp-b', 5],
      ['stable-svc', 65],
    ]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(expected);
    expect(result.overrides[0]).toMatchObject({
      key: ACTION,
      meaning: 'live traffic (canary 20%, experiments 15%)',
    });
  });

  it('row 1: keeps a live action with the same destinations and new weights', () => {
    const live = forward([
      ['canary-svc', 30],
      ['exp-a', 10],
      ['exp-b', 5],
      ['stable-svc', 55],
    ]);
    const result = guard(albIngress(), withAnnotations({ [ACTION]: live }), [withExperiments]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(live);
  });

  it('row 2: rejects a live action that lost an experiment destination', () => {
    const live = forward([
      ['canary-svc', 30],
      ['exp-a', 10],
      ['stable-svc', 60],
    ]);
    const result = guard(albIngress(), withAnnotations({ [ACTION]: live }), [withExperiments]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(
      forward([
        ['canary-svc', 20],
        ['exp-a', 10],
        ['exp-b', 5],
        ['stable-svc', 65],
      ]),
    );
  });
});

describe('which value wins: stickiness in the live weight action', () => {
  const sticky = albRollout(
    { stickinessConfig: { enabled: true, durationSeconds: 300 } },
    {
      canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
      status: midRollout(20, { currentStepIndex: 1 }),
    },
  );
  const stickyTail = (enabled: boolean, seconds: number) =>
    `,"TargetGroupStickinessConfig":{"Enabled":${enabled},"DurationSeconds":${seconds}}`;

  it('row 1: keeps a live action whose stickiness matches the spec', () => {
    const live = forward(
      [
        ['canary-svc', 35],
        ['stable-svc', 65],
      ],
      stickyTail(true, 300),
    );
    const result = guard(albIngress(), withAnnotations({ [ACTION]: live }), [sticky]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(live);
  });

  it.each([
    ['no stickiness block', ''],
    ['another duration', stickyTail(true, 60)],
    ['stickiness disabled', stickyTail(false, 300)],
    ['a stickiness block that is not an object', ',"TargetGroupStickinessConfig":true'],
  ])('row 2: %s → the status weight with the spec stickiness', (_, tail) => {
    const live = forward(
      [
        ['canary-svc', 35],
        ['stable-svc', 65],
      ],
      tail,
    );
    const result = guard(albIngress(), withAnnotations({ [ACTION]: live }), [sticky]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(
      forward(
        [
          ['canary-svc', 20],
          ['stable-svc', 80],
        ],
        stickyTail(true, 300),
      ),
    );
  });

  it('row 1: without stickiness in the spec, an explicit null block is the same as none', () => {
    const live = forward(
      [
        ['canary-svc', 35],
        ['stable-svc', 65],
      ],
      ',"TargetGroupStickinessConfig":null',
    );
    const result = guard(albIngress(), withAnnotations({ [ACTION]: live }), [mid20]);
    expect(annotationsOf(result.ingress)[ACTION]).toBe(live);
  });
});

describe('liveWeightActionIsConsistent on Rollouts without ALB routing', () => {
  const state = trafficStateOf(mid20, 'alb')!;
  it.each([
    [
      'canary without trafficRouting',
      { strategy: { canary: { stableService: 'stable-svc', canaryService: 'canary-svc' } } },
    ],
    ['blue-green', { strategy: { blueGreen: { activeService: 'stable-svc' } } }],
  ])('%s → false', (_, spec) => {
    const parsed = parseRollout({ metadata: { name: 'r', namespace: 'default' }, spec, status: {} });
    expect(parsed.findings).toEqual([]);
    expect(liveWeightActionIsConsistent(weights(20), parsed.value!, state)).toBe(false);
  });
});

describe('which value wins: header routes', () => {
  const active = headerRouteRollout(midRollout(20, { currentStepIndex: 1 }));

  it('row 5: keeps the live action bytes when only the key case differs', () => {
    const lower =
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"canary-svc","servicePort":"443","weight":100}]}}';
    const result = guard(
      albIngress(),
      withAnnotations({ [ROUTE_ACTION]: lower, [ROUTE_CONDITIONS]: CONDITION_BYTES }),
      [active],
    );
    expect(annotationsOf(result.ingress)[ROUTE_ACTION]).toBe(lower);
    expect(result.overrides.find((o) => o.key === ROUTE_ACTION)).toEqual({
      key: ROUTE_ACTION,
      rollout: 'rollout',
      requested: undefined,
      admitted: lower,
      live: lower,
      meaning: 'header route',
      provider: 'alb',
    });
  });

  it('row 5: keeps the live action bytes when only the key order differs', () => {
    const reordered =
      '{"ForwardConfig":{"TargetGroups":[{"Weight":100,"ServicePort":"443","ServiceName":"canary-svc"}]},"Type":"forward"}';
    const result = guard(albIngress(), withAnnotations({ [ROUTE_ACTION]: reordered }), [active]);
    expect(annotationsOf(result.ingress)[ROUTE_ACTION]).toBe(reordered);
  });

  it('row 5: keeps live condition bytes that differ only in key case', () => {
    const upper = CONDITION_BYTES.replace('"field"', '"Field"').replace('"values"', '"Values"');
    const result = guard(albIngress(), withAnnotations({ [ROUTE_CONDITIONS]: upper }), [active]);
    expect(annotationsOf(result.ingress)[ROUTE_CONDITIONS]).toBe(upper);
  });

  it.each([
    ['another weight', forward([['canary-svc', 50]])],
    ['another header value', CONDITION_BYTES.replace('"yes"', '"YES"')],
    ['text that is not JSON', '{"Type":'],
  ])('row 6: a live value with %s is replaced by the rendered one', (_, liveValue) => {
    const key = liveValue.startsWith('[') ? ROUTE_CONDITIONS : ROUTE_ACTION;
    const result = guard(albIngress(), withAnnotations({ [key]: liveValue }), [active]);
    expect(annotationsOf(result.ingress)[key]).toBe(key === ROUTE_CONDITIONS ? CONDITION_BYTES : ROUTE_BYTES);
  });

  it('row 6: a removed route is deleted when its live value is not JSON', () => {
    const promoted = headerRouteRollout({
      stableRS: 'canary-hash',
      currentPodHash: 'canary-hash',
      currentStepIndex: 3,
    });
    const live = withAnnotations({ [ROUTE_ACTION]: 'not json', [ROUTE_CONDITIONS]: '[' });
    const result = guard(live, live, [promoted]);
    expect(annotationsOf(result.ingress)[ROUTE_ACTION]).toBeUndefined();
    expect(annotationsOf(result.ingress)[ROUTE_CONDITIONS]).toBeUndefined();
    expect(result.overrides.map((o) => [o.key, o.requested, o.admitted])).toEqual([
      [ROUTE_ACTION, 'not json', undefined],
      [ROUTE_CONDITIONS, '[', undefined],
    ]);
  });

  it('row 6: a removed route is deleted even when its live value is well-formed', () => {
    const promoted = headerRouteRollout({
      stableRS: 'canary-hash',
      currentPodHash: 'canary-hash',
      currentStepIndex: 3,
    });
    const live = withAnnotations({ [ROUTE_ACTION]: ROUTE_BYTES, [ROUTE_CONDITIONS]: CONDITION_BYTES });
    const result = guard(live, live, [promoted]);
    expect(annotationsOf(result.ingress)).toEqual({
      ...CLASS,
      [ACTION]: weights(0),
      [MANAGED]: '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
    });
  });
});

describe('which value wins: the bookkeeping annotation', () => {
  it('row 7: writes the entries in Go map order even when the live copy means the same in another order', () => {
    const live = withAnnotations({
      [ACTION]: weights(20),
      [MANAGED]: '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"],"a-other":["x"]}',
    });
    const result = guard(albIngress(), live, [mid20]);
    expect(annotationsOf(result.ingress)[MANAGED]).toBe(
      '{"a-other":["x"],"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
    );
    // Restored silently: users never set the bookkeeping key.
    expect(result.overrides.map((o) => o.key)).toEqual([ACTION]);
  });
});

describe('guardIngress: Rollouts that cannot render, and several Rollouts on one Ingress', () => {
  it('reports the controller error and leaves the Ingress as requested when the Rollout service is not in its rules', () => {
    const requested = albIngress([v1Path('other-svc')], { ...CLASS, team: 'payments' });
    const result = guard(requested, requested, [mid20]);
    expect(result.errors.map((e) => e.rule)).toEqual(['alb-action-service-not-in-rules']);
    expect(result.errors[0]!.message).toMatch(/^ingress does not have service `stable-svc` in rules\. /);
    expect(result.ingress).toEqual(requested);
    expect(result.owners).toEqual([]);
    expect(result.overrides).toEqual([]);
  });

  it('skips a Rollout without ALB routing that was passed in the ALB list', () => {
    const nginxOnly = rollout({ canary: { trafficRouting: { nginx: { stableIngress: 'ingress' } } } });
    const result = guard(albIngress(), undefined, [nginxOnly]);
    expect(result).toEqual({ ingress: albIngress(), overrides: [], errors: [], owners: [] });
  });

  it('reconciles several Rollouts in name order, whatever order they are passed in', () => {
    const named = (name: string) =>
      rollout({
        name,
        canary: {
          stableService: `${name}-stable`,
          canaryService: `${name}-canary`,
          steps: [{ setWeight: 10 }, { pause: {} }],
        },
        status: {
          stableRS: 'stable-hash',
          currentPodHash: 'canary-hash',
          currentStepIndex: 1,
          canary: {
            weights: {
              canary: { weight: 10, serviceName: `${name}-canary` },
              stable: { weight: 90, serviceName: `${name}-stable` },
            },
          },
        },
      });
    const ingress = albIngress([
      v1Path('b-stable', '/b'),
      v1Path('c-stable', '/c'),
      v1Path('a-stable', '/a'),
    ]);
    const result = guard(ingress, undefined, [named('c'), named('a'), named('b')]);
    expect(result.owners).toEqual(['default/a', 'default/b', 'default/c']);
    const managed = JSON.parse(annotationsOf(result.ingress)[MANAGED]!) as Record<string, string[]>;
    expect(managed).toEqual({
      a: ['alb.ingress.kubernetes.io/actions.a-stable'],
      b: ['alb.ingress.kubernetes.io/actions.b-stable'],
      c: ['alb.ingress.kubernetes.io/actions.c-stable'],
    });
    const requested = albIngress(
      ingress.spec
        ? (ingress.spec as { rules: [{ http: { paths: JsonObject[] } }] }).rules[0].http.paths
        : [],
      {
        ...CLASS,
        'alb.ingress.kubernetes.io/actions.a-stable': 'x',
        'alb.ingress.kubernetes.io/actions.c-stable': 'y',
      },
    );
    const again = guard(requested, undefined, [named('c'), named('b'), named('a')]);
    expect(again.overrides.map((o) => [o.rollout, o.key])).toEqual([
      ['a', 'alb.ingress.kubernetes.io/actions.a-stable'],
      ['c', 'alb.ingress.kubernetes.io/actions.c-stable'],
    ]);
  });
});

describe('the providers behind the guard', () => {
  it('each reads the traffic state for its own block only', () => {
    const nginxOnly = rollout({
      canary: { trafficRouting: { nginx: { stableIngress: 'ingress' } } },
      status: midRollout(20),
    });
    expect(albTrafficProvider.trafficStateOf(mid20)).toMatchObject({
      canaryService: 'canary-svc',
      stableService: 'stable-svc',
      canaryWeight: 20,
      totalWeight: 100,
      source: 'status-weights',
    });
    expect(albTrafficProvider.trafficStateOf(nginxOnly)).toBeUndefined();
    expect(nginxTrafficProvider.trafficStateOf(nginxOnly)).toMatchObject({
      canaryWeight: 20,
      source: 'status-weights',
    });
    expect(nginxTrafficProvider.trafficStateOf(mid20)).toBeUndefined();
  });
});

describe('IngressObject.stringAnnotations', () => {
  it('keeps string values only', () => {
    expect(
      IngressObject.of({ metadata: { annotations: { a: 'x', n: 5, o: {}, z: null } } }).stringAnnotations(),
    ).toEqual({
      a: 'x',
    });
    expect(IngressObject.of({ metadata: { annotations: ['a'] } }).stringAnnotations()).toEqual({});
    expect(IngressObject.of(undefined).stringAnnotations()).toEqual({});
  });
});

describe('which value wins: the NGINX canary Ingress', () => {
  const nginxRollout = (nginx: Loose = {}, status: Loose = {}, extra: Loose = {}) =>
    rollout({
      name: 'web',
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { nginx: { stableIngress: 'web', ...nginx }, ...extra },
        steps: [{ setWeight: 30 }, { pause: {} }],
      },
      status: {
        stableRS: 'stable-hash',
        currentPodHash: 'canary-hash',
        currentStepIndex: 1,
        canary: {
          weights: {
            canary: { weight: 30, serviceName: 'web-canary' },
            stable: { weight: 70, serviceName: 'web-stable' },
          },
        },
        ...status,
      },
    });
  const ownerRef = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    name: 'web',
    uid: 'uid-1',
    controller: true,
  };
  const canaryIngress = (
    annotations?: Record<string, string>,
    refs: unknown[] = [ownerRef],
    name = 'web-web-canary',
  ): JsonObject => ({
    metadata: {
      name,
      namespace: 'default',
      ...(annotations ? { annotations } : {}),
      ownerReferences: refs as JsonObject[],
    },
    spec: { rules: [] },
  });
  const W = 'nginx.ingress.kubernetes.io/canary-weight';
  const C = 'nginx.ingress.kubernetes.io/canary';
  const T = 'nginx.ingress.kubernetes.io/canary-weight-total';
  const guardCanary = (requested: JsonObject, live: JsonObject | undefined, r: Rollout) =>
    guardIngress({ requested, live, albRollouts: [], rolloutNamed: (n) => (n === 'web' ? r : undefined) });

  it('row 8: keeps the canary-weight the controller just wrote', () => {
    const result = guardCanary(
      canaryIngress({ [C]: 'true', [W]: '0' }),
      canaryIngress({ [C]: 'true', [W]: '45' }),
      nginxRollout(),
    );
    expect(annotationsOf(result.ingress)).toEqual({ [C]: 'true', [W]: '45' });
    expect(result.owners).toEqual(['default/web']);
    expect(result.errors).toEqual([]);
    expect(result.overrides).toEqual([
      {
        key: W,
        rollout: 'web',
        requested: '0',
        admitted: '45',
        live: '45',
        meaning: 'live traffic (canary 30%)',
        provider: 'nginx',
      },
    ]);
  });

  it('leaves alone a canary Ingress controlled by an earlier Rollout of the same name (another UID)', () => {
    // The controller's metav1.IsControlledBy compares UIDs (argoproj/argo-rollouts master
    // 9f8d111, rollout/trafficrouting/nginx/nginx.go SetWeightPerIngress).
    const orphan = canaryIngress({ [C]: 'false', [W]: '0' }, [{ ...ownerRef, uid: 'uid-of-deleted' }]);
    const result = guardCanary(orphan, canaryIngress({ [C]: 'true', [W]: '45' }), nginxRollout());
    expect(annotationsOf(result.ingress)).toEqual({ [C]: 'false', [W]: '0' });
    expect(result.owners).toEqual([]);
    expect(result.overrides).toEqual([]);
  });

  it('row 11: restores every annotation the controller sets from the Rollout, and only those', () => {
    const H = 'nginx.ingress.kubernetes.io/canary-by-header';
    const r = nginxRollout({
      additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
      canaryIngressAnnotations: { 'example.com/team': 'shop' },
    });
    const result = guardCanary(
      canaryIngress({ [C]: 'true', [W]: '30', [H]: 'X-Other', 'example.com/team': 'x', mine: 'kept' }),
      canaryIngress({ [C]: 'true', [W]: '30', [H]: 'X-Canary', 'example.com/team': 'shop' }),
      r,
    );
    expect(annotationsOf(result.ingress)).toEqual({
      [C]: 'true',
      [W]: '30',
      [H]: 'X-Canary',
      'example.com/team': 'shop',
      mine: 'kept',
    });
    expect(result.overrides.map((o) => [o.key, o.meaning])).toEqual([
      [H, 'canary routing from the Rollout'],
      ['example.com/team', 'canary routing from the Rollout'],
    ]);
  });

  it.each(['0', '100'])('row 8: the bounds 0 and the total are valid live weights (%s)', (live) => {
    const result = guardCanary(canaryIngress({}), canaryIngress({ [W]: live }), nginxRollout());
    expect(annotationsOf(result.ingress)[W]).toBe(live);
  });

  it.each(['101', '-1', '4.5', '1e2', ' 45', '45 ', 'forty'])(
    'row 9: a live canary-weight of %j is not a weight in range, so the status weight wins',
    (live) => {
      const result = guardCanary(canaryIngress({}), canaryIngress({ [W]: live }), nginxRollout());
      expect(annotationsOf(result.ingress)[W]).toBe('30');
    },
  );

  it('row 9: an aborted Rollout gets 0 whatever the live weight', () => {
    const aborted = nginxRollout({}, { abort: true, currentStepIndex: 0, canary: {} });
    const result = guardCanary(canaryIngress({}), canaryIngress({ [W]: '30' }), aborted);
    expect(annotationsOf(result.ingress)).toEqual({ [C]: 'true', [W]: '0' });
  });

  it('row 10: maxTrafficWeight sets the total and bounds the live weight', () => {
    const weighted = nginxRollout({}, {}, { maxTrafficWeight: 200 });
    const result = guardCanary(
      canaryIngress({ [T]: '100' }),
      canaryIngress({ [W]: '150', [T]: '200' }),
      weighted,
    );
    expect(annotationsOf(result.ingress)).toEqual({ [C]: 'true', [W]: '150', [T]: '200' });
    expect(result.overrides.map((o) => [o.key, o.requested, o.admitted])).toEqual([
      // canary: "true" is injected (neither the request nor the live object had it), not overridden.
      [W, undefined, '150'],
      [T, '100', '200'],
    ]);
  });

  it('row 10: without maxTrafficWeight a canary-weight-total in the request is left alone', () => {
    const result = guardCanary(canaryIngress({ [T]: '1000' }), undefined, nginxRollout());
    expect(annotationsOf(result.ingress)).toEqual({ [T]: '1000', [C]: 'true', [W]: '30' });
  });

  it('uses the Rollout annotation prefix', () => {
    const prefixed = nginxRollout({ annotationPrefix: 'custom.nginx.org' });
    const result = guardCanary(
      canaryIngress(undefined),
      canaryIngress({ 'custom.nginx.org/canary-weight': '40' }),
      prefixed,
    );
    expect(annotationsOf(result.ingress)).toEqual({
      'custom.nginx.org/canary': 'true',
      'custom.nginx.org/canary-weight': '40',
    });
  });

  it('guards a canary Ingress whose metadata has no annotations map', () => {
    const result = guardCanary(canaryIngress(undefined), undefined, nginxRollout());
    expect(annotationsOf(result.ingress)).toEqual({ [C]: 'true', [W]: '30' });
  });

  it('guards the canary Ingress of a second stable Ingress (stableIngresses)', () => {
    const multi = rollout({
      name: 'web',
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        trafficRouting: { nginx: { stableIngresses: ['web', 'web-internal'] } },
        steps: [{ setWeight: 30 }],
      },
      status: { stableRS: 'stable-hash', currentPodHash: 'canary-hash', currentStepIndex: 0 },
    });
    const result = guardCanary(canaryIngress({}, [ownerRef], 'web-web-internal-canary'), undefined, multi);
    expect(result.owners).toEqual(['default/web']);
  });

  describe('owner references', () => {
    const lookupAny = (r: Rollout) => (requested: JsonObject) =>
      guardIngress({ requested, albRollouts: [], rolloutNamed: () => r });
    it.each([
      ['a Deployment', { ...ownerRef, kind: 'Deployment' }],
      ['a non-controller reference', { ...ownerRef, controller: false }],
      ['a reference without the controller flag', { ...ownerRef, controller: undefined }],
      ['a reference whose name is not a string', { ...ownerRef, name: 5 }],
    ])('are not owned by %s', (_, ref) => {
      const result = lookupAny(nginxRollout())(
        canaryIngress({ [W]: '5' }, [JSON.parse(JSON.stringify(ref))]),
      );
      expect(result.owners).toEqual([]);
      expect(annotationsOf(result.ingress)).toEqual({ [W]: '5' });
    });

    it('finds the controller reference after malformed and non-controller ones', () => {
      const result = lookupAny(nginxRollout())(
        canaryIngress({}, [null, 'x', { ...ownerRef, name: 'other', controller: false }, ownerRef]),
      );
      expect(result.owners).toEqual(['default/web']);
    });

    it.each([
      ['an ALB Rollout', rollout({ name: 'web' })],
      [
        'a canary Rollout without traffic routing',
        rollout({ name: 'web', canary: { trafficRouting: undefined } }),
      ],
    ])('are ignored when the owner is %s', (_, owner) => {
      const result = lookupAny(owner)(canaryIngress({ [W]: '5' }));
      expect(result.owners).toEqual([]);
    });

    it('are ignored when the owner is a blue-green Rollout', () => {
      const blueGreen = parsedValue(
        parseRollout({
          metadata: { name: 'web', namespace: 'default' },
          spec: { strategy: { blueGreen: { activeService: 'web-stable' } } },
          status: {},
        }),
      );
      const result = lookupAny(blueGreen)(canaryIngress({ [W]: '5' }));
      expect(result.owners).toEqual([]);
    });
  });
});
