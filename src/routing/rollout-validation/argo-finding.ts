/**
 * Building blocks of the Rollout spec rules: Finding constructors that write Argo
 * Rollouts' field-error text, and the traffic-router tests Argo's validation uses.
 */
import {
  CANARY_FIELD,
  FieldPath,
  invalidText,
  newFinding,
  type RuleIdWithSeverity,
} from '../findings/index.js';
import type { CanaryStrategy, Finding, TrafficRouting } from '../model.js';

/** Argo validates the canary strategy under `spec.strategy` (argo validation.go, path quirk). */
const ARGO_CANARY_FIELD = FieldPath.of('spec', 'strategy');

/**
 * A field of the canary strategy under both of its names: where it is (`real`, under
 * `spec.strategy.canary`) and what Argo's messages call it (`argo`, under `spec.strategy`). Built by the same steps,
 * so the two cannot drift apart.
 */
export class CanaryField {
  static readonly ROOT = new CanaryField(CANARY_FIELD, ARGO_CANARY_FIELD);

  private constructor(
    readonly real: FieldPath,
    readonly argo: FieldPath,
  ) {}

  child(...names: string[]): CanaryField {
    return new CanaryField(this.real.child(...names), this.argo.child(...names));
  }

  index(i: number): CanaryField {
    return new CanaryField(this.real.index(i), this.argo.index(i));
  }
}

/** Bad values longer than this are cut in messages: the webhook shortens warnings anyway. */
const MAX_VALUE_CHARS = 100;

// The rule's type says the catalogue gives it this severity, which newFinding reports it with.
export function error(rule: RuleIdWithSeverity<'error'>, field: FieldPath, message: string): Finding {
  return newFinding(rule, field, message);
}

export function warning(rule: RuleIdWithSeverity<'warning'>, field: FieldPath, message: string): Finding {
  return newFinding(rule, field, message);
}

/** An Argo `Invalid` error at the field, in Argo's words and path, then how to fix it. */
export function argoInvalid(
  rule: RuleIdWithSeverity<'error'>,
  at: CanaryField,
  value: unknown,
  detail: string,
  fix: string,
): Finding {
  const text = invalidText(at.argo, value, detail, MAX_VALUE_CHARS);
  return error(rule, at.real, withFix(text, fix));
}

/** Argo's text, then our advice; a period is added where Argo's detail has none. */
export function withFix(text: string, fix: string): string {
  return /[.!]$/.test(text) ? `${text} ${fix}` : `${text}. ${fix}`;
}

// ---------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------

export function hasProvider(tr: TrafficRouting, name: string): boolean {
  return tr.otherProviders.includes(name);
}

export const istio = (tr: TrafficRouting): boolean => hasProvider(tr, 'istio');
export const plugins = (tr: TrafficRouting): boolean => hasProvider(tr, 'plugins');

/** Argo's `requireCanaryStableServices` (current release: an explicit list of routers). */
export function requiresCanaryStableServices(canary: CanaryStrategy, tr: TrafficRouting): boolean {
  const noPingPong = canary.pingPong === undefined;
  return (
    (tr.alb !== undefined && noPingPong) ||
    (istio(tr) && !tr.istioDestinationRule && noPingPong) ||
    tr.nginx !== undefined ||
    ['smi', 'apisix', 'ambassador', 'appMesh', 'traefik'].some((p) => hasProvider(tr, p))
  );
}
