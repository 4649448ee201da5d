/**
 * Turns routing-core findings into an admission decision: ratcheting on UPDATE (an error the
 * live object already had is reported, not enforced, so that unrelated edits and partial fixes
 * still go through), the enforcement mode, and a denial message that lists what to change.
 */
import { findingKey } from '../../routing/findings/index.js';
import type { ClusterView, Finding, JsonObject } from '../../routing/model.js';
import type { ReviewContext, WebhookPolicy } from '../admission/handler.js';
import { allow, auditAnnotationsOf, deny, type AdmissionResult, type Notice } from '../admission/response.js';
import { actionFor, EMPTY_RULE_POLICY, scopeOf, type ObjectScope } from '../enforcement.js';
import type { AdmissionRequest } from '../admission/review.js';

/** What ratcheting and deciding read from a finding (any rule id, so the flow is testable alone). */
type Judged = Pick<Finding, 'severity' | 'field' | 'message'> & { rule: string };

/** Errors in `current` that were already present in `previous` become warnings. */
export function ratchet<F extends Judged>(current: F[], previous: F[] | undefined): F[] {
  if (!previous) return current;
  const before = new Set(previous.filter((f) => f.severity === 'error').map(findingKey));
  return current.map((f) =>
    f.severity === 'error' && before.has(findingKey(f))
      ? { ...f, severity: 'warning', message: `${f.message} (already present before this change)` }
      : f,
  );
}

/** `field: message`, unless the message already starts with its field (Argo's own texts do). */
function formatFinding(f: Judged): string {
  if (!f.field || f.message.startsWith(`${f.field}: `)) return f.message;
  return `${f.field}: ${f.message}`;
}

/**
 * A finding's advice and the rest of its message. Messages end with the fix: after a
 * `Fix: ` marker, or as their last sentence; a parenthesised note may follow it. Linear scans,
 * no regular expressions over the (user-influenced) text.
 */
export function splitFix(message: string): { fix: string; rest: string } {
  let body = message.trimEnd();
  let note = '';
  if (body.endsWith(')')) {
    const open = body.lastIndexOf(' (');
    if (open > 0 && body[open - 1] === '.') {
      note = body.slice(open);
      body = body.slice(0, open);
    }
  }
  const marker = body.lastIndexOf('Fix: ');
  if (marker >= 0) {
    return { fix: body.slice(marker + 5), rest: `${body.slice(0, marker).trimEnd()}${note}` };
  }
  // The last ". " followed by a capital letter starts the last sentence.
  for (let i = body.length - 3; i > 0; i--) {
    if (body[i] === '.' && body[i + 1] === ' ' && isCapital(body[i + 2])) {
      return { fix: body.slice(i + 2), rest: `${body.slice(0, i + 1)}${note}` };
    }
  }
  return { fix: '', rest: message };
}

function isCapital(ch: string | undefined): boolean {
  return ch !== undefined && ch >= 'A' && ch <= 'Z';
}

/**
 * The apiserver cuts each warning at 120 characters, so a warning leads with what survives
 * best: the rule id (to look up in docs/validation.md) and the fix, then the explanation.
 */
export function warningText(f: Judged, prefix = ''): string {
  const { fix, rest } = splitFix(f.message);
  const head = prefix ? `${f.rule} (${prefix})` : f.rule;
  return fix ? `${head}: ${fix} ${rest}` : `${head}: ${rest}`;
}

/** The findings of one object sorted by what the policy makes of them. */
interface Sorted {
  denied: Judged[];
  /** Errors admitted by a `warn` rule. */
  wouldDeny: Judged[];
  warned: Judged[];
  audited: Judged[];
}

function sortByAction(findings: readonly Judged[], policy: WebhookPolicy, scope: ObjectScope): Sorted {
  const sorted: Sorted = { denied: [], wouldDeny: [], warned: [], audited: [] };
  const rules = policy.rules ?? EMPTY_RULE_POLICY;
  for (const f of findings) {
    const action = actionFor(rules, policy.enforcement, f.rule, scope);
    if (action === 'off') continue;
    if (action === 'audit') sorted.audited.push(f);
    else if (f.severity === 'warning') sorted.warned.push(f);
    else if (action === 'deny') sorted.denied.push(f);
    else sorted.wouldDeny.push(f);
  }
  return sorted;
}

function ruleIds(findings: readonly Judged[]): string[] {
  return findings.map((f) => f.rule);
}

/**
 * Allows, or denies with every error listed, each finding treated as the policy says for
 * its rule on this object. `subject` names the object, e.g. `Rollout shop/web`.
 */
export function decide(
  subject: string,
  findings: Judged[],
  policy: WebhookPolicy,
  scope: ObjectScope,
  extraWarnings: string[] = [],
): AdmissionResult {
  const { denied, wouldDeny, warned, audited } = sortByAction(findings, policy, scope);
  const warnings = [
    ...wouldDeny.map((f) => warningText(f, 'would deny')),
    ...extraWarnings,
    ...warned.map((f) => warningText(f)),
  ];
  const notices: Notice[] = [
    ...denied.map((f): Notice => ({ outcome: 'denied', rule: f.rule, message: formatFinding(f) })),
    ...[...wouldDeny, ...warned].map((f): Notice => ({
      outcome: 'warned',
      rule: f.rule,
      message: formatFinding(f),
    })),
  ];
  const lists = {
    deniedRules: ruleIds(denied),
    warnedRules: ruleIds([...wouldDeny, ...warned]),
    auditedRules: ruleIds(audited),
  };
  const withRecord = (result: AdmissionResult, decision: string): AdmissionResult =>
    notices.length === 0 && audited.length === 0
      ? result
      : { ...result, notices, auditAnnotations: auditAnnotationsOf(decision, lists) };
  if (denied.length === 0) {
    const reason = wouldDeny.length > 0 ? 'invalid-warned' : audited.length > 0 ? 'audited' : 'valid';
    return withRecord(allow(reason, warnings), reason === 'valid' ? 'allowed' : reason);
  }
  const count = denied.length === 1 ? '1 error' : `${denied.length} errors`;
  const message = [
    `${subject} has ${count} in its traffic routing:`,
    ...denied.map((f) => `- ${formatFinding(f)}`),
  ].join('\n');
  return withRecord(deny(message, denied[0]?.rule ?? 'invalid', warnings), 'denied');
}

function isError(finding: Judged): boolean {
  return finding.severity === 'error';
}

/** Everything a validating hook finds wrong with one object (parse problems included). */
export type FindingsOf = (object: JsonObject, cluster: ClusterView, namespace?: string) => Finding[];

/**
 * The flow both validating hooks share, for a request already in their scope (see
 * AdmissionHandler): skip subresources, then ratchet against the old object and decide.
 * `changeFindings` judges the change itself (old and new object together).
 */
export function judge(
  request: AdmissionRequest,
  context: ReviewContext,
  kind: string,
  findingsOf: FindingsOf,
  changeFindings: (request: AdmissionRequest, cluster: ClusterView) => Finding[] = () => [],
): AdmissionResult {
  if (request.subResource) return allow('subresource-ignored');
  if (!request.object) return allow('no-object');
  const found = findingsOf(request.object, context.cluster, request.namespace);
  const changed = changeFindings(request, context.cluster);
  const current = changed.length === 0 ? found : found.concat(changed);
  // A valid object (the usual case) is allowed with nothing to record, as decide would
  // allow it, without the object's scope (a map of its labels) that no finding asks for.
  if (current.length === 0) return allow('valid');
  // Ratcheting only ever softens errors, so the old object is judged only when there are
  // some: a valid update (the usual case) costs one validation, not two.
  const hasErrors = current.some(isError);
  const previous =
    hasErrors && request.operation === 'UPDATE' && request.oldObject
      ? findingsOf(request.oldObject, context.cluster, request.namespace)
      : undefined;
  const subject = `${kind} ${request.namespace ?? ''}/${request.name ?? ''}`;
  return decide(
    subject,
    ratchet(current, previous),
    context.policy,
    scopeOf(request.object, request.namespace),
  );
}
