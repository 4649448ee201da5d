/**
 * Checks of the Gateway API plugin's configuration on a Rollout, of the routes it names, and
 * of route writes that would break a Rollout's traffic. Each error is something that makes
 * the plugin fail (the controller then reports `TrafficRoutingError` events and the canary
 * stops moving) or makes the apiserver reject the plugin's write; texts say how to fix it.
 * Plugin behaviour from argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0
 * (pkg/plugin/plugin.go, httproute.go, grpcroute.go, errors.go).
 */
import type {
  ClusterView,
  Finding,
  GatewayApiRouteRef,
  GatewayApiRouting,
  GatewayRoute,
  Rollout,
  RouteBackend,
  RouteKind,
} from '../model.js';
import { CANARY_FIELD, TRAFFIC_ROUTING_FIELD, newFinding, type FieldPath } from '../findings/index.js';
import { GATEWAY_API_PLUGIN } from '../keys.js';
import { headerRuleName } from './render.js';
import { MAX_RULES, ROUTE_RULES_FIELD, isManagedRuleName, routeNamespace } from './route-rules.js';
import { ruleNameProblem } from './rule-name.js';

const CONFIG_FIELD = TRAFFIC_ROUTING_FIELD.child('plugins').key(GATEWAY_API_PLUGIN);
const HTTP_ROUTES_FIELD = CONFIG_FIELD.child('httpRoutes');
const GRPC_ROUTES_FIELD = CONFIG_FIELD.child('grpcRoutes');

/** The plugin's own message when no route is configured (pkg/plugin/errors.go). */
export const NO_ROUTES_MESSAGE =
  "No routes configured. At least one of 'httpRoutes', 'grpcRoutes', 'tcpRoutes', 'tlsRoutes', 'httpRoute', 'grpcRoute', 'tcpRoute' or 'tlsRoute' must be set";

interface ConfiguredRoute {
  kind: RouteKind;
  ref: GatewayApiRouteRef;
  field: FieldPath;
}

function configuredRoutes(routing: GatewayApiRouting): ConfiguredRoute[] {
  return [
    ...routing.httpRoutes.map((ref) => ({
      kind: 'HTTPRoute' as const,
      ref,
      field: HTTP_ROUTES_FIELD,
    })),
    ...routing.grpcRoutes.map((ref) => ({
      kind: 'GRPCRoute' as const,
      ref,
      field: GRPC_ROUTES_FIELD,
    })),
  ];
}

/** Names of the managed routes a `setHeaderRoute` step with a match writes. */
function headerRouteNames(rollout: Rollout): string[] {
  const names = new Set<string>();
  // Equivalent mutants: called for Rollouts with the plugin configuration, whose canary is set
  // and whose steps are always a list (parseRollout).
  // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, never undefined here
  for (const step of rollout.canary?.steps ?? []) {
    const route = step.setHeaderRoute;
    if (route && route.match !== null) names.add(route.name);
  }
  return [...names];
}

/** Findings on the configuration alone (no cluster needed). */
export function gatewayApiSpecFindings(rollout: Rollout): Finding[] {
  const routing = rollout.canary?.trafficRouting?.gatewayApi;
  if (!routing) return [];
  const out: Finding[] = [];
  const routes = configuredRoutes(routing);
  if (routes.length === 0 && routing.unguarded.length === 0) {
    out.push(newFinding('gateway-api-no-routes', CONFIG_FIELD, `${NO_ROUTES_MESSAGE}.`));
  }
  for (const { ref, field } of routes) {
    if (ref.name === '')
      out.push(
        newFinding(
          'gateway-api-route-name-missing',
          field,
          'Every route needs a name; the plugin refuses an entry without one.',
        ),
      );
  }
  if (routing.unguarded.length > 0) {
    out.push(
      newFinding(
        'gateway-api-not-guarded',
        CONFIG_FIELD,
        `${routing.unguarded.join(', ')}: this webhook guards HTTPRoutes and GRPCRoutes named in httpRoute(s)/grpcRoute(s) only; routes found by selector and TCP/TLS routes are not protected from re-applies.`,
      ),
    );
  }
  const canary = rollout.canary;
  // Stryker disable next-line OptionalChaining: equivalent, canary is set with the plugin configuration
  if (routes.length > 0 && (!canary?.canaryService || !canary.stableService)) {
    out.push(
      newFinding(
        'gateway-api-services-missing',
        CANARY_FIELD,
        'The Gateway API plugin finds the backendRefs by the names in canaryService and stableService; set both.',
      ),
    );
  }
  if (routes.some(({ ref }) => ref.useHeaderRoutes)) {
    for (const name of headerRouteNames(rollout)) {
      const problem = ruleNameProblem(name) ?? ruleNameProblem(headerRuleName(name, 1));
      if (problem) {
        out.push(
          newFinding(
            'gateway-api-managed-route-name',
            TRAFFIC_ROUTING_FIELD.child('managedRoutes'),
            `Managed route ${JSON.stringify(name)} becomes the name of route rules, and ${problem}: the apiserver would reject the plugin's write. Use a lowercase name of letters, digits, "-" and ".".`,
          ),
        );
      }
    }
  }
  return out;
}

function isManagedRule(
  rule: GatewayRoute['rules'][number],
  managed: ReadonlySet<string>,
  canary: string,
): boolean {
  if (rule.name !== undefined && isManagedRuleName(rule.name, managed)) return true;
  return rule.backends.length === 1 && rule.backends[0]!.name === canary;
}

function ruleBackends(route: GatewayRoute, rollout: Rollout): RouteBackend[][] {
  // Equivalent mutant (the []): a seeded name has capitals and spaces, so no stored rule has it.
  // Stryker disable next-line ArrayDeclaration: equivalent, never a rule name
  // Equivalent survivor: rollout.canary?.trafficRouting → rollout.canary.trafficRouting: routeFindingsFor calls this only with both Service names set, so canary is set
  const managed = new Set(rollout.canary?.trafficRouting?.managedRoutes ?? []);
  // Equivalent mutants: routeFindingsFor calls this only with both Service names set.
  // Stryker disable next-line OptionalChaining,StringLiteral: equivalent, never undefined here
  const canary = rollout.canary?.canaryService ?? '';
  return route.rules.filter((rule) => !isManagedRule(rule, managed, canary)).map((rule) => rule.backends);
}

/**
 * Findings on one route as the Rollout's plugin will see it: both Services present in the
 * rules SetWeight edits, a rule holding both when header routes are written, room for the
 * header rules under the 16-rule limit, and backendRefs that reach the Rollout's Services.
 */
export function routeFindingsFor(
  rollout: Rollout,
  route: GatewayRoute,
  field: FieldPath,
  useHeaderRoutes: boolean,
  cluster: Pick<ClusterView, 'getService'>,
): Finding[] {
  const out: Finding[] = [];
  // Equivalent mutants (the two ''): without a canary strategy both names are empty, and the
  // other one alone ends the check.
  // Stryker disable next-line StringLiteral: equivalent, the stable name ends the check
  const canary = rollout.canary?.canaryService ?? '';
  // Stryker disable next-line StringLiteral: equivalent, the canary name ends the check
  const stable = rollout.canary?.stableService ?? '';
  if (!canary || !stable) return out;
  const rules = ruleBackends(route, rollout);
  const what = `${route.kind} ${route.namespace}/${route.name}`;
  for (const service of [canary, stable]) {
    if (!rules.some((backends) => backends.some((b) => b.name === service))) {
      out.push(
        newFinding(
          'gateway-api-backend-missing',
          field,
          `${what} has no backendRef named ${service} outside the header-route rules, so the plugin fails with "backendRef was not found". Add a backendRef to Service ${service} in the rules that carry the Rollout's traffic.`,
        ),
      );
    }
  }
  const sources = rules.filter(
    (backends) => backends.some((b) => b.name === canary) && backends.some((b) => b.name === stable),
  ).length;
  const headerRoutes = headerRouteNames(rollout).length;
  if (useHeaderRoutes && headerRoutes > 0) {
    if (sources === 0) {
      out.push(
        newFinding(
          'gateway-api-header-source-missing',
          field,
          `${what} has no rule with both ${stable} and ${canary}, so the plugin cannot write the header routes of the setHeaderRoute steps. Put both backendRefs in the rule the header routes should split.`,
        ),
      );
    } else if (rules.length + sources * headerRoutes > MAX_RULES) {
      out.push(
        newFinding(
          'gateway-api-rule-limit',
          field,
          `${what} would need ${rules.length + sources * headerRoutes} rules once the plugin adds ${headerRoutes} header route(s) for each of its ${sources} rule(s) with both Services, and the apiserver allows ${MAX_RULES}. Merge rules, or set useHeaderRoutes only on the routes that need header routing.`,
        ),
      );
    }
  }
  const seen = new Set<string>();
  for (const backends of rules) {
    for (const backend of backends) {
      if (backend.name !== canary && backend.name !== stable) continue;
      if (backend.group !== '' || backend.kind !== 'Service') continue;
      const namespace = backend.namespace ?? route.namespace;
      const key = JSON.stringify([backend.name, namespace, backend.port]);
      if (seen.has(key)) continue;
      seen.add(key);
      if (namespace !== rollout.namespace) {
        out.push(
          newFinding(
            'gateway-api-backend-namespace',
            field,
            `${what} sends ${backend.name} traffic to namespace ${namespace}, but the Rollout's Services are in ${rollout.namespace}; the plugin matches backendRefs by name only. Set backendRef.namespace to ${rollout.namespace} (with a ReferenceGrant there).`,
          ),
        );
        continue;
      }
      const service = cluster.getService(namespace, backend.name);
      if (service && backend.port !== undefined && !service.ports.some((p) => p.port === backend.port)) {
        out.push(
          newFinding(
            'gateway-api-backend-port',
            field,
            `${what} sends traffic to port ${backend.port} of Service ${backend.name}, which has no such port (${service.ports.map((p) => p.port).join(', ') || 'none'}).`,
          ),
        );
      }
    }
  }
  return out;
}

/** Reference findings of a Rollout: each configured route, looked up in the cluster. */
export function gatewayApiReferenceFindings(rollout: Rollout, cluster: ClusterView): Finding[] {
  const routing = rollout.canary?.trafficRouting?.gatewayApi;
  if (!routing) return [];
  const namespace = routeNamespace(routing, rollout.namespace);
  const out: Finding[] = [];
  const routes = configuredRoutes(routing);
  // A route may be listed twice (`httpRoute` and `httpRoutes`); it gets header routes if any entry says so.
  const headerRoutesOn = new Map<string, boolean>();
  for (const { kind, ref } of routes) {
    const key = `${kind}/${ref.name}`;
    headerRoutesOn.set(key, (headerRoutesOn.get(key) ?? false) || ref.useHeaderRoutes);
  }
  const seen = new Set<string>();
  for (const { kind, ref, field } of routes) {
    const key = `${kind}/${ref.name}`;
    if (ref.name === '' || seen.has(key)) continue;
    seen.add(key);
    const route = cluster.getRoute(kind, namespace, ref.name);
    if (!route) {
      out.push(
        newFinding(
          'gateway-api-route-not-found',
          field,
          `${kind} ${namespace}/${ref.name} does not exist (yet); the plugin fails until it does.`,
        ),
      );
      continue;
    }
    // Stryker disable next-line BooleanLiteral: equivalent, every key was set in the loop above
    out.push(...routeFindingsFor(rollout, route, field, headerRoutesOn.get(key) ?? false, cluster));
  }
  return out;
}

/**
 * Findings on a route being written, for every Rollout whose plugin configuration names it:
 * what the plugin would fail on once this version is live.
 */
export function routeWriteFindings(route: GatewayRoute, cluster: ClusterView): Finding[] {
  const out: Finding[] = [];
  for (const rollout of cluster.rolloutsReferencingRoute(route.kind, route.namespace, route.name)) {
    const routing = rollout.canary?.trafficRouting?.gatewayApi;
    if (!routing) continue;
    const list = route.kind === 'HTTPRoute' ? routing.httpRoutes : routing.grpcRoutes;
    const useHeaderRoutes = list.some((ref) => ref.name === route.name && ref.useHeaderRoutes);
    for (const f of routeFindingsFor(rollout, route, ROUTE_RULES_FIELD, useHeaderRoutes, cluster)) {
      out.push({ ...f, message: `Rollout ${rollout.namespace}/${rollout.name}: ${f.message}` });
    }
  }
  return out;
}
