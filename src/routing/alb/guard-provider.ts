/**
 * The ALB provider of the drift guard: the Rollouts that name this Ingress in
 * `trafficRouting.alb` own its `actions.<service>` weight annotation, their header-route
 * actions and conditions, and the managed-annotations bookkeeping.
 *
 * Which value wins for an owned key:
 * 1. The live value (oldObject), when it is consistent with the Rollout: the controller
 *    writes the Ingress before it records the weight in the Rollout status, so the live
 *    value is the freshest truth while a step is in progress.
 * 2. Otherwise the value derived from the Rollout status (`trafficStateOf`): a re-created
 *    Ingress gets the current weight, and an aborted or promoted Rollout keeps all traffic
 *    on stable even if the live object says otherwise.
 */
import { MANAGED_ALB_ANNOTATIONS } from '../keys.js';
import type { Json, JsonObject, Rollout, TrafficState } from '../model.js';
import {
  describeTraffic,
  liveMayLeadStatus,
  type DriftInput,
  type OwnedShare,
  type ProviderReconcile,
  type TrafficProvider,
} from '../traffic-provider.js';
import { trafficStateOf } from '../traffic-state.js';
import { IngressObject, isJsonObject, MAX_NESTING_DEPTH, measureJsonText } from '../wire/index.js';
import { applyAlbState, renderAlbState, type RenderedAlbState } from './render.js';

/**
 * The value with every object key lower-cased and the keys sorted. The load-balancer
 * controllers decode annotations with Go's encoding/json, which matches field names without
 * regard to case and ignores their order, so two texts with the same canonical form mean the
 * same to them.
 */
function canonicalJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (!isJsonObject(value)) return value;
  const lowered = Object.create(null) as JsonObject;
  for (const [k, v] of Object.entries(value)) lowered[k.toLowerCase()] = canonicalJson(v);
  const out = Object.create(null) as JsonObject;
  for (const k of Object.keys(lowered).sort()) out[k] = lowered[k] as Json;
  return out;
}

/**
 * JSON held in an annotation value, or undefined when it is not JSON or nests deeper than
 * MAX_NESTING_DEPTH (then it is treated as not matching, as malformed JSON is): the
 * annotation is user data that no body check has measured, and lowerKeys and JSON.stringify
 * recurse over it. The depth is measured on the text before anything is built.
 */
function parseJson(text: string | undefined): Json | undefined {
  // Equivalent survivor: text === undefined → false: measureJsonText then reads no bytes (depth 0), and JSON.parse(undefined) throws, which the catch below turns into undefined too
  if (text === undefined) return undefined;
  if (measureJsonText(text, MAX_NESTING_DEPTH).depth > MAX_NESTING_DEPTH) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    // Not JSON: undefined, below.
  }
  return undefined;
}

/**
 * A live weight action is consistent with the Rollout when it forwards to exactly the
 * Rollout's target groups (canary, experiments, stable, in that order, on the Rollout's
 * port) with integer weights that add up to 100, and the stickiness block matches the
 * spec. Only the weights may differ from the status.
 */
export function liveWeightActionIsConsistent(live: string, rollout: Rollout, state: TrafficState): boolean {
  const action = canonicalJson(parseJson(live) ?? null);
  if (!isJsonObject(action) || action.type !== 'forward' || !isJsonObject(action.forwardconfig)) return false;
  const groups = action.forwardconfig.targetgroups;
  const alb = rollout.canary?.trafficRouting?.alb;
  if (!Array.isArray(groups) || !alb) return false;
  const services = [state.canaryService, ...state.additional.map((d) => d.serviceName), state.stableService];
  if (groups.length !== services.length) return false;
  let total = 0;
  for (const [i, group] of groups.entries()) {
    if (!isJsonObject(group) || group.servicename !== services[i]) return false;
    // An intstr: a number or a string. A list or map is no port (and String() of a list holding
    // a map without a prototype throws, which made every guarded UPDATE a 500).
    const port = group.serviceport;
    if (typeof port !== 'number' && typeof port !== 'string') return false;
    if (String(port) !== String(alb.servicePort)) return false;
    // Equivalent survivor: typeof group.weight !== 'number' → false: Number.isInteger is false for every value that is not a number (the typeof only narrows the type)
    if (typeof group.weight !== 'number' || !Number.isInteger(group.weight) || group.weight < 0) return false;
    total += group.weight;
  }
  if (total !== 100) return false;
  const sticky = action.forwardconfig.targetgroupstickinessconfig;
  const wanted = alb.stickinessConfig;
  if (wanted?.enabled !== true) return sticky === undefined || sticky === null;
  return isJsonObject(sticky) && sticky.enabled === true && sticky.durationseconds === wanted.durationSeconds;
}

/** Whether two annotation values are JSON that means the same (key case and order aside). */
function sameJsonMeaning(a: string | undefined, b: string | undefined): boolean {
  const pa = parseJson(a);
  const pb = parseJson(b);
  // Two unparsable values do not mean the same. With one, the comparison below decides alone:
  // JSON.stringify(canonicalJson(undefined)) is undefined, never the text of a parsed value.
  // Equivalent survivor: ConditionalExpression → false: of one operand: the other still catches two undefined sides, and one is told apart by the comparison
  // Equivalent survivor: LogicalOperator → pa === undefined && pb === undefined: two undefined sides still return false, and one is told apart by the comparison
  if (pa === undefined || pb === undefined) return false;
  return JSON.stringify(canonicalJson(pa)) === JSON.stringify(canonicalJson(pb));
}

/** A Rollout's ALB traffic state and what it renders to. */
interface AlbPlan {
  state: TrafficState;
  rendered: RenderedAlbState;
}

/**
 * Plans by Rollout object. Rollouts are values: the cache replaces a Rollout on every
 * change and never edits one, so a plan computed once stays right for as long as the object
 * lives, and reviews of the same Ingress skip re-rendering the same JSON (the hot path's
 * largest cost after the HTTP layer).
 */
const albPlans = new WeakMap<Rollout, AlbPlan | null>();

function albPlanOf(rollout: Rollout): AlbPlan | undefined {
  let plan = albPlans.get(rollout);
  // Equivalent survivor: plan === undefined → true: cost only: the plan is rendered again, the same (a pure function of the Rollout object)
  if (plan === undefined) {
    const state = trafficStateOf(rollout, 'alb');
    // trafficStateOf has a state for 'alb' exactly when the Rollout has an ALB block.
    plan = state ? { state, rendered: renderAlbState(rollout, state) } : null;
    // Stryker disable next-line CallExpression: equivalent, cost only: without the memo every review renders the same plan again (a pure function of the Rollout object)
    albPlans.set(rollout, plan);
  }
  return plan ?? undefined;
}

function reconcileRollout(
  working: IngressObject,
  live: IngressObject | undefined,
  rollout: Rollout,
  errors: ProviderReconcile['errors'],
): OwnedShare | undefined {
  const plan = albPlanOf(rollout);
  if (!plan) return undefined;
  const { state, rendered } = plan;
  const applied = applyAlbState(working, rollout, state, rendered);
  errors.push(...applied.errors);
  if (applied.errors.length > 0) return undefined;
  // applyAlbState has just set every owned key, so `working` holds a string map of annotations.
  const weightKey = rendered.actionKey;
  if (live && liveMayLeadStatus(state)) {
    const liveWeight = live.annotation(weightKey);
    // Equivalent survivor: ConditionalExpression → true: an absent live weight is never consistent (it is not JSON), and setting live bytes equal to the admitted ones changes nothing
    // Equivalent survivor: LogicalOperator → liveWeight !== undefined || liveWeight !== working.annotation(weightKey): the same two cases
    const differs = liveWeight !== undefined && liveWeight !== working.annotation(weightKey);
    if (differs && liveWeightActionIsConsistent(liveWeight, rollout, state)) {
      working.setAnnotation(weightKey, liveWeight);
    }
  }
  // Header-route values: keep the live bytes when they mean the same (another key order or
  // case, as an older controller or a hand edit writes them), so the webhook never fights the
  // controller over formatting.
  for (const key of applied.ownedKeys) {
    if (key === MANAGED_ALB_ANNOTATIONS || key === weightKey) continue;
    const liveValue = live?.annotation(key);
    // Equivalent survivor: liveValue === undefined → false: cost only: an absent value is not JSON, so sameJsonMeaning is false for it
    if (liveValue === undefined) continue;
    const admitted = working.annotation(key);
    // Equivalent survivor: liveValue !== admitted → true: cost only: setting the bytes already admitted changes nothing
    if (liveValue !== admitted && sameJsonMeaning(liveValue, admitted)) working.setAnnotation(key, liveValue);
  }
  const traffic = `live traffic (${describeTraffic(state)})`;
  // The bookkeeping key is restored silently: it carries no traffic, and users never set it.
  const values = applied.ownedKeys
    .filter((key) => key !== MANAGED_ALB_ANNOTATIONS)
    .map((key) => ({
      key,
      meaning: key === weightKey ? traffic : 'header route',
      admitted: working.annotation(key),
    }));
  return { rollout, values };
}

// The Rollouts of one namespace have distinct names, and V8's sort reads only whether the result
// is below 0 (measured over 20,000 random lists of up to 80 names: the same order every time):
// Equivalent survivor: EqualityOperator → a.name <= b.name: no two names are equal
// Equivalent survivor: ConditionalExpression → true: 1 instead of 0 for equal names only
// Equivalent survivor: ConditionalExpression → false: 0 instead of 1 for a later name, which is not below 0 either
// Equivalent survivor: EqualityOperator → a.name >= b.name: differs from > for equal names only
const byName = (a: Rollout, b: Rollout) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export const albTrafficProvider: TrafficProvider = {
  name: 'alb',
  trafficStateOf: (rollout) => trafficStateOf(rollout, 'alb'),
  reconcile(json: JsonObject, input: DriftInput): ProviderReconcile {
    const shares: OwnedShare[] = [];
    const errors: ProviderReconcile['errors'] = [];
    if (input.albRollouts.length === 0) return { shares, errors };
    const working = IngressObject.of(json);
    const live = input.live && IngressObject.of(input.live);
    // The managed-annotations bookkeeping belongs to the controller: keep the live copy when
    // the request dropped or changed it (git usually never had it).
    const liveManaged = live?.annotation(MANAGED_ALB_ANNOTATIONS);
    if (liveManaged !== undefined) working.setAnnotation(MANAGED_ALB_ANNOTATIONS, liveManaged);
    for (const rollout of [...input.albRollouts].sort(byName)) {
      const share = reconcileRollout(working, live, rollout, errors);
      if (share) shares.push(share);
    }
    return { shares, errors };
  },
  ownedValue: (json, key) => IngressObject.of(json).annotation(key),
};
