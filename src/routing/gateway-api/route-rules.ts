/**
 * Reading Gateway API routes (gateway.networking.k8s.io/v1 HTTPRoute and GRPCRoute) from the
 * wire, the CRD defaults, and the plugin's test for "a rule it manages".
 *
 * Facts from kubernetes-sigs/gateway-api v1.4.0 (apis/v1/httproute_types.go,
 * grpcroute_types.go, shared_types.go and config/crd/standard):
 * - `spec.rules` is an atomic list of at most 16 rules; a rule has at most 64 matches, and all
 *   rules together at most 128; a match has at most 16 headers, a map keyed by name; a rule
 *   has at most 16 filters and 16 backendRefs.
 * - Defaults: backendRef `group: ""`, `kind: Service`, `weight: 1`; HTTPRoute rule `matches`
 *   `[{path: {type: PathPrefix, value: "/"}}]` and match `path` the same; header, query and
 *   gRPC method match `type: Exact`; HTTPRoute `spec.rules` `[{matches: [...that default]}]`.
 * - A rule `name` is a lowercase DNS subdomain of at most 253 characters.
 * The apiserver applies the defaults before admission and again after a mutating webhook's
 * patch, so both objects of a review carry them; manifest files (`check`, `render`) do not,
 * which is why equality is judged on defaulted copies (`canonicalRule`).
 */
import type {
  Finding,
  GatewayApiRouting,
  GatewayRoute,
  Json,
  JsonObject,
  RouteBackend,
  RouteKind,
} from '../model.js';
import { FieldPath, newFinding } from '../findings/index.js';
import { canonicalJson, isJsonObject, own } from '../wire/index.js';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const MAX_RULES = 16;
export const MAX_MATCHES_PER_RULE = 64;
export const MAX_MATCHES_PER_ROUTE = 128;
export const MAX_HEADERS_PER_MATCH = 16;
export const MAX_BACKENDS_PER_RULE = 16;
export const MAX_FILTERS_PER_RULE = 16;
export const MAX_RULE_NAME_LENGTH = 253;
export const DEFAULT_BACKEND_WEIGHT = 1;
/** `spec.rules` of a route. */
export const ROUTE_RULES_FIELD = FieldPath.of('spec', 'rules');

/** The namespace the plugin reads and writes the routes in: `namespace`, else the Rollout's. */
export function routeNamespace(routing: GatewayApiRouting, rolloutNamespace: string): string {
  return routing.namespace || rolloutNamespace;
}

/** The route kind of an admission request or manifest, or undefined for anything else. */
export function routeKindOf(group: string, kind: string): RouteKind | undefined {
  if (group !== GATEWAY_API_GROUP) return undefined;
  return kind === 'HTTPRoute' || kind === 'GRPCRoute' ? kind : undefined;
}

/** `spec.rules` as objects; entries of another type are kept out (the apiserver rejects them). */
export function routeRulesOf(route: JsonObject | undefined): JsonObject[] {
  const spec = own(route, 'spec');
  const rules = isJsonObject(spec) ? own(spec, 'rules') : undefined;
  return Array.isArray(rules) ? rules.filter(isJsonObject) : [];
}

export function backendRefsOf(rule: JsonObject): JsonObject[] {
  const refs = own(rule, 'backendRefs');
  return Array.isArray(refs) ? refs.filter(isJsonObject) : [];
}

export function matchesOf(rule: JsonObject): JsonObject[] {
  const matches = own(rule, 'matches');
  return Array.isArray(matches) ? matches.filter(isJsonObject) : [];
}

export function ruleNameOf(rule: JsonObject): string | undefined {
  const name = own(rule, 'name');
  return typeof name === 'string' ? name : undefined;
}

export function backendNameOf(ref: JsonObject): string {
  const name = own(ref, 'name');
  return typeof name === 'string' ? name : '';
}

/** The weight the apiserver stores: the CRD default 1 when absent. */
export function weightOf(ref: JsonObject): Json {
  const weight = own(ref, 'weight');
  return weight === undefined || weight === null ? DEFAULT_BACKEND_WEIGHT : weight;
}

/**
 * How many items a route holds beyond what the CRD allows, if any: a request over these
 * limits is rejected by the apiserver after admission, and the guard leaves it alone, which
 * also bounds the guard's work by constants.
 */
export function overSchemaLimits(route: JsonObject): string | undefined {
  const spec = own(route, 'spec');
  const rules = isJsonObject(spec) ? own(spec, 'rules') : undefined;
  if (!Array.isArray(rules)) return undefined;
  if (rules.length > MAX_RULES) return `${rules.length} rules (at most ${MAX_RULES})`;
  let matchesInRoute = 0;
  for (const [i, rule] of rules.entries()) {
    // Equivalent survivor: !isJsonObject(rule) → false: own() finds no field on a non-object, so the sizes and matches read as none
    if (!isJsonObject(rule)) continue;
    const sizes: [string, number][] = [
      ['backendRefs', MAX_BACKENDS_PER_RULE],
      ['filters', MAX_FILTERS_PER_RULE],
      ['matches', MAX_MATCHES_PER_RULE],
    ];
    for (const [field, max] of sizes) {
      const list = own(rule, field);
      if (Array.isArray(list) && list.length > max)
        return `${ROUTE_RULES_FIELD.index(i).child(field)} has ${list.length} items (at most ${max})`;
    }
    const matches = matchesOf(rule);
    matchesInRoute += matches.length;
    for (const [j, match] of matches.entries()) {
      const headers = own(match, 'headers');
      if (Array.isArray(headers) && headers.length > MAX_HEADERS_PER_MATCH)
        return `${ROUTE_RULES_FIELD.index(i).child('matches').index(j).child('headers')} has ${headers.length} items (at most ${MAX_HEADERS_PER_MATCH})`;
    }
  }
  if (matchesInRoute > MAX_MATCHES_PER_ROUTE)
    return `${matchesInRoute} matches in all rules (at most ${MAX_MATCHES_PER_ROUTE})`;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Rules the plugin manages
// ---------------------------------------------------------------------------------------

const INT64_MAX = 9223372036854775807n;

/** Go's strconv.Atoi on a 64-bit platform: `[+-]?[0-9]+` within int64. Linear in the text. */
export function isGoAtoi(text: string): boolean {
  let i = text[0] === '+' || text[0] === '-' ? 1 : 0;
  if (i === text.length) return false;
  const negative = text[0] === '-';
  // Equivalent survivor: j < text.length → j <= text.length: charCodeAt(length) is NaN, which passes both range checks
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  // Equivalent mutant: stripping the last zero too leaves '', and BigInt('') is 0n as well.
  // Stryker disable next-line ArithmeticOperator: equivalent, same value
  // Equivalent survivor: i < text.length - 1 → true: stripping the last zero too leaves '', and BigInt('') is 0n as well
  // Equivalent survivor: i < text.length - 1 → i <= text.length - 1: stripping the last zero too leaves '', and BigInt('') is 0n as well
  while (i < text.length - 1 && text[i] === '0') i++;
  const digits = text.slice(i);
  // Equivalent survivor: digits.length > 19 → false: BigInt then gives a value above INT64_MAX anyway (the check saves the cost)
  if (digits.length > 19) return false;
  const value = BigInt(digits);
  return negative ? value <= INT64_MAX + 1n : value <= INT64_MAX;
}

/**
 * The plugin's `isManagedRuleName` (pkg/plugin/plugin.go): the rule name is a managed route's
 * name, or that name followed by `-` and text strconv.Atoi accepts (the plugin names the
 * rules it derives from a second, third... source rule `<name>-1`, `<name>-2`). The plugin
 * tries every managed name as a prefix; the suffix must be all digits after an optional sign,
 * so only the two split points before the trailing digits can work, and this looks at those.
 */
export function isManagedRuleName(ruleName: string, managedNames: ReadonlySet<string>): boolean {
  if (managedNames.has(ruleName)) return true;
  let start = ruleName.length;
  // charCodeAt(-1) is NaN, which is no digit: the loop stops at the first character.
  // Equivalent survivor: ruleName.charCodeAt(start - 1) <= 57 → true: a non-digit taken into the suffix makes isGoAtoi refuse it
  while (ruleName.charCodeAt(start - 1) >= 48 && ruleName.charCodeAt(start - 1) <= 57) start--;
  // Equivalent mutant: a seeded string splits into one-letter parts, whose suffix Atoi refuses.
  // Stryker disable next-line ArrayDeclaration: equivalent, never a match
  const candidates: [string, string][] = [];
  if (ruleName[start - 1] === '-') candidates.push([ruleName.slice(0, start - 1), ruleName.slice(start)]);
  // The suffix then starts with ruleName[start - 1]: Atoi accepts it only as a sign. With no
  // trailing digits at all, each suffix is empty or a lone sign, which Atoi refuses too.
  if (ruleName[start - 2] === '-') candidates.push([ruleName.slice(0, start - 2), ruleName.slice(start - 1)]);
  return candidates.some(([base, suffix]) => managedNames.has(base) && isGoAtoi(suffix));
}

/**
 * Whether the plugin treats a rule as one of its header-route rules, which SetWeight skips
 * and RemoveManagedRoutes deletes (pkg/plugin/httproute.go `isHTTPManagedRule` and the
 * callers): named after a managed route, or, for rules written by older plugin versions
 * without a name, exactly one backendRef and that one the canary Service.
 */
export function isPluginManagedRule(
  rule: JsonObject,
  managedNames: ReadonlySet<string>,
  canaryService: string,
): boolean {
  const name = ruleNameOf(rule);
  if (name !== undefined && isManagedRuleName(name, managedNames)) return true;
  const refs = backendRefsOf(rule);
  return refs.length === 1 && backendNameOf(refs[0]!) === canaryService;
}

// ---------------------------------------------------------------------------------------
// Defaulted copies and canonical text
// ---------------------------------------------------------------------------------------

function withDefaults(obj: JsonObject, defaults: JsonObject): JsonObject {
  const out: JsonObject = { ...obj };
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined || out[key] === null) out[key] = value;
  }
  return out;
}

function mapObjects(value: Json | undefined, fn: (item: JsonObject) => JsonObject): Json | undefined {
  return Array.isArray(value) ? value.map((item) => (isJsonObject(item) ? fn(item) : item)) : value;
}

const DEFAULT_PATH: JsonObject = { type: 'PathPrefix', value: '/' };

function defaultedBackendRef(ref: JsonObject): JsonObject {
  return withDefaults(ref, { group: '', kind: 'Service', weight: DEFAULT_BACKEND_WEIGHT });
}

function defaultedHttpMatch(match: JsonObject): JsonObject {
  const out = { ...match };
  const path = own(match, 'path');
  out.path = isJsonObject(path) ? withDefaults(path, DEFAULT_PATH) : { ...DEFAULT_PATH };
  for (const field of ['headers', 'queryParams']) {
    const list = mapObjects(own(match, field), (m) => withDefaults(m, { type: 'Exact' }));
    // Equivalent survivor: list !== undefined → true: canonicalJson drops an undefined field, and defaultedRule is read only through it
    if (list !== undefined) out[field] = list;
  }
  return out;
}

function defaultedGrpcMatch(match: JsonObject): JsonObject {
  const out = { ...match };
  const headers = mapObjects(own(match, 'headers'), (m) => withDefaults(m, { type: 'Exact' }));
  // Equivalent survivor: headers !== undefined → true: canonicalJson drops an undefined field, and defaultedRule is read only through it
  if (headers !== undefined) out.headers = headers;
  const method = own(match, 'method');
  if (isJsonObject(method)) out.method = withDefaults(method, { type: 'Exact' });
  return out;
}

/** A copy of a rule with the CRD defaults of its kind applied (filters are compared as written). */
function defaultedRule(kind: RouteKind, rule: JsonObject): JsonObject {
  const out = { ...rule };
  const refs = mapObjects(own(rule, 'backendRefs'), defaultedBackendRef);
  // Equivalent survivor: refs !== undefined → true: canonicalJson drops an undefined field, and defaultedRule is read only through it
  if (refs !== undefined) out.backendRefs = refs;
  const matches = own(rule, 'matches');
  if (kind === 'HTTPRoute') {
    // Equivalent mutants (the two []): mapObjects returns a list for a list.
    out.matches = Array.isArray(matches)
      ? // Stryker disable next-line ArrayDeclaration: equivalent, not reached
        (mapObjects(matches, defaultedHttpMatch) ?? [])
      : [{ path: DEFAULT_PATH }];
  } else if (Array.isArray(matches)) {
    // Stryker disable next-line ArrayDeclaration: equivalent, not reached
    out.matches = mapObjects(matches, defaultedGrpcMatch) ?? [];
  }
  return out;
}

/**
 * Canonical text of a rule after defaulting: equal texts mean the apiserver stores the same
 * rule. Depth is bounded by the admission body limit and the CRD schema.
 */
export function canonicalRule(kind: RouteKind, rule: JsonObject): string {
  return canonicalJson(defaultedRule(kind, rule));
}

// ---------------------------------------------------------------------------------------
// Cache projection
// ---------------------------------------------------------------------------------------

function numberOrUndefined(value: Json | undefined): number | undefined {
  // Equivalent survivor: typeof value === 'number' → true: Number.isSafeInteger is false for anything but a number
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** The backends of a rule with defaults applied, as the cache and the Rollout checks keep them. */
export function routeBackendsOf(rule: JsonObject): RouteBackend[] {
  return backendRefsOf(rule).map((ref) => {
    const backend: RouteBackend = {
      group: typeof ref.group === 'string' ? ref.group : '',
      kind: typeof ref.kind === 'string' && ref.kind !== '' ? ref.kind : 'Service',
      name: backendNameOf(ref),
    };
    if (typeof ref.namespace === 'string') backend.namespace = ref.namespace;
    const port = numberOrUndefined(own(ref, 'port'));
    if (port !== undefined) backend.port = port;
    return backend;
  });
}

/** The compact form of a route for the cache, from its wire object. */
export function projectRoute(
  kind: RouteKind,
  namespace: string,
  name: string,
  route: JsonObject,
): GatewayRoute {
  return {
    kind,
    namespace,
    name,
    rules: routeRulesOf(route).map((rule) => {
      const ruleName = ruleNameOf(rule);
      const backends = routeBackendsOf(rule);
      return ruleName === undefined ? { backends } : { name: ruleName, backends };
    }),
  };
}

/**
 * A route's wire object → cache projection. Never throws: an object without a name comes
 * back without a value and with the reason, as the other parsers of the routing core do.
 */
export function parseGatewayRoute(
  kind: RouteKind,
  obj: unknown,
): { value?: GatewayRoute; findings: Finding[] } {
  const meta = isJsonObject(obj) ? own(obj, 'metadata') : undefined;
  const name = isJsonObject(meta) ? own(meta, 'name') : undefined;
  if (!isJsonObject(obj) || typeof name !== 'string' || name === '') {
    return {
      findings: [
        newFinding('missing-name', FieldPath.of('metadata', 'name'), `a ${kind} needs metadata.name`),
      ],
    };
  }
  const namespace = isJsonObject(meta) ? own(meta, 'namespace') : undefined;
  return {
    value: projectRoute(kind, typeof namespace === 'string' ? namespace : 'default', name, obj),
    findings: [],
  };
}
