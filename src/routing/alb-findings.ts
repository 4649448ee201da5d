/**
 * Shared wording and builders for the ALB annotation findings, so that every rule states the
 * consequence the same way.
 */
import type { Finding, Ingress, IngressBackend, Severity } from './model.js';

/** What happens when the Load Balancer Controller meets an error while building the model. */
export const BUILD_FAILS =
  'The AWS Load Balancer Controller would fail to build the load balancer for this Ingress ' +
  '(Warning event FailedBuildModel) and stop applying changes to every Ingress of its IngressGroup.';

/** What happens when only the ELBv2 API checks a value. */
export const AWS_REJECTS =
  'The controller does not check this, but AWS would reject the listener rule at deploy time, ' +
  'so the reconcile of the whole IngressGroup would fail.';

export function annotationField(key: string): string {
  return `metadata.annotations[${JSON.stringify(key)}]`;
}

export function backendField(backend: IngressBackend): string {
  return backend.ruleIndex < 0
    ? 'spec.defaultBackend'
    : `spec.rules[${backend.ruleIndex}].http.paths[${backend.pathIndex}]`;
}

/** `host "h" path "/p"` (or `the default backend`) for messages. */
export function describeBackend(backend: IngressBackend): string {
  if (backend.ruleIndex < 0) return 'the default backend';
  return `rule host ${JSON.stringify(backend.host ?? '')} path ${JSON.stringify(backend.path ?? '')}`;
}

export class FindingList {
  readonly items: Finding[];
  private readonly ingressName: string;

  constructor(ingress: Ingress, items: Finding[] = []) {
    this.ingressName = `${ingress.namespace}/${ingress.name}`;
    this.items = items;
  }

  add(severity: Severity, rule: string, field: string, message: string, backend?: IngressBackend): void {
    const finding: Finding = { severity, rule, field, message, ingress: this.ingressName };
    if (backend && backend.ruleIndex >= 0) {
      if (backend.host !== undefined) finding.host = backend.host;
      if (backend.path !== undefined) finding.path = backend.path;
    }
    this.items.push(finding);
  }
}

/** Go's `%v`/`%s` of a []string: `[a b c]`. */
export function goStringList(values: string[]): string {
  return `[${values.join(' ')}]`;
}

/**
 * Findings about an annotation the Load Balancer Controller never reads (a foreign prefix):
 * still worth fixing, but they cannot break the load balancer, so they are warnings.
 */
export class IgnoredKeyFindingList extends FindingList {
  override add(
    _severity: Severity,
    rule: string,
    field: string,
    message: string,
    backend?: IngressBackend,
  ): void {
    super.add(
      'warning',
      rule,
      field,
      `${message} (The controller ignores this prefix; this is what it would report if it read the annotation.)`,
      backend,
    );
  }
}
