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

function stepShapeRules(step: CanaryStep, i: number, maxWeight: number): Finding[] {
  const out: Finding[] = [];
  const at = stepField(i);
  const set = {
    Experiment: step.experiment !== undefined,
    Pause: step.pause !== undefined,
    SetWeight: step.setWeight !== undefined,
    Analysis: step.analysis !== undefined,
  };
  if (Object.values(set).filter(Boolean).length > 1) {
    const flags = Object.entries(set).map(([k, v]) => `step.${k}: ${v}`);
    out.push(
      argoInvalid(
        'step-multiple-types',
        at,
        flags.join(' '),
        InvalidStepMessage,
        'Split this step: give each of setWeight, pause, experiment and analysis its own step.',
      ),
    );
  }
  const kinds = [
    'experiment',
    'pause',
    'setWeight',
    'analysis',
    'setCanaryScale',
    'setHeaderRoute',
    'setMirrorRoute',
    'plugin',
  ] as const;
  if (kinds.every((k) => step[k] === undefined)) {
    const flags = kinds.map((k) => `step.${k[0]!.toUpperCase()}${k.slice(1)}: true`);
    out.push(
      argoInvalid('step-empty', at, flags.join(' '), InvalidStepMessage, 'Add an action or delete the step.'),
    );
  }
  // Equivalent survivor: step.setWeight !== undefined → true: an undefined weight is neither below 0 nor above the maximum
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    out.push(
      argoInvalid(
        'step-set-weight-range',
        at.child('setWeight'),
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
        at.child('pause', 'duration'),
        pauseDurationSeconds(step.pause.duration),
        InvalidDurationMessage,
        'Use a number of seconds or a Go duration such as "30s" or "1h".',
      ),
    );
  }
  return out;
}

/** Argo's `hasALBInvalidValues`: ALB conditions can only compare a header to exact values. */
function albHeaderValueRule(value: StringMatch | null, at: CanaryField): Finding[] {
  if (value === null) {
    return [
      argoInvalid(
        'header-route-match-value-missing',
        at,
        null,
        InvalidStringMatchMissedValuePolicy,
        'Set headerValue.exact.',
      ),
    ];
  }
  if (!value.exact || value.regex || value.prefix) {
    return [
      argoInvalid(
        'header-route-match-alb-exact-only',
        at,
        stringMatchJson(value),
        InvalidSetHeaderRouteALBValuePolicy,
        'Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.',
      ),
    ];
  }
  return [];
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

function headerRouteRules(route: SetHeaderRoute, i: number, tr: TrafficRouting | undefined): Finding[] {
  const at = stepField(i).child('setHeaderRoute');
  if (!tr || (!istio(tr) && !tr.alb && !hasProvider(tr, 'apisix') && !plugins(tr))) {
    return [
      argoInvalid(
        'header-route-router-unsupported',
        at,
        headerRouteJson(route),
        InvalidSetHeaderRouteTrafficPolicy,
        tr?.nginx
          ? 'NGINX has no header routes here: remove the step (use canary-by-header in canaryIngressAnnotations).'
          : 'Remove the step, or route with ALB, Istio, Apisix or a plugin.',
      ),
    ];
  }
  const matches = route.match ?? [];
  const matchField = at.child('match');
  if (tr.alb && route.match !== null && matches.length === 0) {
    // Argo writes `conditions.<name>: null` and inserts a `/*` path first in every rule, so
    // the route has no header condition and takes all traffic.
    return [
      error(
        'alb-header-route-empty-match',
        matchField.real,
        `${matchField.real}: an empty list makes Argo Rollouts write conditions.${route.name}: null, so header route "${route.name}" matches every request and sends ALL traffic to the canary. Add a match, or omit match to remove the route.`,
      ),
    ];
  }
  return matches.flatMap((m, j) =>
    tr.alb
      ? albHeaderValueRule(m.headerValue, matchField.index(j))
      : oneOfStringMatchRule(m.headerValue, matchField.index(j)),
  );
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

function managedRouteRules(step: CanaryStep, i: number, tr: TrafficRouting | undefined): Finding[] {
  if (!tr) return [];
  const routes: [string, string][] = [];
  if (step.setHeaderRoute) routes.push(['setHeaderRoute', step.setHeaderRoute.name]);
  if (step.setMirrorRoute) routes.push(['setMirrorRoute', step.setMirrorRoute.name]);
  if (routes.length === 0) return [];
  if (tr.managedRoutes === undefined) {
    const at = CanaryField.ROOT.child('trafficRouting', 'managedRoutes');
    return [
      error(
        'managed-routes-required',
        at.real,
        withFix(
          requiredText(at.argo, missingFieldMessage('spec.strategy.canary.trafficRouting.managedRoutes')),
          'List every setHeaderRoute/setMirrorRoute name under trafficRouting.managedRoutes.',
        ),
      ),
    ];
  }
  const managed = managedRouteNames(tr.managedRoutes);
  return routes
    .filter(([, name]) => !managed.has(name))
    .map(([kind, name]) =>
      argoInvalid(
        'managed-routes-missing-route',
        stepField(i).child(kind),
        name,
        InvalideStepRouteNameNotFoundInManagedRoutes,
        `Add {name: ${name}} to trafficRouting.managedRoutes.`,
      ),
    );
}

function experimentRules(step: CanaryStep, i: number, tr: TrafficRouting | undefined): Finding[] {
  // Equivalent mutant: a string seeded into the [] has no weight, so it is skipped.
  // Stryker disable next-line ArrayDeclaration: equivalent, skipped
  const templates = step.experiment?.templates ?? [];
  return templates.flatMap((t, k) => {
    if (t.weight === undefined) return [];
    const at = stepField(i).child('experiment', 'templates').index(k).child('weight');
    if (!tr) {
      return [
        argoInvalid(
          'experiment-weight-without-traffic-routing',
          at,
          t.weight,
          InvalidCanaryExperimentTemplateWeightWithoutTrafficRouting,
          'Remove the weight or configure trafficRouting.',
        ),
      ];
    }
    if (!tr.alb && !hasProvider(tr, 'smi') && !istio(tr) && !plugins(tr)) {
      return [
        argoInvalid(
          'experiment-weight-router-unsupported',
          at,
          t.weight,
          ExperimentTemplateWeightRouterMessage,
          'Remove the weight: NGINX cannot send traffic to experiment pods.',
        ),
      ];
    }
    return [];
  });
}

export function stepRules(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  const maxWeight = tr?.maxTrafficWeight ?? 100;
  const trafficRouting = CanaryField.ROOT.child('trafficRouting');
  return canary.steps.flatMap((step, i) => [
    ...stepShapeRules(step, i, maxWeight),
    ...(step.setCanaryScale && !tr
      ? [
          error(
            'set-canary-scale-without-traffic-routing',
            trafficRouting.real,
            withFix(
              requiredText(trafficRouting.argo, InvalidSetCanaryScaleTrafficPolicy),
              'Remove setCanaryScale steps or configure trafficRouting.',
            ),
          ),
        ]
      : []),
    ...(step.setHeaderRoute ? headerRouteRules(step.setHeaderRoute, i, tr) : []),
    ...(step.setMirrorRoute ? mirrorRouteRules(step.setMirrorRoute, i, tr) : []),
    ...managedRouteRules(step, i, tr),
    ...experimentRules(step, i, tr),
  ]);
}
