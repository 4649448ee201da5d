/**
 * Building findings: the one constructor (`newFinding`), the field paths they point at
 * (`FieldPath`), the list an Ingress's findings are collected in, the texts of Kubernetes field
 * errors (`Invalid value: ...`) the messages reuse, and the catalogue of rule ids.
 */
export { internalErrorText, invalidText, requiredText } from './field-error-text.js';
export {
  ANNOTATIONS_FIELD,
  FindingList,
  INGRESS_RULES_FIELD,
  annotationField,
  backendField,
  backendObjectField,
  backendPortNameField,
  dedupeFindings,
  describeRulePath,
  findingKey,
} from './finding-list.js';
export { RULES, type RuleEntry, type RuleId, type RuleIdWithSeverity } from './rule-catalogue.js';
export { FieldPath } from './field-path.js';
export { CANARY_FIELD, TRAFFIC_ROUTING_FIELD } from './rollout-fields.js';
export { newFinding, type FindingPlace } from './new-finding.js';
