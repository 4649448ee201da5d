import { describe, expect, it } from 'vitest';
import {
  albActionService,
  albServices,
  desiredWeightFromSteps,
  referencedIngresses,
  stableWeightOf,
  trafficStateOf,
} from '../../src/routing/traffic-state.js';
import { midRollout, rollout } from './builders.js';

const nginxRouting = { nginx: { stableIngress: 'web' } };
const headerStep = (name: string, exact: string | null) => ({
  setHeaderRoute:
    exact === null ? { name } : { name, match: [{ headerName: 'x-canary', headerValue: { exact } }] },
});

describe('referencedIngresses (argo types.go, argo validation_references.go HEAD)', () => {
  it('argo types.go reads alb.ingress or alb.ingresses, nginx.stableIngress or stableIngresses', () => {
    expect(referencedIngresses(rollout())).toEqual({ alb: ['ingress'], nginx: [] });
    const both = rollout({
      canary: {
        trafficRouting: {
          alb: { ingresses: ['a', 'b', 'a', ''], servicePort: 80 },
          nginx: { stableIngresses: ['n1'] },
        },
      },
    });
    expect(referencedIngresses(both)).toEqual({ alb: ['a', 'b'], nginx: ['n1'] });
  });

  it('argo validation_references.go an empty `ingresses: []` references nothing; a rollout without traffic routing neither', () => {
    expect(
      referencedIngresses(rollout({ canary: { trafficRouting: { alb: { ingresses: [] } } } })).alb,
    ).toEqual([]);
    expect(referencedIngresses(rollout({ canary: { trafficRouting: null } }))).toEqual({
      alb: [],
      nginx: [],
    });
  });

  it('argo validation_references.go with both single and list set (invalid in HEAD), the list is used as the controller does', () => {
    const r = rollout({ canary: { trafficRouting: { alb: { ingress: 'one', ingresses: ['two'] } } } });
    expect(referencedIngresses(r).alb).toEqual(['two']);
  });
});

describe('service names (argo alb.go)', () => {
  it('argo alb.go the action service is rootService, else stableService', () => {
    expect(albActionService(rollout())).toBe('stable-svc');
    const root = rollout({
      canary: { trafficRouting: { alb: { ingress: 'i', servicePort: 80, rootService: 'root' } } },
    });
    expect(albActionService(root)).toBe('root');
    expect(albActionService(rollout({ canary: { stableService: null, trafficRouting: null } }))).toBe('');
  });

  it('argo alb.go ping-pong: "ping" makes ping stable; "pong", empty or other makes pong stable', () => {
    const pp = (stablePingPong?: string) =>
      rollout({
        canary: { pingPong: { pingService: 'ping', pongService: 'pong' } },
        status: stablePingPong ? { canary: { stablePingPong } } : {},
      });
    expect(albServices(pp('ping'))).toEqual({ stable: 'ping', canary: 'pong' });
    expect(albServices(pp('pong'))).toEqual({ stable: 'pong', canary: 'ping' });
    expect(albServices(pp())).toEqual({ stable: 'pong', canary: 'ping' });
    expect(albServices(pp('other'))).toEqual({ stable: 'pong', canary: 'ping' });
  });

  it('argo alb.go HEAD: ALB prefers ping-pong even when stable/canary are set; NGINX uses stable/canary', () => {
    const r = rollout({
      canary: {
        pingPong: { pingService: 'ping', pongService: 'pong' },
        trafficRouting: { alb: { ingress: 'i', servicePort: 80 }, ...nginxRouting },
      },
      status: { canary: { stablePingPong: 'ping' } },
    });
    expect(trafficStateOf(r, 'alb')).toMatchObject({ stableService: 'ping', canaryService: 'pong' });
    expect(trafficStateOf(r, 'nginx')).toMatchObject({
      stableService: 'stable-svc',
      canaryService: 'canary-svc',
    });
  });

  it('argo alb.go without pingPong, ALB uses stableService/canaryService', () => {
    expect(albServices(rollout())).toEqual({ stable: 'stable-svc', canary: 'canary-svc' });
  });
});

describe('desiredWeightFromSteps (argo trafficrouting.go)', () => {
  const steps = [{ setWeight: 10 }, { pause: {} }, { setWeight: 40 }, { pause: {} }];
  const at = (currentStepIndex: number | undefined, extra = {}) =>
    desiredWeightFromSteps(rollout({ canary: { steps, ...extra }, status: { currentStepIndex } }));

  it('argo trafficrouting.go nearest setWeight at or before the index', () => {
    expect(at(0)).toBe(10);
    expect(at(1)).toBe(10);
    expect(at(2)).toBe(40);
    expect(at(3)).toBe(40);
    expect(at(undefined)).toBe(10);
  });

  it('argo trafficrouting.go 0 when no setWeight precedes the index', () => {
    expect(desiredWeightFromSteps(rollout({ canary: { steps: [{ pause: {} }, { setWeight: 5 }] } }))).toBe(0);
  });

  it('argo trafficrouting.go past the last step: 100, or maxTrafficWeight (argo trafficrouting.go)', () => {
    expect(at(4)).toBe(100);
    expect(at(9)).toBe(100);
    expect(at(4, { trafficRouting: { ...nginxRouting, maxTrafficWeight: 1000 } })).toBe(1000);
  });

  it('argo trafficrouting.go: no steps gives 0', () => {
    expect(desiredWeightFromSteps(rollout())).toBe(0);
  });
});

describe('trafficStateOf (argo trafficrouting.go, issue item 2)', () => {
  it('returns undefined when the Rollout does not use the provider', () => {
    expect(trafficStateOf(rollout(), 'nginx')).toBeUndefined();
    expect(trafficStateOf(rollout({ canary: { trafficRouting: null } }), 'alb')).toBeUndefined();
  });

  it('argo trafficrouting.go status.canary.weights is the truth source mid-rollout, additional destinations included', () => {
    const status = midRollout(10, { currentStepIndex: 3 });
    (status.canary as { weights: { additional: unknown } }).weights.additional = [
      { serviceName: 'ex-svc-1', weight: 2, podTemplateHash: 'e1' },
      { serviceName: 'ex-svc-2', weight: 3 },
    ];
    const state = trafficStateOf(rollout({ canary: { steps: [{ setWeight: 50 }] }, status }), 'alb');
    expect(state).toEqual({
      stableService: 'stable-svc',
      canaryService: 'canary-svc',
      canaryWeight: 10,
      additional: [
        { serviceName: 'ex-svc-1', weight: 2, podTemplateHash: 'e1' },
        { serviceName: 'ex-svc-2', weight: 3 },
      ],
      totalWeight: 100,
      headerRoutes: [],
      removedRoutes: [],
      source: 'status-weights',
    });
    expect(stableWeightOf(state!)).toBe(85);
  });

  it('argo trafficrouting.go: fully promoted gives 0 even if the status still holds an old weight', () => {
    const state = trafficStateOf(
      rollout({ status: { ...midRollout(100), currentPodHash: 'stable-hash' } }),
      'alb',
    );
    expect(state).toMatchObject({ canaryWeight: 0, additional: [], source: 'fully-promoted' });
  });

  it('argo trafficrouting.go both hashes empty (never started) gives 0, source not-started', () => {
    expect(trafficStateOf(rollout({ canary: { steps: [{ setWeight: 30 }] } }), 'alb')).toMatchObject({
      canaryWeight: 0,
      source: 'not-started',
    });
  });

  it('argo trafficrouting.go: aborted gives 0', () => {
    const state = trafficStateOf(rollout({ status: midRollout(30, { abort: true }) }), 'alb');
    expect(state).toMatchObject({ canaryWeight: 0, source: 'aborted' });
  });

  it('argo trafficrouting.go with dynamicStableScale: the status weight stays the truth while it scales down', () => {
    const state = trafficStateOf(
      rollout({ canary: { dynamicStableScale: true }, status: midRollout(30, { abort: true }) }),
      'alb',
    );
    expect(state).toMatchObject({ canaryWeight: 30, source: 'status-weights', removedRoutes: [] });
  });

  it('argo trafficrouting.go without status weights, the steps decide (source steps)', () => {
    const state = trafficStateOf(
      rollout({
        canary: { steps: [{ setWeight: 20 }, { pause: {} }] },
        status: { stableRS: 'a', currentPodHash: 'b', currentStepIndex: 1 },
      }),
      'alb',
    );
    expect(state).toMatchObject({ canaryWeight: 20, source: 'steps' });
  });

  it('argo trafficrouting.go: promoteFull keeps the recorded weight, or 0 without one, and removes routes', () => {
    const canary = {
      trafficRouting: { alb: { ingress: 'i', servicePort: 1 }, managedRoutes: [{ name: 'h' }] },
    };
    const withWeights = trafficStateOf(
      rollout({ canary, status: midRollout(40, { promoteFull: true }) }),
      'alb',
    );
    expect(withWeights).toMatchObject({ canaryWeight: 40, removedRoutes: ['h'], headerRoutes: [] });
    const without = trafficStateOf(
      rollout({ canary, status: { stableRS: 'a', currentPodHash: 'b', promoteFull: true } }),
      'alb',
    );
    expect(without).toMatchObject({ canaryWeight: 0, source: 'steps' });
  });

  it('argo nginx.go NGINX: totalWeight is maxTrafficWeight, additional destinations and header routes ignored', () => {
    const status = midRollout(300);
    (status.canary as { weights: { additional: unknown } }).weights.additional = [
      { serviceName: 'x', weight: 1 },
    ];
    const state = trafficStateOf(
      rollout({
        canary: {
          trafficRouting: { ...nginxRouting, maxTrafficWeight: 1000, managedRoutes: [{ name: 'h' }] },
          steps: [headerStep('h', 'yes')],
        },
        status,
      }),
      'nginx',
    );
    expect(state).toEqual({
      stableService: 'stable-svc',
      canaryService: 'canary-svc',
      canaryWeight: 300,
      additional: [],
      source: 'status-weights',
      totalWeight: 1000,
      headerRoutes: [],
      removedRoutes: [],
    });
    expect(stableWeightOf(state!)).toBe(700);
  });

  it('argo nginx.go NGINX without maxTrafficWeight totals 100', () => {
    const state = trafficStateOf(rollout({ canary: { trafficRouting: nginxRouting } }), 'nginx');
    expect(state).toMatchObject({ totalWeight: 100, canaryWeight: 0, stableService: 'stable-svc' });
    const bare = trafficStateOf(
      rollout({ canary: { stableService: null, canaryService: null, trafficRouting: nginxRouting } }),
      'nginx',
    );
    expect(bare).toMatchObject({ stableService: '', canaryService: '' });
  });
});

describe('header routes in the traffic state (argo alb.go)', () => {
  const managedRoutes = [{ name: 'second' }, { name: 'first' }];
  const steps = [
    { setWeight: 10 },
    headerStep('first', 'a'),
    headerStep('second', 'b'),
    { pause: {} },
    headerStep('first', null),
    { pause: {} },
    headerStep('first', 'c'),
  ];
  const at = (currentStepIndex: number, extra = {}) =>
    trafficStateOf(
      rollout({
        canary: { trafficRouting: { alb: { ingress: 'i', servicePort: 80 }, managedRoutes }, steps },
        status: midRollout(10, { currentStepIndex, ...extra }),
      }),
      'alb',
    )!;

  it('argo alb.go a route is active from its step on, and stays active on later steps', () => {
    expect(at(0).headerRoutes).toEqual([]);
    expect(at(1).headerRoutes).toEqual([
      { name: 'first', matches: [{ headerName: 'x-canary', headerValue: { exact: 'a' } }] },
    ]);
    expect(at(3).headerRoutes.map((r) => r.name)).toEqual(['second', 'first']);
  });

  it('argo alb.go a later same-name step with null match removes it; a still later one re-adds it', () => {
    expect(at(4)).toMatchObject({ removedRoutes: ['first'] });
    expect(at(4).headerRoutes.map((r) => r.name)).toEqual(['second']);
    expect(at(6).removedRoutes).toEqual([]);
    expect(at(6).headerRoutes.find((r) => r.name === 'first')?.matches[0]?.headerValue).toEqual({
      exact: 'c',
    });
  });

  it('argo alb.go past the last step (not yet promoted) routes stay', () => {
    expect(at(7).headerRoutes.map((r) => r.name)).toEqual(['second', 'first']);
  });

  it('argo alb.go promoted or aborted: RemoveManagedRoutes removes every managed route', () => {
    expect(at(3, { abort: true })).toMatchObject({ headerRoutes: [], removedRoutes: ['second', 'first'] });
    expect(at(3, { currentPodHash: 'stable-hash' })).toMatchObject({
      headerRoutes: [],
      removedRoutes: ['second', 'first'],
    });
  });

  it('argo alb.go gate: with revision 1 the controller never sets header routes; revision 2 does', () => {
    const withRevision = (revision: string) =>
      trafficStateOf(
        rollout({
          canary: { trafficRouting: { alb: { ingress: 'i', servicePort: 80 }, managedRoutes }, steps },
          status: midRollout(10, { currentStepIndex: 3 }),
          annotations: { 'rollout.argoproj.io/revision': revision },
        }),
        'alb',
      )!;
    expect(withRevision('1').headerRoutes).toEqual([]);
    expect(withRevision('2').headerRoutes.map((r) => r.name)).toEqual(['second', 'first']);
  });

  it('argo alb.go + argo alb.go quirk: aborted at a setHeaderRoute step, the controller re-adds that route after removing', () => {
    const abortedAt = (currentStepIndex: number) =>
      trafficStateOf(
        rollout({
          canary: {
            trafficRouting: { alb: { ingress: 'i', servicePort: 80 }, managedRoutes },
            steps: [headerStep('first', 'x'), { setWeight: 10 }, headerStep('second', 'y')],
          },
          status: midRollout(10, { currentStepIndex, abort: true }),
        }),
        'alb',
      )!;
    expect(abortedAt(0)).toMatchObject({ removedRoutes: ['second'], headerRoutes: [{ name: 'first' }] });
    expect(abortedAt(1)).toMatchObject({ removedRoutes: ['second', 'first'], headerRoutes: [] });
  });

  it('routes not listed in managedRoutes (invalid spec) sort after the listed ones', () => {
    const state = trafficStateOf(
      rollout({
        canary: {
          trafficRouting: { alb: { ingress: 'i', servicePort: 80 }, managedRoutes: [{ name: 'b' }] },
          steps: [headerStep('x', 'v'), headerStep('b', 'v')],
        },
        status: midRollout(0, { currentStepIndex: 1 }),
      }),
      'alb',
    )!;
    expect(state.headerRoutes.map((r) => r.name)).toEqual(['b', 'x']);
  });
});
