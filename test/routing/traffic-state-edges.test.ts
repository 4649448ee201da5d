/**
 * The exported helpers of traffic-state.ts on Rollouts that lack the parts the main tests
 * always give them: a blue-green Rollout (no canary strategy), a canary without
 * `trafficRouting`, an empty `alb.ingress`, a half-written `pingPong`, and removed header
 * routes that were removed in an order other than `managedRoutes`.
 * Expected values are written out from argoproj/argo-rollouts v1.10.2:
 * utils/ingress/ingress.go (GetRolloutIngressKeys: an empty `ingress` names nothing),
 * rollout/trafficrouting/alb/alb.go and utils/defaults/defaults.go (GetStringOrDefault:
 * rootService, else stableService), rollout/trafficrouting.go (GetStableAndCanaryServices:
 * ping-pong fields are plain strings, "" when unset; maxTrafficWeight defaults to 100).
 */
import { describe, expect, it } from 'vitest';
import type { Rollout } from '../../src/routing/model.js';
import {
  albActionService,
  albServices,
  desiredWeightFromSteps,
  maxWeight,
  referencedIngresses,
  trafficStateOf,
} from '../../src/routing/traffic-state.js';
import { parseRollout } from '../../src/routing/wire/index.js';
import { midRollout, rollout } from './builders.js';

const blueGreen = (status: Record<string, unknown> = {}): Rollout =>
  parseRollout({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'bg', namespace: 'default' },
    spec: { strategy: { blueGreen: { activeService: 'active-svc' } } },
    status,
  }).value!;

/** A canary Rollout with Services but no traffic routing (the controller scales replicas only). */
const unrouted = rollout({ canary: { trafficRouting: null, steps: [{ setWeight: 30 }] } });

describe('a blue-green Rollout has no canary traffic at all', () => {
  it('references no Ingress, has no action Service and no ALB Services', () => {
    const bg = blueGreen();
    expect(bg.canary).toBeUndefined();
    expect(referencedIngresses(bg)).toEqual({ alb: [], nginx: [] });
    expect(albActionService(bg)).toBe('');
    expect(albServices(bg)).toEqual({ stable: '', canary: '' });
  });

  it('totals 100 and takes no weight from steps it does not have, whatever the step index says', () => {
    const bg = blueGreen({ currentStepIndex: 3 });
    expect(maxWeight(bg)).toBe(100);
    expect(desiredWeightFromSteps(bg)).toBe(0);
  });

  it('has no traffic state for any provider', () => {
    const bg = blueGreen({ stableRS: 'a', currentPodHash: 'b' });
    expect(trafficStateOf(bg, 'alb')).toBeUndefined();
    expect(trafficStateOf(bg, 'nginx')).toBeUndefined();
    expect(trafficStateOf(bg, 'gateway-api')).toBeUndefined();
  });
});

describe('a canary Rollout without trafficRouting', () => {
  it('uses stableService as the action Service and totals 100', () => {
    expect(albActionService(unrouted)).toBe('stable-svc');
    expect(maxWeight(unrouted)).toBe(100);
    expect(referencedIngresses(unrouted)).toEqual({ alb: [], nginx: [] });
  });
});

describe('Ingress names and Services that are left empty', () => {
  it('an empty or missing alb.ingress (and nginx.stableIngress) names no Ingress', () => {
    const empty = rollout({ canary: { trafficRouting: { alb: { ingress: '', servicePort: 80 } } } });
    expect(referencedIngresses(empty)).toEqual({ alb: [], nginx: [] });
    const none = rollout({
      canary: { trafficRouting: { alb: { servicePort: 80 }, nginx: { stableIngress: '' } } },
    });
    expect(referencedIngresses(none)).toEqual({ alb: [], nginx: [] });
  });

  it('a pingPong block with one Service set leaves the other empty, in both orientations', () => {
    const ping = (stablePingPong: string) =>
      rollout({
        canary: { pingPong: { pingService: 'ping-svc' } },
        status: { canary: { stablePingPong } },
      });
    expect(albServices(ping('ping'))).toEqual({ stable: 'ping-svc', canary: '' });
    expect(albServices(ping('pong'))).toEqual({ stable: '', canary: 'ping-svc' });
    const pong = rollout({ canary: { pingPong: { pongService: 'pong-svc' } }, status: {} });
    expect(albServices(pong)).toEqual({ stable: 'pong-svc', canary: '' });
  });

  it('without pingPong, a missing stableService or canaryService is empty', () => {
    const r = rollout({ canary: { stableService: null, canaryService: null } });
    expect(albServices(r)).toEqual({ stable: '', canary: '' });
  });
});

describe('removed header routes', () => {
  it('are listed in managedRoutes order, not in the order their steps removed them', () => {
    const set = (name: string) => ({
      setHeaderRoute: { name, match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }] },
    });
    const remove = (name: string) => ({ setHeaderRoute: { name } });
    const r = rollout({
      canary: {
        trafficRouting: {
          managedRoutes: [{ name: 'route-a' }, { name: 'route-b' }],
          alb: { ingress: 'ingress', servicePort: 443 },
        },
        steps: [set('route-b'), set('route-a'), remove('route-b'), remove('route-a'), { pause: {} }],
      },
      status: midRollout(0, { currentStepIndex: 4 }),
      annotations: { 'rollout.argoproj.io/revision': '2' },
    });
    const state = trafficStateOf(r, 'alb')!;
    expect(state.headerRoutes).toEqual([]);
    expect(state.removedRoutes).toEqual(['route-a', 'route-b']);
  });
});
