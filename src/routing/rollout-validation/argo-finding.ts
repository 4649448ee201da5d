/**
 * Building blocks of the Rollout spec rules: Finding constructors that write Argo
 * Rollouts' field-error text, and the traffic-router tests Argo's validation uses.
 */
import { invalidText, newFinding, type RuleId } from '../findings/index.js';
import type { CanaryStrategy, Finding, TrafficRouting } from '../model.js';

/** Where the object's fields really are. */
export const CANARY = 'spec.strategy.canary';
/** Argo validates the canary strategy under `spec.strategy` (argo validation.go, path quirk). */
export const ARGO = 'spec.strategy';

/** Bad values longer than this are cut in messages: the webhook shortens warnings anyway. */
const MAX_VALUE_CHARS = 100;

export function error(rule: RuleId, field: string, message: string): Finding {
  return newFinding(rule, field, message, { severity: 'error' });
}

export function warning(rule: RuleId, field: string, message: string): Finding {
  return newFinding(rule, field, message, { severity: 'warning' });
}

/** An Argo `Invalid` error at `spec.strategy.<sub>` with its detail, then how to fix it. */
export function argoInvalid(rule: RuleId, sub: string, value: unknown, detail: string, fix: string): Finding {
  const text = invalidText(`${ARGO}.${sub}`, value, detail, MAX_VALUE_CHARS);
  return error(rule, `${CANARY}.${sub}`, withFix(text, fix));
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
