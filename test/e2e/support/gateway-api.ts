import type { KubernetesObject } from '@kubernetes/client-node';
import { auditedWrites, type AuditedWrite } from './audit.js';
import type { Cluster } from './cluster.js';
import { canaryRollout, type CanaryNames, type CanaryStep } from './manifests.js';
import { sleep, waitForState } from './wait.js';

/** The plugin's name in the controller's configuration and in a Rollout's trafficRouting.plugins. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

/**
 * The plugin's in-progress label when the Rollout does not name another one
 * (rollouts-plugin-trafficrouter-gatewayapi v0.15.0, internal/defaults/defaults.go).
 */
export const DEFAULT_IN_PROGRESS_LABEL = {
  key: 'rollouts.argoproj.io/gatewayapi-canary',
  value: 'in-progress',
};

/** Long enough for several controller resyncs of a write fight to show; short enough for CI. */
export const QUIET_PERIOD_MS = 5_000;

/** Argo CD's `ServerSideApply=true` sync: a forced apply as its own field manager. */
export const ARGO_CD_SERVER_SIDE_APPLY = [
  'apply',
  '--server-side',
  '--field-manager=argocd-controller',
  '--force-conflicts',
] as const;

/**
 * The canary of the Gateway API scenarios: 20 %, then a header route (`X-Canary: yes` to the
 * canary), then an indefinite pause at step 2, where Argo CD re-applies the routes.
 */
export const HEADER_ROUTE = 'canary-by-header';
export const HEADER_ROUTE_STEPS: readonly CanaryStep[] = [
  { setWeight: 20 },
  {
    setHeaderRoute: {
      name: HEADER_ROUTE,
      match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
    },
  },
  { pause: {} },
];
export const HEADER_ROUTE_PAUSE_STEP = 2;
/** The plugin's header rule for that step as `headerRuleOf` shows it: the canary Service alone. */
export const expectedHeaderRule = (names: CanaryNames): string => `X-Canary=yes -> ${names.canaryService}`;

/** The route kinds the plugin and the webhook share (TCP and TLS routes are not guarded). */
export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

const RESOURCE: Record<RouteKind, { plural: string; configList: string }> = {
  HTTPRoute: { plural: 'httproutes', configList: 'httpRoutes' },
  GRPCRoute: { plural: 'grpcroutes', configList: 'grpcRoutes' },
};

export interface BackendRef {
  name: string;
  port?: number;
  weight?: number;
}

export interface RouteRule {
  name?: string;
  matches?: {
    path?: unknown;
    method?: unknown;
    headers?: { type?: string; name: string; value: string }[];
  }[];
  backendRefs?: BackendRef[];
}

/** An HTTPRoute or a GRPCRoute, the parts the scenarios read (the two share them). */
export interface Route {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: { rules?: RouteRule[] };
}

/** One route of a Rollout's plugin configuration. */
export interface RouteRef {
  readonly kind: RouteKind;
  readonly name: string;
  /** The plugin writes header-route rules only into routes that say so. */
  readonly useHeaderRoutes?: boolean;
}

/**
 * A route as Git holds it: one rule with both Services and no weights. Git never carries the
 * canary's weight; with Gateway API's default weight of 1 the two would split traffic 1:1 once
 * applied unguarded. `match` gives the rule a match of its own (an HTTP path or a gRPC method),
 * which the plugin copies into its header rules.
 */
export function gitRoute(
  names: CanaryNames,
  { kind, name }: RouteRef,
  match?: Record<string, unknown>,
): KubernetesObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name },
    spec: {
      rules: [
        {
          ...(match ? { matches: [match] } : {}),
          backendRefs: [
            { name: names.stableService, port: names.servicePort },
            { name: names.canaryService, port: names.servicePort },
          ],
        },
      ],
    },
  } as KubernetesObject;
}

/** A canary Rollout whose traffic goes through the Gateway API plugin, on the given routes. */
export function gatewayApiRollout(
  names: CanaryNames,
  {
    routes,
    namespace,
    steps,
    managedRoutes,
    inProgressLabel,
  }: {
    routes: readonly RouteRef[];
    namespace: string;
    steps: readonly CanaryStep[];
    managedRoutes?: readonly string[];
    /** The plugin's `inProgressLabelKey` and `inProgressLabelValue`; its defaults when absent. */
    inProgressLabel?: { key: string; value: string };
  },
): KubernetesObject {
  const config: Record<string, unknown> = { namespace };
  for (const { kind, name, useHeaderRoutes = true } of routes) {
    const list = RESOURCE[kind].configList;
    config[list] = [...((config[list] as unknown[] | undefined) ?? []), { name, useHeaderRoutes }];
  }
  if (inProgressLabel) {
    config.inProgressLabelKey = inProgressLabel.key;
    config.inProgressLabelValue = inProgressLabel.value;
  }
  return canaryRollout(names, {
    steps,
    trafficRouting: {
      plugins: { [GATEWAY_API_PLUGIN]: config },
      ...(managedRoutes ? { managedRoutes: managedRoutes.map((name) => ({ name })) } : {}),
    },
  });
}

export async function readRoute(
  cluster: Cluster,
  namespace: string,
  { kind, name }: RouteRef,
): Promise<Route> {
  return (await cluster.custom.getNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: RESOURCE[kind].plural,
    namespace,
    name,
  })) as Route;
}

/** Waits until the route satisfies `ready`; the timeout error shows its last labels and rules. */
export function waitForRoute(
  cluster: Cluster,
  namespace: string,
  route: RouteRef,
  what: string,
  ready: (route: Route) => boolean,
): Promise<Route> {
  return waitForState(
    `${route.kind} ${namespace}/${route.name} ${what}`,
    () => readRoute(cluster, namespace, route),
    ready,
    (r) => ({ labels: r.metadata.labels, rules: r.spec.rules }),
  );
}

/** Completed writes (no dry runs) to routes of this kind in the namespace, from the audit log. */
export function routeWrites(
  auditLog: string,
  namespace: string,
  { kind, name }: Partial<RouteRef> & { kind: RouteKind },
  user?: string,
): AuditedWrite[] {
  return auditedWrites(auditLog, {
    resource: RESOURCE[kind].plural,
    namespace,
    ...(name ? { name } : {}),
    ...(user ? { user } : {}),
  }).filter((write) => !write.dryRun);
}

/**
 * Waits out a quiet period and reports what was written to the route meanwhile (by anyone),
 * with its resourceVersion before and after: a write fight shows in both.
 */
export async function quietPeriod(
  read: () => Promise<Route>,
  writes: () => AuditedWrite[],
): Promise<{ writes: AuditedWrite[]; before?: string; after?: string }> {
  const before = (await read()).metadata.resourceVersion;
  const count = writes().length;
  await sleep(QUIET_PERIOD_MS);
  return { writes: writes().slice(count), before, after: (await read()).metadata.resourceVersion };
}

/** The spec a write sent (an update's whole object). */
export const specOf = (write: AuditedWrite): unknown => (write.requestObject as { spec?: unknown }).spec;

/** The rule carrying both Services (the plugin's header rules carry the canary alone). */
function trafficRule(route: Route, names: CanaryNames): RouteRule | undefined {
  return route.spec.rules?.find((rule) => {
    const refs = (rule.backendRefs ?? []).map((ref) => ref.name);
    return refs.includes(names.stableService) && refs.includes(names.canaryService);
  });
}

/** `stable/canary` weights of the traffic rule as stored (the CRD defaults a missing weight to 1). */
export function routeWeights(route: Route, names: CanaryNames): string {
  const rule = trafficRule(route, names);
  const weight = (service: string) => rule?.backendRefs?.find((ref) => ref.name === service)?.weight;
  return `${weight(names.stableService)}/${weight(names.canaryService)}`;
}

/**
 * Every backendRef of the traffic rule as `name=weight`, in order, e.g.
 * `stable-svc=90,canary-svc=20,exp-svc=10` during an experiment.
 */
export function backendWeights(route: Route, names: CanaryNames): string {
  return (trafficRule(route, names)?.backendRefs ?? []).map((ref) => `${ref.name}=${ref.weight}`).join(',');
}

export function ruleNamed(route: Route, name: string): RouteRule | undefined {
  return route.spec.rules?.find((rule) => rule.name === name);
}

/**
 * A header rule in one line: each match's headers (`name=value`), then its backends, e.g.
 * `X-Canary=yes -> canary-svc`; undefined when the route has no rule of that name.
 */
export function headerRuleOf(route: Route, name: string): string | undefined {
  const rule = ruleNamed(route, name);
  if (!rule) return undefined;
  const headers = (rule.matches ?? []).flatMap((m) => m.headers ?? []).map((h) => `${h.name}=${h.value}`);
  return `${headers.join(',')} -> ${(rule.backendRefs ?? []).map((ref) => ref.name).join(',')}`;
}

/** The route's value of a label, or undefined. */
export const labelOf = (route: Route, key: string): string | undefined => route.metadata.labels?.[key];
