/**
 * Rules Argo Rollouts checks only when it reconciles (so the user learns late, from an
 * event), or not at all although the load balancer cannot do what the spec asks.
 */
import { MAX_STICKINESS_SECONDS, STICKINESS_DURATION_ERROR } from '../alb/index.js';
import type { RuleId } from '../findings/index.js';
import { internalErrorText } from '../findings/index.js';
import { CANARY, error, warning } from './argo-finding.js';
import type { CanaryStrategy, Finding, TrafficRouting } from '../model.js';
import { DEFAULT_ALB_PREFIX } from '../keys.js';
import { headerMatchFindings } from './header-match.js';

/** Kubernetes allows 63 characters after the `/` of an annotation key (LBC parser.go). */
const ANNOTATION_NAME_MAX = 63;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_PORT = 65535;

/** Current release: exactly one of `ingress` / `ingresses` (and of the NGINX pair). */
function ingressListRules(tr: TrafficRouting): Finding[] {
  const out: Finding[] = [];
  const pairs: {
    router: string;
    single?: string;
    list?: string[];
    names: string[];
    rules: Record<'Both' | 'Neither', RuleId>;
    set: boolean;
  }[] = [
    {
      router: 'alb',
      single: tr.alb?.ingress,
      list: tr.alb?.ingresses,
      names: ['Ingress', 'Ingresses'],
      rules: { Both: 'alb-ingress-both', Neither: 'alb-ingress-neither' },
      set: tr.alb !== undefined,
    },
    {
      router: 'nginx',
      single: tr.nginx?.stableIngress,
      list: tr.nginx?.stableIngresses,
      names: ['StableIngress', 'StableIngresses'],
      rules: { Both: 'nginx-ingress-both', Neither: 'nginx-ingress-neither' },
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
          p.rules[both],
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
  if (d >= 1 && d <= MAX_STICKINESS_SECONDS) return [];
  return [
    error(
      'alb-stickiness-duration-range',
      `${CANARY}.trafficRouting.alb.stickinessConfig.durationSeconds`,
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
  return [
    error(
      'alb-service-port-invalid',
      `${CANARY}.trafficRouting.alb.servicePort`,
      port === 0
        ? `${CANARY}.trafficRouting.alb.servicePort is not set, so Argo Rollouts writes ServicePort "0" into the action and the ALB finds no such port. Set it to the port the stable and canary Services expose.`
        : `${CANARY}.trafficRouting.alb.servicePort ${port} is not a port number (1 to 65535). Set it to the port the stable and canary Services expose.`,
    ),
  ];
}

/** Names Argo writes into annotation keys must fit the 63-character name part (LBC parser.go). */
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

/** A step list that never gives the canary any traffic. */
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

/** All rules of this file, in a stable order. */
export function beyondArgoRules(canary: CanaryStrategy): Finding[] {
  const tr = canary.trafficRouting;
  return [
    ...(tr
      ? [...ingressListRules(tr), ...albServicePortRule(tr), ...stickinessRule(tr), ...albPrefixRule(tr)]
      : []),
    ...albKeyLengthRules(canary),
    ...albNeverMatchRules(canary),
    ...trafficNeverShiftsRule(canary),
  ];
}
