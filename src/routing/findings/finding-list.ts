/**
 * Builders for findings about an Ingress: field paths of annotations and backends, and a list
 * that stamps every finding with the Ingress and, where a rule path is involved, its host/path.
 */
import type { Finding, Ingress, IngressBackend, Severity } from '../model.js';
import { FieldPath } from './field-path.js';
import { newFinding } from './new-finding.js';
import type { RuleId } from './rule-catalogue.js';

export const ANNOTATIONS_FIELD = FieldPath.of('metadata', 'annotations');
const DEFAULT_BACKEND = FieldPath.of('spec', 'defaultBackend');
/** `spec.rules` of an Ingress. */
export const INGRESS_RULES_FIELD = FieldPath.of('spec', 'rules');

export function annotationField(key: string): FieldPath {
  return ANNOTATIONS_FIELD.key(key);
}

function rulePathField(backend: IngressBackend): FieldPath {
  return INGRESS_RULES_FIELD.index(backend.ruleIndex).child('http', 'paths').index(backend.pathIndex);
}

/** Field path of a rule path (`spec.rules[i].http.paths[j]`) or of the default backend. */
export function backendField(backend: IngressBackend): FieldPath {
  return backend.ruleIndex < 0 ? DEFAULT_BACKEND : rulePathField(backend);
}

/** Field path of the backend object itself (`spec.rules[i].http.paths[j].backend`, or the default backend). */
export function backendObjectField(backend: IngressBackend): FieldPath {
  return backend.ruleIndex < 0 ? DEFAULT_BACKEND : rulePathField(backend).child('backend');
}

/** Field path of the port name of a backend, in its API version's shape. */
export function backendPortNameField(backend: IngressBackend): FieldPath {
  const base = backendObjectField(backend);
  return backend.legacyFields ? base.child('servicePort') : base.child('service', 'port', 'name');
}

/** `host "h" path "/p"` (or `the default backend`) for messages. */
export function describeRulePath(backend: IngressBackend): string {
  if (backend.ruleIndex < 0) return 'the default backend';
  return `rule host ${JSON.stringify(backend.host ?? '')} path ${JSON.stringify(backend.path ?? '')}`;
}

/** Same rule, field and message: the same finding. */
export function findingKey(f: Pick<Finding, 'field' | 'message'> & { rule: string }): string {
  return `${f.rule}\u0000${f.field}\u0000${f.message}`;
}

/**
 * Each finding once, first occurrence kept (Argo reports some rules once per step). A list
 * of fewer than two (a valid object's) is returned as it is, without keys to compare.
 */
export function dedupeFindings<T extends Finding>(findings: T[]): T[] {
  // Equivalent survivor: findings.length < 2 → false: cost only: a list of fewer than two holds no duplicate
  if (findings.length < 2) return findings;
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = findingKey(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class FindingList {
  readonly items: Finding[];
  private readonly ingressName: string;

  constructor(ingress: Ingress, items: Finding[] = []) {
    this.ingressName = `${ingress.namespace}/${ingress.name}`;
    this.items = items;
  }

  add(severity: Severity, rule: RuleId, field: FieldPath, message: string, backend?: IngressBackend): void {
    const onPath = backend && backend.ruleIndex >= 0;
    this.items.push(
      newFinding(rule, field, message, {
        severity,
        ingress: this.ingressName,
        host: onPath ? backend.host : undefined,
        path: onPath ? backend.path : undefined,
      }),
    );
  }
}
