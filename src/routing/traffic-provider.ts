/**
 * One traffic provider's share of the GitOps drift guard, behind one interface, in the way
 * Argo Rollouts puts each traffic router behind `TrafficRoutingReconciler`
 * (argoproj/argo-rollouts, rollout/trafficrouting/trafficroutingutil.go): the guard loops over
 * the providers and never names one.
 *
 * A provider owns *values* inside an object the Rollouts controller writes: annotation keys on
 * an Ingress (ALB, NGINX), or the backend weights in `spec.rules` of an HTTPRoute (Gateway
 * API). Each owned value has a key that names it to a person (an annotation key, or a field
 * path such as `spec.rules[0].backendRefs[1].weight`) and a text form, so the guard can tell
 * what the request asked for, what is live and what it admits without knowing where it lives.
 */
import type { Finding, JsonObject, Rollout, RouteKind, Service, TrafficState } from './model.js';

/** The providers, a closed set (it labels the `rtw_ingress_overrides_total` metric). */
export const TRAFFIC_PROVIDER_NAMES = ['alb', 'nginx', 'gateway-api'] as const;
export type TrafficProviderName = (typeof TRAFFIC_PROVIDER_NAMES)[number];

/** What the drift guard is given: the object a client writes, the live one, and the Rollouts near it. */
export interface DriftInput {
  /** The object in the request (what the client wants to write). */
  requested: JsonObject;
  /** The live object (oldObject on UPDATE). */
  live?: JsonObject;
  /** Rollouts in the object's namespace that reference it through ALB. */
  albRollouts: Rollout[];
  /** Looks up a Rollout in the object's namespace (for ownership recorded on the object). */
  rolloutNamed: (name: string) => Rollout | undefined;
  /** Set when the object is a Gateway API route. */
  route?: RouteDriftContext;
}

/** What the Gateway API provider needs beyond the objects: which route, and who names it. */
export interface RouteDriftContext {
  kind: RouteKind;
  /** From the request: on CREATE the object may not carry its namespace yet. */
  namespace: string;
  name: string;
  /** Rollouts (in any namespace) whose Gateway API plugin configuration names the route. */
  rollouts: readonly Rollout[];
  getService: (namespace: string, name: string) => Service | undefined;
}

/** One value a Rollout owns in the object, after the provider has put it in place. */
export interface OwnedValue {
  /** How the value is named to a person: an annotation key or a field path. */
  key: string;
  /** What it carries, e.g. `live traffic (canary 20%)` or `header route`. */
  meaning: string;
  /** Its text in the admitted object (undefined: the object will not carry it). */
  admitted: string | undefined;
  /**
   * Its text in another object (the request, the live one): the provider's `ownedValue` of the
   * key, read without parsing the key or, where the provider can tell it equals the admitted
   * value without writing it, without writing the text. Absent: `ownedValue` is used.
   */
  textIn?: (obj: JsonObject | undefined) => string | undefined;
}

/** What one Rollout owns in the admitted object. */
export interface OwnedShare {
  rollout: Rollout;
  /** The values to compare with the request; bookkeeping that carries no traffic is left out. */
  values: OwnedValue[];
}

export interface ProviderReconcile {
  shares: OwnedShare[];
  /** Why some Rollout's state could not be put in place (the object is then left as requested there). */
  errors: Finding[];
  /**
   * Set when the state the Rollouts need cannot be written without breaking the object's schema
   * limits (the apiserver would reject the result): the write is to be denied with this reason.
   */
  refusal?: string;
}

export interface TrafficProvider {
  readonly name: TrafficProviderName;
  /** What the Rollout's objects for this provider must say now; undefined when it does not route through it. */
  trafficStateOf(rollout: Rollout): TrafficState | undefined;
  /**
   * Puts into `working` (the guard's editable copy of the requested object, never the request
   * itself) every value the Rollouts that own part of the object own, keeping live values the
   * Rollout agrees with.
   */
  reconcile(working: JsonObject, input: DriftInput): ProviderReconcile;
  /** The text of an owned value in an object, undefined when the object does not carry it. */
  ownedValue(obj: JsonObject | undefined, key: string): string | undefined;
}

/** How an override describes the traffic a state carries, with the canary weight given. */
export function describeTraffic(state: TrafficState, canaryWeight = state.canaryWeight): string {
  const extra = state.additional.reduce((sum, d) => sum + d.weight, 0);
  return extra > 0 ? `canary ${canaryWeight}%, experiments ${extra}%` : `canary ${canaryWeight}%`;
}

/** Whether traffic may still be moving, so the live value can be fresher than the status. */
export function liveMayLeadStatus(state: TrafficState): boolean {
  return state.source === 'status-weights' || state.source === 'steps';
}
