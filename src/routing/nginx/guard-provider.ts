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
import { isJsonObject, nameOf, own, setAnnotation, stringAnnotationOf } from '../wire/index.js';
import { canaryIngressName, desiredCanaryAnnotations } from './render.js';

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

export const nginxTrafficProvider: TrafficProvider = {
  name: 'nginx',
  trafficStateOf: (rollout) => trafficStateOf(rollout, 'nginx'),
  reconcile(working: JsonObject, input: DriftInput): ProviderReconcile {
    const rollout = nginxCanaryOwner(input.requested, input.rolloutNamed);
    const state = rollout && trafficStateOf(rollout, 'nginx');
    if (!rollout || !state) return { shares: [], errors: [] };
    const desired = desiredCanaryAnnotations(rollout, state);
    const prefix = rollout.canary?.trafficRouting?.nginx?.annotationPrefix ?? '';
    const weightKey = `${prefix}/canary-weight`;
    const liveWeight = stringAnnotationOf(input.live, weightKey);
    if (liveMayLeadStatus(state) && isIntegerText(liveWeight)) {
      const weight = Number(liveWeight);
      if (weight >= 0 && weight <= state.totalWeight) desired[weightKey] = liveWeight;
    }
    // Only the keys that carry the weight are enforced.
    const enforced = [`${prefix}/canary`, weightKey, `${prefix}/canary-weight-total`];
    for (const key of enforced) {
      if (desired[key] !== undefined) setAnnotation(working, key, desired[key]);
    }
    const meaning = `live traffic (${describeTraffic(state)})`;
    const values = enforced.map((key) => ({ key, meaning, admitted: stringAnnotationOf(working, key) }));
    return { shares: [{ rollout, values }], errors: [] };
  },
  ownedValue: stringAnnotationOf,
};
