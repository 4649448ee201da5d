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
import { newFinding } from '../findings/index.js';
import type { Finding, Json, JsonObject, Rollout, RouteKind, Severity, TrafficState } from '../model.js';
import {
  describeTraffic,
  liveMayLeadStatus,
  type DriftInput,
  type OwnedValue,
  type ProviderReconcile,
  type RouteDriftContext,
  type TrafficProvider,
} from '../traffic-provider.js';
import { trafficStateOf } from '../traffic-state.js';
import { isJsonObject, own } from '../wire/index.js';
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
  ROUTE_RULES_FIELD,
  backendNameOf,
  backendRefsOf,
  canonicalRule,
  isManagedRuleName,
  isPluginManagedRule,
  matchesOf,
  overSchemaLimits,
  routeNamespace,
  ruleNameOf,
  routeRulesOf,
  sameRule,
  weightOf,
} from './route-rules.js';
import { ruleNameProblem } from './rule-name.js';

/** The route entries of a Rollout's plugin configuration that name this route. */
export function routeEntriesFor(rollout: Rollout, kind: RouteKind, namespace: string, name: string) {
  const routing = rollout.canary?.trafficRouting?.gatewayApi;
  if (!routing || routeNamespace(routing, rollout.namespace) !== namespace) return [];
  const list = kind === 'HTTPRoute' ? routing.httpRoutes : routing.grpcRoutes;
  return list.filter((entry) => entry.name === name);
}

/** A Rollout's state that cannot be put in place: an error of the guard, reported as `not guarded`. */
function finding(rollout: Rollout, message: string, severity: Severity = 'error'): Finding {
  return newFinding('gateway-api-not-guarded', ROUTE_RULES_FIELD, `Rollout ${rollout.name}: ${message}`, {
    severity,
  });
}

/** What guarding a route needs of a Rollout with header routes on, or off (`useHeaderRoutes`). */
interface RolloutView {
  state: TrafficState;
  /** Names of the managed routes of the header routes in effect. */
  headerRouteNames: ReadonlySet<string>;
  /** The header matches the plugin writes for each of `state.headerRoutes`, in order. */
  headerMatches: readonly ReturnType<typeof pluginHeaderMatches>[];
}

/** What guarding a route needs of a Rollout alone: its traffic state, read once per Rollout object. */
interface RolloutPlan {
  withHeaderRoutes: RolloutView;
  withoutHeaderRoutes: RolloutView;
  owners: Readonly<Record<RouteKind, RouteOwner>>;
}

/**
 * Plans by Rollout object. Rollouts are values: the cache replaces a Rollout on every change
 * and never edits one, so a plan computed once stays right for as long as the object lives
 * (and goes with it), and the reviews of a route between two changes of its Rollout read the
 * Rollout's state once.
 */
const rolloutPlans = new WeakMap<Rollout, RolloutPlan | null>();

function rolloutViewOf(state: TrafficState): RolloutView {
  return {
    state,
    headerRouteNames: new Set(state.headerRoutes.map((r) => r.name)),
    headerMatches: state.headerRoutes.map((r) => pluginHeaderMatches(r.matches)),
  };
}

function ownerOf(rollout: Rollout, kind: RouteKind, state: TrafficState): RouteOwner {
  return {
    kind,
    canaryService: state.canaryService,
    stableService: state.stableService,
    // Equivalent mutants: a Rollout reaches here only with its plugin configuration, so
    // canary and trafficRouting are set (the chains are for the type checker); a name seeded
    // into the [] has capitals and spaces, so no rule a route can store carries it.
    // Stryker disable next-line OptionalChaining,ArrayDeclaration: equivalent, see above
    managedNames: new Set(rollout.canary?.trafficRouting?.managedRoutes ?? []),
    rolloutNamespace: rollout.namespace,
  };
}

/** The Rollout's plan, undefined when it does not route through the Gateway API plugin. */
export function rolloutPlanOf(rollout: Rollout): RolloutPlan | undefined {
  let plan = rolloutPlans.get(rollout);
  // Equivalent survivor: plan === undefined → true: cost only: the plan is made again, the same (a pure function of the Rollout object)
  if (plan === undefined) {
    const routed = trafficStateOf(rollout, 'gateway-api');
    plan = routed
      ? {
          withHeaderRoutes: rolloutViewOf(routed),
          withoutHeaderRoutes: rolloutViewOf({ ...routed, headerRoutes: [] }),
          owners: {
            HTTPRoute: ownerOf(rollout, 'HTTPRoute', routed),
            GRPCRoute: ownerOf(rollout, 'GRPCRoute', routed),
          },
        }
      : null;
    // Stryker disable next-line CallExpression: equivalent, cost only: without the memo every review makes the same plan again (a pure function of the Rollout object)
    rolloutPlans.set(rollout, plan);
  }
  return plan ?? undefined;
}

/** What a `WeightCursor` reads after the last weight. */
const NO_MORE_WEIGHTS = Symbol('no more weights');

/** Reads the weights of one Service's backendRefs over a list of rules, in order. */
class WeightCursor {
  private rule = 0;
  private ref = 0;

  constructor(
    private readonly rules: readonly JsonObject[],
    private readonly service: string,
  ) {}

  next(): Json | typeof NO_MORE_WEIGHTS {
    // Equivalent survivor: this.rule < this.rules.length → this.rule <= this.rules.length: rules[length] is undefined, whose backendRefsOf is []
    for (; this.rule < this.rules.length; this.rule++, this.ref = 0) {
      const refs = backendRefsOf(this.rules[this.rule]!);
      // Equivalent survivor: this.ref < refs.length → this.ref <= refs.length: refs[length] is undefined, whose backendNameOf is '', no Service's name
      while (this.ref < refs.length) {
        const ref = refs[this.ref++]!;
        // Equivalent mutant (!==): the expected rules differ from the live ones only in canary and
        // stable weights (setWeights; addExperimentBackends without a lookup adds no backend), so
        // the weights of all but one Service agree exactly when that Service's weights agree.
        // Stryker disable next-line EqualityOperator: equivalent, see above
        // Equivalent survivor: backendNameOf(ref) === this.service → true: the expected rules differ from the live ones only in canary and stable weights
        if (backendNameOf(ref) === this.service) return weightOf(ref);
      }
    }
    return NO_MORE_WEIGHTS;
  }
}

/**
 * Whether one Service's weights read alike, in order, over two lists of rules. Managed header
 * rules are included: SetWeight leaves them alone, so they read the same on both sides
 * compared, and a rule the plugin would write differently (a rule named like a managed route
 * that holds the stable Service, given the experiment's stable weight) makes the live weights
 * inconsistent.
 */
function samePluginWeights(a: readonly JsonObject[], b: readonly JsonObject[], service: string): boolean {
  const left = new WeightCursor(a, service);
  const right = new WeightCursor(b, service);
  // Values, not texts, are compared: an expected weight is the live value itself (a backendRef
  // the plugin's edits left alone) or a number they wrote, and a number's text is another
  // number's only when the two are equal. A list that runs out first differs from the other's
  // next weight.
  for (;;) {
    const x = left.next();
    if (x !== right.next()) return false;
    if (x === NO_MORE_WEIGHTS) return true;
  }
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
  input: Pick<RouteDriftContext, 'getService'>,
  existing: (name: string) => JsonObject | undefined,
): Rendered {
  const weighted = setWeights(rules, owner, weight);
  if (!weighted.canaryFound || !weighted.stableFound) {
    // Equivalent mutants: with an error the caller reads neither the rules nor the Services.
    // Stryker disable next-line MethodExpression,ArrayDeclaration: equivalent, unread on error
    return { rules: rules.slice(), missingServices: [], error: BACKEND_REF_NOT_FOUND[owner.kind] };
  }
  // Experiment backends are written on HTTPRoutes only (see the file's comment). Without a
  // running experiment, addExperimentBackends would return the rules unchanged.
  // Equivalent survivor: state.additional.length === 0 → false: addExperimentBackends then returns a copy of the same rules (cost only)
  if (owner.kind !== 'HTTPRoute' || state.additional.length === 0)
    return { rules: weighted.rules, missingServices: [] };
  return addExperimentBackends(weighted.rules, owner, state.additional, {
    service: input.getService,
    existing,
  });
}

/**
 * Whether SetWeight with this canary weight leaves every weight of the rules as it reads
 * (`setWeights` without building its rules): each canary backendRef outside the managed header
 * rules weighs exactly that, and each stable one 100 minus it.
 */
function setWeightsKeeps(rules: readonly JsonObject[], owner: RouteOwner, canaryWeight: number): boolean {
  for (const rule of rules) {
    if (isPluginManagedRule(rule, owner.managedNames, owner.canaryService)) continue;
    for (const ref of backendRefsOf(rule)) {
      const name = backendNameOf(ref);
      // As in setWeights, a backendRef named like both Services takes the canary weight.
      if (name === owner.canaryService) {
        if (weightOf(ref) !== canaryWeight) return false;
      } else if (name === owner.stableService) {
        if (weightOf(ref) !== 100 - canaryWeight) return false;
      }
    }
  }
  return true;
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
  // Equivalent survivor: typeof weight !== 'number' → false: Number.isInteger is false for anything but a number
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) return undefined;
  // With no experiment running (always so on a GRPCRoute), addExperimentBackends returns the
  // rules unchanged and every experiment backend is trivially carried: SetWeight alone decides.
  const experiments = owner.kind === 'HTTPRoute' ? state.additional : [];
  // Equivalent survivor: experiments.length === 0 → false: the general path below gives the same answer (cost only)
  if (experiments.length === 0) return setWeightsKeeps(liveRules, owner, weight) ? weight : undefined;
  const noLookup = { service: () => undefined, existing: () => undefined };
  const expected = addExperimentBackends(
    setWeights(liveRules, owner, weight).rules,
    owner,
    experiments,
    noLookup,
  ).rules;
  const index = experimentRuleIndex(liveRules, owner);
  // Equivalent mutant: a live weight was read from a rule holding the canary, so index >= 0.
  // Stryker disable next-line ArrayDeclaration: equivalent, not reached
  // Equivalent survivor: index >= 0 → true: liveRules[-1] is undefined, whose backendRefsOf is [] (and the index is >= 0 here)
  const refs = index >= 0 ? backendRefsOf(liveRules[index]!) : [];
  const carried = experiments.every((d) => {
    const found = refs.find((r) => backendNameOf(r) === d.serviceName);
    return found !== undefined && weightOf(found) === d.weight;
  });
  if (!carried) return undefined;
  return samePluginWeights(liveRules, expected, owner.canaryService) &&
    samePluginWeights(liveRules, expected, owner.stableService)
    ? weight
    : undefined;
}

interface HeaderPlan {
  /** The header rules the Rollout's steps reached call for, in the order the plugin leaves them. */
  rules: JsonObject[];
  /** Names of the managed routes they belong to. */
  routeNames: ReadonlySet<string>;
  error?: string;
  denial?: string;
}

function planHeaderRules(rules: readonly JsonObject[], owner: RouteOwner, view: RolloutView): HeaderPlan {
  const routeNames = view.headerRouteNames;
  const headerRoutes = view.state.headerRoutes;
  if (headerRoutes.length === 0) return { rules: [], routeNames };
  const sources = headerSourceRules(
    rules.filter((rule) => {
      const name = ruleNameOf(rule);
      return name === undefined || !isManagedRuleName(name, routeNames);
    }),
    owner,
  );
  // Equivalent mutants (here and below): with an error or a denial the rules are not read.
  // Stryker disable next-line ArrayDeclaration: equivalent, unread on error
  if (sources.length === 0) return { rules: [], routeNames, error: BACKEND_REF_NOT_FOUND[owner.kind] };
  const out: JsonObject[] = [];
  for (const [i, route] of headerRoutes.entries()) {
    const matches = view.headerMatches[i]!;
    // Stryker disable next-line ArrayDeclaration: equivalent, unread on error
    if ('error' in matches) return { rules: [], routeNames, error: matches.error };
    // The first and the last rule name: the ones between differ from the last in digits only.
    let name = route.name;
    let problem = ruleNameProblem(name);
    // Equivalent survivor: sources.length > 1 → sources.length >= 1: with one source the last name is the first, checked again
    // Equivalent survivor: sources.length > 1 → true: with one source the last name is the first, checked again
    if (!problem && sources.length > 1) {
      name = headerRuleName(route.name, sources.length - 1);
      problem = ruleNameProblem(name);
    }
    if (problem) {
      return {
        // Stryker disable next-line ArrayDeclaration: equivalent, unread on denial
        rules: [],
        routeNames,
        denial: `the header-route rule name ${JSON.stringify(name)} of managed route ${route.name} is not a valid rule name (${problem}); rename the managed route`,
      };
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
function placeHeaderRules(kind: RouteKind, rules: readonly JsonObject[], plan: HeaderPlan): JsonObject[] {
  // With no planned rule, `present` stays empty and `intact` holds: the rules are kept.
  const present = new Map<string, JsonObject>();
  for (const rule of rules) {
    const name = ruleNameOf(rule);
    if (name !== undefined && isManagedRuleName(name, plan.routeNames)) present.set(name, rule);
  }
  const intact =
    present.size === plan.rules.length &&
    plan.rules.every((rule) => {
      const held = present.get(ruleNameOf(rule)!);
      // Equivalent survivor: held !== undefined → true: sameRule of undefined and a rule is false (undefined is no object, and has no JSON text)
      return held !== undefined && sameRule(kind, held, rule);
    });
  // Equivalent mutant: no caller writes into the list (the renderer copies it), though it may
  // be the request's own.
  // Stryker disable next-line MethodExpression: equivalent, the list is never written
  if (intact) return rules.slice();
  const kept = rules.filter((rule) => {
    const name = ruleNameOf(rule);
    return name === undefined || !isManagedRuleName(name, plan.routeNames);
  });
  return [...kept, ...plan.rules];
}

/** The name of a header match ('' when it has none, as the apiserver reads it). */
function headerNameOf(header: Json): string {
  return isJsonObject(header) && typeof header.name === 'string' ? header.name : '';
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
      // Equivalent mutant: every added rule's match has the step's headers (buildHeaderRules).
      // Stryker disable next-line ArrayDeclaration: equivalent, not reached
      const list = Array.isArray(headers) ? headers : [];
      if (list.length > MAX_HEADERS_PER_MATCH)
        return `header-route rule ${ruleNameOf(rule)} would need ${list.length} header matches in one match, and the apiserver allows ${MAX_HEADERS_PER_MATCH}`;
      // Each header against those before it: at most MAX_HEADERS_PER_MATCH of them (checked
      // above), so a constant number of comparisons, and no set to build.
      for (let h = 1; h < list.length; h++) {
        const name = headerNameOf(list[h]!);
        for (let g = 0; g < h; g++) {
          if (headerNameOf(list[g]!) === name)
            return `header-route rule ${ruleNameOf(rule)} would match header ${name} twice in one match (the source rule already matches it), which the apiserver rejects`;
        }
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

/**
 * The working copy the route provider writes into: the object itself only. The renderer is
 * copy-on-write (every rule, backendRef and label map it changes is a new object) and the
 * provider replaces `spec` and `metadata` whole (`setRules`, `setLabels`), so a shallow copy
 * keeps the request intact, and the patch differ skips every part left alone by identity.
 */
export function editableRoute(route: JsonObject): JsonObject {
  return { ...route };
}

function setRules(working: JsonObject, rules: JsonObject[]): void {
  const spec = own(working, 'spec');
  working.spec = { ...(isJsonObject(spec) ? spec : {}), rules };
}

function setLabels(working: JsonObject, labels: JsonObject | undefined): void {
  const meta = own(working, 'metadata');
  const next: JsonObject = { ...(isJsonObject(meta) ? meta : {}) };
  // Equivalent survivor: labels === undefined → false: never called with undefined: withInProgressLabel then returns the labels it got
  if (labels === undefined || Object.keys(labels).length === 0) delete next.labels;
  else next.labels = labels;
  working.metadata = next;
}

// ---------------------------------------------------------------------------------------
// Owned values: keys that name them to a person, and their text in any route
// ---------------------------------------------------------------------------------------

const WEIGHT_KEY = { prefix: 'spec.rules[*].backendRefs[name=', suffix: '].weight' };
const BACKEND_KEY = { prefix: 'spec.rules[*].backendRefs[name=', suffix: ']' };
const RULE_KEY = { prefix: 'spec.rules[name=', suffix: ']' };
const LABEL_KEY = { prefix: 'metadata.labels[', suffix: ']' };

function keyOf(form: { prefix: string; suffix: string }, name: string): string {
  return `${form.prefix}${name}${form.suffix}`;
}

function nameIn(key: string, form: { prefix: string; suffix: string }): string | undefined {
  return key.startsWith(form.prefix) && key.endsWith(form.suffix)
    ? key.slice(form.prefix.length, key.length - form.suffix.length)
    : undefined;
}

function kindOfObject(route: JsonObject): RouteKind {
  // Equivalent survivor: 'GRPCRoute' → "": canonicalRule reads every kind but HTTPRoute as GRPCRoute
  return own(route, 'kind') === 'GRPCRoute' ? 'GRPCRoute' : 'HTTPRoute';
}

/**
 * The weights of a Service as text (`80,70`), read over the rules with more than one
 * backendRef (a header rule has the canary alone), so the text needs no Rollout to be read.
 */
function weightsText(route: JsonObject | undefined, service: string): string | undefined {
  let text: string | undefined;
  for (const rule of routeRulesOf(route)) {
    const refs = backendRefsOf(rule);
    if (refs.length < 2) continue;
    for (const ref of refs) {
      if (backendNameOf(ref) !== service) continue;
      const weight = JSON.stringify(weightOf(ref));
      text = text === undefined ? weight : `${text},${weight}`;
    }
  }
  return text;
}

/** The weight of the first backendRef of a Service (an experiment backend), as text. */
function backendText(route: JsonObject | undefined, service: string): string | undefined {
  for (const rule of routeRulesOf(route)) {
    const ref = backendRefsOf(rule).find((r) => backendNameOf(r) === service);
    if (ref) return JSON.stringify(weightOf(ref));
  }
  return undefined;
}

/** The canonical text of the first rule of a name. */
function ruleText(route: JsonObject, name: string): string | undefined {
  return ruleTextOf(route, name)?.text;
}

/** A rule of a route, the route's kind, and the rule's canonical text in that kind. */
interface RuleText {
  rule: JsonObject;
  kind: RouteKind;
  text: string;
}

/**
 * The first rule of a name and its canonical text. When `known` is given and the rule equals
 * its rule after the defaults of the same kind (`sameRule`, which writes nothing), the text is
 * `known`'s: the live route's header rule is most often the one admitted, and writing its text
 * costs more than the rest of reading it.
 */
function ruleTextOf(route: JsonObject | undefined, name: string, known?: RuleText): RuleText | undefined {
  const rule = routeRulesOf(route).find((r) => ruleNameOf(r) === name);
  if (!rule) return undefined;
  const kind = kindOfObject(route!);
  // Equivalent survivor: known && known.kind === kind && sameRule(kind, rule, known.rule) → false: the text is then written, the same (cost only)
  if (known && known.kind === kind && sameRule(kind, rule, known.rule))
    return { rule, kind, text: known.text };
  return { rule, kind, text: canonicalRule(kind, rule) };
}

function labelText(route: JsonObject | undefined, key: string): string | undefined {
  const value = own(labelsOf(route), key);
  return typeof value === 'string' ? value : undefined;
}

/** The text of an owned value in a route, by its key. */
export function ownedRouteValue(route: JsonObject | undefined, key: string): string | undefined {
  // Equivalent survivor: !route → false: with no route, the rules are [] and the labels undefined: every key reads undefined
  if (!route) return undefined;
  const weighted = nameIn(key, WEIGHT_KEY);
  if (weighted !== undefined) return weightsText(route, weighted);
  const backend = nameIn(key, BACKEND_KEY);
  if (backend !== undefined) return backendText(route, backend);
  const ruleName = nameIn(key, RULE_KEY);
  if (ruleName !== undefined) return ruleText(route, ruleName);
  const label = nameIn(key, LABEL_KEY);
  // Equivalent survivor: label !== undefined → true: JSON.parse(undefined) throws, and the catch leaves the key undefined
  if (label !== undefined) {
    let labelKey: unknown;
    try {
      labelKey = JSON.parse(label);
    } catch {
      // Not a key this guard wrote: labelKey stays undefined, and so does the value.
    }
    return typeof labelKey === 'string' ? labelText(route, labelKey) : undefined;
  }
  return undefined;
}

/** Puts one Rollout's state into `working`; undefined when it owns nothing there. */
function reconcileRollout(
  working: JsonObject,
  input: DriftInput,
  route: RouteDriftContext,
  rollout: Rollout,
  useHeaderRoutes: boolean,
  errors: Finding[],
): { values?: OwnedValue[]; refusal?: string } {
  // Equivalent mutants: routeEntriesFor found the plugin configuration, so the chains never
  // stop, and the plan is defined whenever that configuration is.
  // Stryker disable next-line OptionalChaining: equivalent, never undefined here
  const gatewayApi = rollout.canary?.trafficRouting?.gatewayApi;
  const plan = rolloutPlanOf(rollout);
  // Stryker disable next-line LogicalOperator: equivalent, both are set or neither
  // Equivalent survivor: !gatewayApi || !plan → false: routeEntriesFor found the configuration, so both are set
  if (!gatewayApi || !plan) return {};
  const view = useHeaderRoutes ? plan.withHeaderRoutes : plan.withoutHeaderRoutes;
  const state = view.state;
  const owner = plan.owners[route.kind];
  if (!owner.canaryService || !owner.stableService) {
    errors.push(finding(rollout, 'the plugin needs both canaryService and stableService'));
    return {};
  }
  const requestedRules = routeRulesOf(working);
  const liveRules = routeRulesOf(input.live);

  const headerPlan = planHeaderRules(requestedRules, owner, view);
  if (headerPlan.denial) return { refusal: `Rollout ${rollout.name}: ${headerPlan.denial}` };
  if (headerPlan.error) {
    errors.push(finding(rollout, `its header routes cannot be written: ${headerPlan.error}`));
    return {};
  }
  const withHeaders = placeHeaderRules(route.kind, requestedRules, headerPlan);

  let weight = state.canaryWeight;
  if (input.live && liveMayLeadStatus(state))
    weight = consistentLiveWeight(liveRules, owner, state) ?? weight;
  const liveExperimentRule = experimentRuleIndex(liveRules, owner);
  const existing = (name: string) =>
    // Equivalent survivor: liveExperimentRule >= 0 → true: liveRules[-1] is undefined, whose backendRefsOf is []: nothing found either way
    liveExperimentRule >= 0
      ? backendRefsOf(liveRules[liveExperimentRule]!).find((ref) => backendNameOf(ref) === name)
      : undefined;
  const rendered = renderWeights(withHeaders, owner, state, weight, route, existing);
  if (rendered.error) {
    errors.push(finding(rollout, `its weights cannot be written: ${rendered.error}`));
    return {};
  }
  for (const service of rendered.missingServices) {
    errors.push(
      finding(
        rollout,
        `experiment Service ${service} is not known, so its backendRef is not added`,
        'warning',
      ),
    );
  }
  const problem = limitsProblem(rendered.rules, headerPlan.rules);
  if (problem) return { refusal: `Rollout ${rollout.name}: ${problem}` };
  setRules(working, rendered.rules);
  const label = gatewayApi.inProgressLabel;
  const labels = labelsOf(working);
  const nextLabels = withInProgressLabel(labels, label, weight);
  if (nextLabels !== labels) setLabels(working, nextLabels);

  const traffic = `live traffic (${describeTraffic(state, weight)})`;
  // The admitted texts are read from `working` by the readers ownedRouteValue dispatches to;
  // each value's textIn is that reader, bound to the value (ownedRouteValue of its key).
  const canary = owner.canaryService;
  const stable = owner.stableService;
  const values: OwnedValue[] = [
    {
      key: keyOf(WEIGHT_KEY, canary),
      meaning: traffic,
      admitted: weightsText(working, canary),
      textIn: (other) => weightsText(other, canary),
    },
    {
      key: keyOf(WEIGHT_KEY, stable),
      meaning: traffic,
      admitted: weightsText(working, stable),
      textIn: (other) => weightsText(other, stable),
    },
  ];
  // Equivalent survivor: route.kind === 'HTTPRoute' → true: a GRPCRoute gets no experiment backend, so its text stays the requested one: no override
  if (route.kind === 'HTTPRoute') {
    for (const d of state.additional) {
      const service = d.serviceName;
      values.push({
        key: keyOf(BACKEND_KEY, service),
        meaning: 'experiment backend',
        admitted: backendText(working, service),
        textIn: (other) => backendText(other, service),
      });
    }
  }
  for (const rule of headerPlan.rules) {
    const name = ruleNameOf(rule)!;
    const admitted = ruleTextOf(working, name);
    values.push({
      key: keyOf(RULE_KEY, name),
      meaning: 'header route',
      // Equivalent survivor: admitted?.text → admitted.text: the planned rule was placed in `working` above, so it is found
      admitted: admitted?.text,
      textIn: (other) => ruleTextOf(other, name, admitted)?.text,
    });
  }
  if (label) {
    const labelKey = label.key;
    values.push({
      key: keyOf(LABEL_KEY, JSON.stringify(labelKey)),
      meaning: 'in-progress label',
      admitted: labelText(working, labelKey),
      textIn: (other) => labelText(other, labelKey),
    });
  }
  return { values };
}

/** The order the guard applies Rollouts in: by namespace, then by name. */
function byNamespaceThenName(a: Rollout, b: Rollout): number {
  if (a.namespace !== b.namespace) {
    // Equivalent survivor: a.namespace < b.namespace → a.namespace <= b.namespace: the namespaces differ here
    return a.namespace < b.namespace ? -1 : 1;
  }
  // Equivalent survivor: a.name < b.name → a.name <= b.name: equal names in one namespace are one Rollout, listed once
  if (a.name < b.name) return -1;
  // Equivalent mutants on Node: V8's sort only asks whether the result is below 0, so 0 and 1
  // order alike (checked on 2 to 100 elements, reversed, rotated and shuffled).
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent on V8
  return a.name > b.name ? 1 : 0;
}

/**
 * The Gateway API provider of the drift guard. It acts on routes only (`input.route`); a
 * request over the CRD's limits is left alone (the apiserver rejects it after admission),
 * which also bounds the work by constants.
 */
export const gatewayApiTrafficProvider: TrafficProvider = {
  name: 'gateway-api',
  trafficStateOf: (rollout) => trafficStateOf(rollout, 'gateway-api'),
  ownedValue: ownedRouteValue,
  reconcile(working: JsonObject, input: DriftInput): ProviderReconcile {
    const out: ProviderReconcile = { shares: [], errors: [] };
    const route = input.route;
    if (!route || route.rollouts.length === 0) return out;
    const over = overSchemaLimits(input.requested);
    if (over) {
      out.errors.push(
        newFinding('gateway-api-not-guarded', ROUTE_RULES_FIELD, `${over}; the apiserver rejects this route`),
      );
      return out;
    }
    const sorted = [...route.rollouts].sort(byNamespaceThenName);
    for (const rollout of sorted) {
      const entries = routeEntriesFor(rollout, route.kind, route.namespace, route.name);
      if (entries.length === 0) continue;
      const useHeaderRoutes = entries.some((e) => e.useHeaderRoutes);
      const result = reconcileRollout(working, input, route, rollout, useHeaderRoutes, out.errors);
      // Equivalent mutant: guardObject reads no share of a refusal.
      // Stryker disable next-line ArrayDeclaration: equivalent, unread on refusal
      if (result.refusal) return { shares: [], errors: out.errors, refusal: result.refusal };
      if (result.values) out.shares.push({ rollout, values: result.values });
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------
// A narrow patch
// ---------------------------------------------------------------------------------------

/** A rule's identity apart from what the guard edits in it (its backendRefs). */
function ruleShape(kind: RouteKind, rule: JsonObject): string {
  const rest: JsonObject = { ...rule };
  delete rest.backendRefs;
  return canonicalRule(kind, rest);
}

/**
 * Whether two rules have the same shape (`ruleShape`). The renderer is copy-on-write: a rule
 * whose weights it set is a copy holding the very same objects in every other field, so
 * identity decides the common case without writing either rule's canonical text (about 5 µs
 * a rule, measured); rules that are not such a copy are compared by their text.
 */
function sameShape(kind: RouteKind, a: JsonObject, b: JsonObject): boolean {
  // Equivalent survivor: a === b || sameFieldsApartFromBackendRefs(a, b) → false: only false more often: the text comparison after it gives the same answer (cost only)
  // Equivalent survivor: a === b → false: only false more often: the text comparison after it gives the same answer (cost only)
  // Equivalent survivor: a === b || sameFieldsApartFromBackendRefs(a, b) → a === b && sameFieldsApartFromBackendRefs(a, b): only false more often: the text comparison decides (cost only)
  return a === b || sameFieldsApartFromBackendRefs(a, b) || ruleShape(kind, a) === ruleShape(kind, b);
}

// Equivalent mutants here are those that only make this answer false more often: sameShape
// then compares the rules' text, which gives the same alignment at a higher cost. Mutants that
// make it true for rules of different shapes are killed by the stagedRoute tests.
// Stryker disable next-line BlockStatement: equivalent, falls back to the text comparison
function sameFieldsApartFromBackendRefs(a: JsonObject, b: JsonObject): boolean {
  let fields = 0;
  for (const key of Object.keys(a)) {
    // Stryker disable next-line StringLiteral: equivalent, backendRefs then compared too: only false more often
    if (key === 'backendRefs') continue;
    // Equivalent survivor: a[key] !== b[key] → true: only false more often: sameShape then compares the rules' text (cost only)
    if (a[key] !== b[key]) return false;
    // Stryker disable next-line UpdateOperator: equivalent, the count is then 0 only with no fields
    fields++;
  }
  // Stryker disable next-line StringLiteral,UpdateOperator: equivalent, the count is then never 0 wrongly
  // Equivalent survivor: key !== 'backendRefs' → true: only false more often: sameShape then compares the rules' text (cost only)
  for (const key of Object.keys(b)) if (key !== 'backendRefs') fields--;
  // Equivalent survivor: fields === 0 → false: only false more often: sameShape then compares the rules' text (cost only)
  return fields === 0;
}

/**
 * The admitted route with the request's rules edited in place but none added, removed or
 * moved. Diffing request → staged → admitted gives a patch whose edits stay inside each rule
 * (a weight is one `replace`), then whole-rule removals and additions; one diff of two lists
 * of different lengths would instead replace every rule it could not align. The guard keeps
 * the request's rules in order and only removes or appends header rules, so the admitted
 * rules align with the request's by everything but their backendRefs, in order.
 */
export function stagedRoute(kind: RouteKind, requested: JsonObject, admitted: JsonObject): JsonObject {
  const rules = own(own(requested, 'spec') as JsonObject | undefined, 'rules');
  if (!Array.isArray(rules)) return admitted;
  const requestedRules = routeRulesOf(requested);
  const admittedRules = routeRulesOf(admitted);
  // A copy: routeRulesOf may return the request's own list.
  const staged = requestedRules.slice();
  let k = 0;
  for (let i = 0; i < requestedRules.length && k < admittedRules.length; i++) {
    if (sameShape(kind, requestedRules[i]!, admittedRules[k]!)) staged[i] = admittedRules[k++]!;
  }
  const spec = own(admitted, 'spec');
  return { ...admitted, spec: { ...(isJsonObject(spec) ? spec : {}), rules: staged } };
}
