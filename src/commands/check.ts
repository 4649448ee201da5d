/**
 * `check PATH...`: offline lint of manifests — what `/validate` would deny or warn about
 * each Rollout and Ingress, after the mutating hook ran. For CI pipelines and pre-commit.
 * Exit 1 when any error is found (including unreadable files), else 0.
 */
import { describeLocation } from '../cluster/manifest-files.js';
import type { Finding } from '../routing/model.js';
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

export interface CheckOptions {
  paths: string[];
  output: string | undefined;
  controllerIdentities?: string;
  /** The per-rule policy file `serve --policy` reads, so CI and the cluster agree. */
  policy?: string;
}

interface CheckedObject {
  location: string;
  kind: string;
  namespace: string;
  name: string;
  findings: Finding[];
}

export interface CheckReport {
  objects: CheckedObject[];
  loadErrors: string[];
  errors: number;
  warnings: number;
}

export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const { cluster, manifests } = await loadManifests(options.paths);
  const policy = policyFrom(options.controllerIdentities, 'deny');
  const rules = options.policy ? await readRulePolicy(options.policy) : undefined;
  const objects: CheckedObject[] = [];
  for (const document of manifests.documents) {
    const admitted = admitOffline(document, cluster, policy).findings;
    const findings = rules ? applyRulePolicy(admitted, rules, scopeOf(document.object, undefined)) : admitted;
    if (findings.length === 0) continue;
    const meta = document.object.metadata as { name?: string; namespace?: string } | undefined;
    objects.push({
      location: describeLocation(document),
      kind: document.kind,
      namespace: meta?.namespace ?? 'default',
      name: meta?.name ?? '',
      findings,
    });
  }
  const all = objects.flatMap((o) => o.findings);
  const loadErrors = manifests.errors.map((e) => e.message);
  return {
    objects,
    loadErrors,
    errors: all.filter((f) => f.severity === 'error').length + loadErrors.length,
    warnings: all.filter((f) => f.severity === 'warning').length,
  };
}

export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const error of report.loadErrors) lines.push(`error   ${error}`);
  for (const object of report.objects) {
    lines.push(`${object.kind} ${object.namespace}/${object.name} (${object.location})`);
    for (const f of object.findings) {
      lines.push(`  ${f.severity.padEnd(7)} ${f.field ? `${f.field}: ` : ''}${f.message} [${f.rule}]`);
    }
  }
  lines.push(`${report.errors} error(s), ${report.warnings} warning(s)`);
  return `${lines.join('\n')}\n`;
}

export async function checkCommand(options: CheckOptions): Promise<number> {
  if (options.output !== undefined && options.output !== 'text' && options.output !== 'json') {
    throw new UsageError(`--output must be text or json, got ${JSON.stringify(options.output)}`);
  }
  const report = await runCheck(options);
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatCheckReport(report),
  );
  return report.errors > 0 ? 1 : 0;
}
