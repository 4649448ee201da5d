/**
 * `check PATH...`: offline lint of manifests, for CI and pre-commit: what `/validate` would
 * deny or warn about each Rollout and Ingress, after the mutating hook ran. Each finding is
 * reported once, under the object to edit, with its file and line; what could not be
 * checked is said, never skipped silently. Output formats are in check-output.ts.
 */
import type { ManifestDocument, SkippedInput } from '../cluster/manifest-files.js';
import { describeLocation, displayName } from '../cluster/manifest-files.js';
import { nearestName } from '../routing/edit-distance.js';
import { dedupeFindings } from '../routing/findings/index.js';
import { IngressObject, parseIngress } from '../routing/wire/index.js';
import type { ClusterView, Finding, Ingress, JsonObject } from '../routing/model.js';
import { MANAGED_ALB_ANNOTATIONS } from '../routing/keys.js';
import {
  parseClassFlags,
  resolveClasses,
  type AssumedClass,
  type UncheckedIngress,
} from './check-classes.js';
import { fieldPath, valueAt } from './field-path.js';
import { admitOffline } from './offline.js';
import { UsageError } from './options.js';
import { policyFrom, readRulePolicy } from './policy.js';
import { actionFor, scopeOf, type ObjectScope, type RulePolicy } from '../webhook/enforcement.js';

/**
 * Findings as the cluster would treat them under the policy file: `off` rules dropped,
 * errors of `warn` and `audit` rules reported as warnings (they do not fail the check),
 * each message marked with its action.
 */
function applyRulePolicy(findings: Finding[], rules: RulePolicy, scope: ObjectScope): Finding[] {
  return findings.flatMap((f) => {
    const action = actionFor(rules, 'deny', f.rule, scope);
    if (action === 'off') return [];
    if (action === 'deny') return [f];
    return [{ ...f, severity: 'warning' as const, message: `${f.message} (${action} by policy)` }];
  });
}
import { loadManifests } from './state.js';
import { namespaceOf } from './synthetic.js';

export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type FailOn = 'error' | 'warning';

export interface CheckOptions {
  paths: string[];
  ingressClasses?: string[];
  controllerIdentities?: string;
  /** The per-rule policy file `serve --policy` reads, so CI and the cluster agree. */
  policy?: string;
  stdin?: NodeJS.ReadableStream;
}

/** A finding with where to edit: file and line of the field (when the file has it). */
export interface LocatedFinding extends Finding {
  file: string;
  line?: number;
}

export interface CheckedObject {
  kind: string;
  namespace: string;
  name: string;
  /** `file document N`, as in every message. */
  location: string;
  file: string;
  line?: number;
  findings: LocatedFinding[];
}

export interface LoadProblem {
  file: string;
  line?: number;
  message: string;
}

export interface CheckReport {
  summary: {
    files: number;
    rollouts: number;
    ingresses: number;
    services: number;
    ingressClasses: number;
    /** Kubernetes objects of other kinds, read but not checked. */
    otherObjects: number;
    /** Inputs that are not Kubernetes manifests (see `skipped`). */
    skipped: number;
  };
  assumedClasses: AssumedClass[];
  /** Ingresses whose load-balancer checks could not run, and why. */
  notChecked: (UncheckedIngress & { location: string; file: string; line?: number })[];
  skipped: SkippedInput[];
  loadErrors: LoadProblem[];
  /** Every Rollout and Ingress checked, with or without findings. */
  checked: { kind: string; namespace: string; name: string; location: string }[];
  /** Objects with findings, in input order. */
  objects: CheckedObject[];
  errors: number;
  warnings: number;
}

/** Rules about how an Ingress is classed: fixed on the Ingress, whoever finds them. */
const INGRESS_CLASS_RULES = new Set([
  'alb-ingress-not-managed',
  'nginx-ingress-not-managed',
  'alb-ingress-class-unknown-to-rollouts',
  'nginx-ingress-class-unknown-to-rollouts',
]);

/** Not-found findings that get a "did you mean" from the names in the set. */
const NOT_FOUND_RULES: Record<string, 'Service' | 'Ingress'> = {
  'service-not-found': 'Service',
  'ingress-not-found': 'Ingress',
};

function nameOf(object: JsonObject): string {
  const meta = object.metadata as { name?: unknown } | undefined;
  return typeof meta?.name === 'string' ? meta.name : '';
}

function isIngress(d: ManifestDocument): boolean {
  return d.kind === 'Ingress' && d.apiVersion.startsWith('networking.k8s.io/');
}

function isRollout(d: ManifestDocument): boolean {
  return d.kind === 'Rollout' && d.apiVersion.startsWith('argoproj.io/');
}

/** Names of a kind per namespace, for "did you mean". */
function namesByNamespace(documents: ManifestDocument[], kind: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of documents) {
    if (d.kind !== kind) continue;
    const ns = namespaceOf(d.object);
    const list = out.get(ns) ?? [];
    list.push(nameOf(d.object));
    out.set(ns, list);
  }
  return out;
}

/**
 * In a complete set a missing Service or Ingress with a near namesake is a typo, not an
 * apply-order gap: an error, with the name to write.
 */
function didYouMean(
  f: Finding,
  rollout: ManifestDocument,
  names: Map<string, Map<string, string[]>>,
): Finding {
  const kind = NOT_FOUND_RULES[f.rule];
  if (!kind) return f;
  const missing = valueAt(rollout.object, fieldPath(f.field));
  if (typeof missing !== 'string') return f;
  const near = nearestName(missing, names.get(kind)?.get(namespaceOf(rollout.object)) ?? []);
  if (near === undefined) return f;
  return {
    ...f,
    severity: 'error',
    message: `${kind} "${missing}" is not in the checked manifests; did you mean "${near}"? Fix: set ${f.field}: ${near}.`,
  };
}

interface Filing {
  document: ManifestDocument;
  findings: Finding[];
}

/** Keys of the admitted Ingress that a Rollout owns (the mutating hook's bookkeeping). */
function rolloutOwnedKeys(admitted: JsonObject): Set<string> {
  const raw = IngressObject.of(admitted).annotation(MANAGED_ALB_ANNOTATIONS);
  if (raw === undefined) return new Set();
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return new Set(Object.values(parsed).flatMap((keys) => (Array.isArray(keys) ? keys.map(String) : [])));
  } catch {
    return new Set();
  }
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const flags = parseClassFlags(options.ingressClasses ?? []);
  const { cluster, manifests } = await loadManifests(options.paths, {
    positions: true,
    stdin: options.stdin,
  });
  const policy = policyFrom(options.controllerIdentities, 'deny');
  const rules = options.policy ? await readRulePolicy(options.policy) : undefined;
  const documents = manifests.documents;
  const ingressDocs = documents.filter(isIngress);
  const parsedIngresses = new Map<ManifestDocument, Ingress>();
  for (const d of ingressDocs) {
    const parsed = parseIngress(d.object).value;
    if (parsed) parsedIngresses.set(d, { ...parsed, namespace: namespaceOf(d.object) });
  }
  const classes = resolveClasses(cluster as ClusterView, [...parsedIngresses.values()], flags);
  const names = new Map([
    ['Service', namesByNamespace(documents, 'Service')],
    ['Ingress', namesByNamespace(documents, 'Ingress')],
  ]);

  const filings = new Map<ManifestDocument, Filing>();
  const fileUnder = (document: ManifestDocument, f: Finding) => {
    const filing = filings.get(document) ?? { document, findings: [] };
    filing.findings.push(f);
    filings.set(document, filing);
  };
  // Of duplicates, the later definition, as in the cluster state (the duplicate is a load error).
  const ingressByName = new Map<string, ManifestDocument>();
  for (const d of ingressDocs) ingressByName.set(`${namespaceOf(d.object)}/${nameOf(d.object)}`, d);
  const ingressDoc = (namespace: string, name: string) => ingressByName.get(`${namespace}/${name}`);

  for (const document of documents) {
    if (isIngress(document)) {
      const { admitted, findings } = admitOffline(document, classes.view, policy, { wiring: false });
      // A Rollout-owned action's target-group port is the Rollout's alb.servicePort, which the
      // Rollout's own finding (service-lacks-alb-port) points at.
      const owned = rolloutOwnedKeys(admitted);
      for (const f of findings) {
        if (f.rule === 'alb-service-port' && [...owned].some((k) => f.field.includes(JSON.stringify(k))))
          continue;
        fileUnder(document, f);
      }
    } else if (isRollout(document)) {
      const { findings } = admitOffline(document, classes.view, policy);
      const namespace = namespaceOf(document.object);
      for (const raw of findings) {
        const f = didYouMean(raw, document, names);
        const target = f.ingress === undefined ? undefined : ingressDoc(namespace, f.ingress);
        const onIngress = !f.field.startsWith('spec.strategy') || INGRESS_CLASS_RULES.has(f.rule);
        if (target && onIngress) {
          const field = INGRESS_CLASS_RULES.has(f.rule) ? 'spec.ingressClassName' : f.field;
          fileUnder(target, { ...f, field, message: `Rollout ${nameOf(document.object)}: ${f.message}` });
        } else fileUnder(document, f);
      }
    }
  }

  const objects: CheckedObject[] = [];
  for (const document of documents) {
    const filing = filings.get(document);
    if (!filing) continue;
    const findings = dedupeFindings(filing.findings);
    const judged = rules ? applyRulePolicy(findings, rules, scopeOf(document.object, undefined)) : findings;
    if (judged.length === 0) continue;
    objects.push(checkedObject(document, judged));
  }
  const all = objects.flatMap((o) => o.findings);
  const loadErrors: LoadProblem[] = manifests.errors
    .concat(cluster.loadErrors().filter((e) => !manifests.errors.includes(e)))
    .map((e) => ({ file: displayName(e.file), message: e.message, ...lineOfError(e, documents) }));
  const count = (kind: string) => documents.filter((d) => d.kind === kind).length;
  const known = count('Rollout') + count('Ingress') + count('Service') + count('IngressClass');
  return {
    summary: {
      files: manifests.files.length,
      rollouts: documents.filter(isRollout).length,
      ingresses: ingressDocs.length,
      services: count('Service'),
      ingressClasses: count('IngressClass'),
      otherObjects: documents.length - known,
      skipped: manifests.skipped.length,
    },
    assumedClasses: classes.assumed,
    notChecked: classes.unchecked.map((u) => {
      const d = ingressDoc(u.namespace, u.name);
      return {
        ...u,
        location: d ? describeLocation(d) : '',
        file: d ? displayName(d.file) : '',
        line: d?.line,
      };
    }),
    skipped: manifests.skipped.map((s) => ({ ...s, file: displayName(s.file) })),
    loadErrors,
    checked: documents
      .filter((d) => isRollout(d) || isIngress(d))
      .map((d) => ({
        kind: d.kind,
        namespace: namespaceOf(d.object),
        name: nameOf(d.object),
        location: describeLocation(d),
      })),
    objects,
    errors: all.filter((f) => f.severity === 'error').length + loadErrors.length,
    warnings: all.filter((f) => f.severity === 'warning').length,
  };
}

function lineOfError(
  e: { file: string; document?: number; item?: number },
  documents: ManifestDocument[],
): { line?: number } {
  const d = documents.find((x) => x.file === e.file && x.document === e.document && x.item === e.item);
  return d?.line === undefined ? {} : { line: d.line };
}

function checkedObject(document: ManifestDocument, findings: Finding[]): CheckedObject {
  const file = displayName(document.file);
  const located = findings.map((f) => {
    const line = f.field ? document.lineOf?.(fieldPath(f.field)) : document.line;
    return { ...f, file, ...(line === undefined ? {} : { line }) };
  });
  return {
    kind: document.kind,
    namespace: namespaceOf(document.object),
    name: nameOf(document.object),
    location: describeLocation(document),
    file,
    ...(document.line === undefined ? {} : { line: document.line }),
    findings: located,
  };
}

export function failed(report: CheckReport, failOn: FailOn): boolean {
  return report.errors > 0 || (failOn === 'warning' && report.warnings > 0);
}

export function checkFailOn(value: string | undefined): FailOn {
  if (value === undefined || value === 'error' || value === 'warning') return value ?? 'error';
  throw new UsageError(`--fail-on must be error or warning, got ${JSON.stringify(value)}`);
}

export function checkOutput(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text';
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
}

export async function checkCommand(
  options: CheckOptions & { output?: string; failOn?: string },
): Promise<number> {
  const format = checkOutput(options.output);
  const failOn = checkFailOn(options.failOn);
  const report = await runCheck(options);
  const { formatReport } = await import('./check-output.js');
  process.stdout.write(formatReport(report, format, failOn));
  return failed(report, failOn) ? 1 : 0;
}
