/**
 * Builders for findings about an Ingress: field paths of annotations and backends, and a list
 * that stamps every finding with the Ingress and, where a rule path is involved, its host/path.
 */
import type { RuleId } from './rule-catalogue.js';
import type { Finding, Ingress, IngressBackend, Severity } from '../model.js';

export function annotationField(key: string): string {
  return `metadata.annotations[${JSON.stringify(key)}]`;
}

/** Field path of a rule path (`spec.rules[i].http.paths[j]`) or of the default backend. */
export function backendField(backend: IngressBackend): string {
  return backend.ruleIndex < 0
    ? 'spec.defaultBackend'
    : `spec.rules[${backend.ruleIndex}].http.paths[${backend.pathIndex}]`;
}

/** Field path of the backend object itself (`spec.rules[i].http.paths[j].backend`, or the default backend). */
export function backendObjectField(backend: IngressBackend): string {
  return backend.ruleIndex < 0 ? 'spec.defaultBackend' : `${backendField(backend)}.backend`;
}

/** Field path of the port name of a backend, in its API version's shape. */
export function backendPortNameField(backend: IngressBackend): string {
  const base = backendObjectField(backend);
  return backend.legacyFields ? `${base}.servicePort` : `${base}.service.port.name`;
}

/** `host "h" path "/p"` (or `the default backend`) for messages. */
export function describeRulePath(backend: IngressBackend): string {
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

  add(severity: Severity, rule: RuleId, field: string, message: string, backend?: IngressBackend): void {
    const finding: Finding = { severity, rule, field, message, ingress: this.ingressName };
    if (backend && backend.ruleIndex >= 0) {
      if (backend.host !== undefined) finding.host = backend.host;
      if (backend.path !== undefined) finding.path = backend.path;
    }
    this.items.push(finding);
  }
}
