/**
 * Checks of the plugin configuration and of the routes it names. Each error is a failure of
 * argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0 (pkg/plugin/errors.go,
 * plugin.go, httproute.go) or an apiserver rejection of its write (kubernetes-sigs/gateway-api
 * v1.4.0 CRD limits and rule-name format).
 */
import { describe, expect, it } from 'vitest';
import {
  NO_ROUTES_MESSAGE,
  gatewayApiReferenceFindings,
  gatewayApiSpecFindings,
  parseGatewayRoute,
  routeWriteFindings,
} from '../../../src/routing/gateway-api/index.js';
import type { ClusterView, GatewayRoute, JsonObject, Rollout, Service } from '../../../src/routing/model.js';
import { CANARY, STABLE, httpRoute, pluginRollout, ref, rule } from './builders.js';

function routeOf(rules: JsonObject[], namespace = 'shop'): GatewayRoute {
  const route = httpRoute(rules);
  (route.metadata as JsonObject).namespace = namespace;
  return parseGatewayRoute('HTTPRoute', route).value!;
}

function cluster(routes: GatewayRoute[], services: Service[] = [], rollouts: Rollout[] = []): ClusterView {
  return {
    getIngress: () => undefined,
    getService: (ns, name) => services.find((s) => s.namespace === ns && s.name === name),
    getRollout: () => undefined,
    ingressClasses: () => [],
    rolloutsReferencingIngress: () => [],
    getRoute: (kind, ns, name) =>
      routes.find((r) => r.kind === kind && r.namespace === ns && r.name === name),
    rolloutsReferencingRoute: () => rollouts,
  };
}

const services: Service[] = [
  { namespace: 'shop', name: STABLE, ports: [{ port: 80 }] },
  { namespace: 'shop', name: CANARY, ports: [{ port: 80 }] },
];
const rules = (f: JsonObject) => f.rule;

describe('gatewayApiSpecFindings', () => {
  it('accepts a configured route with both Services', () => {
    expect(gatewayApiSpecFindings(pluginRollout())).toEqual([]);
  });

  it("refuses a configuration without routes, with the plugin's message", () => {
    const findings = gatewayApiSpecFindings(pluginRollout({ plugin: { namespace: 'x' } }));
    expect(findings).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-no-routes',
        field: 'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"]',
        message: `${NO_ROUTES_MESSAGE}.`,
      },
    ]);
  });

  it('refuses a route entry without a name and warns about what it does not guard', () => {
    const findings = gatewayApiSpecFindings(
      pluginRollout({
        plugin: { httpRoutes: [{ name: '' }], tcpRoute: 't', httpRouteSelector: { matchLabels: {} } },
      }),
    );
    expect(findings.map(rules as never)).toEqual([
      'gateway-api-route-name-missing',
      'gateway-api-not-guarded',
    ]);
  });

  it('refuses a managed route name the apiserver would reject as a rule name', () => {
    const steps = [
      { setHeaderRoute: { name: 'Canary', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } },
    ];
    const findings = gatewayApiSpecFindings(pluginRollout({ steps, managedRoutes: ['Canary'] }));
    expect(findings.map(rules as never)).toEqual(['gateway-api-managed-route-name']);
    // Without useHeaderRoutes the plugin writes no header rule, so the name does not matter.
    expect(
      gatewayApiSpecFindings(
        pluginRollout({ steps, managedRoutes: ['Canary'], plugin: { httpRoutes: [{ name: 'web' }] } }),
      ),
    ).toEqual([]);
  });
});

describe('gatewayApiReferenceFindings', () => {
  it('accepts a route whose traffic rules hold both Services on their ports', () => {
    const route = routeOf([rule([ref(STABLE), ref(CANARY)])]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], services))).toEqual([]);
  });

  it('warns about a missing route, in the configured namespace', () => {
    const rollout = pluginRollout({ plugin: { httpRoute: 'web', namespace: 'edge' } });
    const findings = gatewayApiReferenceFindings(
      rollout,
      cluster([routeOf([rule([ref(STABLE), ref(CANARY)])])]),
    );
    expect(findings).toEqual([
      {
        severity: 'warning',
        rule: 'gateway-api-route-not-found',
        field: 'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"].httpRoutes',
        message: 'HTTPRoute edge/web does not exist (yet); the plugin fails until it does.',
      },
    ]);
  });

  it('refuses a route where the canary appears only in a header rule', () => {
    const route = routeOf([rule([ref(STABLE)]), rule([ref(CANARY)])]);
    const findings = gatewayApiReferenceFindings(pluginRollout(), cluster([route], services));
    expect(findings.map(rules as never)).toEqual([
      'gateway-api-backend-missing',
      'gateway-api-header-source-missing',
    ]);
    expect(findings[0]?.message).toContain(
      'has no backendRef named web-canary outside the header-route rules',
    );
  });

  it('refuses a route that would pass 16 rules once the header rules are added', () => {
    const many = Array.from({ length: 9 }, () => rule([ref(STABLE), ref(CANARY)]));
    const findings = gatewayApiReferenceFindings(pluginRollout(), cluster([routeOf(many)], services));
    expect(findings.map(rules as never)).toEqual(['gateway-api-rule-limit']);
    expect(findings[0]?.message).toContain('would need 18 rules');
  });

  it('warns about a port the Service lacks and a backend in another namespace', () => {
    const cross = { ...ref(CANARY), namespace: 'other' };
    const route = routeOf([rule([ref(STABLE, undefined, 8080), cross])]);
    const findings = gatewayApiReferenceFindings(pluginRollout(), cluster([route], services));
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['gateway-api-backend-port', 'warning'],
      ['gateway-api-backend-namespace', 'warning'],
    ]);
  });
});

describe('routeWriteFindings', () => {
  it('names the Rollout a route write would break', () => {
    const route = routeOf([rule([ref(STABLE)])]);
    const findings = routeWriteFindings(route, cluster([], services, [pluginRollout()]));
    expect(findings.map((f) => [f.rule, f.message.split(',')[0]])).toEqual([
      [
        'gateway-api-backend-missing',
        'Rollout shop/web: HTTPRoute shop/web has no backendRef named web-canary outside the header-route rules',
      ],
      [
        'gateway-api-header-source-missing',
        'Rollout shop/web: HTTPRoute shop/web has no rule with both web-stable and web-canary',
      ],
    ]);
  });

  it('has nothing to say about a route no Rollout names', () => {
    expect(routeWriteFindings(routeOf([rule([ref('x')])]), cluster([], services, []))).toEqual([]);
  });
});
