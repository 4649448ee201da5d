/**
 * Argo Rollouts' per-step canary rules (argo validation.go, current release), with its
 * exact detail texts and the Go JSON of the bad value.
 */
import {
  ExperimentTemplateWeightRouterMessage,
  InvalidCanaryExperimentTemplateWeightWithoutTrafficRouting,
  InvalidDurationMessage,
  InvalidSetCanaryScaleTrafficPolicy,
  InvalidSetHeaderRouteALBValuePolicy,
  InvalidSetHeaderRouteTrafficPolicy,
  InvalidSetMirrorRouteTrafficPolicy,
  InvalidStepMessage,
  InvalidStringMatchMissedValuePolicy,
  InvalidStringMatchMultipleValuePolicy,
  InvalideStepRouteNameNotFoundInManagedRoutes,
  invalidSetWeightMessage,
  missingFieldMessage,
} from './argo-messages.js';
import { requiredText } from '../findings/index.js';
import { pauseDurationSeconds } from '../go/index.js';
import { CanaryField, argoInvalid, error, hasProvider, istio, plugins, withFix } from './argo-finding.js';
import type {
  CanaryStep,
  CanaryStrategy,
  Finding,
  MirrorRouteMatch,
  SetHeaderRoute,
  SetMirrorRoute,
  StringMatch,
  TrafficRouting,
} from '../model.js';

const STEPS = CanaryField.ROOT.child('steps');

function stepField(i: number): CanaryField {
  return STEPS.index(i);
}

/** Every kind of step, in the order Argo's empty-step message lists them. */
const STEP_KINDS = [
  'experiment',
  'pause',
  'setWeight',
  'analysis',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
] as const;

/** Argo's flags for a step with no action: every kind, each `true`. */
const EMPTY_STEP_FLAGS = STEP_KINDS.map((k) => `step.${k[0]!.toUpperCase()}${k.slice(1)}: true`).join(' ');

function isEmptyStep(step: CanaryStep): boolean {
  for (const kind of STEP_KINDS) if (step[kind] !== undefined) return false;
  return true;
}

// The rules below run for every step of every review and usually find nothing: they push
// into the caller's list, and build a field path only for a finding.

function stepShapeRules(step: CanaryStep, i: number, maxWeight: number, out: Finding[]): void {
  const experiment = step.experiment !== undefined;
  const pause = step.pause !== undefined;
  const setWeight = step.setWeight !== undefined;
  const analysis = step.analysis !== undefined;
  if (Number(experiment) + Number(pause) + Number(setWeight) + Number(analysis) > 1) {
    out.push(
      argoInvalid(
        'step-multiple-types',
        stepField(i),
        `step.Experiment: ${experiment} step.Pause: ${pause} step.SetWeight: ${setWeight} step.Analysis: ${analysis}`,
        InvalidStepMessage,
        'Split this step: give each of setWeight, pause, experiment and analysis its own step.',
      ),
    );
  }
  if (isEmptyStep(step)) {
    out.push(
      argoInvalid(
        'step-empty',
        stepField(i),
        EMPTY_STEP_FLAGS,
        InvalidStepMessage,
        'Add an action or delete the step.',
      ),
    );
  }
  // Equivalent survivor: step.setWeight !== undefined → true: an undefined weight is neither below 0 nor above the maximum
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    out.push(
      argoInvalid(
        'step-set-weight-range',
        stepField(i).child('setWeight'),
        step.setWeight,
        invalidSetWeightMessage(maxWeight),
        `Use a weight from 0 to ${maxWeight}.`,
      ),
    );
  }
  if (step.pause && pauseDurationSeconds(step.pause.duration) < 0) {
    out.push(
      argoInvalid(
        'step-pause-duration-negative',
        stepField(i).child('pause', 'duration'),
        pauseDurationSeconds(step.pause.duration),
        InvalidDurationMessage,
        'Use a number of seconds or a Go duration such as "30s" or "1h".',
      ),
    );
  }
}

/** `steps[i].setHeaderRoute.match[j]`. */
function headerMatchField(i: number, j: number): CanaryField {
  return stepField(i).child('setHeaderRoute', 'match').index(j);
}

/**
 * Argo's `hasALBInvalidValues`: ALB conditions can only compare a header to exact values.
 * `i` and `j` locate the match (step, match), whose path is built only for a finding.
 */
function albHeaderValueRule(value: StringMatch | null, i: number, j: number, out: Finding[]): void {
  if (value === null) {
    out.push(
      argoInvalid(
        'header-route-match-value-missing',
        headerMatchField(i, j),
        null,
        InvalidStringMatchMissedValuePolicy,
        'Set headerValue.exact.',
      ),
    );
  } else if (!value.exact || value.regex || value.prefix) {
    out.push(
      argoInvalid(
        'header-route-match-alb-exact-only',
        headerMatchField(i, j),
        stringMatchJson(value),
        InvalidSetHeaderRouteALBValuePolicy,
        'Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.',
      ),
    );
  }
}

/** Argo's `hasMultipleMatchValues`: exactly one of exact, regex, prefix (Istio rules). */
function oneOfStringMatchRule(value: StringMatch | null | undefined, at: CanaryField): Finding[] {
  const count = value ? [value.exact, value.regex, value.prefix].filter((v) => v).length : 0;
  if (count === 1) return [];
  if (count === 0) {
    return [
      argoInvalid(
        'string-match-value-missing',
        at,
        value ? stringMatchJson(value) : null,
        InvalidStringMatchMissedValuePolicy,
        'Set one of exact, regex and prefix.',
      ),
    ];
  }
  return [
    argoInvalid(
      'string-match-multiple-values',
      at,
      stringMatchJson(value!),
      InvalidStringMatchMultipleValuePolicy,
      'Keep only one of exact, regex and prefix.',
    ),
  ];
}

/** Go JSON of a StringMatch: every field is `omitempty`. */
function stringMatchJson(m: StringMatch): Record<string, string> {
  const out: Record<string, string> = {};
  if (m.exact) out.exact = m.exact;
  if (m.prefix) out.prefix = m.prefix;
  if (m.regex) out.regex = m.regex;
  return out;
}

/** Go JSON of a SetHeaderRoute, fields in struct order, `omitempty` honoured. */
function headerRouteJson(route: SetHeaderRoute): object {
  const match = (route.match ?? []).map((m) => ({
    headerName: m.headerName,
    headerValue: m.headerValue ? stringMatchJson(m.headerValue) : null,
  }));
  return { ...(route.name ? { name: route.name } : {}), ...(match.length ? { match } : {}) };
}

function routeMatchJson(m: MirrorRouteMatch): object {
  // `headers` is a Go map: a Map makes goJson sort its keys bytewise, as Go does.
  const headers = new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [k, stringMatchJson(v)]));
  return {
    ...(m.method ? { method: stringMatchJson(m.method) } : {}),
    ...(m.path ? { path: stringMatchJson(m.path) } : {}),
    ...(headers.size ? { headers } : {}),
  };
}

function mirrorRouteJson(route: SetMirrorRoute): object {
  const match = (route.match ?? []).map(routeMatchJson);
  return {
    name: route.name,
    ...(match.length ? { match } : {}),
    ...(route.percentage !== undefined ? { percentage: route.percentage } : {}),
  };
}

function headerRouteRules(
  route: SetHeaderRoute,
  i: number,
  tr: TrafficRouting | undefined,
  out: Finding[],
): void {
  if (!tr || (!istio(tr) && !tr.alb && !hasProvider(tr, 'apisix') && !plugins(tr))) {
    out.push(
      argoInvalid(
        'header-route-router-unsupported',
        stepField(i).child('setHeaderRoute'),
        headerRouteJson(route),
        InvalidSetHeaderRouteTrafficPolicy,
        tr?.nginx
          ? 'NGINX has no header routes here: remove the step (use canary-by-header in canaryIngressAnnotations).'
          : 'Remove the step, or route with ALB, Istio, Apisix or a plugin.',
      ),
    );
    return;
  }
  const matches = route.match;
  if (matches === null) return;
  if (tr.alb && matches.length === 0) {
    // Argo writes `conditions.<name>: null` and inserts a `/*` path first in every rule, so
    // the route has no header condition and takes all traffic.
    const matchField = stepField(i).child('setHeaderRoute', 'match').real;
    out.push(
      error(
        'alb-header-route-empty-match',
        matchField,
        `${matchField}: an empty list makes Argo Rollouts write conditions.${route.name}: null, so header route "${route.name}" matches every request and sends ALL traffic to the canary. Add a match, or omit match to remove the route.`,
      ),
    );
    return;
  }
  for (let j = 0; j < matches.length; j++) {
    const value = matches[j]!.headerValue;
    if (tr.alb) albHeaderValueRule(value, i, j, out);
    else out.push(...oneOfStringMatchRule(value, headerMatchField(i, j)));
  }
}

function mirrorRouteRules(route: SetMirrorRoute, i: number, tr: TrafficRouting | undefined): Finding[] {
  const out: Finding[] = [];
  const at = stepField(i).child('setMirrorRoute');
  if (!tr || (!istio(tr) && !plugins(tr))) {
    out.push(
      argoInvalid(
        'mirror-route-router-unsupported',
        at,
        mirrorRouteJson(route),
        InvalidSetMirrorRouteTrafficPolicy,
        tr?.alb || tr?.nginx
          ? 'ALB and NGINX cannot mirror through Argo Rollouts: remove the step.'
          : 'Remove the step, or route with Istio or a plugin.',
      ),
    );
  }
  // With Istio or a plugin next to ALB or NGINX, the controller accepts the step and the
  // router that can mirror does (Istio mirrors the traffic inside the mesh, which is where the
  // Ingress sends it); ALB's and NGINX's SetMirrorRoute are no-ops
  // (argoproj/argo-rollouts master 9f8d111, rollout/trafficrouting/alb/alb.go, nginx/nginx.go).
  const matchField = at.child('match');
  // Equivalent mutant: a string seeded into the [] has neither method nor path.
  // Stryker disable next-line ArrayDeclaration: equivalent, skipped
  (route.match ?? []).forEach((m, j) => {
    // Argo checks `method` twice (a copy-paste slip); one finding per problem is enough.
    if (m.method) out.push(...oneOfStringMatchRule(m.method, matchField.index(j)));
    if (m.path) out.push(...oneOfStringMatchRule(m.path, matchField.index(j)));
  });
  return out;
}

/** The managed route names as a set, built once per Rollout (every step looks names up). */
const managedSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function managedRouteNames(names: readonly string[]): ReadonlySet<string> {
  let set = managedSets.get(names);
  // Equivalent survivor: !set → true: only builds the set again (cost only): the cache holds the same names
  if (!set) managedSets.set(names, (set = new Set(names)));
  return set;
}

/**
 * Lists this short (nearly all: a Rollout manages a route or two) are scanned, which costs
 * less than finding their set; a longer list is looked up in its set, so that many steps
 * against many names stay linear.
 */
const SCANNED_MANAGED_ROUTES = 8;

function isManagedRoute(names: readonly string[], name: string): boolean {
  // Equivalent survivor: names.length <= SCANNED_MANAGED_ROUTES → true: cost only: a scan gives the same answer
  // Equivalent survivor: names.length <= SCANNED_MANAGED_ROUTES → false: cost only: the set gives the same answer
  // Equivalent survivor: names.length <= SCANNED_MANAGED_ROUTES → names.length < SCANNED_MANAGED_ROUTES: cost only
  // Equivalent survivor: names.length <= SCANNED_MANAGED_ROUTES → names.length > SCANNED_MANAGED_ROUTES: cost only: scan and set give the same answer
  if (names.length <= SCANNED_MANAGED_ROUTES) return names.includes(name);
  return managedRouteNames(names).has(name);
}

const MANAGED_ROUTES = CanaryField.ROOT.child('trafficRouting', 'managedRoutes');
const TRAFFIC_ROUTING = CanaryField.ROOT.child('trafficRouting');

/** A step's header or mirror route (`kind`) whose name trafficRouting.managedRoutes lacks. */
function unmanagedRoute(i: number, kind: 'setHeaderRoute' | 'setMirrorRoute', name: string): Finding {
  return argoInvalid(
    'managed-routes-missing-route',
    stepField(i).child(kind),
    name,
    InvalideStepRouteNameNotFoundInManagedRoutes,
    `Add {name: ${name}} to trafficRouting.managedRoutes.`,
  );
}

function managedRouteRules(
  step: CanaryStep,
  i: number,
  tr: TrafficRouting | undefined,
  out: Finding[],
): void {
  const header = step.setHeaderRoute;
  const mirror = step.setMirrorRoute;
  if (!tr || (!header && !mirror)) return;
  if (tr.managedRoutes === undefined) {
    out.push(
      error(
        'managed-routes-required',
        MANAGED_ROUTES.real,
        withFix(
          requiredText(
            MANAGED_ROUTES.argo,
            missingFieldMessage('spec.strategy.canary.trafficRouting.managedRoutes'),
          ),
          'List every setHeaderRoute/setMirrorRoute name under trafficRouting.managedRoutes.',
        ),
      ),
    );
    return;
  }
  const managed = tr.managedRoutes;
  if (header && !isManagedRoute(managed, header.name))
    out.push(unmanagedRoute(i, 'setHeaderRoute', header.name));
  if (mirror && !isManagedRoute(managed, mirror.name))
    out.push(unmanagedRoute(i, 'setMirrorRoute', mirror.name));
}

function experimentRules(step: CanaryStep, i: number, tr: TrafficRouting | undefined, out: Finding[]): void {
  const templates = step.experiment?.templates;
  if (!templates) return;
  templates.forEach((t, k) => {
    if (t.weight === undefined) return;
    const at = stepField(i).child('experiment', 'templates').index(k).child('weight');
    if (!tr) {
      out.push(
        argoInvalid(
          'experiment-weight-without-traffic-routing',
          at,
          t.weight,
          InvalidCanaryExperimentTemplateWeightWithoutTrafficRouting,
          'Remove the weight or configure trafficRouting.',
        ),
      );
    } else if (!tr.alb && !hasProvider(tr, 'smi') && !istio(tr) && !plugins(tr)) {
      out.push(
        argoInvalid(
          'experiment-weight-router-unsupported',
          at,
          t.weight,
          ExperimentTemplateWeightRouterMessage,
          'Remove the weight: NGINX cannot send traffic to experiment pods.',
        ),
      );
    }
  });
}

export function stepRules(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  const maxWeight = tr?.maxTrafficWeight ?? 100;
  const out: Finding[] = [];
  canary.steps.forEach((step, i) => {
    stepShapeRules(step, i, maxWeight, out);
    if (step.setCanaryScale && !tr) {
      out.push(
        error(
          'set-canary-scale-without-traffic-routing',
          TRAFFIC_ROUTING.real,
          withFix(
            requiredText(TRAFFIC_ROUTING.argo, InvalidSetCanaryScaleTrafficPolicy),
            'Remove setCanaryScale steps or configure trafficRouting.',
          ),
        ),
      );
    }
    if (step.setHeaderRoute) headerRouteRules(step.setHeaderRoute, i, tr, out);
    if (step.setMirrorRoute) out.push(...mirrorRouteRules(step.setMirrorRoute, i, tr));
    managedRouteRules(step, i, tr, out);
    experimentRules(step, i, tr, out);
  });
  return out;
}
