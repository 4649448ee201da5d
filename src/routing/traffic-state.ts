/**
 * The traffic state of a Rollout, derived from the Rollout object alone: what its Ingresses
 * must say right now. The Argo Rollouts controller decides this in `reconcileTrafficRouting`
 * from the Rollout *and* its ReplicaSets and Experiment; the webhook only sees the Rollout,
 * so it reads the result the controller last recorded (`status.canary.weights`) and falls
 * back to the steps only when no such record exists yet.
 *
 * Where this differs from the controller (argo trafficrouting.go):
 * - The controller gates every weight on ReplicaSet availability (argo trafficrouting.go,
 *   and HEAD's stable-capacity guard). Availability is not on the Rollout, so the
 *   webhook never recomputes the weight while `status.canary.weights` exists: the controller
 *   writes that status in the same reconcile in which it sets the weight (argo trafficrouting.go), so
 *   it is the last weight the controller put on the Ingress. Recomputing from the steps
 *   would jump ahead of a canary that is not available yet. Right after a new revision
 *   starts, the recorded weights still belong to the previous one (their canary
 *   `podTemplateHash` differs from `currentPodHash`); the controller's next reconcile
 *   replaces them, and until then they still describe what the Ingress says.
 * - Without status weights (the controller has not routed this Rollout yet, or predates
 *   status weights), `desiredWeightFromSteps` assumes the ReplicaSets are at their desired
 *   size. The controller would write the nearest setWeight *strictly before* the index, or 0
 *   while the canary ReplicaSet has no available pod (argo trafficrouting.go).
 * - Experiment destinations are known only from the status: their Service names are created
 *   by the Experiment, which the webhook does not read.
 * - Fully promoted and aborted Rollouts get weight 0 even when the status still holds the
 *   previous weight, because the controller's very next reconcile writes 0 (argo trafficrouting.go).
 *   With `dynamicStableScale` the controller lowers the weight gradually instead, by
 *   ReplicaSet availability, so there the status weight stays the truth.
 * - Header routes are taken to be set by every `setHeaderRoute` step at or before the
 *   current index (with the controller's revision > 1 gate, argo alb.go). HEAD also removes managed
 *   routes while the canary ReplicaSet has no available pod (argo trafficrouting.go), which the webhook cannot
 *   see: there the webhook keeps the routes of the steps reached.
 */
import type {
  HeaderRoutingMatch,
  Rollout,
  SetHeaderRoute,
  TrafficState,
  WeightDestination,
} from './model.js';
import type { TrafficProviderName } from './traffic-provider.js';

/** Ingress names a Rollout references (HEAD: `ingress` or `ingresses`; `stableIngress` or `stableIngresses`). */
export function referencedIngresses(rollout: Rollout): { alb: string[]; nginx: string[] } {
  const routing = rollout.canary?.trafficRouting;
  const pick = (single: string | undefined, list: string[] | undefined): string[] => {
    // The controller walks the list whenever it is non-nil (even when `ingress` is also set,
    // which HEAD validation rejects, and even when empty), else the single name.
    if (list !== undefined) return [...new Set(list.filter((name) => name !== ''))];
    return single ? [single] : [];
  };
  return {
    alb: routing?.alb ? pick(routing.alb.ingress, routing.alb.ingresses) : [],
    nginx: routing?.nginx ? pick(routing.nginx.stableIngress, routing.nginx.stableIngresses) : [],
  };
}

/** The Service whose `actions.<name>` annotation carries the weights (argo alb.go). */
export function albActionService(rollout: Rollout): string {
  return rollout.canary?.trafficRouting?.alb?.rootService || rollout.canary?.stableService || '';
}

/**
 * Stable and canary target-group Services for ALB (argo alb.go). ALB passes "ping-pong preferred",
 * so a `pingPong` block wins over `stableService`/`canaryService` in every version.
 */
export function albServices(rollout: Rollout): { stable: string; canary: string } {
  const canary = rollout.canary;
  if (canary?.pingPong) {
    const ping = canary.pingPong.pingService ?? '';
    const pong = canary.pingPong.pongService ?? '';
    return rollout.status.stablePingPong === 'ping'
      ? { stable: ping, canary: pong }
      : { stable: pong, canary: ping };
  }
  return { stable: canary?.stableService ?? '', canary: canary?.canaryService ?? '' };
}

/** `maxTrafficWeight` or 100: the weight that means "all traffic" (HEAD argo trafficrouting.go). */
export function maxWeight(rollout: Rollout): number {
  return rollout.canary?.trafficRouting?.maxTrafficWeight ?? 100;
}

/**
 * The weight the controller sets from the steps alone (argo trafficrouting.go, `currentSetWeight`),
 * assuming the ReplicaSets have reached their desired size:
 * - no steps: 0 until promoted (branch 6);
 * - past the last step: all traffic (`maxTrafficWeight` or 100);
 * - otherwise the nearest `setWeight` at or before `currentStepIndex`, or 0.
 * Aborts and full promotions are handled by `trafficStateOf` before this is consulted.
 */
export function desiredWeightFromSteps(rollout: Rollout): number {
  const steps = rollout.canary?.steps ?? [];
  if (steps.length === 0) return 0;
  const index = Math.max(0, rollout.status.currentStepIndex ?? 0);
  if (index >= steps.length) return maxWeight(rollout);
  for (let i = index; i >= 0; i--) {
    // Equivalent mutant: i runs from index (below steps.length) down to 0, so steps[i] exists.
    // Stryker disable next-line OptionalChaining: equivalent, never undefined
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

interface Phase {
  source: TrafficState['source'];
  /** RemoveManagedRoutes is called in this phase (argo trafficrouting.go). */
  routesRemoved: boolean;
}

function phaseOf(rollout: Rollout): Phase {
  const { stableRS = '', currentPodHash = '', abort, promoteFull } = rollout.status;
  if (stableRS === currentPodHash) {
    // Both empty is "fully promoted" to the controller too; it means nothing ran yet.
    return { source: stableRS === '' ? 'not-started' : 'fully-promoted', routesRemoved: true };
  }
  if (abort) return { source: 'aborted', routesRemoved: true };
  return { source: 'steps', routesRemoved: promoteFull };
}

function weightOf(
  rollout: Rollout,
  phase: Phase,
): Pick<TrafficState, 'canaryWeight' | 'additional' | 'source'> {
  const weights = rollout.status.weights;
  // Equivalent mutants (this `?.` and the others so marked in this file): trafficStateOf reaches this only for a Rollout with canary.trafficRouting
  // (the chains are for the type checker).
  // Stryker disable next-line OptionalChaining: equivalent, canary is set
  const gradual = rollout.canary?.dynamicStableScale === true;
  if (phase.source !== 'steps' && !(gradual && weights)) {
    return { canaryWeight: 0, additional: [], source: phase.source };
  }
  if (weights) {
    return {
      canaryWeight: weights.canary.weight,
      additional: weights.additional.map((d) => ({ ...d })),
      source: 'status-weights',
    };
  }
  // promoteFull without a recorded weight: the controller keeps "the previous weight", 0.
  const weight = rollout.status.promoteFull ? 0 : desiredWeightFromSteps(rollout);
  return { canaryWeight: weight, additional: [], source: 'steps' };
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}

/**
 * The controller calls SetHeaderRoute only while the Rollout's revision annotation is above 1
 * (argo alb.go gate). An absent annotation is read as "above 1": the webhook may be handed a Rollout
 * whose annotations were not kept, and revision 1 is promoted at once anyway.
 */
function headerRoutesGated(rollout: Rollout): boolean {
  return (rollout.revision ?? Infinity) <= 1;
}

/**
 * Calls `apply` with each `setHeaderRoute` the controller has passed to the router by now, in
 * step order: every one at or before `currentStepIndex`, or, in a phase that removes managed
 * routes, only the current step's (the controller calls SetHeaderRoute for it right after
 * RemoveManagedRoutes in the same reconcile). Nothing while the revision gate holds.
 */
function forEachHeaderStep(rollout: Rollout, phase: Phase, apply: (route: SetHeaderRoute) => void): void {
  if (headerRoutesGated(rollout)) return;
  // Equivalent mutants: canary is set (see weightOf); a string seeded into the [] has no
  // setHeaderRoute; an index past the end reads undefined, which `?.` skips; and the bound
  // keeps i within the steps, so `?.` never meets undefined.
  // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, see above
  const steps = rollout.canary?.steps ?? [];
  const index = Math.max(0, rollout.status.currentStepIndex ?? 0);
  const first = phase.routesRemoved ? index : 0;
  // Stryker disable next-line ArithmeticOperator: equivalent, see above
  for (let i = first; i <= Math.min(index, steps.length - 1); i++) {
    // Stryker disable next-line OptionalChaining: equivalent, see above
    const route = steps[i]?.setHeaderRoute;
    if (route) apply(route);
  }
}

/**
 * Header routes in effect at the current step: for each route name, the latest
 * `setHeaderRoute` step at or before `currentStepIndex` decides (a null `match` removes it).
 *
 * When the phase removes managed routes, every managed route is removed — except that the
 * controller calls SetHeaderRoute for the *current* step right after RemoveManagedRoutes in
 * the same reconcile. An aborted Rollout is reset to step 0, so a `setHeaderRoute` with a
 * match at step 0 stays in effect during the abort; that quirk is reproduced.
 */
function headerRoutesOf(
  rollout: Rollout,
  phase: Phase,
): Pick<TrafficState, 'headerRoutes' | 'removedRoutes'> {
  // Stryker disable next-line OptionalChaining: equivalent, canary.trafficRouting is set (see weightOf)
  const managed = rollout.canary?.trafficRouting?.managedRoutes ?? [];
  const active = new Map<string, HeaderRoutingMatch[]>();
  const removed = new Set<string>(phase.routesRemoved ? managed : []);
  forEachHeaderStep(rollout, phase, (route) => {
    if (route.match === null) {
      active.delete(route.name);
      removed.add(route.name);
    } else {
      active.set(route.name, route.match);
      removed.delete(route.name);
    }
  });
  const byRank = (a: string, b: string) => rank(managed, a) - rank(managed, b);
  return {
    headerRoutes: [...active.keys()].sort(byRank).map((name) => ({ name, matches: active.get(name)! })),
    removedRoutes: [...removed].sort(byRank),
  };
}

/**
 * Header routes as the Gateway API plugin leaves them on a route, in the order its rules
 * stand (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0,
 * pkg/plugin/httproute.go and grpcroute.go): each SetHeaderRoute removes the rules of its
 * name and appends the new ones at the end, so the route that was set last comes last; and a
 * `setHeaderRoute` without `match` removes the rules of *every* managed route, not only its
 * own (`setHTTPHeaderRoute` calls `removeHTTPManagedRoutes`). The same controller gate and
 * RemoveManagedRoutes phases as `headerRoutesOf` apply.
 */
function pluginHeaderRoutesOf(
  rollout: Rollout,
  phase: Phase,
): Pick<TrafficState, 'headerRoutes' | 'removedRoutes'> {
  // Stryker disable next-line OptionalChaining: equivalent, canary.trafficRouting is set (see weightOf)
  const managed = rollout.canary?.trafficRouting?.managedRoutes ?? [];
  const active = new Map<string, HeaderRoutingMatch[]>();
  forEachHeaderStep(rollout, phase, (route) => {
    if (route.match === null) {
      active.clear();
    } else {
      // Map order is insertion order: delete first so an upsert moves the route to the end.
      active.delete(route.name);
      active.set(route.name, route.match);
    }
  });
  return {
    headerRoutes: [...active].map(([name, matches]) => ({ name, matches })),
    removedRoutes: managed.filter((name) => !active.has(name)),
  };
}

/**
 * What the Rollout's Ingresses (or, for `gateway-api`, routes) for `provider` must say now,
 * or undefined when the Rollout does not route traffic through that provider (no canary
 * strategy, or no such block).
 */
export function trafficStateOf(rollout: Rollout, provider: TrafficProviderName): TrafficState | undefined {
  const canary = rollout.canary;
  if (!canary?.trafficRouting?.[provider === 'gateway-api' ? 'gatewayApi' : provider]) return undefined;
  const phase = phaseOf(rollout);
  const weight = weightOf(rollout, phase);
  if (provider === 'gateway-api') {
    return {
      // The plugin reads the spec's Services by name, never ping-pong (pkg/plugin/httproute.go).
      stableService: canary.stableService ?? '',
      canaryService: canary.canaryService ?? '',
      ...weight,
      // The plugin writes 100 minus the canary weight for stable, whatever maxTrafficWeight says.
      totalWeight: 100,
      ...pluginHeaderRoutesOf(rollout, phase),
    };
  }
  if (provider === 'alb') {
    const services = albServices(rollout);
    return {
      stableService: services.stable,
      canaryService: services.canary,
      ...weight,
      // ALB's stable share is always 100 − canary − additional (argo alb.go), never maxTrafficWeight.
      totalWeight: 100,
      ...headerRoutesOf(rollout, phase),
    };
  }
  return {
    stableService: canary.stableService ?? '',
    canaryService: canary.canaryService ?? '',
    canaryWeight: weight.canaryWeight,
    // NGINX ignores additional destinations, and SetHeaderRoute/RemoveManagedRoutes are no-ops (argo nginx.go).
    additional: [],
    source: weight.source,
    totalWeight: maxWeight(rollout),
    headerRoutes: [],
    removedRoutes: [],
  };
}

/** The stable share implied by a state: total minus canary minus every additional destination. */
export function stableWeightOf(
  state: Pick<TrafficState, 'totalWeight' | 'canaryWeight' | 'additional'>,
): number {
  return state.totalWeight - state.canaryWeight - sumWeights(state.additional);
}

export function sumWeights(destinations: WeightDestination[]): number {
  return destinations.reduce((sum, d) => sum + d.weight, 0);
}
