/**
 * Validation of the AWS Load Balancer Controller's annotations on one Ingress, whether or not a
 * Rollout manages it: `actions.*`, `conditions.*`, how rule paths link to them, and the
 * IngressGroup annotations. Pure: Services are looked up through the given function.
 *
 * Call it only for Ingresses the Load Balancer Controller manages (see the class resolution);
 * it does not decide that itself.
 */
import { checkAlbAction } from './check-action.js';
import {
  checkConditions,
  checkRuleConditions,
  pathPatterns,
  reportPathPatternError,
} from './check-conditions.js';
import {
  BUILD_FAILS,
  FOREIGN_PREFIX_NOTE,
  UNUSED_KEY_NOTE,
  UnreadKeyFindingList,
  WEBHOOK_REJECTS,
} from './verdicts.js';
import { FindingList, annotationField, backendPortNameField, describeRulePath } from '../findings/index.js';
import { checkGroupAnnotations } from './check-group.js';
import { parseAlbAction, parseAlbConditions } from './parse-annotations.js';
import type { AlbAction, RuleCondition } from './schema.js';
import { nearestName } from '../edit-distance.js';
import type { UnknownKey } from '../go/index.js';
import type { Finding, Ingress, IngressBackend, Service } from '../model.js';
import { DEFAULT_ALB_PREFIX, USE_ANNOTATION_PORT } from '../keys.js';

export interface AlbAnnotationOptions {
  /**
   * Further prefixes whose `actions.*`/`conditions.*` keys are checked too, typically a
   * Rollout's `trafficRouting.alb.annotationPrefix`. The Load Balancer Controller v2/v3 reads
   * only `alb.ingress.kubernetes.io` (its prefix is not configurable), so keys under any other
   * prefix also get a warning that the controller ignores them.
   */
  extraPrefixes?: string[];
}

/** Longest names that still fit Kubernetes' 63-character limit on the key's name part. */
export const MAX_ACTION_NAME = 63 - 'actions.'.length;
export const MAX_CONDITION_NAME = 63 - 'conditions.'.length;

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

interface AnnotationKey {
  key: string;
  prefix: string;
  kind: 'actions' | 'conditions';
  name: string;
}

function splitKey(key: string, prefixes: string[]): AnnotationKey | undefined {
  for (const prefix of prefixes) {
    for (const kind of ['actions', 'conditions'] as const) {
      const head = `${prefix}/${kind}.`;
      if (key.startsWith(head)) return { key, prefix, kind, name: key.slice(head.length) };
    }
  }
  return undefined;
}

/** Kubernetes' qualified-name rule for annotation keys (LBC parser.go). */
function checkKeyName(out: FindingList, ref: AnnotationKey): void {
  // indexOf, not split: a key from a parsed body is an internalized string, and V8 caches
  // split's results for those in the old generation (docs/benchmarks.md, ninth pass).
  const lastSlash = ref.key.lastIndexOf('/');
  const namePart = ref.key.slice(lastSlash + 1);
  const limit = ref.kind === 'actions' ? MAX_ACTION_NAME : MAX_CONDITION_NAME;
  let problem: string | undefined;
  if (ref.key.indexOf('/') !== lastSlash) problem = 'a qualified name may contain at most one "/"';
  else if (namePart.length > 63)
    problem = `name part must be no more than 63 characters (it has ${namePart.length})`;
  else if (!QUALIFIED_NAME.test(namePart)) {
    problem =
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  if (!problem) return;
  out.add(
    'error',
    'alb-annotation-key',
    annotationField(ref.key),
    `annotation key ${JSON.stringify(ref.key)} is invalid: ${problem}. The API server rejects the object. Fix: keep the backend name of ${ref.kind}.<name> to at most ${limit} characters and the prefix free of a trailing "/".`,
  );
}

function warnForeignPrefix(out: FindingList, ref: AnnotationKey): void {
  out.add(
    'warning',
    'alb-annotation-prefix',
    annotationField(ref.key),
    `annotation ${ref.key} uses the prefix ${JSON.stringify(ref.prefix)}; the AWS Load Balancer Controller v2/v3 reads only ${DEFAULT_ALB_PREFIX}/${ref.kind}.* (its prefix cannot be changed; only the legacy v1 controller had --annotations-prefix), so it ignores this annotation. Fix: set the Rollout's trafficRouting.alb.annotationPrefix to ${DEFAULT_ALB_PREFIX} (or remove it).`,
  );
}

interface Collected {
  /** Names of `actions.<name>` keys under the controller's own prefix (parsed or not). */
  lbcActions: Set<string>;
  /** Names of `actions.<name>` keys under other prefixes. */
  foreignActions: Map<string, string>;
  /** Valid conditions per backend name, controller prefix only. */
  lbcConditions: Map<string, { key: string; conditions: RuleCondition[] }>;
}

/**
 * Whether the controller reads this key: `actions.<name>` for a backend `<name>` with port name
 * use-annotation, `conditions.<name>` for any Service backend `<name>` (LBC parses conditions
 * for every backend, the default backend included).
 */
function isRead(ingress: Ingress, ref: AnnotationKey): boolean {
  return ingress.backends.some(
    (b) =>
      !b.resource &&
      b.serviceName === ref.name &&
      (ref.kind === 'conditions' || b.portName === USE_ANNOTATION_PORT),
  );
}

function checkAnnotation(
  findings: FindingList,
  ingress: Ingress,
  ref: AnnotationKey,
  lookupService: (name: string) => Service | undefined,
  collected: Collected,
): void {
  const raw = ingress.annotations[ref.key] as string;
  const own = ref.prefix === DEFAULT_ALB_PREFIX;
  checkKeyName(findings, ref);
  if (!own) warnForeignPrefix(findings, ref);
  const read = own && isRead(ingress, ref);
  const note = own ? UNUSED_KEY_NOTE : FOREIGN_PREFIX_NOTE;
  const out = read ? findings : new UnreadKeyFindingList(ingress, findings.items, note);
  const parsed = ref.kind === 'actions' ? parseAlbAction(ref.key, raw) : parseAlbConditions(ref.key, raw);
  if (ref.kind === 'actions') {
    if (own) collected.lbcActions.add(ref.name);
    else collected.foreignActions.set(ref.name, ref.key);
  }
  if ('error' in parsed) {
    out.add(
      'error',
      'alb-annotation-json',
      annotationField(ref.key),
      `${truncate(parsed.error)}. ${ref.kind === 'actions' ? BUILD_FAILS : WEBHOOK_REJECTS} Fix: write valid JSON with the documented types (weight and durationSeconds as JSON integers, servicePort as a number or a port name, enabled as true/false${ref.kind === 'conditions' ? ', the value as a JSON array' : ''}).`,
    );
    return;
  }
  reportUnknownKeys(out, ref, parsed.unknownKeys ?? []);
  if (ref.kind === 'actions') {
    checkAlbAction(
      { out, key: ref.key, namespace: ingress.namespace, lookupService },
      parsed.value as AlbAction,
    );
    return;
  }
  const conditions = parsed.value as RuleCondition[];
  if (checkConditions(out, ref.key, conditions) && own) {
    collected.lbcConditions.set(ref.name, { key: ref.key, conditions });
  }
}

/**
 * Keys the controller's JSON decoder skips (Go ignores unknown keys), so their values are lost
 * without a word: a misspelt `MessageBody` gives an empty response body. One or two edits from
 * a known key is a typo (error); anything else may be a newer controller's field (warning).
 */
function reportUnknownKeys(out: FindingList, ref: AnnotationKey, unknownKeys: UnknownKey[]): void {
  for (const unknown of unknownKeys) {
    const byFold = new Map(unknown.known.map((k) => [k.toLowerCase(), k]));
    const near = nearestName(unknown.key.toLowerCase(), byFold.keys());
    // Equivalent survivor: near === undefined → false: byFold.get(undefined) is undefined too
    const known = near === undefined ? undefined : byFold.get(near);
    const where = unknown.path === unknown.key ? '' : ` (at ${truncate(unknown.path, 200)})`;
    const fix = known ? `write "${known}"` : `use one of ${unknown.known.join(', ')}, or remove the key`;
    out.add(
      known ? 'error' : 'warning',
      'alb-annotation-unknown-key',
      annotationField(ref.key),
      `${ref.kind} key ${JSON.stringify(truncate(unknown.key, 200))}${where} is not a field the AWS Load Balancer Controller knows: it drops the key and its value without a word.${known ? ` Did you mean "${known}"?` : ''} Fix: ${fix}.`,
    );
  }
}

/** Bounds a message that quotes a whole annotation value (annotations may hold 256 KiB). */
function truncate(message: string, max = 2000): string {
  return message.length > max
    ? `${message.slice(0, max)}… (${message.length - max} more characters)`
    : message;
}

function checkUseAnnotationBackend(out: FindingList, backend: IngressBackend, collected: Collected): void {
  const name = backend.serviceName;
  if (name === undefined) return;
  const key = `${DEFAULT_ALB_PREFIX}/actions.${name}`;
  if (backend.portName !== USE_ANNOTATION_PORT) {
    if (backend.portName?.toLowerCase() === USE_ANNOTATION_PORT) {
      out.add(
        'error',
        'alb-use-annotation-case',
        backendPortNameField(backend),
        `the backend of ${describeRulePath(backend)} has port name ${JSON.stringify(backend.portName)}; the AWS Load Balancer Controller recognises only the exact, lower-case "${USE_ANNOTATION_PORT}" and would look for a Service port of that name instead. Fix: write "${USE_ANNOTATION_PORT}".`,
        backend,
      );
    }
    return;
  }
  if (collected.lbcActions.has(name)) return;
  const foreign = collected.foreignActions.get(name);
  const fix =
    name.length > MAX_ACTION_NAME
      ? `rename the backend to at most ${MAX_ACTION_NAME} characters (a longer name cannot carry an actions annotation: the key's name part would exceed 63 characters), then add ${key}`
      : foreign
        ? `the action exists only as ${foreign}, which the controller ignores: write it as ${key}`
        : `if a Rollout routes this path, name this Ingress in its trafficRouting.alb.ingress and leave ${key} to the Rollout (the webhook and the Rollouts controller write it); otherwise add the annotation ${key}, or point the path at a Service port`;
  out.add(
    'error',
    'alb-action-missing',
    annotationField(key),
    `the backend of ${describeRulePath(backend)} uses port name "${USE_ANNOTATION_PORT}", but the Ingress has no annotation ${key}. The AWS Load Balancer Controller would answer every request on this path with a fixed 503 response "Backend action does not exist" (or fail with "missing actions.${name} configuration" when run with --tolerate-non-existent-backend-action=false). Fix: ${fix}.`,
    backend,
  );
}

function warnUnusedActions(out: FindingList, ingress: Ingress, collected: Collected): void {
  for (const name of collected.lbcActions) {
    const named = ingress.backends.filter((b) => b.serviceName === name);
    if (named.some((b) => b.portName === USE_ANNOTATION_PORT)) continue;
    const key = `${DEFAULT_ALB_PREFIX}/actions.${name}`;
    const why =
      named.length > 0
        ? `the paths with backend "${name}" use a Service port, not port name "${USE_ANNOTATION_PORT}", so the controller forwards to that Service directly`
        : `no path of the Ingress has backend service "${name}"`;
    out.add(
      'warning',
      'alb-action-unused',
      annotationField(key),
      `annotation ${key} is not used: ${why}. Fix: set backend.service.port.name to "${USE_ANNOTATION_PORT}" on the path that should take this action, or remove the annotation.`,
    );
  }
}

/**
 * All findings for the load-balancer annotations of one Ingress. `lookupService` returns a
 * Service of the Ingress's namespace, or undefined when it is not known (not an error: with
 * GitOps it may simply not be applied yet).
 */
export function validateAlbAnnotations(
  ingress: Ingress,
  lookupService: (name: string) => Service | undefined,
  options: AlbAnnotationOptions = {},
): Finding[] {
  const out = new FindingList(ingress);
  // Longest first, so a prefix that starts another prefix's keys does not claim them. Prefixes of
  // one length keep their order: no key starts with two different ones.
  // Equivalent survivor: ArrayDeclaration → ["Stryker was here"]: only a key that starts with "Stryker was here/" could tell, and an annotation key has no spaces (the API server refuses it)
  const prefixes = [...new Set([DEFAULT_ALB_PREFIX, ...(options.extraPrefixes ?? [])])].sort(
    (a, b) => b.length - a.length,
  );
  const collected: Collected = { lbcActions: new Set(), foreignActions: new Map(), lbcConditions: new Map() };
  for (const key of Object.keys(ingress.annotations).sort()) {
    const ref = splitKey(key, prefixes);
    if (ref) checkAnnotation(out, ingress, ref, lookupService, collected);
  }
  checkGroupAnnotations(out, `${ingress.namespace}/${ingress.name}`, ingress.annotations);
  const useRegex = PARSE_BOOL_TRUE.has(
    // Equivalent survivor: '' → "Stryker was here!": neither is a true value of parseBool
    ingress.annotations[`${DEFAULT_ALB_PREFIX}/use-regex-path-match`] ?? '',
  );
  for (const backend of ingress.backends) {
    if (backend.resource) continue;
    checkUseAnnotationBackend(out, backend, collected);
    if (backend.ruleIndex < 0) continue;
    const patterns = pathPatterns(backend, useRegex);
    if ('error' in patterns) {
      reportPathPatternError(out, backend, patterns.error);
      continue;
    }
    const conditions =
      // Equivalent survivor: backend.serviceName !== undefined → true: lbcConditions has no undefined key
      backend.serviceName !== undefined ? collected.lbcConditions.get(backend.serviceName) : undefined;
    if (conditions) checkRuleConditions(out, conditions.key, backend, patterns, conditions.conditions);
  }
  warnUnusedActions(out, ingress, collected);
  return out.items;
}
