/**
 * Checks of `conditions.<name>` values (LBC config_types.go): the controller's own validation with
 * its exact messages, the `field` values it silently drops, and — per Ingress rule path — the
 * merge of the rule's host and path into the host-header / path-pattern conditions and the
 * value limits AWS applies to the merged rule.
 */
import { AWS_REJECTS, BUILD_FAILS, WEBHOOK_REJECTS, goStringList } from './verdicts.js';
import type { FindingList } from '../findings/index.js';
import { annotationField, backendField } from '../findings/index.js';
import type { AlbValuesConfig, RuleCondition } from './schema.js';
import type { IngressBackend } from '../model.js';

export const MAX_VALUES_PER_CONDITION = 3;
export const MAX_VALUES_PER_RULE = 5;

function valuesError(cfg: AlbValuesConfig): string | undefined {
  const values = cfg.values?.length ?? 0;
  const regex = cfg.regexValues?.length ?? 0;
  if (values === 0 && regex === 0) return 'values or regexValues must be specified';
  if (values !== 0 && regex !== 0) return 'precisely one of values and regexValues can be specified';
  return undefined;
}

function nonEmpty(values: unknown[] | undefined, message: string): string | undefined {
  return values && values.length > 0 ? undefined : message;
}

function queryStringError(pairs: { value: string }[] | undefined): string | undefined {
  if (!pairs || pairs.length === 0) return 'Values cannot be empty';
  return pairs.some((p) => p.value === '') ? 'value cannot be empty' : undefined;
}

/** One condition's `Validate()`; `undefined` for valid ones and for unknown fields. */
function lbcConditionError(c: RuleCondition): string | undefined {
  const check = (cfgName: string, cfg: unknown, problem: (cfg: never) => string | undefined) => {
    if (cfg === undefined) return `missing ${cfgName}`;
    const p = problem(cfg as never);
    return p && `invalid ${cfgName}: ${p}`;
  };
  switch (c.field) {
    case 'host-header':
      return check('hostHeaderConfig', c.hostHeaderConfig, valuesError);
    case 'path-pattern':
      return check('pathPatternConfig', c.pathPatternConfig, valuesError);
    case 'http-header':
      return check('httpHeaderConfig', c.httpHeaderConfig, valuesError);
    case 'http-request-method':
      return check('httpRequestMethodConfig', c.httpRequestMethodConfig, (cfg: { values?: string[] }) =>
        nonEmpty(cfg.values, 'values cannot be empty'),
      );
    case 'query-string':
      return check('queryStringConfig', c.queryStringConfig, (cfg: { values?: { value: string }[] }) =>
        queryStringError(cfg.values),
      );
    case 'source-ip':
      return check('sourceIPConfig', c.sourceIPConfig, (cfg: { values?: string[] }) =>
        nonEmpty(cfg.values, 'values cannot be empty'),
      );
  }
  // An unknown field: LBC's Validate passes it; checkConditions reports it on its own.
  return undefined;
}

const KNOWN_FIELDS = [
  'host-header',
  'http-header',
  'http-request-method',
  'path-pattern',
  'query-string',
  'source-ip',
];
/** AWS allows one condition of these per rule (host and path are merged by the controller). */
const SINGLE_PER_RULE = ['http-request-method', 'source-ip'];

/** Annotation-level checks; returns true when the conditions are usable for rule checks. */
export function checkConditions(out: FindingList, key: string, conditions: RuleCondition[]): boolean {
  const field = annotationField(key);
  let valid = true;
  conditions.forEach((c, i) => {
    const error = lbcConditionError(c);
    if (error) {
      valid = false;
      out.add(
        'error',
        'alb-condition-invalid',
        field,
        `${error} (condition ${i}). ${WEBHOOK_REJECTS} Fix: give the condition its matching config with non-empty values.`,
      );
    }
    if (!KNOWN_FIELDS.includes(c.field)) {
      const near = KNOWN_FIELDS.find((f) => f === c.field.toLowerCase());
      out.add(
        'error',
        'alb-condition-field',
        field,
        `condition ${i} has field ${JSON.stringify(c.field)}, which the AWS Load Balancer Controller does not know; it drops such a condition without a word, so the rule would match more requests than intended. Fix: ${near ? `field is case-sensitive: write "${near}"` : `set field to one of ${KNOWN_FIELDS.join(', ')}`}.`,
      );
    }
  });
  for (const single of SINGLE_PER_RULE) {
    const count = conditions.filter((c) => c.field === single).length;
    if (count > 1) {
      out.add(
        'error',
        'alb-condition-duplicate',
        field,
        `${count} ${single} conditions; an ALB rule takes at most one ${single} condition. ${AWS_REJECTS} Fix: merge them into one condition with several values.`,
      );
    }
  }
  return valid;
}

// ---------------------------------------------------------------------------------------
// Rule level: host/path merge and AWS value limits (LBC buildRuleConditions)
// ---------------------------------------------------------------------------------------

interface Patterns {
  values: string[];
  regex: string[];
}

/** LBC buildPathPatterns: how an Ingress path becomes path-pattern values. */
export function pathPatterns(
  backend: IngressBackend,
  useRegexPathMatch: boolean,
): Patterns | { error: string } {
  const path = backend.path;
  if (!path) return { values: [], regex: [] };
  const pathType = backend.pathType ?? 'ImplementationSpecific';
  const wildcard = /[*?]/.test(path);
  switch (pathType) {
    case 'ImplementationSpecific':
      // Kubernetes requires the leading '/', ALB regexes do not want it.
      return useRegexPathMatch ? { values: [], regex: [path.slice(1)] } : { values: [path], regex: [] };
    case 'Exact':
      return wildcard
        ? { error: `exact path shouldn't contain wildcards: ${path}` }
        : { values: [path], regex: [] };
    case 'Prefix': {
      if (path === '/') return { values: ['/*'], regex: [] };
      if (wildcard) return { error: `prefix path shouldn't contain wildcards: ${path}` };
      const base = path.endsWith('/') ? path.slice(0, -1) : path;
      return { values: [base, `${base}/*`], regex: [] };
    }
    default:
      return { error: `unsupported pathType: ${pathType}` };
  }
}

interface MergedCondition {
  label: string;
  values: string[];
}

/**
 * The values of a condition other than host-header and path-pattern. Only conditions that
 * passed `checkConditions` come here, so each has its config, and the method, query-string
 * and source-ip configs have values: the `?.` and `?? []` below only keep the types honest.
 */
function otherConditionValues(c: RuleCondition): MergedCondition | undefined {
  switch (c.field) {
    case 'http-header': {
      const cfg = c.httpHeaderConfig;
      return {
        // The decoder gives httpHeaderName Go's zero value "" when the key is absent.
        // Stryker disable next-line OptionalChaining: equivalent, a valid http-header condition has its httpHeaderConfig (see above)
        label: `http-header ${JSON.stringify(cfg?.httpHeaderName)}`,
        // Stryker disable next-line OptionalChaining: equivalent, a valid http-header condition has its httpHeaderConfig (see above)
        values: [...(cfg?.values ?? []), ...(cfg?.regexValues ?? [])],
      };
    }
    case 'http-request-method':
      // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, a valid http-request-method condition has non-empty values (see above)
      return { label: c.field, values: c.httpRequestMethodConfig?.values ?? [] };
    case 'query-string':
      return {
        label: c.field,
        // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, a valid query-string condition has non-empty values (see above)
        values: (c.queryStringConfig?.values ?? []).map((p) =>
          p.key !== undefined ? `${p.key}=${p.value}` : p.value,
        ),
      };
    case 'source-ip':
      // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, a valid source-ip condition has non-empty values (see above)
      return { label: c.field, values: c.sourceIPConfig?.values ?? [] };
  }
  // host-header and path-pattern are merged with the rule's host and path by mergeHostAndPath.
  return undefined;
}

/** Merges host and path like LBC; reports a values+regexValues clash with LBC's message. */
function mergeHostAndPath(
  out: FindingList,
  key: string,
  backend: IngressBackend,
  patterns: Patterns,
  conditions: RuleCondition[],
): MergedCondition[] | undefined {
  const host: Patterns = { values: backend.host ? [backend.host] : [], regex: [] };
  const path: Patterns = { values: [...patterns.values], regex: [...patterns.regex] };
  for (const c of conditions) {
    const target = c.field === 'host-header' ? host : c.field === 'path-pattern' ? path : undefined;
    const cfg = c.field === 'host-header' ? c.hostHeaderConfig : c.pathPatternConfig;
    if (!target || !cfg) continue;
    target.values.push(...(cfg.values ?? []));
    target.regex.push(...(cfg.regexValues ?? []));
  }
  let clash = false;
  for (const [name, merged, source] of [
    ['host', host, "the Ingress rule's host"],
    ['path', path, "the Ingress rule's path"],
  ] as const) {
    if (merged.values.length > 0 && merged.regex.length > 0) {
      clash = true;
      out.add(
        'error',
        'alb-condition-merge',
        annotationField(key),
        `${name} condition must specify exactly one of Values and RegexValues, got both Values ${goStringList(merged.values)} and RegexValues ${goStringList(merged.regex)}. The controller merges ${source} into this ${name} condition. ${BUILD_FAILS} Fix: use values (not regexValues) in the ${name === 'host' ? 'host-header' : 'path-pattern'} condition, or move the match out of the Ingress rule.`,
        backend,
      );
    }
  }
  if (clash) return undefined;
  const merged: MergedCondition[] = [];
  const add = (label: string, p: Patterns) => {
    const values = [...p.values, ...p.regex];
    if (values.length > 0) merged.push({ label, values });
  };
  add('host-header', host);
  add('path-pattern', path);
  return merged;
}

/** Rule-level checks for one rule path whose backend has a valid conditions annotation. */
export function checkRuleConditions(
  out: FindingList,
  key: string,
  backend: IngressBackend,
  patterns: Patterns,
  conditions: RuleCondition[],
): void {
  const merged = mergeHostAndPath(out, key, backend, patterns, conditions);
  if (!merged) return;
  for (const c of conditions) {
    const other = otherConditionValues(c);
    if (other) merged.push(other);
  }
  // LBC adds a path-pattern `/*` to a rule with no condition at all: one value, within every limit.
  for (const c of merged) {
    if (c.values.length > MAX_VALUES_PER_CONDITION) {
      out.add(
        'error',
        'alb-condition-values',
        annotationField(key),
        `the ${c.label} condition of this rule has ${c.values.length} values ${goStringList(c.values)} (after merging the Ingress rule's host and path); an ALB rule condition takes at most ${MAX_VALUES_PER_CONDITION}. ${AWS_REJECTS} Fix: split the values over several Ingress paths or rules.`,
        backend,
      );
    }
  }
  const total = merged.reduce((n, c) => n + c.values.length, 0);
  if (total > MAX_VALUES_PER_RULE) {
    out.add(
      'error',
      'alb-rule-values',
      annotationField(key),
      `this rule has ${total} match values in all (${merged.map((c) => `${c.label}: ${c.values.length}`).join(', ')}), counting the Ingress host and the expanded path (a Prefix path counts twice); an ALB rule takes at most ${MAX_VALUES_PER_RULE}. ${AWS_REJECTS} Fix: use fewer values, an Exact or ImplementationSpecific path, or split the rule.`,
      backend,
    );
  }
}

/** The path-pattern error of one rule path, reported on the path. */
export function reportPathPatternError(out: FindingList, backend: IngressBackend, error: string): void {
  out.add(
    'error',
    'alb-path-pattern',
    backendField(backend).child('path'),
    `${error}. ${BUILD_FAILS} Fix: for a wildcard path use pathType ImplementationSpecific; with Exact or Prefix remove '*' and '?'.`,
    backend,
  );
}
