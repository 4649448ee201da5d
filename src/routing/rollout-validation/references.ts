/**
 * Validation of a Rollout against the Ingresses, Services and IngressClasses it references.
 *
 * GitOps tools apply objects in any order, so an object that does not exist (yet) is only a
 * warning; an object that exists and is wrong is an error.
 */
import {
  CANARY_FIELD,
  TRAFFIC_ROUTING_FIELD,
  backendObjectField,
  describeRulePath,
  invalidText,
  newFinding,
  type FieldPath,
  type RuleId,
} from '../findings/index.js';
import type { IngressClassOptions } from '../ingress-class.js';
import {
  albControllerDecision,
  argoRolloutsIngressClass,
  nginxControllerDecision,
} from '../ingress-class.js';
import { albActionService, referencedIngresses } from '../traffic-state.js';
import { albIngressWiring, hasRuleWithService, otherBackends } from '../alb/index.js';
import {
  ALB_CONTROLLER,
  MANAGED_BY_ROLLOUTS_ANNOTATION,
  NGINX_CONTROLLER,
  ROLLOUT_POD_TEMPLATE_HASH_LABEL,
} from '../keys.js';
import type {
  CanaryStrategy,
  ClusterView,
  Finding,
  Ingress,
  IngressBackend,
  Rollout,
  Service,
} from '../model.js';

export interface ReferenceOptions extends IngressClassOptions {
  /** Argo Rollouts' `--alb-ingress-classes` (default `["alb"]`). */
  rolloutsAlbIngressClasses?: string[];
  /** Argo Rollouts' `--nginx-ingress-classes` (default `["nginx"]`). */
  rolloutsNginxIngressClasses?: string[];
}

/** One Ingress name a Rollout references, with the field that names it. */
interface IngressRef {
  name: string;
  /** Our field path, e.g. `...alb.ingresses[1]`. */
  field: FieldPath;
  /** The path Argo prints in its error (the list field, not an element). */
  argoField: FieldPath;
}

/** The two fields that name a router's Ingresses: the single name and the list. */
interface IngressNameFields {
  one: FieldPath;
  many: FieldPath;
}

const ALB_INGRESS_NAME_FIELDS: IngressNameFields = {
  one: TRAFFIC_ROUTING_FIELD.child('alb', 'ingress'),
  many: TRAFFIC_ROUTING_FIELD.child('alb', 'ingresses'),
};

const NGINX_INGRESS_NAME_FIELDS: IngressNameFields = {
  one: TRAFFIC_ROUTING_FIELD.child('nginx', 'stableIngress'),
  many: TRAFFIC_ROUTING_FIELD.child('nginx', 'stableIngresses'),
};

/**
 * The referenced names (traffic-state.ts decides which field Argo reads), each with the field that
 * names it: `ingresses[k]` for a list entry, so a finding points at the right element.
 */
function ingressRefs(names: string[], list: string[] | undefined, fields: IngressNameFields): IngressRef[] {
  if (list === undefined) return names.map((name) => ({ name, field: fields.one, argoField: fields.one }));
  // The first index of each name, found once: an indexOf per name was quadratic in the list.
  const firstIndex = new Map<string, number>();
  list.forEach((name, i) => {
    if (!firstIndex.has(name)) firstIndex.set(name, i);
  });
  return names.map((name) => ({
    name,
    // Equivalent mutant (+1): each name comes from the list, so it has an index.
    // Stryker disable next-line UnaryOperator: equivalent, not reached
    field: fields.many.index(firstIndex.get(name) ?? -1),
    argoField: fields.many,
  }));
}

const MISSING_WHY =
  'Argo Rollouts will report InvalidSpec until it is created. Ignore this if your GitOps tool is still applying it.';

const NOT_FOUND_RULES = { Ingress: 'ingress-not-found', Service: 'service-not-found' } as const;

function notFound(
  kind: keyof typeof NOT_FOUND_RULES,
  ref: { name: string; field: FieldPath },
  namespace: string,
): Finding {
  return newFinding(
    NOT_FOUND_RULES[kind],
    ref.field,
    `${kind} "${ref.name}" does not exist in namespace ${namespace} yet (${ref.field}); ${MISSING_WHY}`,
    { severity: 'warning', ingress: kind === 'Ingress' ? ref.name : undefined },
  );
}

/** Argo's own reference error, then what we found instead and how to fix it. */
function noRulesFinding(ref: IngressRef, ingress: Ingress, service: string, fix: string): Finding {
  const argo = invalidText(
    ref.argoField,
    ref.name,
    `ingress \`${ingress.name}\` has no rules using service ${service} backend`,
  );
  // No rule path uses the Service (the caller checked), so a backend that does is the default one.
  const defaultNote = ingress.backends.some((b) => b.serviceName === service)
    ? ' spec.defaultBackend uses it, but Argo Rollouts reads only spec.rules.'
    : ` ${otherBackends(ingress)}`;
  return newFinding('ingress-no-rule-for-service', ref.field, `${argo}.${defaultNote} ${fix}`, {
    severity: 'error',
    ingress: ingress.name,
  });
}

/** What differs between the two routers in the ingress-class checks. */
interface ClassCheck {
  router: 'alb' | 'nginx';
  /** The rules of an Ingress the controller does not manage, and of one Argo Rollouts skips. */
  notManagedRule: RuleId;
  unknownClassRule: RuleId;
  decide: typeof albControllerDecision;
  controllerName: string;
  controller: string;
  /** What a not-managed Ingress means for the Rollout. */
  effect: string;
  /** Argo Rollouts' class flag and its default. */
  flag: string;
  classes: (options: ReferenceOptions) => readonly string[];
  /** What Argo Rollouts skips for an Ingress whose class it does not list. */
  skipped: string;
  /** How to make Argo Rollouts see the Ingress. */
  classFix: string;
}

/** Argo Rollouts' defaults of `--alb-ingress-classes` and `--nginx-ingress-classes`. */
const ARGO_DEFAULT_ALB_CLASSES: readonly string[] = ['alb'];
const ARGO_DEFAULT_NGINX_CLASSES: readonly string[] = ['nginx'];

const CLASS_CHECKS: Record<'alb' | 'nginx', ClassCheck> = {
  alb: {
    router: 'alb',
    notManagedRule: 'alb-ingress-not-managed',
    unknownClassRule: 'alb-ingress-class-unknown-to-rollouts',
    decide: albControllerDecision,
    controllerName: 'the AWS Load Balancer Controller',
    controller: ALB_CONTROLLER,
    effect: 'its weights do nothing',
    flag: '--alb-ingress-classes',
    classes: (o) => o.rolloutsAlbIngressClasses ?? ARGO_DEFAULT_ALB_CLASSES,
    skipped: 'it will not reset the action when the Rollout lets go of this Ingress',
    classFix: 'Set spec.ingressClassName: alb, or add the class to the flag.',
  },
  nginx: {
    router: 'nginx',
    notManagedRule: 'nginx-ingress-not-managed',
    unknownClassRule: 'nginx-ingress-class-unknown-to-rollouts',
    decide: nginxControllerDecision,
    controllerName: 'ingress-nginx',
    controller: NGINX_CONTROLLER,
    effect: 'its canary Ingress does nothing',
    flag: '--nginx-ingress-classes',
    classes: (o) => o.rolloutsNginxIngressClasses ?? ARGO_DEFAULT_NGINX_CLASSES,
    skipped: 'edits to it reach the canary Ingress only on the next Rollout change',
    classFix: 'Add the class to the flag.',
  },
};

function classWarning(rule: RuleId, ref: IngressRef, ingress: Ingress, message: string): Finding {
  return newFinding(rule, ref.field, message, { severity: 'warning', ingress: ingress.name });
}

/** The ingress-class warning about one referenced Ingress, if any. */
function classFinding(
  check: ClassCheck,
  ingress: Ingress,
  ref: IngressRef,
  cluster: ClusterView,
  options: ReferenceOptions,
): Finding | undefined {
  const decision = check.decide(ingress, cluster.ingressClasses(), options);
  if (!decision.managed) {
    return classWarning(
      check.notManagedRule,
      ref,
      ingress,
      `Ingress "${ingress.name}" is not managed by ${check.controllerName}, so ${check.effect}: ${decision.reason} Set spec.ingressClassName to an IngressClass with controller ${check.controller}.`,
    );
  }
  const argoClasses = check.classes(options);
  const seen = argoRolloutsIngressClass(ingress) ?? '';
  if (argoClasses.includes(seen)) return undefined;
  return classWarning(
    check.unknownClassRule,
    ref,
    ingress,
    `Ingress "${ingress.name}": Argo Rollouts skips it, as class "${seen}" is not in ${check.flag} (${argoClasses.join(', ')}), so ${check.skipped} (it reads the annotation, then spec.ingressClassName, never the default IngressClass). ${check.classFix}`,
  );
}

/**
 * How to fix an Ingress that has no rule for the Service, asked only then: whether the
 * Service exists is one more cluster lookup.
 */
function noRulesFix(rollout: Rollout, check: ClassCheck, service: string, cluster: ClusterView): string {
  const route =
    check.router === 'alb'
      ? `Route a path to backend.service.name ${service} with port.name use-annotation.`
      : `Route a path to Service ${service}; Argo copies these rules into the canary Ingress.`;
  // A Service name that does not exist is more likely a typo in the Rollout than a missing path.
  return cluster.getService(rollout.namespace, service)
    ? route
    : `Service ${service} does not exist either: if the Rollout's name for it is misspelt, fix the Rollout; otherwise: ${route}`;
}

/**
 * Each referenced Ingress of one router: missing (warning), Argo's own "no rules using
 * service" check, the ALB port wiring, and the ingress class.
 */
function ingressFindings(
  rollout: Rollout,
  check: ClassCheck,
  refs: IngressRef[],
  service: string,
  cluster: ClusterView,
  options: ReferenceOptions,
): Finding[] {
  const out: Finding[] = [];
  for (const ref of refs) {
    const ingress = cluster.getIngress(rollout.namespace, ref.name);
    if (!ingress) {
      out.push(notFound('Ingress', ref, rollout.namespace));
      continue;
    }
    if (service && !hasRuleWithService(ingress, service))
      out.push(noRulesFinding(ref, ingress, service, noRulesFix(rollout, check, service, cluster)));
    else if (service && check.router === 'alb') out.push(...albIngressWiring(ingress, service).findings);
    // Equivalent survivor: service → true: with no Service name, getService finds no Service named '' and nginxBackendPorts returns []
    else if (service)
      out.push(...nginxBackendPorts(ingress, service, cluster.getService(rollout.namespace, service)));
    const classWarningFound = classFinding(check, ingress, ref, cluster, options);
    if (classWarningFound) out.push(classWarningFound);
  }
  return out;
}

/**
 * NGINX routes a path to the Service port its backend names; a port the Service does not
 * declare leaves the path without endpoints (503), and Argo copies the backend into the canary
 * Ingress, so both break. (The ALB path goes through the action instead: see alb-actions.)
 */
function nginxBackendPorts(ingress: Ingress, serviceName: string, service: Service | undefined): Finding[] {
  if (!service) return [];
  return ingress.backends.flatMap((b) => {
    if (b.serviceName !== serviceName || b.resource || b.legacyFields) return [];
    const byNumber = b.portNumber !== undefined;
    if (!byNumber && b.portName === undefined) return [];
    const found = service.ports.some((p) => (byNumber ? p.port === b.portNumber : p.name === b.portName));
    if (found) return [];
    const shown = byNumber ? `port.number ${b.portNumber}` : `port.name "${b.portName}"`;
    const declared = service.ports.map((p) =>
      byNumber ? String(p.port) : (p.name ?? `(unnamed ${p.port})`),
    );
    return [
      newFinding(
        'nginx-backend-port-not-in-service',
        backendPortField(b).child(byNumber ? 'number' : 'name'),
        `Ingress "${ingress.name}" ${describeRulePath(b)}: ${shown} is not a port of Service "${serviceName}" (it has: ${declared.join(', ') || 'none'}), so ingress-nginx finds no endpoints for this path and answers 503, in the stable Ingress and in the canary Ingress Argo Rollouts copies from it. Fix: set ${byNumber ? 'port.number' : 'port.name'} to a port the Service declares.`,
        { severity: 'error', ingress: ingress.name, host: b.host, path: b.path },
      ),
    ];
  });
}

/** `spec.rules[i].http.paths[j].backend.service.port` (or the default backend's). */
function backendPortField(b: IngressBackend): FieldPath {
  return backendObjectField(b).child('service', 'port');
}

/**
 * Services Argo Rollouts fetches (stable, canary, ping, pong). With ALB, the ones that
 * become target groups must expose `alb.servicePort`, or the Load Balancer Controller fails
 * with `unable to find port <port> on service <ns>/<svc>` (LBC config_types.go). `rootService` is left out:
 * it is only the action's name and need not be a Service at all (LBC enhanced_backend_builder.go).
 */
/** A Service a canary strategy names, where, and whether it becomes an ALB target group. */
interface ServiceRef {
  /** How messages name the field. */
  key: string;
  field: FieldPath;
  name(canary: CanaryStrategy): string | undefined;
  targetGroup(canary: CanaryStrategy): boolean;
}

const PING_PONG_FIELD = CANARY_FIELD.child('pingPong');

/** Stable, canary, ping and pong, in that order; the first two are target groups without pingPong. */
const SERVICE_REFS: readonly ServiceRef[] = [
  {
    key: 'stableService',
    field: CANARY_FIELD.child('stableService'),
    name: (canary) => canary.stableService,
    targetGroup: (canary) => !canary.pingPong,
  },
  {
    key: 'canaryService',
    field: CANARY_FIELD.child('canaryService'),
    name: (canary) => canary.canaryService,
    targetGroup: (canary) => !canary.pingPong,
  },
  {
    key: 'pingPong.pingService',
    field: PING_PONG_FIELD.child('pingService'),
    name: (canary) => canary.pingPong?.pingService,
    targetGroup: () => true,
  },
  {
    key: 'pingPong.pongService',
    field: PING_PONG_FIELD.child('pongService'),
    name: (canary) => canary.pingPong?.pongService,
    targetGroup: () => true,
  },
];

function serviceFindings(
  rollout: Rollout,
  canary: CanaryStrategy,
  cluster: ClusterView,
  reportMissing = true,
): Finding[] {
  // Equivalent mutant: both callers pass a canary whose trafficRouting is set.
  // Stryker disable next-line OptionalChaining: equivalent, never undefined here
  const alb = canary.trafficRouting?.alb;
  const out: Finding[] = [];
  for (const ref of SERVICE_REFS) {
    const name = ref.name(canary);
    if (!name) continue;
    const service = cluster.getService(rollout.namespace, name);
    if (!service) {
      if (reportMissing) out.push(notFound('Service', { name, field: ref.field }, rollout.namespace));
      continue;
    }
    serviceOwnershipFindings(rollout, service, ref.field, out);
    // servicePort 0 (unset) is reported once, by the spec rule alb-service-port-missing.
    if (!alb?.servicePort || !ref.targetGroup(canary) || hasPort(service, alb.servicePort)) continue;
    const ports = service.ports.map((p) => p.port).join(', ') || 'none';
    out.push(
      newFinding(
        'service-lacks-alb-port',
        TRAFFIC_ROUTING_FIELD.child('alb', 'servicePort'),
        `Service "${name}" (${ref.key}) has no port ${alb.servicePort} (it has: ${ports}), so the AWS Load Balancer Controller fails with "unable to find port ${alb.servicePort} on service ${rollout.namespace}/${name}". Set alb.servicePort to a port of the Service.`,
      ),
    );
  }
  return out;
}

function hasPort(service: Service, port: number): boolean {
  for (const p of service.ports) if (p.port === port) return true;
  return false;
}

/**
 * Argo Rollouts' `ValidateService` (argoproj/argo-rollouts master 9f8d111,
 * pkg/apis/rollouts/validation/validation_references.go): every selector label of a
 * referenced Service except the pod-template-hash must be on the Rollout's pods, or the target
 * group is empty; and a Service the controller already manages for another Rollout cannot be
 * shared. Both are InvalidSpec for the controller, which then stops the Rollout. Go reports
 * the labels in map order; here they come sorted, so the message is stable.
 */
function serviceOwnershipFindings(
  rollout: Rollout,
  service: Service,
  field: FieldPath,
  out: Finding[],
): void {
  const podLabels = rollout.podLabels;
  const selector = service.selector;
  // The labels are sorted (for the messages) only when one of them is not on the pods.
  // Equivalent survivor: !selectsPods(selector, podLabels) → true: cost only: the loop below finds the same labels
  // Equivalent survivor: selector → true: selectsPods finds no label in an absent selector, so nothing is reported either way
  if (podLabels && selector && !selectsPods(selector, podLabels)) {
    for (const label of Object.keys(selector).sort()) {
      if (podsHaveLabel(label, selector, podLabels)) continue;
      const onPods = Object.hasOwn(podLabels, label)
        ? `the pods have ${label}=${JSON.stringify(podLabels[label])}`
        : `the pods have no label ${label}`;
      out.push(
        newFinding(
          'service-selector-mismatch',
          field,
          `${invalidText(field, service.name, `Service "${service.name}" has unmatch label "${label}" in rollout`)}. It selects ${label}=${JSON.stringify(selector[label])} but ${onPods} (spec.template.metadata.labels), so its target group would be empty. Make the Service's spec.selector match the Rollout's pod labels.`,
        ),
      );
    }
  }
  const manager = service.managedByRollout;
  if (manager !== undefined && manager !== rollout.name) {
    out.push(
      newFinding(
        'service-managed-by-other-rollout',
        field,
        `${invalidText(field, service.name, `Service "${service.name}" is managed by another Rollout`)}. Its annotation ${MANAGED_BY_ROLLOUTS_ANNOTATION} names Rollout "${manager}". Give each Rollout its own Services.`,
      ),
    );
  }
}

/** Whether the pods carry the selector's label (the pod-template-hash always counts as carried). */
function podsHaveLabel(
  label: string,
  selector: Record<string, string>,
  podLabels: Record<string, string>,
): boolean {
  if (label === ROLLOUT_POD_TEMPLATE_HASH_LABEL) return true;
  return Object.hasOwn(podLabels, label) && podLabels[label] === selector[label];
}

// Stryker disable next-line BlockStatement: equivalent, cost only: undefined is falsy, so the caller's sorted loop runs and finds the same labels
function selectsPods(selector: Record<string, string>, podLabels: Record<string, string>): boolean {
  // Equivalent survivor: ConditionalExpression → true: cost only: the caller's sorted loop then runs and finds the same labels
  for (const label in selector) if (!podsHaveLabel(label, selector, podLabels)) return false;
  // Equivalent survivor: true → false: cost only: the caller's sorted loop then finds no label either
  return true;
}

export function validateRolloutReferences(
  rollout: Rollout,
  cluster: ClusterView,
  options: ReferenceOptions = {},
): Finding[] {
  const canary = rollout.canary;
  const tr = canary?.trafficRouting;
  if (!canary || !tr) return [];
  // The controller's own Service checks hold for every router; for routers whose objects the
  // webhook does not read, a Service that does not exist yet is not ours to report.
  if (!tr.alb && !tr.nginx) return serviceFindings(rollout, canary, cluster, false);
  const referenced = referencedIngresses(rollout);
  return [
    ...(tr.alb
      ? ingressFindings(
          rollout,
          CLASS_CHECKS.alb,
          ingressRefs(referenced.alb, tr.alb.ingresses, ALB_INGRESS_NAME_FIELDS),
          albActionService(rollout),
          cluster,
          options,
        )
      : []),
    ...(tr.nginx
      ? ingressFindings(
          rollout,
          CLASS_CHECKS.nginx,
          ingressRefs(referenced.nginx, tr.nginx.stableIngresses, NGINX_INGRESS_NAME_FIELDS),
          canary.stableService ?? '',
          cluster,
          options,
        )
      : []),
    ...serviceFindings(rollout, canary, cluster),
  ];
}
