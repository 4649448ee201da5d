/**
 * The NGINX provider of the drift guard: the canary Ingress the Rollouts controller creates
 * for a Rollout (controlled by it through an ownerReference, named after the Rollout and the
 * stable Ingress) carries the canary weight in three annotations, which the Rollout owns.
 * The rest of the canary Ingress is the controller's to manage and a user's to annotate.
 */
import type { JsonObject, Rollout } from '../model.js';
import {
  describeTraffic,
  liveMayLeadStatus,
  type DriftInput,
  type ProviderReconcile,
  type TrafficProvider,
} from '../traffic-provider.js';
import { referencedIngresses, trafficStateOf } from '../traffic-state.js';
import { IngressObject, isJsonObject, own } from '../wire/index.js';
import { canaryIngressName, desiredCanaryAnnotations } from './render.js';

/** The controller reference of an object, when it names a Rollout. */
function controllerRolloutRef(obj: JsonObject): { name: string; uid?: string } | undefined {
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
      return typeof ref.uid === 'string' ? { name: ref.name, uid: ref.uid } : { name: ref.name };
    }
  }
  return undefined;
}

/**
 * The Rollout whose NGINX canary Ingress this object is, if any. The controller touches a
 * canary Ingress only when `metav1.IsControlledBy` holds, which compares UIDs
 * (argoproj/argo-rollouts master 9f8d111, rollout/trafficrouting/nginx/nginx.go,
 * SetWeightPerIngress): a Rollout deleted without cascading and created again under the same
 * name does not own the old canary Ingress, and the controller leaves it alone. Objects read
 * from manifest files have no UIDs; there the name decides.
 */
export function nginxCanaryOwner(
  obj: JsonObject,
  lookup: (name: string) => Rollout | undefined,
): Rollout | undefined {
  const ref = controllerRolloutRef(obj);
  const rollout = ref ? lookup(ref.name) : undefined;
  if (!rollout?.canary?.trafficRouting?.nginx) return undefined;
  // Equivalent mutant (mutation testing, README): `ref` is defined whenever `rollout` is.
  // Stryker disable next-line OptionalChaining: equivalent, ref is defined here
  if (rollout.uid !== undefined && ref?.uid !== undefined && rollout.uid !== ref.uid) return undefined;
  const name = IngressObject.of(obj).name;
  return referencedIngresses(rollout).nginx.some((stable) => canaryIngressName(rollout.name, stable) === name)
    ? rollout
    : undefined;
}

/** The annotations that carry the weight itself (the rest carry header and cookie routing). */
const WEIGHT_SUFFIXES = ['canary', 'canary-weight', 'canary-weight-total'];

function isIntegerText(text: string | undefined): text is string {
  // Equivalent survivor: text !== undefined → true: RegExp.test(undefined) tests the text "undefined", which is no integer
  return text !== undefined && /^-?\d+$/.test(text);
}

export const nginxTrafficProvider: TrafficProvider = {
  name: 'nginx',
  trafficStateOf: (rollout) => trafficStateOf(rollout, 'nginx'),
  reconcile(json: JsonObject, input: DriftInput): ProviderReconcile {
    const rollout = nginxCanaryOwner(input.requested, input.rolloutNamed);
    const state = rollout && trafficStateOf(rollout, 'nginx');
    // Equivalent mutant: an owner found above has an nginx block, so `state` is undefined exactly
    // when `rollout` is, and `&&` decides the same as `||`.
    // Stryker disable next-line LogicalOperator: equivalent, state is undefined exactly when rollout is
    if (!rollout || !state) return { shares: [], errors: [] };
    const desired = desiredCanaryAnnotations(rollout, state);
    // Equivalent mutants: nginxCanaryOwner returns only Rollouts with canary.trafficRouting.nginx,
    // whose annotationPrefix the parser defaults, so no link of this chain is ever missing.
    // Stryker disable next-line OptionalChaining,StringLiteral: equivalent, the chain is always complete here
    const prefix = rollout.canary?.trafficRouting?.nginx?.annotationPrefix ?? '';
    const weightKey = `${prefix}/canary-weight`;
    const liveWeight = IngressObject.of(input.live).annotation(weightKey);
    if (liveMayLeadStatus(state) && isIntegerText(liveWeight)) {
      const weight = Number(liveWeight);
      if (weight >= 0 && weight <= state.totalWeight) desired[weightKey] = liveWeight;
    }
    // Every annotation the controller puts on the canary Ingress is enforced: it merges its
    // desired annotations over the live ones on each reconcile (getDesiredAnnotations in
    // nginx.go), so the header and cookie routes of additionalIngressAnnotations and the keys
    // of canaryIngressAnnotations come back, and a GitOps tool that sets others would fight it.
    // Annotations the controller does not set stay the requester's.
    const weightMeaning = `live traffic (${describeTraffic(state)})`;
    const working = IngressObject.of(json);
    const values = Object.keys(desired).map((key) => {
      working.setAnnotation(key, desired[key]!);
      const meaning = WEIGHT_SUFFIXES.some((suffix) => key === `${prefix}/${suffix}`)
        ? weightMeaning
        : 'canary routing from the Rollout';
      return { key, meaning, admitted: working.annotation(key) };
    });
    return { shares: [{ rollout, values }], errors: [] };
  },
  ownedValue: (json, key) => IngressObject.of(json).annotation(key),
};
