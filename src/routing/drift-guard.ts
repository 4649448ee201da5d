/**
 * The GitOps drift guard, as pure functions: given the object a client wants to write, the
 * object as it is live, and the Rollouts near it, compute the object that must be admitted
 * so that every Rollout-owned value still says what the Rollouts controller last wrote.
 *
 * The guard knows no provider: each one (ALB, NGINX, ...) puts the values its Rollouts own
 * in place behind the `TrafficProvider` interface, and says which values those are. The
 * guard then reports every owned value the request set to something else as an override.
 */
import { albTrafficProvider } from './alb/index.js';
import type { Finding, JsonObject } from './model.js';
import { nginxTrafficProvider } from './nginx/index.js';
import type { DriftInput, OwnedShare, TrafficProvider, TrafficProviderName } from './traffic-provider.js';
import { IngressObject, cloneJson } from './wire/index.js';

export interface Override {
  key: string;
  rollout: string;
  /** What the request asked for (undefined: the request removed the key). */
  requested?: string;
  /** The live object's value (undefined on CREATE, or when the live object lacks the key). */
  live?: string;
  admitted?: string;
  /** Short human description of what the key carries, e.g. `live traffic (canary 20%)`. */
  meaning: string;
  provider: TrafficProviderName;
}

export interface DriftResult {
  /** The object to admit: the Ingress, or the route for the Gateway API provider. */
  ingress: JsonObject;
  overrides: Override[];
  errors: Finding[];
  /** Rollouts that own parts of this Ingress, as `namespace/name`. */
  owners: string[];
  /** A provider's reason to deny the write (see `ProviderReconcile.refusal`). */
  refusal?: string;
}

/** The providers that own values on an Ingress, in the order their overrides are reported. */
export const INGRESS_TRAFFIC_PROVIDERS: readonly TrafficProvider[] = [
  albTrafficProvider,
  nginxTrafficProvider,
];

function overridesOf(provider: TrafficProvider, share: OwnedShare, input: DriftInput): Override[] {
  const out: Override[] = [];
  for (const value of share.values) {
    const { key, meaning, admitted, textIn } = value;
    // Equivalent survivor: textIn → false: ownedValue reads the same text (cost only)
    const requested = textIn ? textIn(input.requested) : provider.ownedValue(input.requested, key);
    if (requested === admitted) continue;
    // A value that neither the request nor the live object carries is an injection (for
    // example on CREATE), not an override; removing a live value is an override.
    // Equivalent survivor: textIn → false: ownedValue reads the same text (cost only)
    const live = textIn ? textIn(input.live) : provider.ownedValue(input.live, key);
    if (requested === undefined && live === undefined) continue;
    out.push({
      key,
      rollout: share.rollout.name,
      requested,
      live,
      admitted,
      meaning,
      provider: provider.name,
    });
  }
  return out;
}

/**
 * Computes the object to admit. Pure: the input objects are not modified. `editableCopy` makes
 * the working copy the providers write into; it must copy at least what they edit (the
 * default copies everything).
 */
export function guardObject(
  input: DriftInput,
  providers: readonly TrafficProvider[],
  editableCopy: (obj: JsonObject) => JsonObject = cloneJson,
): DriftResult {
  const working = editableCopy(input.requested);
  const errors: Finding[] = [];
  const overrides: Override[] = [];
  const owners: string[] = [];
  for (const provider of providers) {
    const reconciled = provider.reconcile(working, input);
    errors.push(...reconciled.errors);
    if (reconciled.refusal)
      return { ingress: input.requested, overrides: [], errors, owners, refusal: reconciled.refusal };
    for (const share of reconciled.shares) {
      owners.push(`${share.rollout.namespace}/${share.rollout.name}`);
      overrides.push(...overridesOf(provider, share, input));
    }
  }
  return { ingress: working, overrides, errors, owners };
}

/** Computes the Ingress to admit. Pure: the input objects are not modified. */
export function guardIngress(input: DriftInput): DriftResult {
  // The Ingress providers edit annotations and rule paths only, which editableCopy copies.
  return guardObject(input, INGRESS_TRAFFIC_PROVIDERS, (json) => IngressObject.editableCopy(json).json);
}
