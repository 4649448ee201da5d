/**
 * Turns routing-core findings into an admission decision: ratcheting on UPDATE (an error the
 * live object already had is reported, not enforced, so that unrelated edits and partial fixes
 * still go through), the enforcement mode, and a denial message that lists what to change.
 */
import type { Finding } from '../../routing/model.js';
import type { Enforcement } from '../admission/handler.js';
import { allow, deny, type AdmissionResult } from '../admission/response.js';

function identity(f: Finding): string {
  return `${f.rule}\u0000${f.field}\u0000${f.message}`;
}

/** Errors in `current` that were already present in `previous` become warnings. */
export function ratchet(current: Finding[], previous: Finding[] | undefined): Finding[] {
  if (!previous) return current;
  const before = new Set(previous.filter((f) => f.severity === 'error').map(identity));
  return current.map((f) =>
    f.severity === 'error' && before.has(identity(f))
      ? { ...f, severity: 'warning', message: `${f.message} (already present before this change)` }
      : f,
  );
}

function formatFinding(f: Finding): string {
  const where = f.field ? `${f.field}: ` : '';
  return `${where}${f.message}`;
}

export function warningText(f: Finding): string {
  return f.message;
}

/**
 * Allows, or denies with every error listed. `subject` names the object, e.g.
 * `Rollout shop/web`.
 */
export function decide(
  subject: string,
  findings: Finding[],
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
