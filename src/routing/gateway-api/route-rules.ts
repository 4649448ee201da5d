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
import { isJsonObject, own } from '../wire/index.js';

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

const NO_OBJECTS: readonly JsonObject[] = Object.freeze([]);

/**
 * The objects of a list, read-only: the list itself when it holds nothing else (as every list
 * the apiserver admits does), so the hot path reads a route without copying its lists.
 */
function objectsIn(list: Json | undefined): readonly JsonObject[] {
  if (!Array.isArray(list)) return NO_OBJECTS;
  // Equivalent survivor: !isJsonObject(item) → true: the filtered copy holds the same objects (cost only)
  for (const item of list) if (!isJsonObject(item)) return list.filter(isJsonObject);
  return list as JsonObject[];
}

/** `spec.rules` as objects; entries of another type are kept out (the apiserver rejects them). */
export function routeRulesOf(route: JsonObject | undefined): readonly JsonObject[] {
  const spec = own(route, 'spec');
  return objectsIn(isJsonObject(spec) ? own(spec, 'rules') : undefined);
}

export function backendRefsOf(rule: JsonObject): readonly JsonObject[] {
  return objectsIn(own(rule, 'backendRefs'));
}

export function matchesOf(rule: JsonObject): readonly JsonObject[] {
  return objectsIn(own(rule, 'matches'));
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

/** The lists of a rule the CRD bounds, in the order they are checked. */
const RULE_LIST_LIMITS: readonly (readonly [string, number])[] = [
  ['backendRefs', MAX_BACKENDS_PER_RULE],
  ['filters', MAX_FILTERS_PER_RULE],
  ['matches', MAX_MATCHES_PER_RULE],
];

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
    for (const [field, max] of RULE_LIST_LIMITS) {
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
// Canonical text after defaulting
// ---------------------------------------------------------------------------------------

/** A field the CRD defaults: its value takes the place of one `stands` refuses (absent included). */
interface FieldDefault {
  key: string;
  stands: (value: Json | undefined) => boolean;
  value: Json;
}

/**
 * Where a list or an object stands in a rule, which decides the CRD defaults it takes and where
 * its children stand. Filters, and every field the CRD gives no default, stand `ANYWHERE`.
 */
interface Place {
  /** A list place holds lists; any other value found there stands anywhere. */
  list: boolean;
  /** The defaults of an object here. */
  defaults: readonly FieldDefault[];
  /** Where the objects in a list here stand. */
  items?: Place;
  /** Where the fields of an object here stand. */
  fields?: ReadonlyMap<string, Place>;
}

const isSet = (value: Json | undefined) => value !== undefined && value !== null;
const DEFAULT_PATH: JsonObject = { type: 'PathPrefix', value: '/' };

const ANYWHERE: Place = { list: false, defaults: [] };
const TYPED: Place = { list: false, defaults: [{ key: 'type', stands: isSet, value: 'Exact' }] };
const TYPED_LIST: Place = { list: true, defaults: [], items: TYPED };
const PATH: Place = {
  list: false,
  defaults: [
    { key: 'type', stands: isSet, value: 'PathPrefix' },
    { key: 'value', stands: isSet, value: '/' },
  ],
};
const BACKEND_REFS: Place = {
  list: true,
  defaults: [],
  items: {
    list: false,
    defaults: [
      { key: 'group', stands: isSet, value: '' },
      { key: 'kind', stands: isSet, value: 'Service' },
      { key: 'weight', stands: isSet, value: DEFAULT_BACKEND_WEIGHT },
    ],
  },
};
const HTTP_MATCHES: Place = {
  list: true,
  defaults: [],
  items: {
    list: false,
    // A path that is not an object is read as none: the default path.
    defaults: [{ key: 'path', stands: isJsonObject, value: DEFAULT_PATH }],
    fields: new Map([
      ['path', PATH],
      ['headers', TYPED_LIST],
      ['queryParams', TYPED_LIST],
    ]),
  },
};
const GRPC_MATCHES: Place = {
  list: true,
  defaults: [],
  items: {
    list: false,
    defaults: [],
    fields: new Map([
      ['headers', TYPED_LIST],
      ['method', TYPED],
    ]),
  },
};
const RULES: Record<RouteKind, Place> = {
  HTTPRoute: {
    list: false,
    // A rule without a list of matches matches every path.
    defaults: [{ key: 'matches', stands: Array.isArray, value: [{ path: DEFAULT_PATH }] }],
    fields: new Map([
      ['backendRefs', BACKEND_REFS],
      ['matches', HTTP_MATCHES],
    ]),
  },
  GRPCRoute: {
    list: false,
    defaults: [],
    fields: new Map([
      ['backendRefs', BACKEND_REFS],
      ['matches', GRPC_MATCHES],
    ]),
  },
};

/** The default of `key` at `place`, if the CRD has one. */
function defaultOf(place: Place, key: string): FieldDefault | undefined {
  for (const d of place.defaults) if (d.key === key) return d;
  return undefined;
}

/**
 * Up to this many keys, an object's keys are sorted by insertion, which allocates nothing
 * (`Array.prototype.sort` allocates a work area on every call); beyond it, by sort().
 */
const INSERTION_SORTED_KEYS = 16;

/** Sorts the first `count` of KEYS in place by UTF-16 code units, as `Array.prototype.sort()` sorts strings. */
function sortKeys(count: number): void {
  // Equivalent mutants: either way sorts the keys alike; only the cost differs.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent, cost only
  if (count > INSERTION_SORTED_KEYS) {
    const sorted = KEYS.slice(0, count).sort();
    // Equivalent survivor: i < count → i <= count: only KEYS[count], past the keys listed, is written (undefined)
    for (let i = 0; i < count; i++) KEYS[i] = sorted[i]!;
    return;
  }
  for (let i = 1; i < count; i++) {
    const key = KEYS[i]!;
    let j = i - 1;
    // Equivalent survivor: j >= 0 → true: KEYS[-1] is undefined, and undefined > a string is false: the loop stops there too
    // Equivalent survivor: KEYS[j]! > key → KEYS[j]! >= key: an object's keys are distinct, so no two compare equal
    for (; j >= 0 && KEYS[j]! > key; j--) KEYS[j + 1] = KEYS[j]!;
    KEYS[j + 1] = key;
  }
}

type Container = Json[] | { [key: string]: Json };

/**
 * Canonical text of a rule after the CRD defaults of its route kind: equal texts mean the
 * apiserver stores the same rule. In one pass, a copy of the rule with the defaults in place and
 * every object's keys inserted in sorted order, then JSON.stringify (the same text as
 * `canonicalJson` of a defaulted copy, without the defaulted copy). Iterative: no recursion
 * over user data, linear in the rule's size (sorting aside, bounded by the body size).
 */
export function canonicalRule(kind: RouteKind, rule: JsonObject): string {
  try {
    return writeCanonicalRule(kind, rule);
  } finally {
    releaseKeys();
  }
}

function writeCanonicalRule(kind: RouteKind, rule: JsonObject): string {
  const root: JsonObject = {};
  // Triples: a container to copy, its copy to fill, and where it stands.
  const pending: (Container | Place)[] = [rule, root, RULES[kind]];
  while (pending.length > 0) {
    const place = pending.pop() as Place;
    const to = pending.pop() as Container;
    const from = pending.pop() as Container;
    if (Array.isArray(from)) {
      for (let i = 0; i < from.length; i++) {
        const item = from[i] as Json;
        (to as Json[])[i] = copyStep(item, isJsonObject(item) ? place.items : undefined, pending);
      }
      continue;
    }
    const count = keysWithDefaults(from, place);
    sortKeys(count);
    // Equivalent survivor: k < count → k <= count: KEYS[count] is a key of an earlier object, '' or undefined: a key of this one written again alike, a default key this one has in KEYS already, or a field undefined, left out of the text
    for (let k = 0; k < count; k++) {
      const key = KEYS[k]!;
      let value = own(from, key);
      const d = defaultOf(place, key);
      if (d && !d.stands(value)) value = d.value;
      const copy = copyStep(value as Json, place.fields?.get(key), pending);
      // A `__proto__` key is data in JSON: defined as an own property, never the prototype.
      // Equivalent survivor: key === '__proto__' → true: defineProperty makes every key the same own enumerable property (cost only)
      if (key === '__proto__') Object.defineProperty(to, key, { value: copy, enumerable: true });
      else (to as Record<string, Json>)[key] = copy;
    }
  }
  return JSON.stringify(root);
}

/** A field of an object at a place, with its CRD default in place. */
function fieldAt(obj: JsonObject, key: string, place: Place): Json | undefined {
  const value = own(obj, key);
  const d = defaultOf(place, key);
  return d && !d.stands(value) ? d.value : value;
}

/**
 * Whether two rules are equal after the CRD defaults of their route kind, that is whether
 * their `canonicalRule` texts are equal, without writing either: parts the two share (the
 * same object) are equal at once, and the first difference ends the walk. Iterative, linear
 * in the smaller rule.
 */
export function sameRule(kind: RouteKind, a: JsonObject, b: JsonObject): boolean {
  try {
    return compareRules(kind, a, b);
  } finally {
    releaseKeys();
  }
}

function compareRules(kind: RouteKind, a: JsonObject, b: JsonObject): boolean {
  // Triples: two values to compare, and where they stand (undefined: anywhere).
  const pending: (Json | Place | undefined)[] = [a, b, RULES[kind]];
  while (pending.length > 0) {
    const at = pending.pop() as Place | undefined;
    const y = pending.pop() as Json;
    const x = pending.pop() as Json;
    // Equivalent survivor: x === y → false: a value walked against itself shows no difference (cost only)
    if (x === y) continue;
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      // Not the same primitive, yet maybe the same text: a number past a double's range (1e400
      // is parsed as Infinity) is written null, like null itself.
      if (JSON.stringify(x) !== JSON.stringify(y)) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    // Equivalent survivor: at.list === Array.isArray(x) → true: a list place has no defaults or fields and an object place no items, so a mismatched place reads as ANYWHERE
    const place = at !== undefined && at.list === Array.isArray(x) ? at : ANYWHERE;
    if (Array.isArray(x)) {
      const ys = y as Json[];
      if (x.length !== ys.length) return false;
      // Equivalent survivor: i < x.length → i <= x.length: the lengths are equal, and past the end both elements read null
      for (let i = 0; i < x.length; i++) {
        // JSON.stringify writes an undefined element as null.
        const xi = (x[i] as Json | undefined) ?? null;
        const yi = (ys[i] as Json | undefined) ?? null;
        pending.push(xi, yi, isJsonObject(xi) ? place.items : undefined);
      }
      continue;
    }
    const yo = y as JsonObject;
    // Fields whose value is undefined are left out of the text: they count on neither side.
    let fields = 0;
    const xCount = keysWithDefaults(x, place);
    for (let k = 0; k < xCount; k++) {
      const key = KEYS[k]!;
      const xv = fieldAt(x, key, place);
      if (xv === undefined) continue;
      const yv = fieldAt(yo, key, place);
      // Equivalent survivor: yv === undefined → false: the pair queued then compares a value with undefined, whose texts differ: false later
      if (yv === undefined) return false;
      fields++;
      pending.push(xv, yv, place.fields?.get(key));
    }
    const yCount = keysWithDefaults(yo, place);
    for (let k = 0; k < yCount; k++) if (fieldAt(yo, KEYS[k]!, place) !== undefined) fields--;
    if (fields !== 0) return false;
  }
  return true;
}

/**
 * The keys `keysWithDefaults` lists, one list for every call (a new list per object was the
 * largest part of what comparing or writing a rule allocated). What a call puts there is read
 * before the next call: `canonicalRule` and `sameRule` finish with one object's keys before
 * they list another's, and neither calls the other.
 */
const KEYS: string[] = [];

/** A list of up to this many keys is kept, blanked, for the next call; a longer one is let go. */
const KEPT_KEYS = 64;

/**
 * Lets go of the keys a call listed, once it is done with them: they are strings of the
 * request (a key may be megabytes long), and a list at module level would hold them, and
 * after an object with many keys a list that long, until another call overwrote them.
 */
function releaseKeys(): void {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, cost only: either branch lets the keys go; a long list kept only costs its slots and a longer fill on every later call
  if (KEYS.length > KEPT_KEYS) KEYS.length = 0;
  // Equivalent survivor: '' → "Stryker was here!": any filler lets the keys go, and every slot is written before it is read
  else KEYS.fill('');
}

/**
 * Puts an object's own keys, then the defaulted keys it lacks, at the start of KEYS; returns
 * how many. for-in lists the same keys as Object.keys without a new list (a JSON value's
 * objects have no enumerable inherited keys).
 */
function keysWithDefaults(obj: JsonObject, place: Place): number {
  let count = 0;
  for (const key in obj) KEYS[count++] = key;
  for (const d of place.defaults)
    if (!Object.prototype.hasOwnProperty.call(obj, d.key)) KEYS[count++] = d.key;
  return count;
}

/** A primitive as it is; a container as an empty copy, queued to be filled where it stands. */
function copyStep(value: Json, at: Place | undefined, pending: (Container | Place)[]): Json {
  if (typeof value !== 'object' || value === null) return value;
  // A list is sized once (its first element stored into `[]` would allocate 16 slots or more).
  // Stryker disable next-line ArrayDeclaration: equivalent, cost only: every slot is written in order
  const copy: Container = Array.isArray(value) ? new Array<Json>(value.length) : {};
  // A list found where an object stands, or the reverse, takes no defaults.
  // Equivalent survivor: at.list === Array.isArray(value) → true: a list place has no defaults or fields and an object place no items, so a mismatched place reads as ANYWHERE
  const place = at !== undefined && at.list === Array.isArray(value) ? at : ANYWHERE;
  pending.push(value, copy, place);
  return copy;
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
