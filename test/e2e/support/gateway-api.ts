import type { KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { auditedWrites, type AuditedWrite } from './audit.js';
import type { Cluster } from './cluster.js';
import { GATEWAY_API_PLUGIN } from './components.js';
import { canaryRollout, canaryServices, type CanaryNames, type CanaryStep } from './manifests.js';
import {
  abort,
  isHealthy,
  promote,
  runCanaryToPause,
  startCanaryToPause,
  waitForRollout,
} from './rollouts.js';
import { openScenario, type Scenario } from './scenario.js';
import { ARGO_CD_IDENTITY } from './traffic.js';
import { sleep, waitForState } from './wait.js';

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
    disableInProgressLabel,
  }: {
    routes: readonly RouteRef[];
    namespace: string;
    steps: readonly CanaryStep[];
    managedRoutes?: readonly string[];
    /** The plugin's `inProgressLabelKey` and `inProgressLabelValue`; its defaults when absent. */
    inProgressLabel?: { key: string; value: string };
    /** The plugin's `disableInProgressLabel`: it then never writes the label. */
    disableInProgressLabel?: true;
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
  if (disableInProgressLabel) config.disableInProgressLabel = true;
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
async function quietPeriod(
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

/**
 * Everything the plugin owns on a route, in one line: the weights, the header rule of the
 * header-route canary and the in-progress label under `labelKey`, e.g.
 * `80/20 header:X-Canary=yes -> canary-svc label:in-progress`; `-` for what is absent.
 */
export function pluginStateOf(route: Route, names: CanaryNames, labelKey: string): string {
  const header = headerRuleOf(route, HEADER_ROUTE) ?? '-';
  return `${routeWeights(route, names)} header:${header} label:${labelOf(route, labelKey) ?? '-'}`;
}

/** Waits until each route's `stateOf` is the one expected for it. */
export function waitForRouteStates(
  s: Scenario,
  what: string,
  stateOf: (route: Route) => string,
  expected: readonly (readonly [RouteRef, string])[],
): Promise<Route[]> {
  return Promise.all(
    expected.map(([route, state]) =>
      waitForRoute(s.admin, s.namespace, route, what, (r) => stateOf(r) === state),
    ),
  );
}

/**
 * Sends Git's `manifest` of `target` as Argo CD with kubectl `args` (e.g. `['apply']`,
 * `ARGO_CD_SERVER_SIDE_APPLY`, `['replace']`) and returns the stored route and kubectl's
 * stderr (the warnings). Checks that none of the other `routes` changed meanwhile: nobody but the
 * controller wrote them (the plugin updates a route even when nothing changed, which the
 * apiserver stores as a no-op) and their resourceVersions stayed.
 */
export async function reapplyOneRoute(
  s: Scenario,
  routes: readonly RouteRef[],
  target: RouteRef,
  manifest: string,
  args: readonly string[],
): Promise<{ stored: Route; stderr: string }> {
  const others = routes.filter((route) => route !== target);
  const versions = async () =>
    Promise.all(others.map(async (o) => (await readRoute(s.admin, s.namespace, o)).metadata.resourceVersion));
  const notByController = () =>
    others.flatMap((o) =>
      routeWrites(s.env.controlPlane.auditLog, s.namespace, o).filter(
        (w) => w.user !== s.env.rolloutsController.user,
      ),
    );
  const before = await versions();
  const written = notByController().length;
  const result = await s.kubectl([...args, '-o', 'json', '-f', '-'], {
    as: ARGO_CD_IDENTITY,
    stdin: manifest,
  });
  expect(result.code, result.stderr).toBe(0);
  expect(notByController().slice(written)).toEqual([]);
  expect(await versions()).toEqual(before);
  return { stored: JSON.parse(result.stdout) as Route, stderr: result.stderr };
}

/**
 * The controller's (the plugin's) writes to `route` so far, after checking that there is at
 * least one, that each was an update the apiserver stored, and that the route's spec is
 * exactly what the last one sent: nothing on the way changed the plugin's writes.
 */
export async function controllerWritesStoredAsSent(
  s: Scenario,
  route: RouteRef,
  until: string,
): Promise<AuditedWrite[]> {
  const controller = routeWrites(
    s.env.controlPlane.auditLog,
    s.namespace,
    route,
    s.env.rolloutsController.user,
  );
  process.stderr.write(
    `[observed] controller writes to ${route.kind} ${route.name} up to ${until}: ${controller.length}\n`,
  );
  expect(controller.length).toBeGreaterThan(0);
  expect(controller.every((w) => w.code === 200 && w.verb === 'update')).toBe(true);
  expect((await readRoute(s.admin, s.namespace, route)).spec).toEqual(specOf(controller.at(-1)!));
  return controller;
}

/**
 * No write fight: during one quiet period nobody but the controller writes any of the routes
 * and their resourceVersions stay; and since the scenario began nobody but the controller and
 * Argo CD wrote them, so the controller never had to repair a route. The plugin updates its
 * routes on every reconcile of the Rollout (a ReplicaSet's status change is enough), also when
 * nothing changed; the apiserver stores such an update as a no-op, so the resourceVersion is
 * what shows a fight.
 */
export async function expectNoWriteFight(s: Scenario, routes: readonly RouteRef[]): Promise<void> {
  const writes = (route: RouteRef) => routeWrites(s.env.controlPlane.auditLog, s.namespace, route);
  const byController = (w: AuditedWrite) => w.user === s.env.rolloutsController.user;
  const quiet = await Promise.all(
    routes.map((route) =>
      quietPeriod(
        () => readRoute(s.admin, s.namespace, route),
        () => writes(route),
      ),
    ),
  );
  const noOps = quiet.map((q) => q.writes.filter(byController).length);
  process.stderr.write(
    `[observed] controller updates during the quiet period, per route: ${noOps.join(', ')}\n`,
  );
  expect(quiet.map((q) => q.writes.filter((w) => !byController(w)))).toEqual(routes.map(() => []));
  expect(quiet.map((q) => q.after)).toEqual(quiet.map((q) => q.before));
  for (const route of routes) {
    const others = writes(route).filter((w) => !byController(w));
    expect(new Set(others.map((w) => w.user))).toEqual(new Set([ARGO_CD_IDENTITY]));
  }
}

/** What a scenario's routes show, by `stateOf`, at the header-route canary's pause and on stable. */
export interface HeaderRouteCanaryStates {
  readonly stateOf: (route: Route) => string;
  readonly atPause: readonly (readonly [RouteRef, string])[];
  readonly onStable: readonly (readonly [RouteRef, string])[];
}

/** Starts the next canary of the header-route steps with `image` and waits for its pause on every route. */
export async function startNextCanary(
  s: Scenario,
  rollout: string,
  image: string,
  states: HeaderRouteCanaryStates,
): Promise<void> {
  await startCanaryToPause(s.admin, s.namespace, rollout, image, HEADER_ROUTE_PAUSE_STEP);
  await waitForRouteStates(s, 'to be at the pause again', states.stateOf, states.atPause);
}

/** Waits until every route is on stable with only Git's one rule left (the header rule removed). */
async function waitForStable(s: Scenario, what: string, states: HeaderRouteCanaryStates): Promise<void> {
  const routes = await waitForRouteStates(s, what, states.stateOf, states.onStable);
  expect(routes.map((r) => r.spec.rules?.length)).toEqual(routes.map(() => 1));
}

/** Promotes the paused Rollout; it must become Healthy with every route on stable. */
export async function promoteToStable(
  s: Scenario,
  rollout: string,
  states: HeaderRouteCanaryStates,
): Promise<void> {
  await promote(s.admin, s.namespace, rollout);
  await waitForRollout(s.admin, s.namespace, rollout, 'to be Healthy after promotion', isHealthy);
  await waitForStable(s, 'to send everything to stable after promotion', states);
}

/** Starts the next canary with `image`, aborts it at the pause; every route must end on stable. */
export async function abortNextCanary(
  s: Scenario,
  rollout: string,
  image: string,
  states: HeaderRouteCanaryStates,
): Promise<void> {
  await startNextCanary(s, rollout, image, states);
  await abort(s.admin, s.namespace, rollout);
  await waitForStable(s, 'to send everything to stable after the abort', states);
}

/**
 * Opens scenario `name` with the webhook running, the canary's two Services, `routes` as Argo
 * CD applied them from Git (`manifestOf`), and a Rollout of the header-route canary on them
 * with the plugin's label settings `label`; returns once every route shows its state at the
 * pause.
 */
export async function openHeaderRouteCanary(
  name: string,
  names: CanaryNames,
  routes: readonly RouteRef[],
  manifestOf: (route: RouteRef) => string,
  label: { inProgressLabel: { key: string; value: string } } | { disableInProgressLabel: true },
  states: HeaderRouteCanaryStates,
): Promise<Scenario> {
  const s = await openScenario(name);
  try {
    await s.grant(ARGO_CD_IDENTITY);
    await s.startWebhook();
    await s.create(canaryServices(names));
    for (const route of routes)
      await s.kubectlOk(['apply', '-f', '-'], { as: ARGO_CD_IDENTITY, stdin: manifestOf(route) });
    await s.create([
      gatewayApiRollout(names, {
        routes,
        namespace: s.namespace,
        steps: HEADER_ROUTE_STEPS,
        managedRoutes: [HEADER_ROUTE],
        ...label,
      }),
    ]);
    await runCanaryToPause(s.admin, s.namespace, names.rollout, HEADER_ROUTE_PAUSE_STEP);
    await waitForRouteStates(s, 'to route 20% to the canary', states.stateOf, states.atPause);
    return s;
  } catch (err) {
    // The caller never gets the scenario to close: stop its webhook and processes here.
    await s.close();
    throw err;
  }
}
