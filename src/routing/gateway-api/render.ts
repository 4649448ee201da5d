/**
 * What the Gateway API plugin writes into a route's rules, as pure functions on copies
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0):
 * - weights (pkg/plugin/httproute.go `setHTTPRouteWeight`, grpcroute.go
 *   `setGRPCRouteWeight`): in every rule that is not a managed header rule, each backendRef
 *   named like the canary Service gets the canary weight and each one named like the stable
 *   Service 100 minus it; either one missing everywhere is an error;
 * - experiments (pkg/plugin/experiment.go `HandleExperiment`, HTTPRoute only): in the first
 *   rule that holds the stable or canary Service, the stable weight becomes 100 minus the
 *   experiments' total, and each experiment Service not yet there is appended with its weight,
 *   the Rollout's namespace and the Service's port named `http` (else its first port, else 8080);
 * - header routes (`setHTTPHeaderRoute`, `setGRPCHeaderRoute`): one rule per rule that holds
 *   both Services, named `<route>`, `<route>-1`, ..., with the canary backendRef alone
 *   (group "", kind Service, the source's port, no weight), the source rule's filters, and
 *   the source's matches each extended with the step's headers (exact → Exact, prefix →
 *   RegularExpression `<prefix>.*`, regex → RegularExpression);
 * - the in-progress label (pkg/plugin/labels.go `ensureInProgressLabel`): set while the
 *   weight is above 0, removed at 0.
 * The functions never modify their input: a changed rule or backendRef is a new object and
 * everything else is shared, so the patch differ finds the changes by identity.
 */
import type {
  HeaderRoutingMatch,
  Json,
  JsonObject,
  RouteKind,
  Service,
  WeightDestination,
} from '../model.js';
import { isJsonObject, own } from '../wire/index.js';
import { backendNameOf, backendRefsOf, isPluginManagedRule, matchesOf } from './route-rules.js';

/** Error texts of the plugin (pkg/plugin/errors.go), which the controller reports as events. */
export const BACKEND_REF_NOT_FOUND: Record<RouteKind, string> = {
  HTTPRoute: 'backendRef was not found in httpRoute',
  GRPCRoute: 'backendRef was not found in grpcRoute',
};
export const INVALID_HEADER_MATCH_TYPE = 'invalid header match type';

/** The plugin's view of one Rollout on one route. */
export interface RouteOwner {
  kind: RouteKind;
  canaryService: string;
  stableService: string;
  /** `managedRoutes[].name` of the Rollout. */
  managedNames: ReadonlySet<string>;
  /** The namespace experiment backends are written with (the Rollout's). */
  rolloutNamespace: string;
}

function isManaged(rule: JsonObject, owner: RouteOwner): boolean {
  return isPluginManagedRule(rule, owner.managedNames, owner.canaryService);
}

function withWeight(ref: JsonObject, weight: number): JsonObject {
  return ref.weight === weight ? ref : { ...ref, weight };
}

export interface WeightResult {
  rules: JsonObject[];
  canaryFound: boolean;
  stableFound: boolean;
}

/** SetWeight's edit of the backendRef weights (without experiments). */
export function setWeights(
  rules: readonly JsonObject[],
  owner: RouteOwner,
  canaryWeight: number,
): WeightResult {
  const out = rules.slice();
  let canaryFound = false;
  let stableFound = false;
  // Equivalent survivor: i < out.length → i <= out.length: out[length] is undefined: not managed, no backendRefs, skipped
  for (let i = 0; i < out.length; i++) {
    let rule = out[i]!;
    // SetWeight edits every rule but the managed header rules.
    if (isManaged(rule, owner)) continue;
    const refs = own(rule, 'backendRefs');
    if (!Array.isArray(refs)) continue;
    // The rule's copy and its list's, made at the first backendRef that changes and shared by
    // the next ones.
    let edited: Json[] | undefined;
    // Equivalent survivor: j < refs.length → j <= refs.length: refs[length] is undefined, no object, skipped
    for (let j = 0; j < refs.length; j++) {
      const ref = refs[j]!;
      // Equivalent survivor: !isJsonObject(ref) → false: backendNameOf of a non-object is '', and both owner Services are non-empty
      if (!isJsonObject(ref)) continue;
      const name = backendNameOf(ref);
      let next = ref;
      if (name === owner.canaryService) {
        canaryFound = true;
        next = withWeight(ref, canaryWeight);
      } else if (name === owner.stableService) {
        stableFound = true;
        next = withWeight(ref, 100 - canaryWeight);
      }
      if (next === ref) continue;
      if (!edited) {
        edited = refs.slice();
        rule = { ...rule, backendRefs: edited };
      }
      edited[j] = next;
    }
    out[i] = rule;
  }
  return { rules: out, canaryFound, stableFound };
}

/** The first rule holding the stable or canary Service (experiment.go), or -1. */
export function experimentRuleIndex(rules: readonly JsonObject[], owner: RouteOwner): number {
  return rules.findIndex((rule) =>
    backendRefsOf(rule).some((ref) => {
      const name = backendNameOf(ref);
      return name === owner.stableService || name === owner.canaryService;
    }),
  );
}

/** The port the plugin gives an experiment backend (experiment.go). */
export function experimentPort(service: Service): number {
  const http = service.ports.find((p) => p.name === 'http');
  if (http && http.port !== 8080) return http.port;
  return service.ports[0]?.port ?? 8080;
}

export interface ExperimentResult {
  rules: JsonObject[];
  /** Experiment Services that could not be added because the Service is unknown. */
  missingServices: string[];
}

/**
 * HandleExperiment while an experiment is running. `existing` supplies a backendRef the live
 * route already has for an experiment Service (so its bytes are kept); otherwise one is built
 * from the Service.
 */
export function addExperimentBackends(
  rules: readonly JsonObject[],
  owner: RouteOwner,
  additional: readonly WeightDestination[],
  lookup: {
    service: (namespace: string, name: string) => Service | undefined;
    existing: (name: string) => JsonObject | undefined;
  },
): ExperimentResult {
  const index = experimentRuleIndex(rules, owner);
  // Equivalent mutant: an unchanged list may be shared like every unchanged part (copy-on-write).
  // Stryker disable next-line MethodExpression: equivalent, never written
  if (index === -1 || additional.length === 0) return { rules: rules.slice(), missingServices: [] };
  const total = Math.min(
    100,
    additional.reduce((sum, d) => sum + d.weight, 0),
  );
  let rule = rules[index]!;
  const refs = backendRefsOf(rule);
  const stableAt = refs.findIndex((ref) => backendNameOf(ref) === owner.stableService);
  const names = new Set(refs.map(backendNameOf));
  const added: JsonObject[] = [];
  const missingServices: string[] = [];
  for (const dest of additional) {
    if (names.has(dest.serviceName)) continue;
    names.add(dest.serviceName);
    const existing = lookup.existing(dest.serviceName);
    if (existing) {
      added.push(existing);
      continue;
    }
    const service = lookup.service(owner.rolloutNamespace, dest.serviceName);
    if (!service) {
      missingServices.push(dest.serviceName);
      continue;
    }
    added.push({
      name: dest.serviceName,
      namespace: owner.rolloutNamespace,
      port: experimentPort(service),
      weight: dest.weight,
    });
  }
  const allRefs = own(rule, 'backendRefs');
  if (stableAt >= 0 || added.length > 0) {
    // Equivalent mutant: the rule was found by its backendRefs, so they are a list.
    // Stryker disable next-line ArrayDeclaration: equivalent, not reached
    const list = (Array.isArray(allRefs) ? allRefs : []).slice();
    if (stableAt >= 0) {
      // backendRefsOf skips non-objects; find the same element in the raw list.
      const raw = list.findIndex((r) => isJsonObject(r) && backendNameOf(r) === owner.stableService);
      list[raw] = withWeight(list[raw] as JsonObject, 100 - total);
    }
    list.push(...added);
    rule = { ...rule, backendRefs: list };
  }
  const out = rules.slice();
  out[index] = rule;
  return { rules: out, missingServices };
}

// ---------------------------------------------------------------------------------------
// Header routes
// ---------------------------------------------------------------------------------------

/** The header matches the plugin adds for a step (`getHTTPHeaderRouteRuleList`). */
export function pluginHeaderMatches(
  matches: readonly HeaderRoutingMatch[],
): { headers: JsonObject[] } | { error: string } {
  const headers: JsonObject[] = [];
  for (const m of matches) {
    const value = m.headerValue;
    // A null headerValue makes the plugin dereference a nil pointer (it crashes).
    if (!value) return { error: `setHeaderRoute match for ${m.headerName} has no headerValue` };
    if (value.exact) headers.push({ name: m.headerName, type: 'Exact', value: value.exact });
    else if (value.prefix)
      headers.push({ name: m.headerName, type: 'RegularExpression', value: `${value.prefix}.*` });
    else if (value.regex) headers.push({ name: m.headerName, type: 'RegularExpression', value: value.regex });
    else return { error: INVALID_HEADER_MATCH_TYPE };
  }
  return { headers };
}

/** Rules holding both Services: the sources of header-route rules (`getAllRouteRules`). */
export function headerSourceRules(rules: readonly JsonObject[], owner: RouteOwner): JsonObject[] {
  return rules.filter((rule) => {
    const refs = backendRefsOf(rule);
    return (
      refs.some((ref) => backendNameOf(ref) === owner.canaryService) &&
      refs.some((ref) => backendNameOf(ref) === owner.stableService)
    );
  });
}

/** Name of the `index`-th rule of a managed route. */
export function headerRuleName(routeName: string, index: number): string {
  return index === 0 ? routeName : `${routeName}-${index}`;
}

function headerRuleMatches(kind: RouteKind, source: JsonObject, headers: JsonObject[]): JsonObject[] {
  const matches = matchesOf(source);
  // Equivalent mutant: sharing the header list is safe, nothing writes into it (copy-on-write).
  // Stryker disable next-line MethodExpression: equivalent, never written
  if (matches.length === 0) return [{ headers: headers.slice() }];
  return matches.map((match) => {
    const existing = own(match, 'headers');
    const merged = [...(Array.isArray(existing) ? existing : []), ...headers];
    const out: JsonObject = {};
    if (kind === 'HTTPRoute') {
      for (const field of ['path', 'queryParams', 'method']) {
        const v = own(match, field);
        if (v !== undefined && v !== null) out[field] = v;
      }
    } else {
      const method = own(match, 'method');
      if (method !== undefined && method !== null) out.method = method;
    }
    out.headers = merged;
    return out;
  });
}

/** The rules SetHeaderRoute writes for one managed route, one per source rule. */
export function buildHeaderRules(
  owner: RouteOwner,
  routeName: string,
  sources: readonly JsonObject[],
  headers: JsonObject[],
): JsonObject[] {
  return sources.map((source, i) => {
    const canaryRef = backendRefsOf(source).find((ref) => backendNameOf(ref) === owner.canaryService);
    const ref: JsonObject = { group: '', kind: 'Service', name: owner.canaryService };
    const port = canaryRef ? own(canaryRef, 'port') : undefined;
    if (port !== undefined && port !== null) ref.port = port;
    const rule: JsonObject = {
      name: headerRuleName(routeName, i),
      matches: headerRuleMatches(owner.kind, source, headers),
      backendRefs: [ref],
    };
    const filters = own(source, 'filters');
    // Go's omitempty drops an empty filter list.
    // Stryker disable next-line MethodExpression: equivalent, the list is never written (copy-on-write)
    if (Array.isArray(filters) && filters.length > 0) rule.filters = filters.slice();
    return rule;
  });
}

// ---------------------------------------------------------------------------------------
// In-progress label
// ---------------------------------------------------------------------------------------

/** The route's labels after `ensureInProgressLabel`; the same object when nothing changes. */
export function withInProgressLabel(
  labels: JsonObject | undefined,
  label: { key: string; value: string } | undefined,
  canaryWeight: number,
): JsonObject | undefined {
  if (!label) return labels;
  const current = labels ? own(labels, label.key) : undefined;
  if (canaryWeight === 0) {
    if (current === undefined || !labels) return labels;
    const out = { ...labels };
    delete out[label.key];
    return out;
  }
  if (current === label.value) return labels;
  return { ...(labels ?? {}), [label.key]: label.value };
}
