/**
 * Turns routing-core findings into an admission decision: ratcheting on UPDATE (an error the
 * live object already had is reported, not enforced, so that unrelated edits and partial fixes
 * still go through), the enforcement mode, and a denial message that lists what to change.
 */
import type { ClusterView, Finding, JsonObject } from '../../routing/model.js';
import type { Enforcement, ReviewContext } from '../admission/handler.js';
import { allow, deny, type AdmissionResult } from '../admission/response.js';
import type { AdmissionRequest } from '../admission/review.js';

/** What ratcheting and deciding read from a finding (any rule id, so the flow is testable alone). */
type Judged = Pick<Finding, 'severity' | 'field' | 'message'> & { rule: string };

function identity(f: Judged): string {
  return `${f.rule}\u0000${f.field}\u0000${f.message}`;
}

/** Errors in `current` that were already present in `previous` become warnings. */
export function ratchet<F extends Judged>(current: F[], previous: F[] | undefined): F[] {
  if (!previous) return current;
  const before = new Set(previous.filter((f) => f.severity === 'error').map(identity));
  return current.map((f) =>
    f.severity === 'error' && before.has(identity(f))
      ? { ...f, severity: 'warning', message: `${f.message} (already present before this change)` }
      : f,
  );
}

/** `field: message`, unless the message already starts with its field (Argo's own texts do). */
function formatFinding(f: Judged): string {
  if (!f.field || f.message.startsWith(`${f.field}: `)) return f.message;
  return `${f.field}: ${f.message}`;
}

export function warningText(f: Judged): string {
  return f.message;
}

/**
 * Allows, or denies with every error listed. `subject` names the object, e.g.
 * `Rollout shop/web`.
 */
export function decide(
  subject: string,
  findings: Judged[],
  enforcement: Enforcement,
  extraWarnings: string[] = [],
): AdmissionResult {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = [...extraWarnings, ...findings.filter((f) => f.severity === 'warning').map(warningText)];
  if (errors.length === 0) return allow('valid', warnings);
  if (enforcement === 'warn') {
    return allow('invalid-warned', [...errors.map((f) => `would deny: ${f.message}`), ...warnings]);
  }
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  const message = [
    `${subject} has ${count} in its traffic routing:`,
    ...errors.map((f) => `- ${formatFinding(f)}`),
  ].join('\n');
  return deny(message, errors[0]?.rule ?? 'invalid', warnings);
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
  const current = [
    ...findingsOf(request.object, context.cluster, request.namespace),
    ...changeFindings(request, context.cluster),
  ];
  // Ratcheting only ever softens errors, so the old object is judged only when there are
  // some: a valid update (the usual case) costs one validation, not two.
  const hasErrors = current.some((f) => f.severity === 'error');
  const previous =
    hasErrors && request.operation === 'UPDATE' && request.oldObject
      ? findingsOf(request.oldObject, context.cluster, request.namespace)
      : undefined;
  const subject = `${kind} ${request.namespace ?? ''}/${request.name ?? ''}`;
  return decide(subject, ratchet(current, previous), context.policy.enforcement);
}
