/**
 * The background audit's findings as policy reports, in the two formats report viewers read
 * (Policy Reporter, Kyverno's tooling):
 *
 * - `wgpolicyk8s.io/v1alpha2` PolicyReport, the Policy working group's CRD (schema from
 *   kyverno/kyverno `api/policyreport/v1alpha2`, CRD `config/crds/policyreport`);
 * - `openreports.io/v1alpha1` Report, its successor (openreports/reports-api
 *   `apis/openreports.io/v1alpha1`): the same results, plus a top-level `source`.
 *
 * One report per namespace, named REPORT_NAME, with one result per rule and object (several
 * findings of one rule on one object are joined). Only findings are listed, no `pass`
 * results: a report of a healthy namespace does not exist. Pure: no I/O here.
 */
import type { JsonObject } from '../routing/model.js';

export const REPORT_NAME = 'rollouts-traffic-webhook';
export const REPORT_SOURCE = 'rollouts-traffic-webhook';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Results beyond this are left out of one namespace's report (etcd objects are at most 1.5 MiB). */
export const MAX_RESULTS_PER_REPORT = 1000;
/** Longest message of one result. */
const MAX_MESSAGE_CHARS = 2000;

export interface ReportFormat {
  apiVersion: string;
  kind: string;
  /** Collection path below /apis, e.g. `wgpolicyk8s.io/v1alpha2/policyreports`. */
  resource: string;
  /** Whether results carry the report's `source` at top level as well. */
  topLevelSource: boolean;
}

export const POLICY_REPORT: ReportFormat = {
  apiVersion: 'wgpolicyk8s.io/v1alpha2',
  kind: 'PolicyReport',
  resource: 'policyreports',
  topLevelSource: false,
};

export const OPEN_REPORT: ReportFormat = {
  apiVersion: 'openreports.io/v1alpha1',
  kind: 'Report',
  resource: 'reports',
  topLevelSource: true,
};

export interface AuditedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** One (rule, object) result. */
export interface AuditResult {
  object: AuditedObject;
  rule: string;
  /** `fail` for an error, `warn` for a warning. */
  result: 'fail' | 'warn';
  /** The action the policy gives the rule on this object (deny, warn, audit). */
  action: string;
  message: string;
  /** Field paths the findings are about, comma-separated. */
  fields: string;
}

export function resultKey(r: Pick<AuditResult, 'object' | 'rule'>): string {
  return `${r.object.kind}\u0000${r.object.name}\u0000${r.rule}`;
}

/** Adds a message to a result of the same rule and object (the worse result wins). */
export function mergeResult(into: AuditResult, more: AuditResult): void {
  if (into.message.length < MAX_MESSAGE_CHARS) {
    into.message = `${into.message}\n${more.message}`.slice(0, MAX_MESSAGE_CHARS);
  }
  if (more.result === 'fail') into.result = 'fail';
  if (more.fields && !into.fields.split(',').includes(more.fields))
    into.fields = `${into.fields},${more.fields}`;
}

function compare(a: AuditResult, b: AuditResult): number {
  const x = resultKey(a);
  const y = resultKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function wireResult(r: AuditResult, seconds: number): JsonObject {
  const resource: JsonObject = {
    apiVersion: r.object.apiVersion,
    kind: r.object.kind,
    namespace: r.object.namespace,
    name: r.object.name,
  };
  if (r.object.uid) resource['uid'] = r.object.uid;
  return {
    source: REPORT_SOURCE,
    policy: REPORT_SOURCE,
    rule: r.rule,
    category: 'Traffic routing',
    severity: r.result === 'fail' ? 'high' : 'medium',
    result: r.result,
    scored: true,
    message: r.message,
    resources: [resource],
    properties: { action: r.action, ...(r.fields ? { fields: r.fields } : {}) },
    timestamp: { seconds, nanos: 0 },
  };
}

/** Reports nest four levels; anything deeper is not one of ours and compares as different. */
const MAX_REPORT_DEPTH = 8;

/**
 * JSON with object keys sorted: the apiserver hands custom resources back with their keys
 * in its own (sorted) order, so key order must not count as a change.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_REPORT_DEPTH) return '"<too deep>"';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A wire result without its timestamp, to tell whether anything changed. */
function identityOf(result: unknown): string {
  if (!result || typeof result !== 'object') return '';
  const { timestamp: _ignored, ...rest } = result as Record<string, unknown>;
  return canonicalJson(rest);
}

/** Timestamps of the results already reported, by their identity. */
export function previousTimestamps(report: unknown): Map<string, unknown> {
  const stamps = new Map<string, unknown>();
  const results =
    report && typeof report === 'object' ? (report as { results?: unknown }).results : undefined;
  if (!Array.isArray(results)) return stamps;
  for (const r of results) {
    if (r && typeof r === 'object') stamps.set(identityOf(r), (r as { timestamp?: unknown }).timestamp);
  }
  return stamps;
}

export interface ReportBody {
  body: JsonObject;
  /** Results left out beyond MAX_RESULTS_PER_REPORT. */
  omitted: number;
}

/**
 * The report of one namespace. A result already in `previous` keeps its timestamp, so an
 * unchanged namespace produces an identical body and needs no write.
 */
export function buildReport(
  format: ReportFormat,
  namespace: string,
  results: AuditResult[],
  nowSeconds: number,
  previous?: unknown,
  alreadyOmitted = 0,
): ReportBody {
  const sorted = [...results].sort(compare);
  const kept = sorted.slice(0, MAX_RESULTS_PER_REPORT);
  const stamps = previousTimestamps(previous);
  const wire = kept.map((r) => {
    const fresh = wireResult(r, nowSeconds);
    const stamp = stamps.get(identityOf(fresh));
    return stamp === undefined ? fresh : { ...fresh, timestamp: stamp as JsonObject };
  });
  const fail = kept.filter((r) => r.result === 'fail').length;
  const omitted = alreadyOmitted + sorted.length - kept.length;
  const metadata: JsonObject = {
    name: REPORT_NAME,
    namespace,
    labels: { [MANAGED_BY_LABEL]: REPORT_SOURCE },
  };
  if (omitted > 0) metadata['annotations'] = { [`${REPORT_SOURCE}/omitted-results`]: String(omitted) };
  const body: JsonObject = {
    apiVersion: format.apiVersion,
    kind: format.kind,
    metadata,
    ...(format.topLevelSource ? { source: REPORT_SOURCE } : {}),
    summary: { pass: 0, fail, warn: kept.length - fail, error: 0, skip: 0 },
    results: wire,
  };
  return { body, omitted };
}

/** True when `live` already says what `desired` says (metadata bookkeeping aside). */
export function sameReport(live: unknown, desired: JsonObject): boolean {
  if (!live || typeof live !== 'object') return false;
  const l = live as Record<string, unknown>;
  const meta = (l['metadata'] ?? {}) as Record<string, unknown>;
  const desiredMeta = desired['metadata'] as Record<string, unknown>;
  return (
    canonicalJson(l['results'] ?? []) === canonicalJson(desired['results']) &&
    canonicalJson(l['summary'] ?? {}) === canonicalJson(desired['summary']) &&
    canonicalJson(meta['annotations'] ?? {}) === canonicalJson(desiredMeta['annotations'] ?? {}) &&
    (l['source'] ?? null) === (desired['source'] ?? null)
  );
}
