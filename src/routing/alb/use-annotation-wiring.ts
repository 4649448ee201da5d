/**
 * Is an Ingress wired so that the ALB actually uses the weighted action Argo Rollouts
 * writes? The Load Balancer Controller reads `actions.<name>` only for a path whose backend
 * is `service.name: <name>` with `service.port.name: use-annotation`, exactly (LBC enhanced_backend_builder.go). Argo
 * Rollouts checks only the service name (argo-rollouts#3809), so every other port form
 * passes its validation and silently sends 100% of that path to one Service.
 *
 * Used for a Rollout under review and, by the Ingress webhook, for an Ingress under review.
 */
import {
  backendField,
  backendObjectField,
  newFinding,
  type FieldPath,
  type FindingPlace,
  type RuleId,
} from '../findings/index.js';
import type { Finding, Ingress, IngressBackend } from '../model.js';
import { USE_ANNOTATION_PORT } from '../keys.js';
import { boundedEditDistance } from '../edit-distance.js';

export interface WiringResult {
  /** True when some rule path routes `service` with port name `use-annotation`. */
  wired: boolean;
  findings: Finding[];
}

/** `Ingress "web" (host "a.example.com", path "/api")`, or the default backend. */
function describeIngressBackend(ingress: Ingress, b: IngressBackend): string {
  if (b.ruleIndex < 0) return `Ingress "${ingress.name}" (spec.defaultBackend)`;
  return `Ingress "${ingress.name}" (host "${b.host ?? '*'}", path "${b.path ?? '/'}")`;
}

function where(ingress: Ingress, b: IngressBackend): FindingPlace {
  return { ingress: ingress.name, host: b.host, path: b.path };
}

/** `use-annotations`, `useannotation`, `Use-Annotation`, `use_annotation`, `use-anotation`... */
export function looksLikeUseAnnotation(portName: string): boolean {
  const squeezed = portName.toLowerCase().replace(/[^a-z]/g, '');
  return (
    squeezed === 'useannotation' ||
    squeezed === 'useannotations' ||
    boundedEditDistance(portName.toLowerCase(), USE_ANNOTATION_PORT, 2) <= 2
  );
}

/** What is wrong with one backend that names the action service; undefined when nothing. */
function diagnose(
  ingress: Ingress,
  b: IngressBackend,
  service: string,
  severity: Finding['severity'],
): Finding | undefined {
  const at = describeIngressBackend(ingress, b);
  const base = backendObjectField(b);
  const finding = (rule: RuleId, field: FieldPath, message: string): Finding =>
    newFinding(rule, field, message, { severity, ...where(ingress, b) });
  if (b.legacyFields) {
    return finding(
      'alb-backend-legacy-fields',
      base.child('servicePort'),
      `${at} uses the legacy extensions/v1beta1 fields serviceName/servicePort, which networking.k8s.io/v1 does not have. Write backend.service.name: ${service} and backend.service.port.name: ${USE_ANNOTATION_PORT}.`,
    );
  }
  if (b.portName === USE_ANNOTATION_PORT) return undefined;
  if (b.portNumber !== undefined) {
    return finding(
      'alb-backend-port-number',
      base.child('service', 'port', 'number'),
      `${at}: port.number ${b.portNumber} makes the ALB forward straight to ${service}:${b.portNumber} and ignore the weighted action, so the canary gets no traffic there. Replace port.number with port.name: ${USE_ANNOTATION_PORT}.`,
    );
  }
  if (b.portName !== undefined && looksLikeUseAnnotation(b.portName)) {
    return finding(
      'alb-backend-port-name-misspelt',
      base.child('service', 'port', 'name'),
      `${at}: port.name "${b.portName}" is not "${USE_ANNOTATION_PORT}" (exact, lowercase, singular), so the ALB looks for a Service port of that name and ignores the weighted action. Change it to ${USE_ANNOTATION_PORT}.`,
    );
  }
  return finding(
    'alb-backend-port-not-use-annotation',
    base.child('service', 'port'),
    `${at}: ${b.portName !== undefined ? `port.name "${b.portName}"` : 'no port'} makes the ALB forward straight to Service ${service} and ignore the weighted action, so the canary gets no traffic there. Set port.name: ${USE_ANNOTATION_PORT}.`,
  );
}

/**
 * The LBC passes an ImplementationSpecific path to the ALB as is, and the path pattern `/`
 * matches only the URL `/` (LBC config_types.go; argo-rollouts#2829).
 */
function rootOnly(ingress: Ingress, b: IngressBackend): Finding[] {
  if (
    b.ruleIndex < 0 ||
    b.path !== '/' ||
    (b.pathType !== undefined && b.pathType !== 'ImplementationSpecific')
  ) {
    return [];
  }
  return [
    newFinding(
      'alb-path-matches-root-only',
      backendField(b).child('path'),
      `${describeIngressBackend(ingress, b)}: on the ALB this path matches only the URL "/" (pathType ImplementationSpecific passes the pattern as is). Use path "/*", or pathType Prefix.`,
      { severity: 'warning', ...where(ingress, b) },
    ),
  ];
}

/**
 * Checks the paths of `ingress` that route `service` (the ALB action service). When none is
 * correct, each near miss is an error; when one is, the others are warnings (they bypass
 * the weights, which may be deliberate, e.g. a health-check path).
 */
export function albIngressWiring(ingress: Ingress, service: string): WiringResult {
  const onService = ingress.backends.filter((b) => b.serviceName === service && !b.resource);
  // Argo and the Load Balancer Controller both need it in a rule; a default backend alone is not enough for Argo.
  const wired = onService.some(
    (b) => b.ruleIndex >= 0 && !b.legacyFields && b.portName === USE_ANNOTATION_PORT,
  );
  const severity = wired ? 'warning' : 'error';
  const findings = onService.flatMap((b) => diagnose(ingress, b, service, severity) ?? rootOnly(ingress, b));
  return { wired, findings };
}

/** True when Argo's own check passes: some rule path names `service` (the port is not looked at). */
export function hasRuleWithService(ingress: Ingress, service: string): boolean {
  return ingress.backends.some((b) => b.ruleIndex >= 0 && b.serviceName === service);
}

/** A short list of the Services the rule paths route instead, for "no rules using service". */
export function otherBackends(ingress: Ingress, limit = 2): string {
  const others = ingress.backends.filter((b) => b.ruleIndex >= 0 && b.serviceName !== undefined);
  if (others.length === 0) return 'It has no rule paths with a Service backend.';
  const shown = others
    .slice(0, limit)
    .map((b) => `${b.serviceName} at host "${b.host ?? '*'}" path "${b.path ?? '/'}"`)
    .join('; ');
  return `Its paths route ${shown}${others.length > limit ? ` and ${others.length - limit} more` : ''}.`;
}
