/**
 * The GitOps drift guard, as pure functions: given the Ingress a client wants to write,
 * the Ingress as it is live, and the Rollouts that route through it, compute the Ingress
 * that must be admitted so that every Rollout-owned key still says what the Rollouts
 * controller last wrote.
 *
 * Which value wins for a Rollout-owned key:
 * 1. The live value (oldObject), when it is consistent with the Rollout: the controller
 *    writes the Ingress before it records the weight in the Rollout status, so the live
 *    value is the freshest truth while a step is in progress.
 * 2. Otherwise the value derived from the Rollout status (`trafficStateOf`): a re-created
 *    Ingress gets the current weight, and an aborted or promoted Rollout keeps all traffic
 *    on stable even if the live object says otherwise.
 * Every key the request set to something else is reported as an override.
 */
import { applyAlbState, renderAlbState, type RenderedAlbState } from './alb.js';
import { editableIngress, nameOf } from './ingress-wire.js';
import { isJsonObject, newStringMap, own } from './json-read.js';
import type { Finding, Json, JsonObject, Rollout, TrafficState } from './model.js';
import { MANAGED_ALB_ANNOTATIONS } from './model.js';
import { canaryIngressName, desiredCanaryAnnotations } from './nginx.js';
import { referencedIngresses, trafficStateOf } from './state.js';

export interface Override {
  key: string;
  rollout: string;
  /** What the request asked for (undefined: the request removed the key). */
  requested?: string;
  admitted?: string;
  /** Short human description of what the key carries, e.g. `live traffic (canary 20%)`. */
  meaning: string;
  provider: 'alb' | 'nginx';
}

/** Who owns the keys being compared, and what each key carries. */
interface KeyOwner {
  rollout: Rollout;
  provider: Override['provider'];
  meaningOf: (key: string) => string;
}

export interface DriftResult {
  ingress: JsonObject;
  overrides: Override[];
  errors: Finding[];
  /** Rollouts that own parts of this Ingress, as `namespace/name`. */
  owners: string[];
}

/**
 * The string-valued annotations of an object, `{}` when it has none; values of other types
 * are skipped (the guard compares what it can and leaves the rest to the request).
 */
export function stringAnnotationsOf(obj: JsonObject | undefined): Record<string, string> {
  const meta = own(obj, 'metadata');
  const annotations = isJsonObject(meta) ? own(meta, 'annotations') : undefined;
  const out = newStringMap();
  if (!isJsonObject(annotations)) return out;
  for (const key of Object.keys(annotations)) {
    const value = annotations[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

function setAnnotation(obj: JsonObject, key: string, value: string | undefined): void {
  const meta = (isJsonObject(own(obj, 'metadata')) ? obj.metadata : (obj.metadata = {})) as JsonObject;
  if (!isJsonObject(own(meta, 'annotations'))) meta.annotations = {};
  const annotations = meta.annotations as JsonObject;
  if (value === undefined) delete annotations[key];
  else annotations[key] = value;
}

export function describeTraffic(state: TrafficState): string {
  const extra = state.additional.reduce((sum, d) => sum + d.weight, 0);
  return extra > 0 ? `canary ${state.canaryWeight}%, experiments ${extra}%` : `canary ${state.canaryWeight}%`;
}

/** Whether traffic may still be moving, so the live value can be fresher than the status. */
export function liveMayLeadStatus(state: TrafficState): boolean {
  return state.source === 'status-weights' || state.source === 'steps';
}

function lowerKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = lowerKeys(v);
  return out;
}

function parseJson(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/**
 * A live weight action is consistent with the Rollout when it forwards to exactly the
 * Rollout's target groups (canary, experiments, stable, in that order, on the Rollout's
 * port) with integer weights that add up to 100, and the stickiness block matches the
 * spec. Only the weights may differ from the status.
 */
export function liveWeightActionIsConsistent(live: string, rollout: Rollout, state: TrafficState): boolean {
  const action = lowerKeys(parseJson(live) ?? null);
  if (!isJsonObject(action) || action.type !== 'forward' || !isJsonObject(action.forwardconfig)) return false;
  const groups = action.forwardconfig.targetgroups;
  const alb = rollout.canary?.trafficRouting?.alb;
  if (!Array.isArray(groups) || !alb) return false;
  const services = [state.canaryService, ...state.additional.map((d) => d.serviceName), state.stableService];
  if (groups.length !== services.length) return false;
  let total = 0;
  for (const [i, group] of groups.entries()) {
    if (!isJsonObject(group) || group.servicename !== services[i]) return false;
    if (String(group.serviceport) !== String(alb.servicePort)) return false;
    if (typeof group.weight !== 'number' || !Number.isInteger(group.weight) || group.weight < 0) return false;
    total += group.weight;
  }
  if (total !== 100) return false;
  const sticky = action.forwardconfig.targetgroupstickinessconfig;
  const wantSticky = alb.stickinessConfig?.enabled === true;
  if (!wantSticky) return sticky === undefined || sticky === null;
  return (
    isJsonObject(sticky) &&
    sticky.enabled === true &&
    sticky.durationseconds === alb.stickinessConfig?.durationSeconds
  );
}

function sameJsonIgnoringKeyCase(a: string | undefined, b: string | undefined): boolean {
  const pa = parseJson(a);
  const pb = parseJson(b);
  return (
    pa !== undefined && pb !== undefined && JSON.stringify(lowerKeys(pa)) === JSON.stringify(lowerKeys(pb))
  );
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
  if (plan === undefined) {
    const state = trafficStateOf(rollout, 'alb');
    plan =
      state && rollout.canary?.trafficRouting?.alb
        ? { state, rendered: renderAlbState(rollout, state) }
        : null;
    albPlans.set(rollout, plan);
  }
  return plan ?? undefined;
}

/** The annotations map of an object `applyAlbState` has just set (always a string map). */
function appliedAnnotations(working: JsonObject): Record<string, string> {
  return (working.metadata as JsonObject).annotations as Record<string, string>;
}

function reconcileAlb(
  working: JsonObject,
  live: JsonObject | undefined,
  liveAnnotations: Record<string, string>,
  rollout: Rollout,
  errors: Finding[],
): { owned: string[]; weightKey: string; state: TrafficState } | undefined {
  const plan = albPlanOf(rollout);
  if (!plan) return undefined;
  const { state, rendered } = plan;
  const applied = applyAlbState(working, rollout, state, rendered);
  errors.push(...applied.errors);
  if (applied.errors.length > 0) return undefined;
  const weightKey = rendered.actionKey;
  const current = appliedAnnotations(working);
  if (live && liveMayLeadStatus(state)) {
    const liveWeight = own(liveAnnotations, weightKey);
    if (
      typeof liveWeight === 'string' &&
      liveWeight !== current[weightKey] &&
      liveWeightActionIsConsistent(liveWeight, rollout, state)
    ) {
      current[weightKey] = liveWeight;
    }
  }
  // Header-route values: keep the live bytes when they mean the same (for example an older
  // controller's key order), so the webhook never fights the controller over formatting.
  for (const key of applied.ownedKeys) {
    if (key === MANAGED_ALB_ANNOTATIONS || key === weightKey) continue;
    const liveValue = own(liveAnnotations, key);
    if (
      typeof liveValue === 'string' &&
      liveValue !== current[key] &&
      sameJsonIgnoringKeyCase(liveValue, current[key])
    ) {
      current[key] = liveValue;
    }
  }
  return { owned: applied.ownedKeys, weightKey, state };
}

function ownerRolloutName(obj: JsonObject): string | undefined {
  const meta = own(obj, 'metadata');
  const refs = isJsonObject(meta) ? own(meta, 'ownerReferences') : undefined;
  if (!Array.isArray(refs)) return undefined;
  for (const ref of refs) {
    if (
      isJsonObject(ref) &&
      ref.kind === 'Rollout' &&
      ref.controller === true &&
      typeof ref.name === 'string'
    ) {
      return ref.name;
    }
  }
  return undefined;
}

/** The Rollout whose NGINX canary Ingress this object is, if any. */
export function nginxCanaryOwner(
  obj: JsonObject,
  lookup: (name: string) => Rollout | undefined,
): Rollout | undefined {
  const ownerName = ownerRolloutName(obj);
  const rollout = ownerName ? lookup(ownerName) : undefined;
  if (!rollout?.canary?.trafficRouting?.nginx) return undefined;
  const name = nameOf(obj);
  return referencedIngresses(rollout).nginx.some((stable) => canaryIngressName(rollout.name, stable) === name)
    ? rollout
    : undefined;
}

function isIntegerText(text: string | undefined): text is string {
  return text !== undefined && /^-?\d+$/.test(text);
}

function reconcileNginxCanary(
  working: JsonObject,
  liveAnnotations: Record<string, string>,
  rollout: Rollout,
): { enforced: string[]; state: TrafficState } | undefined {
  const state = trafficStateOf(rollout, 'nginx');
  if (!state) return undefined;
  const desired = desiredCanaryAnnotations(rollout, state);
  const prefix = rollout.canary?.trafficRouting?.nginx?.annotationPrefix ?? '';
  const weightKey = `${prefix}/canary-weight`;
  const liveWeight = liveAnnotations[weightKey];
  if (liveMayLeadStatus(state) && isIntegerText(liveWeight)) {
    const weight = Number(liveWeight);
    if (weight >= 0 && weight <= state.totalWeight) desired[weightKey] = liveWeight;
  }
  // Only the keys that carry the weight are enforced; the rest of the canary Ingress is the
  // controller's to manage and a user's to annotate.
  const enforced = [`${prefix}/canary`, weightKey, `${prefix}/canary-weight-total`];
  for (const key of enforced) {
    if (desired[key] !== undefined) setAnnotation(working, key, desired[key]);
  }
  return { enforced, state };
}

function collectOverrides(
  requested: Record<string, string>,
  live: Record<string, string>,
  admitted: Record<string, string>,
  keys: Iterable<string>,
  { rollout, provider, meaningOf }: KeyOwner,
): Override[] {
  const out: Override[] = [];
  for (const key of keys) {
    // The bookkeeping key is restored silently: it carries no traffic, and users never set it.
    if (key === MANAGED_ALB_ANNOTATIONS || requested[key] === admitted[key]) continue;
    // A key that neither the request nor the live object carries is an injection (for
    // example on CREATE), not an override; removing a live key is an override.
    if (requested[key] === undefined && live[key] === undefined) continue;
    out.push({
      key,
      rollout: rollout.name,
      requested: requested[key],
      admitted: admitted[key],
      meaning: meaningOf(key),
      provider,
    });
  }
  return out;
}

export interface DriftInput {
  /** The object in the request (what the client wants to write). */
  requested: JsonObject;
  /** The live object (oldObject on UPDATE). */
  live?: JsonObject;
  /** Rollouts in the Ingress's namespace that reference it through ALB. */
  albRollouts: Rollout[];
  /** Looks up a Rollout in the Ingress's namespace (for NGINX canary ownership). */
  rolloutNamed: (name: string) => Rollout | undefined;
}

/** Computes the Ingress to admit. Pure: the input objects are not modified. */
export function guardIngress(input: DriftInput): DriftResult {
  const working = editableIngress(input.requested);
  const requested = stringAnnotationsOf(input.requested);
  const liveAnnotations = stringAnnotationsOf(input.live);
  const errors: Finding[] = [];
  const overrides: Override[] = [];
  const owners: string[] = [];

  // The managed-annotations bookkeeping belongs to the controller: keep the live copy when
  // the request dropped or changed it (git usually never had it).
  const liveManaged = liveAnnotations[MANAGED_ALB_ANNOTATIONS];
  if (input.albRollouts.length > 0 && liveManaged !== undefined)
    setAnnotation(working, MANAGED_ALB_ANNOTATIONS, liveManaged);

  const sorted = [...input.albRollouts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const rollout of sorted) {
    const reconciled = reconcileAlb(working, input.live, liveAnnotations, rollout, errors);
    if (!reconciled) continue;
    const { owned, weightKey, state } = reconciled;
    owners.push(`${rollout.namespace}/${rollout.name}`);
    const meaning = (key: string) =>
      key === weightKey ? `live traffic (${describeTraffic(state)})` : 'header route';
    overrides.push(
      ...collectOverrides(requested, liveAnnotations, appliedAnnotations(working), owned, {
        rollout,
        provider: 'alb',
        meaningOf: meaning,
      }),
    );
  }

  const canaryOwner = nginxCanaryOwner(input.requested, input.rolloutNamed);
  if (canaryOwner) {
    const reconciled = reconcileNginxCanary(working, liveAnnotations, canaryOwner);
    if (reconciled) {
      const { enforced, state } = reconciled;
      owners.push(`${canaryOwner.namespace}/${canaryOwner.name}`);
      const meaning = () => `live traffic (${describeTraffic(state)})`;
      overrides.push(
        ...collectOverrides(requested, liveAnnotations, stringAnnotationsOf(working), enforced, {
          rollout: canaryOwner,
          provider: 'nginx',
          meaningOf: meaning,
        }),
      );
    }
  }
  return { ingress: working, overrides, errors, owners };
}
