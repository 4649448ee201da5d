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
  routeFindingsFor,
  routeWriteFindings,
} from '../../../src/routing/gateway-api/index.js';
import { FieldPath } from '../../../src/routing/findings/index.js';
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

const CONFIG = 'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"]';
const ROUTE_FIELD = FieldPath.of('spec', 'rules');

describe('gatewayApiSpecFindings: each finding in full', () => {
  it('refuses a Rollout without canaryService or without stableService', () => {
    const base = pluginRollout();
    const expected = [
      {
        severity: 'error',
        rule: 'gateway-api-services-missing',
        field: 'spec.strategy.canary',
        message:
          'The Gateway API plugin finds the backendRefs by the names in canaryService and stableService; set both.',
      },
    ];
    expect(gatewayApiSpecFindings({ ...base, canary: { ...base.canary!, canaryService: '' } })).toEqual(
      expected,
    );
    expect(gatewayApiSpecFindings({ ...base, canary: { ...base.canary!, stableService: '' } })).toEqual(
      expected,
    );
  });

  it('names the entry without a name and what it leaves unguarded; no route at all is no error when some are unguarded', () => {
    expect(
      gatewayApiSpecFindings(pluginRollout({ plugin: { grpcRoutes: [{ name: '' }], tcpRoute: 't' } })),
    ).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-route-name-missing',
        field: `${CONFIG}.grpcRoutes`,
        message: 'Every route needs a name; the plugin refuses an entry without one.',
      },
      {
        severity: 'warning',
        rule: 'gateway-api-not-guarded',
        field: CONFIG,
        message:
          'tcpRoute: this webhook guards HTTPRoutes and GRPCRoutes named in httpRoute(s)/grpcRoute(s) only; routes found by selector and TCP/TLS routes are not protected from re-applies.',
      },
    ]);
    expect(gatewayApiSpecFindings(pluginRollout({ plugin: { tlsRoute: 't', tcpRoute: 'u' } }))).toEqual([
      {
        severity: 'warning',
        rule: 'gateway-api-not-guarded',
        field: CONFIG,
        message:
          'tcpRoute, tlsRoute: this webhook guards HTTPRoutes and GRPCRoutes named in httpRoute(s)/grpcRoute(s) only; routes found by selector and TCP/TLS routes are not protected from re-applies.',
      },
    ]);
  });

  it('checks the managed route names of steps with a match, as <name> and <name>-1', () => {
    const steps = (name: string, match: JsonObject[] | undefined): JsonObject[] => [
      { setHeaderRoute: match ? { name, match } : { name } },
      { setWeight: 20 },
    ];
    const match = [{ headerName: 'x', headerValue: { exact: '1' } }];
    expect(
      gatewayApiSpecFindings(pluginRollout({ steps: steps('Canary', match), managedRoutes: ['Canary'] })),
    ).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-managed-route-name',
        field: 'spec.strategy.canary.trafficRouting.managedRoutes',
        message:
          'Managed route "Canary" becomes the name of route rules, and only lowercase letters, digits, "-" and "." are allowed: the apiserver would reject the plugin\'s write. Use a lowercase name of letters, digits, "-" and ".".',
      },
    ]);
    // A step without a match removes the header route: it writes no rule.
    expect(
      gatewayApiSpecFindings(pluginRollout({ steps: steps('Canary', undefined), managedRoutes: ['Canary'] })),
    ).toEqual([]);
    // 252 characters is a valid name, but `<name>-1` (254) is not.
    const long = 'a'.repeat(252);
    expect(
      gatewayApiSpecFindings(pluginRollout({ steps: steps(long, match), managedRoutes: [long] })).map(
        (f) => f.message,
      ),
    ).toEqual([
      `Managed route "${long}" becomes the name of route rules, and it is longer than 253 characters: the apiserver would reject the plugin's write. Use a lowercase name of letters, digits, "-" and ".".`,
    ]);
  });

  it('checks them when any configured route sets useHeaderRoutes', () => {
    const steps = [
      { setHeaderRoute: { name: 'Canary', match: [{ headerName: 'x', headerValue: { exact: '1' } }] } },
    ];
    const plugin = { httpRoutes: [{ name: 'other' }], httpRoute: 'web' };
    expect(
      gatewayApiSpecFindings(pluginRollout({ steps, managedRoutes: ['Canary'], plugin })).map((f) => f.rule),
    ).toEqual(['gateway-api-managed-route-name']);
  });
});

describe('gatewayApiReferenceFindings: each finding in full', () => {
  const field = `${CONFIG}.httpRoutes`;

  it('says which Service is missing outside the header rules, and which rule the header routes need', () => {
    // A rule named after a managed route is a header rule even when it holds both Services.
    const route = routeOf([rule([ref(STABLE), ref(CANARY)], { name: 'canary-by-header' })]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], services))).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-backend-missing',
        field,
        message:
          'HTTPRoute shop/web has no backendRef named web-canary outside the header-route rules, so the plugin fails with "backendRef was not found". Add a backendRef to Service web-canary in the rules that carry the Rollout\'s traffic.',
      },
      {
        severity: 'error',
        rule: 'gateway-api-backend-missing',
        field,
        message:
          'HTTPRoute shop/web has no backendRef named web-stable outside the header-route rules, so the plugin fails with "backendRef was not found". Add a backendRef to Service web-stable in the rules that carry the Rollout\'s traffic.',
      },
      {
        severity: 'error',
        rule: 'gateway-api-header-source-missing',
        field,
        message:
          'HTTPRoute shop/web has no rule with both web-stable and web-canary, so the plugin cannot write the header routes of the setHeaderRoute steps. Put both backendRefs in the rule the header routes should split.',
      },
    ]);
  });

  it('asks for no header source when the Rollout has no header step', () => {
    const route = routeOf([rule([ref(STABLE), ref('other')]), rule([ref(CANARY), ref('other')])]);
    const rollout = pluginRollout({ steps: [{ setWeight: 20 }] });
    expect(gatewayApiReferenceFindings(rollout, cluster([route], services))).toEqual([]);
  });

  it('counts the rules the header routes add: 16 is the limit, 18 is over it', () => {
    const routeWith = (count: number) =>
      routeOf(Array.from({ length: count }, () => rule([ref(STABLE), ref(CANARY)])));
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([routeWith(8)], services))).toEqual([]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([routeWith(9)], services))).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-rule-limit',
        field,
        message:
          'HTTPRoute shop/web would need 18 rules once the plugin adds 1 header route(s) for each of its 9 rule(s) with both Services, and the apiserver allows 16. Merge rules, or set useHeaderRoutes only on the routes that need header routing.',
      },
    ]);
  });

  it('says which port a Service lacks, once per backend, and which ports it has', () => {
    const route = routeOf([
      rule([ref(STABLE, undefined, 8080), ref(CANARY)]),
      rule([ref(STABLE, undefined, 8080), ref(CANARY, undefined, 81)]),
    ]);
    const portless: Service[] = [
      { namespace: 'shop', name: STABLE, ports: [{ port: 80 }, { port: 443 }] },
      { namespace: 'shop', name: CANARY, ports: [] },
    ];
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], portless))).toEqual([
      {
        severity: 'warning',
        rule: 'gateway-api-backend-port',
        field,
        message:
          'HTTPRoute shop/web sends traffic to port 8080 of Service web-stable, which has no such port (80, 443).',
      },
      {
        severity: 'warning',
        rule: 'gateway-api-backend-port',
        field,
        message:
          'HTTPRoute shop/web sends traffic to port 80 of Service web-canary, which has no such port (none).',
      },
      {
        severity: 'warning',
        rule: 'gateway-api-backend-port',
        field,
        message:
          'HTTPRoute shop/web sends traffic to port 81 of Service web-canary, which has no such port (none).',
      },
    ]);
  });

  it('checks no port of an unknown Service or of a backendRef without one', () => {
    // The stable Service is known, the canary one is not.
    const route = routeOf([rule([{ name: STABLE }, ref(CANARY, undefined, 9999)])]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], [services[0]!]))).toEqual([]);
  });

  it('accepts any port the Service has, not only its first', () => {
    const route = routeOf([rule([ref(STABLE, undefined, 443), ref(CANARY)])]);
    const twoPorts: Service[] = [{ namespace: 'shop', name: STABLE, ports: [{ port: 80 }, { port: 443 }] }];
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], twoPorts))).toEqual([]);
  });

  it('accepts the canary first in a rule, and the Services in different rules', () => {
    const canaryFirst = routeOf([rule([ref(CANARY), ref(STABLE)])]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([canaryFirst], services))).toEqual([]);
    const apart = routeOf([rule([ref(STABLE), ref(CANARY)]), rule([ref(STABLE), ref('other')])]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([apart], services))).toEqual([]);
  });

  it('counts the header rules of every header route', () => {
    const headerStep = (name: string) => ({
      setHeaderRoute: { name, match: [{ headerName: 'x', headerValue: { exact: name } }] },
    });
    const rollout = pluginRollout({
      managedRoutes: ['a', 'b'],
      steps: [{ setWeight: 20 }, headerStep('a'), headerStep('b')],
    });
    const routeWith = (count: number) =>
      routeOf(Array.from({ length: count }, () => rule([ref(STABLE), ref(CANARY)])));
    expect(gatewayApiReferenceFindings(rollout, cluster([routeWith(5)], services))).toEqual([]);
    expect(
      gatewayApiReferenceFindings(rollout, cluster([routeWith(6)], services)).map((f) => f.message),
    ).toEqual([
      'HTTPRoute shop/web would need 18 rules once the plugin adds 2 header route(s) for each of its 6 rule(s) with both Services, and the apiserver allows 16. Merge rules, or set useHeaderRoutes only on the routes that need header routing.',
    ]);
  });

  it("says where a backend's namespace differs from the Rollout's, the route's own namespace included", () => {
    const rollout = pluginRollout({ plugin: { httpRoute: 'web', namespace: 'edge' } });
    const route = routeOf([rule([ref(STABLE), { ...ref(CANARY), namespace: 'shop' }])], 'edge');
    expect(gatewayApiReferenceFindings(rollout, cluster([route], services))).toEqual([
      {
        severity: 'warning',
        rule: 'gateway-api-backend-namespace',
        field,
        message:
          "HTTPRoute edge/web sends web-stable traffic to namespace edge, but the Rollout's Services are in shop; the plugin matches backendRefs by name only. Set backendRef.namespace to shop (with a ReferenceGrant there).",
      },
    ]);
  });

  it('leaves backendRefs to other kinds or groups alone', () => {
    const route = routeOf([
      rule([
        ref(STABLE),
        ref(CANARY),
        { ...ref(CANARY, undefined, 1), kind: 'ServiceImport', namespace: 'other' },
        { ...ref(STABLE, undefined, 1), group: 'multicluster.x-k8s.io', namespace: 'other' },
        { ...ref('mirror', undefined, 1), namespace: 'other' },
      ]),
    ]);
    expect(gatewayApiReferenceFindings(pluginRollout(), cluster([route], services))).toEqual([]);
  });

  it('looks up a route listed twice once, with header routes if any entry asks for them', () => {
    const route = routeOf([rule([ref(STABLE), ref('other')]), rule([ref(CANARY), ref('other')])]);
    const twice = pluginRollout({ plugin: { httpRoutes: [{ name: 'web' }], httpRoute: 'web' } });
    expect(gatewayApiReferenceFindings(twice, cluster([route], services)).map((f) => f.rule)).toEqual([
      'gateway-api-header-source-missing',
    ]);
    const firstOnly = pluginRollout({
      plugin: { httpRoutes: [{ name: 'web', useHeaderRoutes: true }, { name: 'web' }] },
    });
    expect(gatewayApiReferenceFindings(firstOnly, cluster([route], services)).map((f) => f.rule)).toEqual([
      'gateway-api-header-source-missing',
    ]);
    const neither = pluginRollout({ plugin: { httpRoutes: [{ name: 'web' }, { name: 'web' }] } });
    expect(gatewayApiReferenceFindings(neither, cluster([route], services))).toEqual([]);
  });

  it('looks up no route for an entry without a name, and GRPCRoutes as GRPCRoutes', () => {
    expect(
      gatewayApiReferenceFindings(
        pluginRollout({ plugin: { httpRoutes: [{ name: '' }], grpcRoute: 'api' } }),
        cluster([], services),
      ),
    ).toEqual([
      {
        severity: 'warning',
        rule: 'gateway-api-route-not-found',
        field: `${CONFIG}.grpcRoutes`,
        message: 'GRPCRoute shop/api does not exist (yet); the plugin fails until it does.',
      },
    ]);
  });
});

describe('routeWriteFindings: which Rollouts, with header routes or not', () => {
  const route = routeOf([rule([ref(STABLE), ref('other')]), rule([ref(CANARY), ref('other')])]);

  it('asks for header sources only for a Rollout whose entry for this route sets useHeaderRoutes', () => {
    const without = pluginRollout({ plugin: { httpRoutes: [{ name: 'web' }], httpRoute: 'other' } });
    expect(routeWriteFindings(route, cluster([], services, [without]))).toEqual([]);
    const withHeaders = pluginRollout({
      plugin: { httpRoutes: [{ name: 'web', useHeaderRoutes: true }, { name: 'other' }] },
    });
    expect(routeWriteFindings(route, cluster([], services, [withHeaders]))).toEqual([
      {
        severity: 'error',
        rule: 'gateway-api-header-source-missing',
        field: 'spec.rules',
        message:
          'Rollout shop/web: HTTPRoute shop/web has no rule with both web-stable and web-canary, so the plugin cannot write the header routes of the setHeaderRoute steps. Put both backendRefs in the rule the header routes should split.',
      },
    ]);
  });

  it('reads the GRPCRoute entries for a GRPCRoute, and skips a Rollout without the plugin', () => {
    const grpc = { ...route, kind: 'GRPCRoute' as const };
    const viaGrpc = pluginRollout({ plugin: { grpcRoute: 'web', httpRoutes: [{ name: 'web' }] } });
    const noPlugin: Rollout = { ...viaGrpc, canary: { ...viaGrpc.canary!, trafficRouting: undefined } };
    const blueGreen: Rollout = { ...viaGrpc, canary: undefined };
    const rollouts = [noPlugin, blueGreen, viaGrpc];
    expect(routeWriteFindings(grpc, cluster([], services, rollouts)).map((f) => f.rule)).toEqual([
      'gateway-api-header-source-missing',
    ]);
  });
});

describe('Rollouts without the plugin or without both Services', () => {
  const route = routeOf([rule([ref('x')])]);
  const base = pluginRollout();
  const noRouting: Rollout = { ...base, canary: { ...base.canary!, trafficRouting: undefined } };
  const blueGreen: Rollout = { ...base, canary: undefined };

  it('have no Gateway API findings of their own', () => {
    for (const rollout of [noRouting, blueGreen]) {
      expect(gatewayApiSpecFindings(rollout)).toEqual([]);
      expect(gatewayApiReferenceFindings(rollout, cluster([route], services))).toEqual([]);
    }
    // Without a canary strategy there are no Services to look for.
    expect(routeFindingsFor(blueGreen, route, ROUTE_FIELD, true, cluster([], services))).toEqual([]);
    // Without traffic routing (no managed routes either) the route is still read as the plugin would.
    expect(
      routeFindingsFor(noRouting, route, ROUTE_FIELD, true, cluster([], services)).map((f) => f.rule),
    ).toEqual([
      'gateway-api-backend-missing',
      'gateway-api-backend-missing',
      'gateway-api-header-source-missing',
    ]);
  });

  it('say nothing about a route write when a Service name is missing (the spec check says it)', () => {
    for (const canary of [
      { ...base.canary!, canaryService: '' },
      { ...base.canary!, stableService: '' },
    ]) {
      expect(routeWriteFindings(route, cluster([], services, [{ ...base, canary }]))).toEqual([]);
    }
  });

  it('ask for the Services only when some route is configured', () => {
    const noRoutes = pluginRollout({ plugin: { namespace: 'x' } });
    const rollout = { ...noRoutes, canary: { ...noRoutes.canary!, canaryService: '' } };
    expect(gatewayApiSpecFindings(rollout).map((f) => f.rule)).toEqual(['gateway-api-no-routes']);
  });
});
