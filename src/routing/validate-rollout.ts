/**
 * Validation of a Rollout's canary traffic routing, on its own (`validateRolloutSpec`) and
 * against the objects it references (`validateRolloutReferences`, see validate-references.ts).
 *
 * The spec rules follow Argo Rollouts' `ValidateRolloutStrategyCanary` (current release) in
 * its order and with its words, so a message here can be found in the controller's
 * InvalidSpec condition and vice versa; each message then says how to fix the problem.
 * The rules after Argo's catch what Argo accepts but the load balancer cannot do.
 */
import { internalErrorText, invalidText, requiredText } from './field-error.js';
import { headerMatchFindings } from './validate-header-match.js';
import { validateRolloutReferences } from './validate-references.js';
import type {
  CanaryStep,
  CanaryStrategy,
  ClusterView,
  Finding,
  MirrorRouteMatch,
  Rollout,
  SetHeaderRoute,
  SetMirrorRoute,
  StringMatch,
  TrafficRouting,
} from './model.js';
import { DEFAULT_ALB_PREFIX } from './model.js';
import type { IngressClassOptions } from './ingress-class.js';

/** Where the object's fields really are. */
const CANARY = 'spec.strategy.canary';
/** Argo validates the canary strategy under `spec.strategy` (reference §4.1, path quirk). */
const ARGO = 'spec.strategy';

/** Kubernetes allows 63 characters after the `/` of an annotation key (lb-controllers A.1). */
const ANNOTATION_NAME_MAX = 63;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** AWS limits a target group's stickiness to 7 days (Argo checks it when it writes the action). */
const STICKINESS_MAX_SECONDS = 604800;

/** Bad values longer than this are cut in messages: the webhook shortens warnings anyway. */
const MAX_VALUE_CHARS = 100;

function error(rule: string, field: string, message: string): Finding {
  return { severity: 'error', rule, field, message };
}

function warning(rule: string, field: string, message: string): Finding {
  return { severity: 'warning', rule, field, message };
}

/** An Argo `Invalid` error at `spec.strategy.<sub>` with its detail, then how to fix it. */
function argoInvalid(rule: string, sub: string, value: unknown, detail: string, fix: string): Finding {
  const text = invalidText(`${ARGO}.${sub}`, value, detail, MAX_VALUE_CHARS);
  return error(rule, `${CANARY}.${sub}`, withFix(text, fix));
}

/** Argo's text, then our advice; a period is added where Argo's detail has none. */
function withFix(text: string, fix: string): string {
  return /[.!]$/.test(text) ? `${text} ${fix}` : `${text}. ${fix}`;
}

// ---------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------

function hasProvider(tr: TrafficRouting, name: string): boolean {
  return tr.otherProviders.includes(name);
}

const istio = (tr: TrafficRouting): boolean => hasProvider(tr, 'istio');
const plugins = (tr: TrafficRouting): boolean => hasProvider(tr, 'plugins');

/** Argo's `requireCanaryStableServices` (current release: an explicit list of routers). */
function requiresCanaryStableServices(canary: CanaryStrategy, tr: TrafficRouting): boolean {
  const noPingPong = canary.pingPong === undefined;
  return (
    (tr.alb !== undefined && noPingPong) ||
    (istio(tr) && !tr.istioDestinationRule && noPingPong) ||
    tr.nginx !== undefined ||
    ['smi', 'apisix', 'ambassador', 'appMesh', 'traefik'].some((p) => hasProvider(tr, p))
  );
}

// ---------------------------------------------------------------------------------------
// Strategy-level rules (reference §4.2 rules 2–6)
// ---------------------------------------------------------------------------------------

function serviceRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  if (canary.canaryService && canary.stableService && canary.canaryService === canary.stableService) {
    out.push(
      argoInvalid(
        'canary-same-service',
        'stableService',
        canary.stableService,
        'This rollout uses the same service for the stable and canary services, but two different services are required.',
        'Point canaryService and stableService at two different Services.',
      ),
    );
  }
  if (canary.pingPong) out.push(...pingPongRules(canary));
  if (tr && requiresCanaryStableServices(canary, tr)) {
    for (const key of ['stableService', 'canaryService'] as const) {
      if (canary[key]) continue;
      out.push(
        argoInvalid(
          'traffic-routing-services-required',
          key,
          '',
          'Canary service and Stable service must to be set to use Traffic Routing',
          `Set ${CANARY}.${key} to the Service that selects the ${key === 'stableService' ? 'stable' : 'canary'} pods.`,
        ),
      );
    }
  }
  return out;
}

function pingPongRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  const ping = canary.pingPong?.pingService ?? '';
  const pong = canary.pingPong?.pongService ?? '';
  if (tr && !tr.alb && !istio(tr) && !plugins(tr)) {
    out.push(
      argoInvalid(
        'ping-pong-router-unsupported',
        'trafficRouting.alb',
        null,
        'Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only',
        'Use trafficRouting.alb with pingPong, or replace pingPong by stableService and canaryService.',
      ),
    );
  }
  for (const [key, value] of [
    ['pingService', ping],
    ['pongService', pong],
  ] as const) {
    if (value !== '') continue;
    out.push(
      argoInvalid(
        'ping-pong-service-missing',
        `pingPong.${key}`,
        '',
        'Ping service and Pong service must to be set to use Ping-Pong feature',
        `Set ${CANARY}.pingPong.${key} to a Service name.`,
      ),
    );
  }
  if (ping === pong) {
    out.push(
      argoInvalid(
        'ping-pong-same-service',
        'pingPong.pingService',
        ping,
        'This rollout uses the same service for the ping and pong services, but two different services are required.',
        'Give pingService and pongService two different Services.',
      ),
    );
  }
  if (tr?.alb && !tr.alb.rootService) {
    out.push(
      argoInvalid(
        'ping-pong-alb-root-service-missing',
        'trafficRouting.alb.rootService',
        '',
        'Root service field is required for the configuration with ALB and ping-pong feature enabled',
        'Set alb.rootService to the backend name your Ingress paths use with port name use-annotation.',
      ),
    );
  }
  return out;
}

function scalingRules(canary: CanaryStrategy): Finding[] {
  const out: Finding[] = [];
  const tr = canary.trafficRouting;
  if (!tr) {
    if (canary.scaleDownDelaySeconds !== undefined) {
      out.push(
        argoInvalid(
          'scale-down-delay-without-traffic-routing',
          'scaleDownDelaySeconds',
          canary.scaleDownDelaySeconds,
          'Canary scaleDownDelaySeconds can only be used with traffic routing',
          'Remove scaleDownDelaySeconds or configure trafficRouting.',
        ),
      );
    }
    if (canary.dynamicStableScale) {
      out.push(
        argoInvalid(
          'dynamic-stable-scale-without-traffic-routing',
          'dynamicStableScale',
          true,
          'Canary dynamicStableScale can only be used with traffic routing',
          'Remove dynamicStableScale or configure trafficRouting.',
        ),
      );
    }
    return out;
  }
  if (canary.scaleDownDelaySeconds !== undefined && canary.dynamicStableScale) {
    out.push(
      argoInvalid(
        'dynamic-stable-scale-with-scale-down-delay',
        'dynamicStableScale',
        true,
        'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds',
        'Remove one of dynamicStableScale and scaleDownDelaySeconds.',
      ),
    );
  }
  if (tr.maxTrafficWeight !== undefined && !tr.nginx && !plugins(tr)) {
    out.push(
      argoInvalid(
        'max-traffic-weight-unsupported',
        'trafficRouting.maxTrafficWeight',
        tr.maxTrafficWeight,
        'Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins',
        'Remove maxTrafficWeight: ALB weights are always out of 100.',
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Step rules (reference §4.2 rule 7)
// ---------------------------------------------------------------------------------------

const STEP_MESSAGE =
  'Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause';

function stepShapeRules(step: CanaryStep, i: number, maxWeight: number): Finding[] {
  const out: Finding[] = [];
  const sub = `steps[${i}]`;
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
        sub,
        flags.join(' '),
        STEP_MESSAGE,
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
      argoInvalid('step-empty', sub, flags.join(' '), STEP_MESSAGE, 'Add an action or delete the step.'),
    );
  }
  if (step.setWeight !== undefined && (step.setWeight < 0 || step.setWeight > maxWeight)) {
    out.push(
      argoInvalid(
        'step-set-weight-range',
        `${sub}.setWeight`,
        step.setWeight,
        `SetWeight needs to be between 0 and ${maxWeight}`,
        `Use a weight from 0 to ${maxWeight}.`,
      ),
    );
  }
  return out;
}

/** Argo's `hasALBInvalidValues`: ALB conditions can only compare a header to exact values. */
function albHeaderValueRule(value: StringMatch | null, sub: string): Finding[] {
  if (value === null) {
    return [
      argoInvalid(
        'header-route-match-value-missing',
        sub,
        null,
        'StringMatch value missed, match value must have one of the following: exact, regex, prefix',
        'Set headerValue.exact.',
      ),
    ];
  }
  if (!value.exact || value.regex || value.prefix) {
    return [
      argoInvalid(
        'header-route-match-alb-exact-only',
        sub,
        stringMatchJson(value),
        "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
        'Use headerValue.exact only; ALB header conditions cannot do prefix or regex matches.',
      ),
    ];
  }
  return [];
}

/** Argo's `hasMultipleMatchValues`: exactly one of exact, regex, prefix (Istio rules). */
function oneOfStringMatchRule(value: StringMatch | null | undefined, sub: string): Finding[] {
  const count = value ? [value.exact, value.regex, value.prefix].filter((v) => v).length : 0;
  if (count === 1) return [];
  if (count > 1) {
    return [
      argoInvalid(
        'string-match-multiple-values',
        sub,
        stringMatchJson(value!),
        'StringMatch match value must have exactly one of the following: exact, regex, prefix',
        'Keep only one of exact, regex and prefix.',
      ),
    ];
  }
  return [
    argoInvalid(
      'string-match-value-missing',
      sub,
      value ? stringMatchJson(value) : null,
      'StringMatch value missed, match value must have one of the following: exact, regex, prefix',
      'Set one of exact, regex and prefix.',
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
  const headers = Object.keys(m.headers ?? {})
    .sort()
    .map((k) => [k, stringMatchJson(m.headers![k]!)] as const);
  return {
    ...(m.method ? { method: stringMatchJson(m.method) } : {}),
    ...(m.path ? { path: stringMatchJson(m.path) } : {}),
    ...(headers.length ? { headers: Object.fromEntries(headers) } : {}),
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
  const sub = `steps[${i}].setHeaderRoute`;
  if (!tr || (!istio(tr) && !tr.alb && !hasProvider(tr, 'apisix') && !plugins(tr))) {
    return [
      argoInvalid(
        'header-route-router-unsupported',
        sub,
        headerRouteJson(route),
        'SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix',
        tr?.nginx
          ? 'NGINX has no header routes here: remove the step (use canary-by-header in canaryIngressAnnotations).'
          : 'Remove the step, or route with ALB, Istio, Apisix or a plugin.',
      ),
    ];
  }
  const matches = route.match ?? [];
  if (tr.alb && route.match !== null && matches.length === 0) {
    // Argo writes `conditions.<name>: null` and inserts a `/*` path first in every rule, so
    // the route has no header condition and takes all traffic.
    return [
      error(
        'alb-header-route-empty-match',
        `${CANARY}.${sub}.match`,
        `${CANARY}.${sub}.match: an empty list makes Argo Rollouts write conditions.${route.name}: null, so header route "${route.name}" matches every request and sends ALL traffic to the canary. Add a match, or omit match to remove the route.`,
      ),
    ];
  }
  return matches.flatMap((m, j) =>
    tr.alb
      ? albHeaderValueRule(m.headerValue, `${sub}.match[${j}]`)
      : oneOfStringMatchRule(m.headerValue, `${sub}.match[${j}]`),
  );
}

function mirrorRouteRules(route: SetMirrorRoute, i: number, tr: TrafficRouting | undefined): Finding[] {
  const out: Finding[] = [];
  const sub = `steps[${i}].setMirrorRoute`;
  if (!tr || (!istio(tr) && !plugins(tr))) {
    out.push(
      argoInvalid(
        'mirror-route-router-unsupported',
        sub,
        mirrorRouteJson(route),
        'SetMirrorRoute requires TrafficRouting, supports Istio and Plugins',
        tr?.alb || tr?.nginx
          ? 'ALB and NGINX cannot mirror through Argo Rollouts: remove the step.'
          : 'Remove the step, or route with Istio or a plugin.',
      ),
    );
  } else if (tr.alb || tr.nginx) {
    // Argo accepts the step because another router can mirror, then the ALB and NGINX
    // reconcilers silently do nothing with it.
    const routers = [tr.alb && 'ALB', tr.nginx && 'NGINX'].filter(Boolean).join(' and ');
    out.push(
      error(
        'mirror-route-not-supported',
        `${CANARY}.${sub}`,
        `${CANARY}.${sub}: the ${routers} traffic router ignores mirror routes, so mirror route "${route.name}" copies no traffic through the Ingress. Mirror with Istio or a plugin only, or remove the step.`,
      ),
    );
  }
  (route.match ?? []).forEach((m, j) => {
    // Argo checks `method` twice (a copy-paste slip); one finding per problem is enough.
    if (m.method) out.push(...oneOfStringMatchRule(m.method, `${sub}.match[${j}]`));
    if (m.path) out.push(...oneOfStringMatchRule(m.path, `${sub}.match[${j}]`));
  });
  return out;
}

function managedRouteRules(step: CanaryStep, i: number, tr: TrafficRouting | undefined): Finding[] {
  if (!tr) return [];
  const routes: [string, string][] = [];
  if (step.setHeaderRoute) routes.push(['setHeaderRoute', step.setHeaderRoute.name]);
  if (step.setMirrorRoute) routes.push(['setMirrorRoute', step.setMirrorRoute.name]);
  if (routes.length === 0) return [];
  if (tr.managedRoutes === undefined) {
    return [
      error(
        'managed-routes-required',
        `${CANARY}.trafficRouting.managedRoutes`,
        withFix(
          requiredText(
            `${ARGO}.trafficRouting.managedRoutes`,
            "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'",
          ),
          'List every setHeaderRoute/setMirrorRoute name under trafficRouting.managedRoutes.',
        ),
      ),
    ];
  }
  const managed = tr.managedRoutes;
  return routes
    .filter(([, name]) => !managed.includes(name))
    .map(([kind, name]) =>
      argoInvalid(
        'managed-routes-missing-route',
        `steps[${i}].${kind}`,
        name,
        'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes',
        `Add {name: ${name}} to trafficRouting.managedRoutes.`,
      ),
    );
}

function experimentRules(step: CanaryStep, i: number, tr: TrafficRouting | undefined): Finding[] {
  const templates = step.experiment?.templates ?? [];
  return templates.flatMap((t, k) => {
    if (t.weight === undefined) return [];
    const sub = `steps[${i}].experiment.templates[${k}].weight`;
    if (!tr) {
      return [
        argoInvalid(
          'experiment-weight-without-traffic-routing',
          sub,
          t.weight,
          'Experiment template weight cannot be set unless TrafficRouting is enabled',
          'Remove the weight or configure trafficRouting.',
        ),
      ];
    }
    if (!tr.alb && !hasProvider(tr, 'smi') && !istio(tr) && !plugins(tr)) {
      return [
        argoInvalid(
          'experiment-weight-router-unsupported',
          sub,
          t.weight,
          'Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time',
          'Remove the weight: NGINX cannot send traffic to experiment pods.',
        ),
      ];
    }
    return [];
  });
}

function stepRules(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  const maxWeight = tr?.maxTrafficWeight ?? 100;
  return canary.steps.flatMap((step, i) => [
    ...stepShapeRules(step, i, maxWeight),
    ...(step.setCanaryScale && !tr
      ? [
          error(
            'set-canary-scale-without-traffic-routing',
            `${CANARY}.trafficRouting`,
            withFix(
              requiredText(`${ARGO}.trafficRouting`, 'SetCanaryScale requires TrafficRouting to be set'),
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

// ---------------------------------------------------------------------------------------
// Rules Argo checks only at reconcile time, or not at all
// ---------------------------------------------------------------------------------------

/** Current release: exactly one of `ingress` / `ingresses` (and of the NGINX pair). */
function ingressListRules(tr: TrafficRouting): Finding[] {
  const out: Finding[] = [];
  const pairs = [
    {
      router: 'alb',
      single: tr.alb?.ingress,
      list: tr.alb?.ingresses,
      names: ['Ingress', 'Ingresses'],
      set: tr.alb !== undefined,
    },
    {
      router: 'nginx',
      single: tr.nginx?.stableIngress,
      list: tr.nginx?.stableIngresses,
      names: ['StableIngress', 'StableIngresses'],
      set: tr.nginx !== undefined,
    },
  ];
  for (const p of pairs) {
    if (!p.set) continue;
    const single = !!p.single;
    const list = p.list !== undefined;
    if (single === list) {
      const [a, b] = p.names as [string, string];
      const both = single ? 'Both' : 'Neither';
      const field = `${CANARY}.trafficRouting.${p.router}`;
      const fields = `${a[0]!.toLowerCase()}${a.slice(1)} or ${b[0]!.toLowerCase()}${b.slice(1)}`;
      out.push(
        error(
          `${p.router}-ingress-${both.toLowerCase()}`,
          field,
          `${internalErrorText(field, `Either ${a} or ${b} must be configured. ${both} are configured.`)} Set exactly one of ${fields}.`,
        ),
      );
    }
  }
  return out;
}

function stickinessRule(tr: TrafficRouting): Finding[] {
  const sticky = tr.alb?.stickinessConfig;
  if (!sticky?.enabled) return [];
  const d = sticky.durationSeconds;
  if (d >= 1 && d <= STICKINESS_MAX_SECONDS) return [];
  return [
    error(
      'alb-stickiness-duration-range',
      `${CANARY}.trafficRouting.alb.stickinessConfig.durationSeconds`,
      `TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)! Argo Rollouts fails every weight change with this error; set durationSeconds from 1 to 604800 (it is ${d}).`,
    ),
  ];
}

/** Names Argo writes into annotation keys must fit the 63-character name part (A.1). */
function albKeyLengthRules(canary: CanaryStrategy): Finding[] {
  const alb = canary.trafficRouting?.alb;
  if (!alb) return [];
  const out: Finding[] = [];
  const actionField = alb.rootService ? 'trafficRouting.alb.rootService' : 'stableService';
  const actionName = alb.rootService || canary.stableService || '';
  const limit = (kind: string) => ANNOTATION_NAME_MAX - `${kind}.`.length;
  if (actionName.length > limit('actions')) {
    out.push(
      error(
        'alb-action-name-too-long',
        `${CANARY}.${actionField}`,
        `${CANARY}.${actionField}: "${actionName}" has ${actionName.length} characters, but the annotation key actions.${actionName} may have at most 63 after the "/", so the name may have at most ${limit('actions')}. Use a shorter Service name.`,
      ),
    );
  }
  canary.steps.forEach((step, i) => {
    const name = step.setHeaderRoute?.name;
    if (name === undefined) return;
    const field = `${CANARY}.steps[${i}].setHeaderRoute.name`;
    if (name.length > limit('conditions')) {
      out.push(
        error(
          'alb-conditions-name-too-long',
          field,
          `${field}: "${name}" has ${name.length} characters, but the annotation key conditions.${name} may have at most 63 after the "/", so a header route name may have at most ${limit('conditions')}. Use a shorter name.`,
        ),
      );
    } else if (!DNS1035_LABEL.test(name)) {
      out.push(
        error(
          'alb-header-route-name-invalid',
          field,
          `${field}: "${name}" is not a valid Service name, but Argo Rollouts writes it as an Ingress backend service name. Use lowercase letters, digits and '-', starting with a letter.`,
        ),
      );
    }
  });
  return out;
}

function albPrefixRule(tr: TrafficRouting): Finding[] {
  const prefix = tr.alb?.annotationPrefix;
  if (prefix === undefined || prefix === DEFAULT_ALB_PREFIX) return [];
  return [
    warning(
      'alb-annotation-prefix-ignored',
      `${CANARY}.trafficRouting.alb.annotationPrefix`,
      `AWS Load Balancer Controller v2 reads only ${DEFAULT_ALB_PREFIX}/ annotations, so actions written under "${prefix}/" are ignored. Remove annotationPrefix unless you run the legacy v1 controller with that prefix.`,
    ),
  ];
}

/**
 * With ALB, all conditions of one rule must hold. Argo merges matches whose header names
 * are byte-equal into one condition (values ORed), but names that differ only in case stay
 * separate conditions, and ALB compares header names case-insensitively: one header would
 * need two different values at once.
 */
function albNeverMatchRules(canary: CanaryStrategy): Finding[] {
  if (!canary.trafficRouting?.alb) return [];
  return canary.steps.flatMap((step, i) =>
    step.setHeaderRoute
      ? headerMatchFindings(step.setHeaderRoute, `${CANARY}.steps[${i}].setHeaderRoute`)
      : [],
  );
}

/** A step list that never gives the canary any traffic (user-needs P4). */
function trafficNeverShiftsRule(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  if (!tr || canary.steps.length === 0) return [];
  const sendsTraffic = canary.steps.some(
    (s) =>
      (s.setWeight ?? 0) > 0 ||
      (s.experiment?.templates ?? []).some((t) => (t.weight ?? 0) > 0) ||
      (s.setHeaderRoute?.match?.length ?? 0) > 0,
  );
  if (sendsTraffic) return [];
  return [
    warning(
      'steps-never-shift-traffic',
      `${CANARY}.steps`,
      'No step sends traffic to the canary (no setWeight above 0, experiment weight or header route), so it gets 0% until full promotion, then 100% at once. Add setWeight steps; setCanaryScale only scales pods.',
    ),
  ];
}

// ---------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------

export function validateRolloutSpec(rollout: Rollout): Finding[] {
  const canary = rollout.canary;
  if (!canary) return [];
  const tr = canary.trafficRouting;
  const findings = [
    ...serviceRules(canary),
    ...scalingRules(canary),
    ...stepRules(canary),
    ...(tr ? [...ingressListRules(tr), ...stickinessRule(tr), ...albPrefixRule(tr)] : []),
    ...albKeyLengthRules(canary),
    ...albNeverMatchRules(canary),
    ...trafficNeverShiftsRule(canary),
  ];
  return dedupe(findings);
}

/** Spec and reference findings of a Rollout, errors first (order otherwise kept). */
export function validateRollout(
  rollout: Rollout,
  cluster: ClusterView,
  options?: IngressClassOptions,
): Finding[] {
  const all = [...validateRolloutSpec(rollout), ...validateRolloutReferences(rollout, cluster, options)];
  return [...all.filter((f) => f.severity === 'error'), ...all.filter((f) => f.severity === 'warning')];
}

export { validateRolloutReferences };

/** Argo reports some rules once per step (managedRoutes); a user needs each finding once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.field}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
