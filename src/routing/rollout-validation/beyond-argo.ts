/**
 * Rules Argo Rollouts checks only when it reconciles (so the user learns late, from an
 * event), or not at all although the load balancer cannot do what the spec asks.
 */
import { MAX_STICKINESS_SECONDS, STICKINESS_DURATION_ERROR } from '../alb/index.js';
import type { FieldPath, RuleIdWithSeverity } from '../findings/index.js';
import { CANARY_FIELD, TRAFFIC_ROUTING_FIELD, internalErrorText } from '../findings/index.js';
import { error, warning } from './argo-finding.js';
import type { CanaryStep, CanaryStrategy, Finding, TrafficRouting } from '../model.js';
import { DEFAULT_ALB_PREFIX } from '../keys.js';
import { headerMatchFindings } from './header-match.js';

/** Kubernetes allows 63 characters after the `/` of an annotation key (LBC parser.go). */
const ANNOTATION_NAME_MAX = 63;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_PORT = 65535;

const STEPS_FIELD = CANARY_FIELD.child('steps');

function stepField(i: number): FieldPath {
  return STEPS_FIELD.index(i);
}

/** What differs between the ALB and the NGINX pair of Ingress fields. */
interface IngressListFields {
  router: 'alb' | 'nginx';
  /** The Go field names Argo's message uses: the single one, then the list. */
  names: [string, string];
  rules: Record<'Both' | 'Neither', RuleIdWithSeverity<'error'>>;
}

const ALB_INGRESS_FIELDS: IngressListFields = {
  router: 'alb',
  names: ['Ingress', 'Ingresses'],
  rules: { Both: 'alb-ingress-both', Neither: 'alb-ingress-neither' },
};

const NGINX_INGRESS_FIELDS: IngressListFields = {
  router: 'nginx',
  names: ['StableIngress', 'StableIngresses'],
  rules: { Both: 'nginx-ingress-both', Neither: 'nginx-ingress-neither' },
};

/** Current release: exactly one of `ingress` / `ingresses` (and of the NGINX pair). */
function ingressListRule(
  fields: IngressListFields,
  single: string | undefined,
  list: string[] | undefined,
  out: Finding[],
): void {
  const hasSingle = !!single;
  const hasList = list !== undefined;
  if (hasSingle !== hasList) return;
  const [a, b] = fields.names;
  const both = hasSingle ? 'Both' : 'Neither';
  const field = TRAFFIC_ROUTING_FIELD.child(fields.router);
  const names = `${a[0]!.toLowerCase()}${a.slice(1)} or ${b[0]!.toLowerCase()}${b.slice(1)}`;
  out.push(
    error(
      fields.rules[both],
      field,
      `${internalErrorText(field, `Either ${a} or ${b} must be configured. ${both} are configured.`)} Set exactly one of ${names}.`,
    ),
  );
}

function ingressListRules(tr: TrafficRouting, out: Finding[]): void {
  if (tr.alb) ingressListRule(ALB_INGRESS_FIELDS, tr.alb.ingress, tr.alb.ingresses, out);
  if (tr.nginx) ingressListRule(NGINX_INGRESS_FIELDS, tr.nginx.stableIngress, tr.nginx.stableIngresses, out);
}

function stickinessRule(tr: TrafficRouting): Finding[] {
  const sticky = tr.alb?.stickinessConfig;
  if (!sticky?.enabled) return [];
  const d = sticky.durationSeconds;
  if (d >= 1 && d <= MAX_STICKINESS_SECONDS) return [];
  return [
    error(
      'alb-stickiness-duration-range',
      TRAFFIC_ROUTING_FIELD.child('alb', 'stickinessConfig', 'durationSeconds'),
      `${STICKINESS_DURATION_ERROR} Argo Rollouts fails every weight change with this error; set durationSeconds from 1 to ${MAX_STICKINESS_SECONDS} (it is ${d}).`,
    ),
  ];
}

/**
 * Only the CRD schema asks for `alb.servicePort`; Argo's validation accepts 0 and then
 * writes `"ServicePort":"0"`, a port no Service has (argo validation.go "Not validated").
 */
function albServicePortRule(tr: TrafficRouting): Finding[] {
  const port = tr.alb?.servicePort;
  if (port === undefined || (port >= 1 && port <= MAX_PORT)) return [];
  const field = TRAFFIC_ROUTING_FIELD.child('alb', 'servicePort');
  return [
    error(
      'alb-service-port-invalid',
      field,
      port === 0
        ? `${field} is not set, so Argo Rollouts writes ServicePort "0" into the action and the ALB finds no such port. Set it to the port the stable and canary Services expose.`
        : `${field} ${port} is not a port number (1 to 65535). Set it to the port the stable and canary Services expose.`,
    ),
  ];
}

/** The longest name that fits after `<kind>.` in an annotation key's name part. */
function longestName(kind: string): number {
  return ANNOTATION_NAME_MAX - `${kind}.`.length;
}

const LONGEST_ACTION_NAME = longestName('actions');
const LONGEST_CONDITIONS_NAME = longestName('conditions');

/** Names Argo writes into annotation keys must fit the 63-character name part (LBC parser.go). */
function albKeyLengthRules(canary: CanaryStrategy, out: Finding[]): void {
  const alb = canary.trafficRouting?.alb;
  if (!alb) return;
  // Equivalent mutant: with neither name set, a seeded 17-character name is within the limit.
  // Stryker disable next-line StringLiteral: equivalent, no finding either way
  const actionName = alb.rootService || canary.stableService || '';
  if (actionName.length > LONGEST_ACTION_NAME) {
    const actionField = alb.rootService
      ? TRAFFIC_ROUTING_FIELD.child('alb', 'rootService')
      : CANARY_FIELD.child('stableService');
    out.push(
      error(
        'alb-action-name-too-long',
        actionField,
        `${actionField}: "${actionName}" has ${actionName.length} characters, but the annotation key actions.${actionName} may have at most 63 after the "/", so the name may have at most ${LONGEST_ACTION_NAME}. Use a shorter Service name.`,
      ),
    );
  }
  canary.steps.forEach((step, i) => {
    const name = step.setHeaderRoute?.name;
    if (name === undefined) return;
    if (name.length > LONGEST_CONDITIONS_NAME) {
      const field = stepField(i).child('setHeaderRoute', 'name');
      out.push(
        error(
          'alb-conditions-name-too-long',
          field,
          `${field}: "${name}" has ${name.length} characters, but the annotation key conditions.${name} may have at most 63 after the "/", so a header route name may have at most ${LONGEST_CONDITIONS_NAME}. Use a shorter name.`,
        ),
      );
    } else if (!DNS1035_LABEL.test(name)) {
      const field = stepField(i).child('setHeaderRoute', 'name');
      out.push(
        error(
          'alb-header-route-name-invalid',
          field,
          `${field}: "${name}" is not a valid Service name, but Argo Rollouts writes it as an Ingress backend service name. Use lowercase letters, digits and '-', starting with a letter.`,
        ),
      );
    }
  });
}

function albPrefixRule(tr: TrafficRouting): Finding[] {
  const prefix = tr.alb?.annotationPrefix;
  if (prefix === undefined || prefix === DEFAULT_ALB_PREFIX) return [];
  return [
    warning(
      'alb-annotation-prefix-ignored',
      TRAFFIC_ROUTING_FIELD.child('alb', 'annotationPrefix'),
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
function albNeverMatchRules(canary: CanaryStrategy, out: Finding[]): void {
  if (!canary.trafficRouting?.alb) return;
  canary.steps.forEach((step, i) => {
    const route = step.setHeaderRoute;
    // A match cannot conflict with itself: only a route with two or more needs comparing.
    // Equivalent survivor: route.match.length > 1 → route.match.length >= 1: one match never conflicts, headerMatchFindings finds nothing
    // Equivalent survivor: route.match.length > 1 → true: cost only: headerMatchFindings finds nothing in fewer than two matches
    if (route && route.match !== null && route.match.length > 1)
      out.push(...headerMatchFindings(route, stepField(i).child('setHeaderRoute')));
  });
}

function sendsTraffic(step: CanaryStep): boolean {
  return (
    (step.setWeight ?? 0) > 0 ||
    // Stryker disable next-line ArrayDeclaration: equivalent, a seeded string has no weight
    (step.experiment?.templates ?? []).some((t) => (t.weight ?? 0) > 0) ||
    (step.setHeaderRoute?.match?.length ?? 0) > 0
  );
}

/** A step list that never gives the canary any traffic. */
function trafficNeverShiftsRule(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  if (!tr || canary.steps.length === 0) return [];
  if (canary.steps.some(sendsTraffic)) return [];
  return [
    warning(
      'steps-never-shift-traffic',
      STEPS_FIELD,
      'No step sends traffic to the canary (no setWeight above 0, experiment weight or header route), so it gets 0% until full promotion, then 100% at once. Add setWeight steps; setCanaryScale only scales pods.',
    ),
  ];
}

/**
 * Configurations the controller accepts that users keep reporting as 503s or stuck traffic,
 * all about `dynamicStableScale`, which scales the stable pods down as the canary's weight
 * grows instead of after promotion.
 */
function dynamicStableScaleTraps(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  if (!canary.dynamicStableScale || !tr) return [];
  const field = CANARY_FIELD.child('dynamicStableScale');
  const out: Finding[] = [];
  if (tr.alb && !canary.pingPong) {
    // argoproj/argo-rollouts issues 3926, 4595, 3617: the weight annotation is written, the
    // stable ReplicaSet shrinks, and the ALB still sends its old share to targets that are gone.
    out.push(
      warning(
        'alb-dynamic-stable-scale-unverified',
        field,
        'Fix: use pingPong, or run the Rollouts controller with --aws-verify-target-group. With ALB, dynamicStableScale removes stable pods as soon as the weight is written, before the load balancer has moved it, so requests reach targets that are gone (503s; argo-rollouts issues 3926, 4595, 3617).',
      ),
    );
  }
  if (tr.nginx) {
    // argoproj/argo-rollouts issue 1820: ingress-nginx answers 503 when the stable Service has
    // no endpoints, even with the canary at 100 %.
    out.push(
      warning(
        'nginx-dynamic-stable-scale',
        field,
        'Fix: remove dynamicStableScale. ingress-nginx answers 503 when the stable Service has no endpoints, even at canary weight 100, and dynamicStableScale scales the stable pods to 0 at 100 % and during promotion (argo-rollouts issue 1820).',
      ),
    );
  }
  if (canary.abortScaleDownDelaySeconds !== undefined) {
    // argoproj/argo-rollouts issue 4898, fixed by pull request 4900 on master after v1.10.0-rc1.
    out.push(
      warning(
        'dynamic-stable-scale-abort-delay',
        CANARY_FIELD.child('abortScaleDownDelaySeconds'),
        'Fix: remove abortScaleDownDelaySeconds, or run a controller with argo-rollouts pull request 4900. With dynamicStableScale, an abort then never scales the canary down and traffic never returns to stable (argo-rollouts issue 4898).',
      ),
    );
  }
  return out;
}

/** All rules of this file, in a stable order. */
export function beyondArgoRules(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  const out: Finding[] = [];
  if (tr) {
    ingressListRules(tr, out);
    out.push(...albServicePortRule(tr), ...stickinessRule(tr), ...albPrefixRule(tr));
  }
  albKeyLengthRules(canary, out);
  albNeverMatchRules(canary, out);
  out.push(...trafficNeverShiftsRule(canary), ...dynamicStableScaleTraps(canary));
  return out;
}
