/**
 * The one constructor of a finding: rule, field, message, and where in an Ingress it is. The
 * severity is the rule's own from the catalogue unless the caller lowers or raises it (an
 * annotation the controller does not read yet, a port another path already wires).
 */
import type { Finding, Severity } from '../model.js';
import type { FieldPath } from './field-path.js';
import { RULES, type RuleId } from './rule-catalogue.js';

export interface FindingPlace {
  severity?: Severity;
  /** The Ingress involved, and the host and path of its rule, when any. */
  ingress?: string;
  host?: string;
  path?: string;
}

export function newFinding(
  rule: RuleId,
  field: FieldPath,
  message: string,
  place: FindingPlace = {},
): Finding {
  const finding: Finding = {
    severity: place.severity ?? RULES[rule].severity,
    rule,
    field: String(field),
    message,
  };
  if (place.ingress !== undefined) finding.ingress = place.ingress;
  if (place.host !== undefined) finding.host = place.host;
  if (place.path !== undefined) finding.path = place.path;
  return finding;
}
