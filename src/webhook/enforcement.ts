/**
 * Per-rule enforcement: what the webhook does with a finding of a given rule on a given
 * object. Modelled on what platform teams already run: Gatekeeper's `enforcementAction`
 * (deny | dryrun | warn), Kyverno's per-rule `failureAction` (Enforce | Audit) and
 * ValidatingAdmissionPolicy's `validationActions` (Deny | Warn | Audit).
 *
 * - `deny`: an error denies the request; a warning is returned as a warning (today's default).
 * - `warn`: an error is admitted and returned as a warning (`would deny: ...`).
 * - `audit`: admitted silently; recorded in the response's auditAnnotations and in the
 *   background audit's policy reports.
 * - `off`: not reported anywhere (admission, audit, `check`).
 *
 * The policy is a YAML (or JSON) file read by `serve --policy` and `check --policy`, so the
 * cluster and CI decide the same way. Rules are named by id or by an id prefix ending in `*`
 * (`alb-*`, `nginx-*`, `*`): the id families are the groups (docs/validation.md).
 */
import { parse as parseYaml } from 'yaml';
import { RULES } from '../routing/findings/index.js';
import type { JsonObject } from '../routing/model.js';

/** Every rule id the webhook can report (the routing core's closed catalogue). */
const KNOWN_RULES: readonly string[] = Object.keys(RULES);

export type RuleAction = 'deny' | 'warn' | 'audit' | 'off';
export type DefaultAction = 'deny' | 'warn';
const RULE_ACTIONS: ReadonlySet<string> = new Set(['deny', 'warn', 'audit', 'off']);

/** The object a finding is about, as far as exemptions look at it. */
export interface ObjectScope {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** A rule id, or a prefix of ids (the text before a trailing `*`). */
interface RulePattern {
  text: string;
  prefix: boolean;
}

interface RuleEntry {
  patterns: RulePattern[];
  action: RuleAction;
}

interface Exemption {
  /** Empty: every namespace. */
  namespaces: ReadonlySet<string>;
  /** Every pair must be present on the object; empty: any labels. */
  labels: Readonly<Record<string, string>>;
  /** Empty: every rule. */
  patterns: RulePattern[];
}

export interface RulePolicy {
  /** Action of a rule no entry names; `--enforcement` when the file does not set it. */
  defaultAction?: DefaultAction;
  /** First matching entry wins. */
  rules: RuleEntry[];
  exemptions: Exemption[];
}

export const EMPTY_RULE_POLICY: RulePolicy = { rules: [], exemptions: [] };

export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
}

/** A rule id of the catalogue (`alb-backend-port-number`) or a family prefix (`alb-*`). */
const PATTERN = /^(?:\*|[a-z0-9]+(?:-[a-z0-9]+)*(?:-\*)?)$/;

function matches(patterns: readonly RulePattern[], rule: string): boolean {
  for (const p of patterns) if (p.prefix ? rule.startsWith(p.text) : rule === p.text) return true;
  return false;
}

function exempts(exemption: Exemption, rule: string, scope: ObjectScope): boolean {
  if (exemption.namespaces.size > 0 && !exemption.namespaces.has(scope.namespace)) return false;
  for (const [key, value] of Object.entries(exemption.labels)) if (scope.labels[key] !== value) return false;
  return exemption.patterns.length === 0 || matches(exemption.patterns, rule);
}

/** What to do with a finding of `rule` on the object in `scope`. */
export function actionFor(
  policy: RulePolicy,
  fallback: DefaultAction,
  rule: string,
  scope: ObjectScope,
): RuleAction {
  for (const exemption of policy.exemptions) if (exempts(exemption, rule, scope)) return 'off';
  for (const entry of policy.rules) if (matches(entry.patterns, rule)) return entry.action;
  return policy.defaultAction ?? fallback;
}

/** Namespace and labels of a wire object (labels that are not strings are ignored). */
export function scopeOf(object: JsonObject | undefined, namespace: string | undefined): ObjectScope {
  const metadata = object?.['metadata'];
  const meta = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {};
  const rawLabels = Object.hasOwn(meta, 'labels') ? meta['labels'] : undefined;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (rawLabels && typeof rawLabels === 'object' && !Array.isArray(rawLabels)) {
    for (const [key, value] of Object.entries(rawLabels)) if (typeof value === 'string') labels[key] = value;
  }
  const ownNamespace = Object.hasOwn(meta, 'namespace') ? meta['namespace'] : undefined;
  return { namespace: namespace ?? (typeof ownNamespace === 'string' ? ownNamespace : 'default'), labels };
}

// ---------------------------------------------------------------------------------------
// The policy file
// ---------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new PolicyFileError(`${where} must be a list of non-empty strings`);
  }
  return value as string[];
}

function patternsOf(value: unknown, where: string): RulePattern[] {
  return stringList(value, where).map((text, i) => {
    if (!PATTERN.test(text)) {
      throw new PolicyFileError(
        `${where}[${i}] ${JSON.stringify(text)} is not a rule id (lowercase words joined by "-") ` +
          'or an id prefix ending in "-*" (or "*" for every rule)',
      );
    }
    const pattern = text.endsWith('*') ? { text: text.slice(0, -1), prefix: true } : { text, prefix: false };
    // A misspelt id would silently leave its rule at the default action.
    if (!KNOWN_RULES.some((rule) => matches([pattern], rule))) {
      throw new PolicyFileError(
        `${where}[${i}] ${JSON.stringify(text)} names no rule the webhook has; ` +
          'rule ids are listed in docs/validation.md, docs/lb-annotations.md and docs/routing.md',
      );
    }
    return pattern;
  });
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new PolicyFileError(
        `${where} has an unknown field ${JSON.stringify(key)}; allowed: ${allowed.join(', ')}`,
      );
    }
  }
}

function ruleEntry(value: unknown, where: string): RuleEntry {
  if (!isObject(value)) throw new PolicyFileError(`${where} must be an object with match and action`);
  onlyKeys(value, ['match', 'action'], where);
  const action = value['action'];
  if (typeof action !== 'string' || !RULE_ACTIONS.has(action)) {
    throw new PolicyFileError(
      `${where}.action must be deny, warn, audit or off, got ${JSON.stringify(action)}`,
    );
  }
  return { patterns: patternsOf(value['match'], `${where}.match`), action: action as RuleAction };
}

function labelMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new PolicyFileError(`${where} must map label keys to string values`);
  }
  return value as Record<string, string>;
}

function exemption(value: unknown, where: string): Exemption {
  if (!isObject(value)) throw new PolicyFileError(`${where} must be an object`);
  onlyKeys(value, ['namespaces', 'labels', 'match'], where);
  const namespaces =
    value['namespaces'] === undefined ? [] : stringList(value['namespaces'], `${where}.namespaces`);
  const labels = labelMap(value['labels'], `${where}.labels`);
  if (namespaces.length === 0 && Object.keys(labels).length === 0) {
    throw new PolicyFileError(
      `${where} needs namespaces or labels: an exemption of everything is "action: off"`,
    );
  }
  const patterns = value['match'] === undefined ? [] : patternsOf(value['match'], `${where}.match`);
  return { namespaces: new Set(namespaces), labels, patterns };
}

function listOf<T>(value: unknown, where: string, item: (v: unknown, w: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PolicyFileError(`${where} must be a list`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

/** Reads a policy document (YAML or JSON). Throws PolicyFileError saying what is wrong. */
export function parseRulePolicy(text: string): RulePolicy {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (error) {
    throw new PolicyFileError(`not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return EMPTY_RULE_POLICY;
  if (!isObject(document))
    throw new PolicyFileError('the policy must be a mapping with defaultAction, rules, exemptions');
  onlyKeys(document, ['defaultAction', 'rules', 'exemptions'], 'the policy');
  const defaultAction = document['defaultAction'];
  if (defaultAction !== undefined && defaultAction !== 'deny' && defaultAction !== 'warn') {
    throw new PolicyFileError(`defaultAction must be deny or warn, got ${JSON.stringify(defaultAction)}`);
  }
  return {
    ...(defaultAction ? { defaultAction } : {}),
    rules: listOf(document['rules'], 'rules', ruleEntry),
    exemptions: listOf(document['exemptions'], 'exemptions', exemption),
  };
}
