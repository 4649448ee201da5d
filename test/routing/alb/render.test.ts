import { describe, expect, it } from 'vitest';
import {
  STICKINESS_DURATION_ERROR,
  albAnnotationKey,
  renderHeaderRouteAction,
  renderHeaderRouteConditions,
  renderWeightAction,
} from '../../../src/routing/alb/render.js';
import type { HeaderRoutingMatch, TrafficState } from '../../../src/routing/model.js';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import { albRollout, midRollout, rollout } from '../builders.js';

const TG = (svc: string, w: number, port = '443') =>
  `{"ServiceName":"${svc}","ServicePort":"${port}","Weight":${w}}`;
const forward = (groups: string[], sticky = '') =>
  `{"Type":"forward","ForwardConfig":{"TargetGroups":[${groups.join(',')}]${sticky}}}`;

function state(overrides: Partial<TrafficState> = {}): TrafficState {
  return {
    stableService: 'stable-svc',
    canaryService: 'canary-svc',
    canaryWeight: 10,
    additional: [],
    totalWeight: 100,
    headerRoutes: [],
    removedRoutes: [],
    source: 'status-weights',
    ...overrides,
  };
}

const value = (r: ReturnType<typeof renderWeightAction>) => (r.ok ? r.value : `ERROR ${r.error}`);

describe('albAnnotationKey (argo alb.go)', () => {
  it('argo alb.go concatenates prefix, /actions. or /conditions., and the name', () => {
    expect(albAnnotationKey('alb.ingress.kubernetes.io', 'actions', 'stable-svc')).toBe(
      'alb.ingress.kubernetes.io/actions.stable-svc',
    );
    expect(albAnnotationKey('custom.io', 'conditions', 'hdr')).toBe('custom.io/conditions.hdr');
  });

  it('argo alb.go a prefix ending in / gives // (quirk preserved)', () => {
    expect(albAnnotationKey('alb.ingress.kubernetes.io/', 'actions', 's')).toBe(
      'alb.ingress.kubernetes.io//actions.s',
    );
  });
});

describe('renderWeightAction (argo alb.go, argo alb_test.go worked examples byte-for-byte)', () => {
  it('argo alb_test.go weight 10', () => {
    expect(value(renderWeightAction(rollout(), state()))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}]}}',
    );
  });

  it('argo alb_test.go weight 0 and weight 100', () => {
    expect(value(renderWeightAction(rollout(), state({ canaryWeight: 0 })))).toBe(
      forward([TG('canary-svc', 0), TG('stable-svc', 100)]),
    );
    expect(value(renderWeightAction(rollout(), state({ canaryWeight: 100 })))).toBe(
      forward([TG('canary-svc', 100), TG('stable-svc', 0)]),
    );
  });

  it('argo alb_test.go with stickinessConfig {enabled:true,durationSeconds:300}', () => {
    const r = albRollout({ stickinessConfig: { enabled: true, durationSeconds: 300 } });
    expect(value(renderWeightAction(r, state()))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"stable-svc","ServicePort":"443","Weight":90}],"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":300}}}',
    );
  });

  it('argo alb_test.go with experiment destinations ex-svc-1 (2) and ex-svc-2 (3) at weight 10', () => {
    const s = state({
      additional: [
        { serviceName: 'ex-svc-1', weight: 2 },
        { serviceName: 'ex-svc-2', weight: 3 },
      ],
    });
    expect(value(renderWeightAction(rollout(), s))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":10},{"ServiceName":"ex-svc-1","ServicePort":"443","Weight":2},{"ServiceName":"ex-svc-2","ServicePort":"443","Weight":3},{"ServiceName":"stable-svc","ServicePort":"443","Weight":85}]}}',
    );
  });

  it('argo alb_test.go the same bytes come out of trafficStateOf on the worked-example Rollout', () => {
    const r = rollout({ status: midRollout(10) });
    expect(value(renderWeightAction(r, trafficStateOf(r, 'alb')!))).toBe(
      forward([TG('canary-svc', 10), TG('stable-svc', 90)]),
    );
  });

  it('argo alb.go the stable weight is not clamped: it can be negative', () => {
    const s = state({ canaryWeight: 90, additional: [{ serviceName: 'ex', weight: 20 }] });
    expect(value(renderWeightAction(rollout(), s))).toBe(
      forward([TG('canary-svc', 90), TG('ex', 20), TG('stable-svc', -10)]),
    );
  });

  it('argo alb.go stickiness out of 1..604800 fails with the controller message; bounds are inclusive', () => {
    const sticky = (durationSeconds: number, enabled = true) =>
      renderWeightAction(
        rollout({
          canary: {
            trafficRouting: {
              alb: { ingress: 'i', servicePort: 443, stickinessConfig: { enabled, durationSeconds } },
            },
          },
        }),
        state(),
      );
    expect(sticky(0)).toEqual({ ok: false, error: STICKINESS_DURATION_ERROR });
    expect(sticky(604801)).toEqual({ ok: false, error: STICKINESS_DURATION_ERROR });
    expect(STICKINESS_DURATION_ERROR).toBe(
      "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)!",
    );
    expect(value(sticky(1))).toContain(
      '"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":1}}}',
    );
    expect(value(sticky(604800))).toContain('"DurationSeconds":604800}}}');
  });

  it('argo alb.go stickiness enabled:false omits the block and skips the duration check', () => {
    const r = rollout({
      canary: {
        trafficRouting: {
          alb: { ingress: 'i', servicePort: 443, stickinessConfig: { enabled: false, durationSeconds: 0 } },
        },
      },
    });
    expect(value(renderWeightAction(r, state()))).toBe(forward([TG('canary-svc', 10), TG('stable-svc', 90)]));
  });

  it('argo alb.go ServicePort is a string, "0" when unset; an empty ServiceName is omitted', () => {
    const r = rollout({ canary: { trafficRouting: { alb: { ingress: 'i' } } } });
    expect(value(renderWeightAction(r, state({ canaryService: '' })))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServicePort":"0","Weight":10},{"ServiceName":"stable-svc","ServicePort":"0","Weight":90}]}}',
    );
  });

  it('argo alb.go ping-pong: the target groups follow status.canary.stablePingPong', () => {
    const pp = (stablePingPong: string) => {
      const r = rollout({
        canary: {
          pingPong: { pingService: 'ping-svc', pongService: 'pong-svc' },
          trafficRouting: { alb: { ingress: 'i', servicePort: 80, rootService: 'root-svc' } },
        },
        status: midRollout(25, { canary: { ...(midRollout(25).canary as object), stablePingPong } }),
      });
      return value(renderWeightAction(r, trafficStateOf(r, 'alb')!));
    };
    expect(pp('ping')).toBe(forward([TG('pong-svc', 25, '80'), TG('ping-svc', 75, '80')]));
    expect(pp('pong')).toBe(forward([TG('ping-svc', 25, '80'), TG('pong-svc', 75, '80')]));
  });

  it('argo alb.go service names are Go-escaped (HTML-safe)', () => {
    expect(value(renderWeightAction(rollout(), state({ canaryService: 'a<b>&c' })))).toContain(
      '"ServiceName":"a\\u003cb\\u003e\\u0026c"',
    );
  });

  it('reports a Rollout without ALB routing instead of rendering', () => {
    const r = rollout({ canary: { trafficRouting: { nginx: { stableIngress: 'x' } } } });
    expect(renderWeightAction(r, state()).ok).toBe(false);
    expect(renderHeaderRouteAction(r, state()).ok).toBe(false);
  });
});

describe('header routes (argo alb.go)', () => {
  const m = (headerName: string, headerValue: HeaderRoutingMatch['headerValue']): HeaderRoutingMatch => ({
    headerName,
    headerValue,
  });

  it('argo alb.go the action sends everything to the canary at weight 100', () => {
    expect(value(renderHeaderRouteAction(rollout(), state()))).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"canary-svc","ServicePort":"443","Weight":100}]}}',
    );
  });

  it('argo alb.go the action carries the sticky block and its duration check', () => {
    const sticky = (durationSeconds: number) =>
      rollout({
        canary: {
          trafficRouting: {
            alb: { ingress: 'i', servicePort: 443, stickinessConfig: { enabled: true, durationSeconds } },
          },
        },
      });
    expect(value(renderHeaderRouteAction(sticky(60), state()))).toBe(
      forward(
        [TG('canary-svc', 100)],
        ',"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":60}',
      ),
    );
    expect(renderHeaderRouteAction(sticky(-1), state())).toEqual({
      ok: false,
      error: STICKINESS_DURATION_ERROR,
    });
  });

  it('argo alb.go one condition per match, exact value only', () => {
    expect(renderHeaderRouteConditions([m('x-canary', { exact: 'yes' })])).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-canary","values":["yes"]}}]',
    );
  });

  it('argo alb.go HEAD merges matches with the identical header name into the first entry, in order', () => {
    expect(
      renderHeaderRouteConditions([
        m('x-a', { exact: '1' }),
        m('x-b', { exact: '2' }),
        m('x-a', { exact: '3' }),
        m('X-A', { exact: '4' }),
      ]),
    ).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-a","values":["1","3"]}},' +
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-b","values":["2"]}},' +
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-A","values":["4"]}}]',
    );
  });

  it('argo alb.go prefix-only, regex-only or missing values contribute ""', () => {
    expect(renderHeaderRouteConditions([m('h', { prefix: 'p' }), m('g', null)])).toBe(
      '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"h","values":[""]}},' +
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"g","values":[""]}}]',
    );
  });

  it('argo alb.go match: [] renders the literal null', () => {
    expect(renderHeaderRouteConditions([])).toBe('null');
  });

  it('argo alb.go header values are Go-escaped', () => {
    expect(renderHeaderRouteConditions([m('h', { exact: '<&>\u2028' })])).toContain(
      '"values":["\\u003c\\u0026\\u003e\\u2028"]',
    );
  });
});
