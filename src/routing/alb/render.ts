/**
 * ALB rendering, byte-identical to the Argo Rollouts controller (argo alb.go):
 * the weight action, header-route action and conditions, the `/*` use-annotation paths and
 * the managed-annotations bookkeeping, and the whole desired Ingress built from them.
 */
import { MAX_STICKINESS_SECONDS } from './schema.js';
import {
  ANNOTATIONS_FIELD,
  CANARY_FIELD,
  INGRESS_RULES_FIELD,
  TRAFFIC_ROUTING_FIELD,
  annotationField,
  newFinding,
  type FieldPath,
  type RuleId,
} from '../findings/index.js';
import { goJson, type GoJsonValue } from '../go/index.js';
import { IngressObject, own } from '../wire/index.js';
import {
  addManagedKeys,
  parseLegacyManagedAlbActions,
  parseManagedAlbAnnotations,
  type Outcome,
  removeManagedKeys,
  renderManagedAlbAnnotations,
  type ManagedAlbAnnotations,
} from './managed-annotations.js';
import type { AlbRouting, Finding, HeaderRoutingMatch, JsonObject, Rollout, TrafficState } from '../model.js';
import { LEGACY_MANAGED_ALB_ACTIONS, MANAGED_ALB_ANNOTATIONS } from '../keys.js';
import { albActionService } from '../traffic-state.js';
import { sumWeights } from '../traffic-state.js';

export type Rendered = Outcome<string>;

/** The Rollouts controller's error for an out-of-range stickiness duration (argo alb.go). */
export const STICKINESS_DURATION_ERROR = `TargetGroupStickinessConfig's duration must be between 1 and ${MAX_STICKINESS_SECONDS} seconds (7 days)!`;

/** `<prefix>/<kind>.<name>` by plain concatenation: a prefix ending in `/` gives `//` (argo alb.go). */
export function albAnnotationKey(prefix: string, kind: 'actions' | 'conditions', name: string): string {
  return `${prefix}/${kind}.${name}`;
}

interface TargetGroup {
  serviceName: string;
  weight: number;
}

/** The forward action the controller writes (argo alb.go), in the controller's struct order. */
function renderForward(alb: AlbRouting, groups: TargetGroup[]): Rendered {
  const sticky = alb.stickinessConfig;
  const forwardConfig: Record<string, GoJsonValue | undefined> = {
    TargetGroups: groups.map((g) => ({
      // `omitempty`: an empty Service name is left out, the port (always set) and weight never.
      ServiceName: g.serviceName === '' ? undefined : g.serviceName,
      ServicePort: String(alb.servicePort),
      Weight: g.weight,
    })),
  };
  if (sticky?.enabled) {
    if (sticky.durationSeconds < 1 || sticky.durationSeconds > MAX_STICKINESS_SECONDS) {
      return { ok: false, error: STICKINESS_DURATION_ERROR };
    }
    forwardConfig.TargetGroupStickinessConfig = { Enabled: true, DurationSeconds: sticky.durationSeconds };
  }
  return { ok: true, value: goJson({ Type: 'forward', ForwardConfig: forwardConfig }) };
}

function albOf(rollout: Rollout): AlbRouting | undefined {
  return rollout.canary?.trafficRouting?.alb;
}

const NO_ALB: Rendered = { ok: false, error: 'the Rollout has no spec.strategy.canary.trafficRouting.alb' };

/**
 * The weight action (argo alb.go): canary, then each additional destination, then stable with
 * `100 − canary − Σadditional` (not clamped: it can be negative, as in the controller).
 */
export function renderWeightAction(rollout: Rollout, state: TrafficState): Rendered {
  const alb = albOf(rollout);
  if (!alb) return NO_ALB;
  return renderForward(alb, [
    { serviceName: state.canaryService, weight: state.canaryWeight },
    ...state.additional.map((d) => ({ serviceName: d.serviceName, weight: d.weight })),
    { serviceName: state.stableService, weight: 100 - state.canaryWeight - sumWeights(state.additional) },
  ]);
}

/** A header route's action (argo alb.go): all of that route's traffic to the canary. */
export function renderHeaderRouteAction(rollout: Rollout, state: TrafficState): Rendered {
  const alb = albOf(rollout);
  if (!alb) return NO_ALB;
  return renderForward(alb, [{ serviceName: state.canaryService, weight: 100 }]);
}

/**
 * A header route's conditions (argo alb.go, HEAD): one `http-header` entry per header name, the
 * `exact` values of matches with the same (case-sensitive) name merged in order. Only
 * `exact` is used; a match without it contributes `""`. `match: []` renders as `null`,
 * because the controller's slice stays nil.
 */
export function renderHeaderRouteConditions(matches: HeaderRoutingMatch[]): string {
  if (matches.length === 0) return 'null';
  const entries: { name: string; values: string[] }[] = [];
  for (const match of matches) {
    const value = match.headerValue?.exact ?? '';
    const entry = entries.find((e) => e.name === match.headerName);
    if (entry) entry.values.push(value);
    else entries.push({ name: match.headerName, values: [value] });
  }
  return goJson(
    entries.map((e) => ({
      field: 'http-header',
      httpHeaderConfig: { httpHeaderName: e.name, values: e.values },
    })),
  );
}

// ---------------------------------------------------------------------------------------
// Desired Ingress
// ---------------------------------------------------------------------------------------

export interface DesiredAlbIngress {
  /** Deep copy of the input with the Rollout-owned parts set (the input itself when nothing could be computed: still a copy). */
  ingress: JsonObject;
  /**
   * Annotation keys whose value (or absence) this state decides: the weight action, the
   * bookkeeping key, and the action and conditions keys of every active or removed route.
   * The paths of `spec.rules` whose backend is such a route are decided too.
   */
  ownedKeys: string[];
  /** Why nothing was changed; empty when the result is complete. */
  errors: Finding[];
}

function finding(rule: RuleId, field: FieldPath, message: string, ingress: string): Finding {
  return newFinding(rule, field, message, { severity: 'error', ingress });
}

/**
 * Route names whose keys this state decides: active routes (set) and removed ones (absent).
 * A managed route whose step has not been reached is not decided: the controller has not
 * touched it, so neither does the webhook.
 */
function decidedRoutes(state: TrafficState): string[] {
  return [...new Set([...state.headerRoutes.map((r) => r.name), ...state.removedRoutes])];
}

/**
 * The bookkeeping map this Rollout starts from. When only the legacy annotation exists, the
 * Rollout's own legacy entry seeds its list; other Rollouts' legacy entries are not migrated,
 * because the controller (v1.4.0+) does not migrate them either and leaves the legacy
 * annotation untouched (argo alb.go).
 */
function currentManaged(
  annotations: Record<string, string>,
  rollout: Rollout,
  ingressName: string,
): { map: ManagedAlbAnnotations } | { errors: Finding[] } {
  const field = annotationField(MANAGED_ALB_ANNOTATIONS);
  if (own(annotations, MANAGED_ALB_ANNOTATIONS) !== undefined) {
    const parsed = parseManagedAlbAnnotations(annotations[MANAGED_ALB_ANNOTATIONS]);
    if (parsed.ok) return { map: parsed.value };
    const message =
      `${field} of Ingress ${ingressName} cannot be read (${parsed.error}); the Argo Rollouts controller ` +
      `fails on it too. Fix or delete the annotation so that the controller can rebuild it.`;
    return { errors: [finding('alb-managed-annotations-malformed', field, message, ingressName)] };
  }
  // Absent (a key Object.prototype does not have), the legacy form parses to no entries.
  const legacy = parseLegacyManagedAlbActions(annotations[LEGACY_MANAGED_ALB_ACTIONS]);
  if (!legacy.ok) {
    const legacyField = annotationField(LEGACY_MANAGED_ALB_ACTIONS);
    const message =
      `${legacyField} of Ingress ${ingressName} is not in the form <rollout>:<key>,... (${legacy.error}). ` +
      `It is obsolete since Argo Rollouts v1.4: delete it.`;
    return { errors: [finding('alb-legacy-managed-actions-malformed', legacyField, message, ingressName)] };
  }
  const mine = legacy.value.get(rollout.name);
  return { map: mine === undefined ? new Map() : new Map([[rollout.name, [mine]]]) };
}

/**
 * Bring `spec.rules` in line with the header routes (argo alb.go), in place:
 * - an active route with no path anywhere gets a `/*` use-annotation path at index 0 of
 *   every rule that has paths (`IngressObject.addUseAnnotationPaths`);
 * - a removed route loses every path whose backend is the route;
 * - while at least one route is active, each rule's paths are stable-sorted by
 *   `managedRoutes` rank, as SetHeaderRoute does, so the routes take precedence. With no
 *   route active (promoted, aborted, or none set yet) the order is left as written, like
 *   RemoveManagedRoutes, which does not sort: the user's path order is then authoritative.
 */
function alignPaths(ingress: IngressObject, rollout: Rollout, state: TrafficState): void {
  ingress.addUseAnnotationPaths(state.headerRoutes.map((route) => route.name));
  ingress.removePathsTo(new Set(state.removedRoutes));
  if (state.headerRoutes.length > 0)
    // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, applyAlbState calls this only for a Rollout with trafficRouting.alb; a made-up route name ranks no path, since no Service has a name with spaces
    ingress.sortPathsByRoute(rollout.canary?.trafficRouting?.managedRoutes ?? []);
}

/**
 * Everything a state renders to, independent of the Ingress: the annotation values the
 * controller writes and the keys the state decides. A pure function of the Rollout and the
 * state, so the drift guard computes it once per Rollout object, not once per review.
 */
export interface RenderedAlbState {
  /** Undefined when the Rollout has no ALB routing. */
  alb?: AlbRouting;
  ownedKeys: string[];
  /** The weight action's key, and its value or the controller's rendering error. */
  actionKey: string;
  weightAction: Rendered;
  /** Each active route's action and conditions keys and values, in route order. */
  routes: { actionKey: string; conditionsKey: string; conditions: string }[];
  routeAction: Rendered;
  /** Keys of removed routes: deleted from the Ingress and from the bookkeeping. */
  removedKeys: string[];
  /**
   * Memo of `updatedBookkeeping`: current bookkeeping text → text after this state. One
   * Ingress sends the same value review after review, and parsing it the Go way, updating
   * and re-encoding it was the largest remaining cost of a mutate review.
   */
  bookkeeping: Map<string, string>;
}

/** Distinct bookkeeping inputs remembered per rendered state (a Rollout has a few Ingresses). */
const MAX_BOOKKEEPING_MEMO = 16;

export function renderAlbState(rollout: Rollout, state: TrafficState): RenderedAlbState {
  const alb = albOf(rollout);
  // Stryker disable next-line StringLiteral: equivalent, without an alb block nothing reads the keys: ownedKeys is empty, applyAlbState returns at the missing block, and the drift guard plans only Rollouts that have one
  const prefix = alb?.annotationPrefix ?? '';
  const routeKeys = (route: string) => [
    albAnnotationKey(prefix, 'actions', route),
    albAnnotationKey(prefix, 'conditions', route),
  ];
  const actionKey = albAnnotationKey(prefix, 'actions', albActionService(rollout));
  return {
    alb,
    ownedKeys: alb
      ? [...new Set([actionKey, MANAGED_ALB_ANNOTATIONS, ...decidedRoutes(state).flatMap(routeKeys)])]
      : [],
    actionKey,
    weightAction: renderWeightAction(rollout, state),
    routes: state.headerRoutes.map((route) => {
      const [actionKey, conditionsKey] = routeKeys(route.name) as [string, string];
      return { actionKey, conditionsKey, conditions: renderHeaderRouteConditions(route.matches) };
    }),
    routeAction: renderHeaderRouteAction(rollout, state),
    removedKeys: state.removedRoutes.flatMap(routeKeys),
    bookkeeping: new Map(),
  };
}

/**
 * The bookkeeping annotation after this state is applied, from the Ingress's current one
 * (the JSON form, else the legacy form, else none): the Rollout's entry loses the removed
 * routes' keys and gains its own, foreign entries stay as written.
 */
function updatedBookkeeping(
  annotations: Record<string, string>,
  rollout: Rollout,
  ingressName: string,
  rendered: RenderedAlbState,
): { value: string } | { errors: Finding[] } {
  const current = own(annotations, MANAGED_ALB_ANNOTATIONS);
  const legacy = own(annotations, LEGACY_MANAGED_ALB_ACTIONS);
  const memoKey =
    typeof current === 'string'
      ? `J${current}`
      : typeof legacy === 'string'
        ? `L${legacy}`
        : // Stryker disable next-line StringLiteral: equivalent, any key that starts with neither J nor L names "no annotation" as well
          '';
  const remembered = rendered.bookkeeping.get(memoKey);
  // Equivalent survivor: remembered !== undefined → false: cost only: the same value is computed again
  if (remembered !== undefined) return { value: remembered };
  const managed = currentManaged(annotations, rollout, ingressName);
  if ('errors' in managed) return managed;
  let map = removeManagedKeys(managed.map, rollout.name, rendered.removedKeys);
  map = addManagedKeys(map, rollout.name, [
    rendered.actionKey,
    ...rendered.routes.flatMap((r) => [r.actionKey, r.conditionsKey]),
  ]);
  const value = renderManagedAlbAnnotations(map);
  if (rendered.bookkeeping.size >= MAX_BOOKKEEPING_MEMO) rendered.bookkeeping.clear();
  rendered.bookkeeping.set(memoKey, value);
  return { value };
}

/**
 * The Ingress as it must be for `state`: a copy of `ingress` whose Rollout-owned
 * annotations and paths are what the controller would write, everything else untouched.
 * The copy shares the parts it does not change with `ingress` (see `IngressObject.editableCopy`).
 * Pure and idempotent: `desiredAlbIngress(desiredAlbIngress(x).ingress)` equals the first
 * result. When the controller would fail (service not in rules, stickiness out of range,
 * unreadable bookkeeping), the copy is returned unchanged with the reason in `errors`.
 */
export function desiredAlbIngress(
  ingress: JsonObject,
  rollout: Rollout,
  state: TrafficState,
): DesiredAlbIngress {
  const copy = IngressObject.editableCopy(ingress);
  const applied = applyAlbState(copy, rollout, state, renderAlbState(rollout, state));
  return { ingress: copy.json, ...applied };
}

/**
 * `desiredAlbIngress` in place, on a copy made by `IngressObject.editableCopy`: every check comes
 * before the first edit, so on errors `editable` is left exactly as it was.
 */
export function applyAlbState(
  editable: IngressObject,
  rollout: Rollout,
  state: TrafficState,
  rendered: RenderedAlbState,
): Omit<DesiredAlbIngress, 'ingress'> {
  const name = editable.name;
  const { alb, ownedKeys } = rendered;
  if (!alb) {
    return {
      ownedKeys,
      errors: [
        finding(
          'alb-not-configured',
          TRAFFIC_ROUTING_FIELD.child('alb'),
          `Rollout ${rollout.name} has no ALB traffic routing`,
          name,
        ),
      ],
    };
  }
  const fail = (errors: Finding[]) => ({ ownedKeys, errors });
  const annotations = editable.editableAnnotations();
  if (!annotations) {
    return fail([
      finding(
        'ingress-malformed',
        ANNOTATIONS_FIELD,
        `Ingress ${name}: metadata.annotations must be a map of strings`,
        name,
      ),
    ]);
  }
  const actionService = albActionService(rollout);
  if (!editable.hasBackendService(actionService)) {
    return fail([
      finding(
        'alb-action-service-not-in-rules',
        INGRESS_RULES_FIELD,
        // The controller's own text first (it is what its events say), then the fix.
        `ingress does not have service \`${actionService}\` in rules. Add a rule path whose backend ` +
          `is Service ${actionService} (port name use-annotation), or point ` +
          `${alb.rootService ? TRAFFIC_ROUTING_FIELD.child('alb', 'rootService') : CANARY_FIELD.child('stableService')} ` +
          `at a Service this Ingress routes to.`,
        name,
      ),
    ]);
  }
  // Both actions are rendered by renderForward with the same stickiness, its only failure: the
  // route action fails exactly when the weight action does.
  const { weightAction, routeAction } = rendered;
  if (!weightAction.ok) {
    return fail([
      finding(
        'alb-stickiness-duration',
        TRAFFIC_ROUTING_FIELD.child('alb', 'stickinessConfig', 'durationSeconds'),
        `${weightAction.error} Set stickinessConfig.durationSeconds to a number of seconds from 1 to ${MAX_STICKINESS_SECONDS}, ` +
          `or set stickinessConfig.enabled to false.`,
        name,
      ),
    ]);
  }
  const bookkeeping = updatedBookkeeping(annotations, rollout, name, rendered);
  if ('errors' in bookkeeping) return fail(bookkeeping.errors);

  for (const key of rendered.removedKeys) delete annotations[key];
  annotations[rendered.actionKey] = (weightAction as { value: string }).value;
  for (const route of rendered.routes) {
    annotations[route.actionKey] = (routeAction as { value: string }).value;
    annotations[route.conditionsKey] = route.conditions;
  }
  annotations[MANAGED_ALB_ANNOTATIONS] = bookkeeping.value;
  editable.replaceAnnotations(annotations);
  alignPaths(editable, rollout, state);
  return { ownedKeys, errors: [] };
}
