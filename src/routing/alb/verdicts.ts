/**
 * Shared wording of the ALB annotation findings, so that every rule states the consequence the
 * same way.
 */
import type { FieldPath, RuleId } from '../findings/index.js';
import { FindingList } from '../findings/index.js';
import type { Finding, Ingress, IngressBackend, Severity } from '../model.js';

/** What happens when the Load Balancer Controller meets an error while building the model. */
export const BUILD_FAILS =
  'The AWS Load Balancer Controller would fail to build the load balancer for this Ingress ' +
  '(Warning event FailedBuildModel) and stop applying changes to every Ingress of its IngressGroup.';

/** What happens with an invalid `conditions.*` value. */
export const WEBHOOK_REJECTS =
  "The controller's own validating webhook rejects this for Ingresses it manages, and the model " +
  'build fails (Warning event FailedBuildModel) for any that get past it.';

/** What happens when only the ELBv2 API checks a value. */
export const AWS_REJECTS =
  'The controller does not check this, but AWS would reject the listener rule at deploy time, ' +
  'so the reconcile of the whole IngressGroup would fail.';

/** Go's `%v`/`%s` of a []string: `[a b c]`. */
export function goStringList(values: string[]): string {
  return `[${values.join(' ')}]`;
}

/**
 * Findings about an annotation the Load Balancer Controller does not read (a foreign prefix,
 * or a name no path uses): still worth fixing, but they cannot break the load balancer now,
 * so they are warnings, with a note saying why.
 */
export class UnreadKeyFindingList extends FindingList {
  private readonly note: string;

  constructor(ingress: Ingress, items: Finding[], note: string) {
    super(ingress, items);
    this.note = note;
  }

  override add(
    _severity: Severity,
    rule: RuleId,
    field: FieldPath,
    message: string,
    backend?: IngressBackend,
  ): void {
    super.add('warning', rule, field, `${message} (${this.note})`, backend);
  }
}

export const FOREIGN_PREFIX_NOTE =
  'The controller ignores this prefix; this is what it would report if it read the annotation.';
export const UNUSED_KEY_NOTE =
  'No path of this Ingress uses this annotation, so the controller does not read it yet; it would report this as soon as one does.';
