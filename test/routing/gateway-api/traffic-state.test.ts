/**
 * The traffic state of a Rollout for the Gateway API plugin: the weight as for the other
 * providers, services from the spec, and header routes with the plugin's own semantics
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/httproute.go:
 * SetHeaderRoute upserts its rules at the end; a step without `match` calls
 * removeHTTPManagedRoutes, which removes every managed route's rules).
 */
import { describe, expect, it } from 'vitest';
import { trafficStateOf } from '../../../src/routing/traffic-state.js';
import type { JsonObject } from '../../../src/routing/model.js';
import { CANARY, STABLE, midCanary, pluginRollout } from './builders.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

const set = (name: string, value: string): JsonObject => ({
  setHeaderRoute: { name, match: [{ headerName: 'x', headerValue: { exact: value } }] },
});
const clear = (name: string): JsonObject => ({ setHeaderRoute: { name } });

describe("trafficStateOf(rollout, 'gateway-api')", () => {
  it('is undefined without the plugin configuration', () => {
    const r = pluginRollout();
    const withoutPlugin = {
      ...r,
      canary: { ...r.canary!, trafficRouting: { ...r.canary!.trafficRouting!, gatewayApi: undefined } },
    };
    expect(trafficStateOf(withoutPlugin, 'gateway-api')).toBeUndefined();
  });

  it('names no Service the spec leaves out, and removes no route without managedRoutes', () => {
    const r = pluginRollout({ steps: [set('a', '1'), { pause: {} }], status: midCanary(1, 10) });
    const bare = {
      ...r,
      canary: {
        ...r.canary!,
        stableService: undefined,
        canaryService: undefined,
        trafficRouting: { ...r.canary!.trafficRouting!, managedRoutes: undefined },
      },
    };
    expect(trafficStateOf(bare, 'gateway-api')).toMatchObject({
      stableService: '',
      canaryService: '',
      canaryWeight: 10,
      headerRoutes: [{ name: 'a' }],
      removedRoutes: [],
    });
  });

  it('takes the spec Services and the recorded weight, with 100 as the total whatever maxTrafficWeight says', () => {
    const state = trafficStateOf(pluginRollout({ status: midCanary(1, 20) }), 'gateway-api');
    expect(state).toMatchObject({
      stableService: STABLE,
      canaryService: CANARY,
      canaryWeight: 20,
      totalWeight: 100,
      source: 'status-weights',
      headerRoutes: [],
    });
  });

  it('orders header routes by the step that set them last, as the plugin appends its rules', () => {
    const steps = [set('b', '1'), set('a', '1'), { setWeight: 10 }, set('b', '2'), { pause: {} }];
    const state = trafficStateOf(
      pluginRollout({ steps, managedRoutes: ['a', 'b'], status: midCanary(4, 10) }),
      'gateway-api',
    );
    expect(state?.headerRoutes.map((r) => [r.name, r.matches[0]?.headerValue?.exact])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('drops every header route at a setHeaderRoute step without match, not only its own', () => {
    const steps = [set('a', '1'), set('b', '1'), clear('a'), set('c', '1'), { pause: {} }];
    const state = trafficStateOf(
      pluginRollout({ steps, managedRoutes: ['a', 'b', 'c'], status: midCanary(4, 0) }),
      'gateway-api',
    );
    expect(state?.headerRoutes.map((r) => r.name)).toEqual(['c']);
    expect(state?.removedRoutes).toEqual(['a', 'b']);
  });

  it('has no header routes for revision 1, after promotion, or after an abort past step 0', () => {
    const steps = [{ setWeight: 10 }, set('a', '1'), { pause: {} }];
    const opts = { steps, managedRoutes: ['a'] };
    expect(
      trafficStateOf(pluginRollout({ ...opts, revision: '1', status: midCanary(2, 10) }), 'gateway-api')
        ?.headerRoutes,
    ).toEqual([]);
    expect(
      trafficStateOf(
        pluginRollout({ ...opts, status: { ...midCanary(3, 10), stableRS: 'new' } }),
        'gateway-api',
      )?.headerRoutes,
    ).toEqual([]);
    expect(
      trafficStateOf(pluginRollout({ ...opts, status: midCanary(0, 10, { abort: true }) }), 'gateway-api'),
    ).toMatchObject({ headerRoutes: [], canaryWeight: 0, source: 'aborted' });
  });

  scalingTest('walks the steps in linear time (scaling)', () => {
    const rollout = (n: number) =>
      pluginRollout({
        steps: Array.from({ length: n }, (_, i) => set(`r${i % 50}`, String(i))),
        managedRoutes: Array.from({ length: 50 }, (_, i) => `r${i}`),
        status: midCanary(n - 1, 10),
      });
    expectLinear(
      measureScaling(rollout, (r) => trafficStateOf(r, 'gateway-api'), 2000),
      'trafficStateOf, n steps',
    );
  });
});
