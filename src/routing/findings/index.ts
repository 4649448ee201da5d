/**
 * Building findings: the list findings are collected in, the field names they point at, and
 * the texts of Kubernetes field errors (`Invalid value: ...`) the messages reuse.
 */
export { internalErrorText, invalidText, requiredText } from './field-error-text.js';
export {
  FindingList,
  annotationField,
  backendField,
  backendObjectField,
  backendPortNameField,
  describeRulePath,
} from './finding-list.js';
export { RULES, type RuleEntry, type RuleId } from './rule-catalogue.js';
