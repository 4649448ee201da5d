/**
 * Domain model of the routing core. Everything in src/routing is pure: these types are
 * what the rest of the program hands in (parsed from Kubernetes objects) and gets back.
 *
 * Wire objects (the JSON the apiserver sends) are parsed into these types by the
 * `parse*` functions of this folder, which never throw: malformed input becomes a
 * `Finding` so that a bad object is reported, not crashed on.
 */

import type { RuleId } from './findings/index.js';

/** A JSON value as it arrives from the apiserver or a manifest file. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------
// Findings: the one result type of every validation rule.
// ---------------------------------------------------------------------------------------

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable identifier of the rule, e.g. `alb-backend-port-number` (see findings/rule-catalogue.ts). */
  rule: RuleId;
  /**
   * Field path the finding is about: `spec.strategy.canary.trafficRouting.alb.ingress`,
   * `metadata.annotations["alb.ingress.kubernetes.io/actions.web"]`, `spec.rules[0].http.paths[1]`.
   */
  field: string;
  /** Full sentence that says what is wrong and how to fix it. */
  message: string;
  /** The Ingress involved (namespace/name is implied by the object under review), when any. */
  ingress?: string;
  /** Host and path of the Ingress rule involved, when any. */
  host?: string;
  path?: string;
}

// ---------------------------------------------------------------------------------------
// Kubernetes objects the core reads, as compact projections. The cluster-state caches keep
// exactly these (not whole objects), so they are also the memory model of the webhook.
// ---------------------------------------------------------------------------------------

export interface ObjectRef {
  namespace: string;
  name: string;
}

export interface ServicePort {
  name?: string;
  port: number;
}

export interface Service extends ObjectRef {
  ports: ServicePort[];
  /** `spec.selector`; undefined or empty when the Service selects no pods itself. */
  selector?: Record<string, string>;
  /**
   * The Rollout named by the `argo-rollouts.argoproj.io/managed-by-rollouts` annotation, which
   * the Rollouts controller sets on every Service it manages.
   */
  managedByRollout?: string;
}

export interface IngressClass {
  name: string;
  controller: string;
  isDefault: boolean;
}

/** One backend reference found in an Ingress (a rule path, or the default backend). */
export interface IngressBackend {
  /** Index in spec.rules, or -1 for spec.defaultBackend. */
  ruleIndex: number;
  /** Index in spec.rules[ruleIndex].http.paths, or -1 for spec.defaultBackend. */
  pathIndex: number;
  host?: string;
  path?: string;
  pathType?: string;
  /** networking.k8s.io/v1 `backend.service.name`, or extensions/v1beta1 `backend.serviceName`. */
  serviceName?: string;
  /** `backend.service.port.name` (v1) or a string `servicePort` (legacy). */
  portName?: string;
  /** `backend.service.port.number` (v1) or a numeric `servicePort` (legacy). */
  portNumber?: number;
  /** True when the backend uses the legacy extensions/v1beta1 fields `serviceName`/`servicePort`. */
  legacyFields: boolean;
  /** True for a `backend.resource` backend. */
  resource: boolean;
}

export interface Ingress extends ObjectRef {
  annotations: Record<string, string>;
  ingressClassName?: string;
  backends: IngressBackend[];
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

/** One backendRef of a Gateway API route rule, with the CRD defaults applied. */
export interface RouteBackend {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  port?: number;
}

/**
 * An HTTPRoute or GRPCRoute (gateway.networking.k8s.io/v1) as the cache keeps it: the rule
 * names and backendRefs, which the Rollout checks read. Weights, matches and filters are
 * read from the object under review, never from the cache.
 */
export interface GatewayRoute extends ObjectRef {
  kind: RouteKind;
  rules: { name?: string; backends: RouteBackend[] }[];
}

// ---------------------------------------------------------------------------------------
// Rollouts: the canary traffic configuration and status, as Argo Rollouts reads them.
// ---------------------------------------------------------------------------------------

export interface StickinessConfig {
  enabled: boolean;
  durationSeconds: number;
}

export interface AlbRouting {
  /** `alb.ingress`, when set (possibly empty string). */
  ingress?: string;
  /** `alb.ingresses`, when set (possibly empty array). */
  ingresses?: string[];
  servicePort: number;
  rootService?: string;
  /** `annotationPrefix`, defaulted to `alb.ingress.kubernetes.io`. */
  annotationPrefix: string;
  stickinessConfig?: StickinessConfig;
}

export interface NginxRouting {
  stableIngress?: string;
  stableIngresses?: string[];
  /** `annotationPrefix`, defaulted to `nginx.ingress.kubernetes.io`. */
  annotationPrefix: string;
  additionalIngressAnnotations: Record<string, string>;
  canaryIngressAnnotations: Record<string, string>;
}

/** A route named in the Gateway API plugin's configuration. */
export interface GatewayApiRouteRef {
  name: string;
  /** The plugin adds and removes header-route rules on this route (`useHeaderRoutes`). */
  useHeaderRoutes: boolean;
}

/**
 * The `argoproj-labs/gatewayAPI` traffic-router plugin's configuration
 * (`trafficRouting.plugins["argoproj-labs/gatewayAPI"]`), as the plugin reads it
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/types.go and
 * plugin.go `getGatewayAPITrafficRoutingConfig`): the single `httpRoute`/`grpcRoute` are
 * appended to the lists with `useHeaderRoutes: true`.
 */
export interface GatewayApiRouting {
  httpRoutes: GatewayApiRouteRef[];
  grpcRoutes: GatewayApiRouteRef[];
  /** `namespace` as configured; empty means the Rollout's namespace. */
  namespace: string;
  /** Configured parts the webhook does not guard: TCP/TLS routes and label selectors, by field name. */
  unguarded: string[];
  /** The in-progress label, or undefined when `disableInProgressLabel` is set. */
  inProgressLabel?: { key: string; value: string };
}

export interface TrafficRouting {
  alb?: AlbRouting;
  nginx?: NginxRouting;
  /** The Gateway API plugin's configuration, when `plugins` holds it. */
  gatewayApi?: GatewayApiRouting;
  /** Names of the other providers that are set (`istio`, `smi`, `plugins`, `apisix`, ...). */
  otherProviders: string[];
  /** True when `istio.destinationRule` is set (changes the stable/canary service requirement). */
  istioDestinationRule: boolean;
  maxTrafficWeight?: number;
  /** `managedRoutes[].name` in order; undefined when `managedRoutes` is absent (nil in Go). */
  managedRoutes?: string[];
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HeaderRoutingMatch {
  headerName: string;
  /** null when the field is absent or null. */
  headerValue: StringMatch | null;
}

export interface SetHeaderRoute {
  name: string;
  /** null when `match` is absent or null (the step removes the route). */
  match: HeaderRoutingMatch[] | null;
}

export interface MirrorRouteMatch {
  method?: StringMatch;
  path?: StringMatch;
  headers?: Record<string, StringMatch>;
}

export interface SetMirrorRoute {
  name: string;
  match: MirrorRouteMatch[] | null;
  percentage?: number;
}

export interface ExperimentTemplateRef {
  name: string;
  weight?: number;
}

/**
 * One canary step. A field is present exactly when it is present (non-null) in the spec, so
 * rules like "exactly one of setWeight, pause, experiment, analysis" can be checked.
 */
export interface CanaryStep {
  setWeight?: number;
  /** `pause` present; `duration` is kept as written (number of seconds or a duration string). */
  pause?: { duration?: number | string };
  experiment?: { templates: ExperimentTemplateRef[] };
  analysis?: JsonObject;
  setCanaryScale?: { replicas?: number; weight?: number; matchTrafficWeight?: boolean };
  setHeaderRoute?: SetHeaderRoute;
  setMirrorRoute?: SetMirrorRoute;
  plugin?: JsonObject;
}

export interface CanaryStrategy {
  stableService?: string;
  canaryService?: string;
  pingPong?: { pingService?: string; pongService?: string };
  dynamicStableScale: boolean;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
  /** As written: a number or a percentage string; undefined means the 25% default. */
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  trafficRouting?: TrafficRouting;
  steps: CanaryStep[];
}

export interface WeightDestination {
  serviceName: string;
  podTemplateHash?: string;
  weight: number;
}

export interface RolloutStatus {
  currentStepIndex?: number;
  stableRS?: string;
  currentPodHash?: string;
  abort: boolean;
  promoteFull: boolean;
  /** `status.canary.stablePingPong`: "ping", "pong" or undefined. */
  stablePingPong?: string;
  /** `status.canary.weights`, when present. */
  weights?: {
    canary: WeightDestination;
    stable: WeightDestination;
    additional: WeightDestination[];
  };
}

export interface Rollout extends ObjectRef {
  uid?: string;
  generation?: number;
  /** The `rollout.argoproj.io/revision` annotation as a number, when it parses. */
  revision?: number;
  /**
   * `spec.template.metadata.labels`: the labels of the Rollout's pods, which its Services must
   * select. Undefined when the pod template comes from `spec.workloadRef` (a Deployment the
   * webhook does not read), so no selector check can be made.
   */
  podLabels?: Record<string, string>;
  /** Undefined when the strategy is not canary (blue-green Rollouts are ignored). */
  canary?: CanaryStrategy;
  status: RolloutStatus;
}

// ---------------------------------------------------------------------------------------
// Traffic state: what the Ingresses of a Rollout must say right now.
// ---------------------------------------------------------------------------------------

export interface ActiveHeaderRoute {
  name: string;
  matches: HeaderRoutingMatch[];
}

export interface TrafficState {
  /** Service that receives the canary share (ping-pong aware for ALB). */
  canaryService: string;
  /** Service that receives the rest. */
  stableService: string;
  canaryWeight: number;
  /** Experiment destinations, in order. */
  additional: WeightDestination[];
  /** 100, or `maxTrafficWeight` for NGINX. */
  totalWeight: number;
  /** Header routes that are active at the current step, in `managedRoutes` order. */
  headerRoutes: ActiveHeaderRoute[];
  /** Managed routes whose keys and paths must be absent (promoted, aborted, or removed by a step). */
  removedRoutes: string[];
  /** Why the weight is what it is, for warnings and logs (e.g. `status.canary.weights`, `aborted`). */
  source: 'status-weights' | 'fully-promoted' | 'aborted' | 'not-started' | 'steps';
}

// ---------------------------------------------------------------------------------------
// Read access to the cluster, as the pure core needs it. Implemented by src/cluster.
// ---------------------------------------------------------------------------------------

export interface ClusterView {
  /**
   * An Ingress as cached: its annotations are only those in CACHED_INGRESS_ANNOTATIONS.
   * Checks of an Ingress's own annotations read the object under review, never the cache.
   */
  getIngress(namespace: string, name: string): Ingress | undefined;
  getService(namespace: string, name: string): Service | undefined;
  getRollout(namespace: string, name: string): Rollout | undefined;
  ingressClasses(): IngressClass[];
  /** Rollouts in the namespace whose ALB `ingress`/`ingresses` or NGINX stable ingress(es) name this Ingress. */
  rolloutsReferencingIngress(namespace: string, ingressName: string): readonly Rollout[];
  getRoute(kind: RouteKind, namespace: string, name: string): GatewayRoute | undefined;
  /** Rollouts (in any namespace) whose Gateway API plugin configuration names this route. */
  rolloutsReferencingRoute(kind: RouteKind, namespace: string, routeName: string): readonly Rollout[];
}
