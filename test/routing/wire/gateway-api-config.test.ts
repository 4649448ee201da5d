/**
 * Reading the plugin configuration as argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
 * v0.15.0 reads it (pkg/plugin/types.go, plugin.go `getGatewayAPITrafficRoutingConfig`,
 * `insertGatewayAPIRouteLists`; internal/defaults/defaults.go; plugin_test.go
 * `TestNamespaceDefaulting`).
 */
import { describe, expect, it } from 'vitest';
import { FieldPath } from '../../../src/routing/findings/index.js';
import { routeNamespace } from '../../../src/routing/gateway-api/index.js';
import { readGatewayApiConfig } from '../../../src/routing/wire/gateway-api-config.js';
import { JsonReader } from '../../../src/routing/wire/json-reader.js';
import type { Json } from '../../../src/routing/model.js';
import { pluginRollout } from '../gateway-api/builders.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

function read(value: Json) {
  const r = new JsonReader();
  const config = readGatewayApiConfig(r, value, FieldPath.of('cfg'));
  return { config, problems: r.problems };
}

describe('Gateway API plugin configuration', () => {
  it('appends the single httpRoute/grpcRoute to the lists with useHeaderRoutes true (insertGatewayAPIRouteLists)', () => {
    const { config } = read({
      httpRoutes: [{ name: 'a' }, { name: 'b', useHeaderRoutes: true }],
      httpRoute: 'c',
      grpcRoute: 'g',
    });
    expect(config?.httpRoutes).toEqual([
      { name: 'a', useHeaderRoutes: false },
      { name: 'b', useHeaderRoutes: true },
      { name: 'c', useHeaderRoutes: true },
    ]);
    expect(config?.grpcRoutes).toEqual([{ name: 'g', useHeaderRoutes: true }]);
  });

  it('defaults the namespace to the Rollout namespace, also for an empty string', () => {
    expect(routeNamespace(read({ httpRoute: 'a' }).config!, 'shop')).toBe('shop');
    expect(routeNamespace(read({ httpRoute: 'a', namespace: '' }).config!, 'shop')).toBe('shop');
    expect(routeNamespace(read({ httpRoute: 'a', namespace: 'edge' }).config!, 'shop')).toBe('edge');
  });

  it('uses the default in-progress label, the configured one, or none when disabled (labels.go)', () => {
    expect(read({ httpRoute: 'a' }).config?.inProgressLabel).toEqual({
      key: 'rollouts.argoproj.io/gatewayapi-canary',
      value: 'in-progress',
    });
    expect(
      read({ httpRoute: 'a', inProgressLabelKey: 'k', inProgressLabelValue: 'v' }).config?.inProgressLabel,
    ).toEqual({
      key: 'k',
      value: 'v',
    });
    expect(read({ httpRoute: 'a', disableInProgressLabel: true }).config?.inProgressLabel).toBeUndefined();
  });

  it("matches keys as Go's encoding/json does: exact or ignoring case, the last one wins", () => {
    const { config } = read({ HTTPRoute: 'first', httproute: 'second', NameSpace: 'edge' });
    expect(config?.httpRoutes).toEqual([{ name: 'second', useHeaderRoutes: true }]);
    expect(config?.namespace).toBe('edge');
    const nested = read({ httpRoutes: [{ NAME: 'x', UseHeaderRoutes: true }] }).config;
    expect(nested?.httpRoutes).toEqual([{ name: 'x', useHeaderRoutes: true }]);
  });

  it('lists the configured parts the webhook does not guard', () => {
    const { config } = read({
      tcpRoute: 't',
      tlsRoutes: [{ name: 'x' }],
      httpRouteSelector: { matchLabels: { a: 'b' } },
      grpcRouteSelector: null,
    });
    expect(config?.unguarded).toEqual(['tcpRoute', 'tlsRoutes', 'httpRouteSelector']);
  });

  it('reports fields of the wrong type (json.Unmarshal fails on them) and reads the rest', () => {
    const { config, problems } = read({ httpRoutes: [{ name: 7 }, 'x', { name: 'ok' }], namespace: 3 });
    expect(problems.map((p: { field: string }) => p.field)).toEqual([
      'cfg.httpRoutes[0].name',
      'cfg.httpRoutes[1]',
      'cfg.namespace',
    ]);
    expect(config?.httpRoutes).toEqual([
      { name: '', useHeaderRoutes: false },
      { name: 'ok', useHeaderRoutes: false },
    ]);
  });

  it.each([
    ['httpRoutes', [{ name: 'a', useHeaderRoutes: 'yes' }], 'cfg.httpRoutes[0].useHeaderRoutes'],
    ['grpcRoutes', 'g', 'cfg.grpcRoutes'],
    ['httpRoute', 1, 'cfg.httpRoute'],
    ['grpcRoute', ['g'], 'cfg.grpcRoute'],
    ['disableInProgressLabel', 'true', 'cfg.disableInProgressLabel'],
    ['inProgressLabelKey', 1, 'cfg.inProgressLabelKey'],
    ['inProgressLabelValue', false, 'cfg.inProgressLabelValue'],
  ])('reports %s of the wrong type at its own field path', (key, value, field) => {
    expect(read({ [key]: value }).problems.map((p: { field: string }) => p.field)).toEqual([field]);
  });

  it('does not list an unguarded field set to the empty string (the plugin reads "" as unset)', () => {
    expect(read({ tcpRoute: '', tlsRoute: 'x' }).config?.unguarded).toEqual(['tlsRoute']);
  });

  it('is read from trafficRouting.plugins into the Rollout model, and absent for other plugins', () => {
    expect(pluginRollout().canary?.trafficRouting?.gatewayApi?.httpRoutes).toEqual([
      { name: 'web', useHeaderRoutes: true },
    ]);
    const other = pluginRollout();
    expect(other.canary?.trafficRouting?.otherProviders).toContain('plugins');
  });

  scalingTest('reads n and 8n routes in linear time (scaling)', () => {
    const config = (n: number) => ({
      httpRoutes: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, useHeaderRoutes: true })),
    });
    expectLinear(measureScaling(config, read, 3000), 'the plugin config of n routes');
  });
});
