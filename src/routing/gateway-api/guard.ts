/**
 * The GitOps drift guard for Gateway API routes, as pure functions: given the HTTPRoute or
 * GRPCRoute a client writes, the live route, and the Rollouts whose Gateway API plugin
 * configuration names it, compute the route to admit so that everything the plugin wrote
 * for those Rollouts still says what it last said, and nothing else changes.
 *
 * What a Rollout owns on a route: the canary and stable backendRef weights in every rule
 * that is not a managed header rule, the experiment backends of a running experiment
 * (HTTPRoute), the header-route rules of the steps reached (routes with `useHeaderRoutes`),
 * and the in-progress label. Which weight wins, as for Ingresses:
 * 1. the live weight, when the live route says exactly what the plugin would write for some
 *    weight (the plugin writes the route before the controller records the status);
 * 2. otherwise the weight derived from the Rollout status (`trafficStateOf`), which for an
 *    aborted or promoted Rollout is 0: all traffic on stable.
 * Rules are never removed (the plugin's RemoveManagedRoutes does that on its own schedule)
 * and rules other than the Rollout's header rules keep their place; header rules that are
 * missing or changed are rebuilt from the request's own rules, as the plugin would.
 */
import { describeTraffic, liveMayLeadStatus } from '../drift.js';
import { isJsonObject, own } from '../json-read.js';
import type { Finding, JsonObject, Rollout, RouteKind, Service, TrafficState } from '../model.js';
import { trafficStateOf } from '../state.js';
import { routeNamespace } from './plugin-config.js';
import {
  BACKEND_REF_NOT_FOUND,
  addExperimentBackends,
  buildHeaderRules,
  experimentRuleIndex,
  headerRuleName,
  headerSourceRules,
  pluginHeaderMatches,
  setWeights,
  withInProgressLabel,
  type RouteOwner,
} from './render.js';
import {
  MAX_HEADERS_PER_MATCH,
  MAX_MATCHES_PER_ROUTE,
  MAX_RULES,
  backendNameOf,
  backendRefsOf,
  canonicalRule,
  isManagedRuleName,
  isPluginManagedRule,
  matchesOf,
  overSchemaLimits,
  ruleNameOf,
  rulesOf,
  weightOf,
} from './route-rules.js';
import { ruleNameProblem } from './rule-name.js';

export interface RouteOverride {
  /** Field the value lives at, e.g. `spec.rules[*].backendRefs[name=web-canary].weight`. */
  key: string;
  rollout: string;
  requested?: string;
  admitted?: string;
  meaning: string;
  provider: 'gateway-api';
}

export interface RouteGuardInput {
  kind: RouteKind;
  namespace: string;
  name: string;
  /** The route in the request (what the client wants to write). */
  requested: JsonObject;
  /** The live route (oldObject on UPDATE). */
  live?: JsonObject;
  /** Rollouts whose plugin configuration names this route. */
  rollouts: readonly Rollout[];
  getService: (namespace: string, name: string) => Service | undefined;
}

export interface RouteGuardResult {
  route: JsonObject;
  /** `route` with the request's rules edited in place only: patch request → staged → route. */
  staged?: JsonObject;
  overrides: RouteOverride[];
  /** Why some Rollout's state could not be put in place (its part is then left as requested). */
  errors: Finding[];
  /** Rollouts that own parts of this route, as `namespace/name`. */
  owners: string[];
  /** Set when the route the plugin's state needs would break the CRD's limits: deny with this. */
  denial?: string;
  /** Set when the request is over the CRD's limits and was left alone (the apiserver rejects it). */
  unguarded?: string;
}

/** The route entries of a Rollout's plugin configuration that name this route. */
export function routeEntriesFor(rollout: Rollout, kind: RouteKind, namespace: string, name: string) {
  const routing = rollout.canary?.trafficRouting?.gatewayApi;
  if (!routing || routeNamespace(routing, rollout.namespace) !== namespace) return [];
  const list = kind === 'HTTPRoute' ? routing.httpRoutes : routing.grpcRoutes;
  return list.filter((entry) => entry.name === name);
}

function finding(rollout: Rollout, message: string, rule = 'gateway-api-not-guarded'): Finding {
  return { severity: 'error', rule, field: 'spec.rules', message: `Rollout ${rollout.name}: ${message}` };
}

function ownerOf(rollout: Rollout, kind: RouteKind, state: TrafficState): RouteOwner {
  return {
    kind,
    canaryService: state.canaryService,
    stableService: state.stableService,
    managedNames: new Set(rollout.canary?.trafficRouting?.managedRoutes ?? []),
    rolloutNamespace: rollout.namespace,
  };
}

/** The weights of one Service over the rules SetWeight edits, as text (`20,20`). */
function weightsText(rules: readonly JsonObject[], owner: RouteOwner, service: string): string | undefined {
  const weights: string[] = [];
  for (const rule of rules) {
    if (isPluginManagedRule(rule, owner.managedNames, owner.canaryService)) continue;
    for (const ref of backendRefsOf(rule)) {
      if (backendNameOf(ref) === service) weights.push(JSON.stringify(weightOf(ref)));
    }
  }
  return weights.length > 0 ? weights.join(',') : undefined;
}

interface Rendered {
  rules: JsonObject[];
  missingServices: string[];
  error?: string;
}

function renderWeights(
  rules: readonly JsonObject[],
  owner: RouteOwner,
  state: TrafficState,
  weight: number,
  input: Pick<RouteGuardInput, 'getService'>,
  existing: (name: string) => JsonObject | undefined,
): Rendered {
  const weighted = setWeights(rules, owner, weight);
  if (!weighted.canaryFound || !weighted.stableFound) {
    return { rules: rules.slice(), missingServices: [], error: BACKEND_REF_NOT_FOUND[owner.kind] };
  }
  if (owner.kind !== 'HTTPRoute' || state.additional.length === 0) {
    return { rules: weighted.rules, missingServices: [] };
  }
  return addExperimentBackends(weighted.rules, owner, state.additional, {
    service: input.getService,
    existing,
  });
}

/**
 * The live canary weight, when the live route says exactly what the plugin writes for it:
 * rendering the live rules with the canary weight of the first rule SetWeight edits gives
 * back the live weights, and a running experiment's backends carry the status weights (the
 * plugin never changes the weight of an experiment backend it already added).
 */
function consistentLiveWeight(
  liveRules: readonly JsonObject[],
  owner: RouteOwner,
  state: TrafficState,
): number | undefined {
  const first = liveRules.find(
    (rule) =>
      !isPluginManagedRule(rule, owner.managedNames, owner.canaryService) &&
      backendRefsOf(rule).some((ref) => backendNameOf(ref) === owner.canaryService),
  );
  const ref = first && backendRefsOf(first).find((r) => backendNameOf(r) === owner.canaryService);
  const weight = ref ? weightOf(ref) : undefined;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) return undefined;
  let expected = setWeights(liveRules, owner, weight).rules;
  const experiments = owner.kind === 'HTTPRoute' ? state.additional : [];
  if (experiments.length > 0) {
    const noLookup = { service: () => undefined, existing: () => undefined };
    expected = addExperimentBackends(expected, owner, experiments, noLookup).rules;
    const index = experimentRuleIndex(liveRules, owner);
    const refs = index >= 0 ? backendRefsOf(liveRules[index]!) : [];
    const carried = experiments.every((d) => {
      const found = refs.find((r) => backendNameOf(r) === d.serviceName);
      return found !== undefined && weightOf(found) === d.weight;
    });
    if (!carried) return undefined;
  }
  const same = (service: string) =>
    weightsText(liveRules, owner, service) === weightsText(expected, owner, service);
  return same(owner.canaryService) && same(owner.stableService) ? weight : undefined;
}

interface HeaderPlan {
  /** The header rules the Rollout's steps reached call for, in the order the plugin leaves them. */
  rules: JsonObject[];
  /** Names of the managed routes they belong to. */
  routeNames: Set<string>;
  error?: string;
  denial?: string;
}

function planHeaderRules(rules: readonly JsonObject[], owner: RouteOwner, state: TrafficState): HeaderPlan {
  const routeNames = new Set(state.headerRoutes.map((r) => r.name));
  if (state.headerRoutes.length === 0) return { rules: [], routeNames };
  const sources = headerSourceRules(
    rules.filter((rule) => {
      const name = ruleNameOf(rule);
      return name === undefined || !isManagedRuleName(name, routeNames);
    }),
    owner,
  );
  if (sources.length === 0) return { rules: [], routeNames, error: BACKEND_REF_NOT_FOUND[owner.kind] };
  const out: JsonObject[] = [];
  for (const route of state.headerRoutes) {
    const matches = pluginHeaderMatches(route.matches);
    if ('error' in matches) return { rules: [], routeNames, error: matches.error };
    for (const name of new Set([route.name, headerRuleName(route.name, sources.length - 1)])) {
      const problem = ruleNameProblem(name);
      if (problem) {
        return {
          rules: [],
          routeNames,
          denial: `the header-route rule name ${JSON.stringify(name)} of managed route ${route.name} is not a valid rule name (${problem}); rename the managed route`,
        };
      }
    }
    out.push(...buildHeaderRules(owner, route.name, sources, matches.headers));
  }
  return { rules: out, routeNames };
}

/**
 * Puts the planned header rules in place: when the request already holds each one (equal
 * after CRD defaulting) the request is kept as it is, rules and order; otherwise the rules of
 * those managed routes are taken out and the planned ones appended, as the plugin does.
 */
function placeHeaderRules(
  kind: RouteKind,
  rules: readonly JsonObject[],
  plan: HeaderPlan,
): { rules: JsonObject[]; kept: number[] } {
  const all = rules.map((_, i) => i);
  if (plan.rules.length === 0) return { rules: rules.slice(), kept: all };
  const present = new Map<string, string>();
  for (const rule of rules) {
    const name = ruleNameOf(rule);
    if (name !== undefined && isManagedRuleName(name, plan.routeNames))
      present.set(name, canonicalRule(kind, rule));
  }
  const intact =
    present.size === plan.rules.length &&
    plan.rules.every((rule) => present.get(ruleNameOf(rule)!) === canonicalRule(kind, rule));
  if (intact) return { rules: rules.slice(), kept: all };
  const kept = all.filter((i) => {
    const name = ruleNameOf(rules[i]!);
    return name === undefined || !isManagedRuleName(name, plan.routeNames);
  });
  return { rules: [...kept.map((i) => rules[i]!), ...plan.rules], kept };
}

/** Why a route with these rules would be rejected by the CRD's limits on the rules we added. */
function limitsProblem(rules: readonly JsonObject[], added: readonly JsonObject[]): string | undefined {
  if (rules.length > MAX_RULES)
    return `the route would need ${rules.length} rules with the header-route rules, and the apiserver allows ${MAX_RULES}`;
  const matches = rules.reduce((sum, rule) => sum + matchesOf(rule).length, 0);
  if (matches > MAX_MATCHES_PER_ROUTE)
    return `the route would need ${matches} matches with the header-route rules, and the apiserver allows ${MAX_MATCHES_PER_ROUTE}`;
  for (const rule of added) {
    for (const match of matchesOf(rule)) {
      const headers = own(match, 'headers');
      const list = Array.isArray(headers) ? headers : [];
      if (list.length > MAX_HEADERS_PER_MATCH)
        return `header-route rule ${ruleNameOf(rule)} would need ${list.length} header matches in one match, and the apiserver allows ${MAX_HEADERS_PER_MATCH}`;
      const seen = new Set<string>();
      for (const header of list) {
        const name = isJsonObject(header) && typeof header.name === 'string' ? header.name : '';
        if (seen.has(name))
          return `header-route rule ${ruleNameOf(rule)} would match header ${name} twice in one match (the source rule already matches it), which the apiserver rejects`;
        seen.add(name);
      }
    }
  }
  return undefined;
}

function labelsOf(route: JsonObject | undefined): JsonObject | undefined {
  const meta = own(route, 'metadata');
  const labels = isJsonObject(meta) ? own(meta, 'labels') : undefined;
  return isJsonObject(labels) ? labels : undefined;
}

function labelText(route: JsonObject | undefined, key: string): string | undefined {
  const value = own(labelsOf(route), key);
  return typeof value === 'string' ? value : undefined;
}

function headerRuleTexts(
  kind: RouteKind,
  route: JsonObject | undefined,
  names: Set<string>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const rule of rulesOf(route)) {
    const name = ruleNameOf(rule);
    if (name !== undefined && isManagedRuleName(name, names)) out.set(name, canonicalRule(kind, rule));
  }
  return out;
}

function setRules(working: JsonObject, rules: JsonObject[]): void {
  const spec = own(working, 'spec');
  working.spec = { ...(isJsonObject(spec) ? spec : {}), rules };
}

function setLabels(working: JsonObject, labels: JsonObject | undefined): void {
  const meta = own(working, 'metadata');
  const next: JsonObject = { ...(isJsonObject(meta) ? meta : {}) };
  if (labels === undefined || Object.keys(labels).length === 0) delete next.labels;
  else next.labels = labels;
  working.metadata = next;
}

interface Share {
  rollout: Rollout;
  values: { key: string; meaning: string; text: (route: JsonObject | undefined) => string | undefined }[];
}

function guardOne(
  working: JsonObject,
  origins: number[],
  input: RouteGuardInput,
  rollout: Rollout,
  useHeaderRoutes: boolean,
  errors: Finding[],
): { share?: Share; denial?: string } {
  const gatewayApi = rollout.canary?.trafficRouting?.gatewayApi;
  const routed = trafficStateOf(rollout, 'gateway-api');
  if (!gatewayApi || !routed) return {};
  const state: TrafficState = useHeaderRoutes ? routed : { ...routed, headerRoutes: [] };
  const owner = ownerOf(rollout, input.kind, state);
  if (!owner.canaryService || !owner.stableService) {
    errors.push(finding(rollout, 'the plugin needs both canaryService and stableService'));
    return {};
  }
  const requestedRules = rulesOf(working);
  const liveRules = rulesOf(input.live);

  const headerPlan = planHeaderRules(requestedRules, owner, state);
  if (headerPlan.denial) return { denial: `Rollout ${rollout.name}: ${headerPlan.denial}` };
  if (headerPlan.error) {
    errors.push(finding(rollout, `its header routes cannot be written: ${headerPlan.error}`));
    return {};
  }
  const placed = placeHeaderRules(input.kind, requestedRules, headerPlan);
  const withHeaders = placed.rules;

  let weight = state.canaryWeight;
  if (input.live && liveMayLeadStatus(state))
    weight = consistentLiveWeight(liveRules, owner, state) ?? weight;
  const liveExperimentRule = experimentRuleIndex(liveRules, owner);
  const existing = (name: string) =>
    liveExperimentRule >= 0
      ? backendRefsOf(liveRules[liveExperimentRule]!).find((ref) => backendNameOf(ref) === name)
      : undefined;
  const rendered = renderWeights(withHeaders, owner, state, weight, input, existing);
  if (rendered.error) {
    errors.push(finding(rollout, `its weights cannot be written: ${rendered.error}`));
    return {};
  }
  for (const service of rendered.missingServices) {
    errors.push({
      ...finding(rollout, `experiment Service ${service} is not known, so its backendRef is not added`),
      severity: 'warning',
    });
  }
  const problem = limitsProblem(rendered.rules, headerPlan.rules);
  if (problem) return { denial: `Rollout ${rollout.name}: ${problem}` };
  setRules(working, rendered.rules);
  const placedOrigins = [...placed.kept.map((i) => origins[i]!), ...headerPlan.rules.map(() => -1)];
  if (placed.kept.length !== requestedRules.length || headerPlan.rules.length > 0)
    origins.splice(0, origins.length, ...placedOrigins);
  const label = gatewayApi.inProgressLabel;
  const labels = labelsOf(working);
  const nextLabels = withInProgressLabel(labels, label, weight);
  if (nextLabels !== labels) setLabels(working, nextLabels);

  const traffic = `live traffic (${describeTraffic({ ...state, canaryWeight: weight })})`;
  const values: Share['values'] = [owner.canaryService, owner.stableService].map((service) => ({
    key: `spec.rules[*].backendRefs[name=${service}].weight`,
    meaning: traffic,
    text: (route) => weightsText(rulesOf(route), owner, service),
  }));
  if (input.kind === 'HTTPRoute') {
    for (const d of state.additional) {
      values.push({
        key: `spec.rules[*].backendRefs[name=${d.serviceName}]`,
        meaning: 'experiment backend',
        text: (route) => {
          const rules = rulesOf(route);
          const i = experimentRuleIndex(rules, owner);
          const ref =
            i >= 0 ? backendRefsOf(rules[i]!).find((r) => backendNameOf(r) === d.serviceName) : undefined;
          return ref ? JSON.stringify(weightOf(ref)) : undefined;
        },
      });
    }
  }
  for (const rule of headerPlan.rules) {
    const name = ruleNameOf(rule)!;
    values.push({
      key: `spec.rules[name=${name}]`,
      meaning: 'header route',
      text: (route) => headerRuleTexts(input.kind, route, headerPlan.routeNames).get(name),
    });
  }
  if (label) {
    values.push({
      key: `metadata.labels["${label.key}"]`,
      meaning: 'in-progress label',
      text: (route) => labelText(route, label.key),
    });
  }
  return { share: { rollout, values } };
}

/** Computes the route to admit. Pure: the input objects are not modified. */
export function guardRoute(input: RouteGuardInput): RouteGuardResult {
  const working: JsonObject = { ...input.requested };
  const errors: Finding[] = [];
  const owners: string[] = [];
  const overrides: RouteOverride[] = [];
  const { name, namespace } = input;
  const over = overSchemaLimits(input.requested);
  if (over) return { route: input.requested, overrides, errors, owners, unguarded: over };

  const sorted = [...input.rollouts].sort((a, b) =>
    a.namespace !== b.namespace
      ? a.namespace < b.namespace
        ? -1
        : 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0,
  );
  const shares: Share[] = [];
  // For each rule of `working`, its index in the request, or -1 for a rule the guard added.
  const origins = rulesOf(input.requested).map((_, i) => i);
  for (const rollout of sorted) {
    const entries = routeEntriesFor(rollout, input.kind, namespace, name);
    if (entries.length === 0) continue;
    const useHeaderRoutes = entries.some((e) => e.useHeaderRoutes);
    const result = guardOne(working, origins, input, rollout, useHeaderRoutes, errors);
    if (result.denial)
      return { route: input.requested, overrides: [], errors, owners, denial: result.denial };
    if (!result.share) continue;
    shares.push(result.share);
    owners.push(`${rollout.namespace}/${rollout.name}`);
  }
  for (const { rollout, values } of shares) {
    for (const value of values) {
      const requested = value.text(input.requested);
      const admitted = value.text(working);
      if (requested === admitted) continue;
      // A value neither the request nor the live route carries is an injection (a CREATE),
      // not an override.
      if (requested === undefined && value.text(input.live) === undefined) continue;
      const override: RouteOverride = {
        key: value.key,
        rollout: rollout.name,
        meaning: value.meaning,
        provider: 'gateway-api',
      };
      if (requested !== undefined) override.requested = requested;
      if (admitted !== undefined) override.admitted = admitted;
      overrides.push(override);
    }
  }
  return {
    route: working,
    staged: stagedRoute(input.requested, working, origins),
    overrides,
    errors,
    owners,
  };
}

/**
 * The admitted route with the request's rules edited in place but none added, removed or
 * moved. Diffing request → staged → admitted gives a patch whose rule edits stay inside each
 * rule (a weight is one `replace`), followed by whole-rule removals and additions; a single
 * diff of lists that changed length would replace every rule it could not align.
 */
function stagedRoute(requested: JsonObject, admitted: JsonObject, origins: readonly number[]): JsonObject {
  const requestedRules = rulesOf(requested);
  const admittedRules = rulesOf(admitted);
  if (admittedRules.length === requestedRules.length && origins.every((o, i) => o === i)) return admitted;
  const staged = requestedRules.slice();
  origins.forEach((origin, k) => {
    if (origin >= 0) staged[origin] = admittedRules[k]!;
  });
  const spec = own(admitted, 'spec');
  return { ...admitted, spec: { ...(isJsonObject(spec) ? spec : {}), rules: staged } };
}
