/**
 * NGINX rendering (argo nginx.go): the canary Ingress the controller creates next to each
 * stable Ingress, with the canary annotations ingress-nginx reads.
 */
import { INGRESS_RULES_FIELD, newFinding } from '../findings/index.js';
import { IngressObject, cloneJson, setOwn } from '../wire/index.js';
import type { Finding, JsonObject, Rollout, TrafficState } from '../model.js';
import { DEFAULT_NGINX_PREFIX, INGRESS_CLASS_ANNOTATION } from '../keys.js';

const MAX_NAME_PREFIX = 246;

/**
 * `<rollout>-<stableIngress>` cut to 246 characters, then `-canary`: at most 253, the
 * Kubernetes name limit. (Go cuts bytes; Kubernetes names are ASCII, so bytes are characters.)
 */
export function canaryIngressName(rolloutName: string, stableIngressName: string): string {
  return `${`${rolloutName}-${stableIngressName}`.slice(0, MAX_NAME_PREFIX)}-canary`;
}

/**
 * The canary annotations, in the order the controller applies them (argo nginx.go):
 * 1. `additionalIngressAnnotations`, a key that does not start with the prefix getting
 *    `<prefix>/` in front. When a bare key and its prefixed spelling are both given, the
 *    controller's winner depends on Go map order (random). Here the prefixed spelling always
 *    wins: it is the exact key the user wrote for that annotation.
 * 2. `canaryIngressAnnotations` verbatim, overriding 1.
 * 3. `<prefix>/canary: "true"`, `<prefix>/canary-weight: "<weight>"`, overriding all above.
 * 4. `<prefix>/canary-weight-total: "<maxTrafficWeight>"` only when `maxTrafficWeight` is set.
 */
export function desiredCanaryAnnotations(rollout: Rollout, state: TrafficState): Record<string, string> {
  const routing = rollout.canary?.trafficRouting;
  const prefix = routing?.nginx?.annotationPrefix || DEFAULT_NGINX_PREFIX;
  const out: Record<string, string> = {};
  const set = (key: string, value: string) => setOwn(out, key, value);
  const additional = Object.entries(routing?.nginx?.additionalIngressAnnotations ?? {});
  const bare = additional.filter(([key]) => !key.startsWith(prefix));
  const prefixed = additional.filter(([key]) => key.startsWith(prefix));
  for (const [key, value] of bare) set(`${prefix}/${key}`, value);
  for (const [key, value] of prefixed) set(key, value);
  for (const [key, value] of Object.entries(routing?.nginx?.canaryIngressAnnotations ?? {})) set(key, value);
  set(`${prefix}/canary`, 'true');
  set(`${prefix}/canary-weight`, String(state.canaryWeight));
  if (routing?.maxTrafficWeight !== undefined)
    set(`${prefix}/canary-weight-total`, String(routing.maxTrafficWeight));
  return out;
}

export interface DesiredCanaryIngress {
  ingress?: JsonObject;
  errors: Finding[];
}

/**
 * The canary Ingress the controller (HEAD) builds from one stable Ingress: the canary name,
 * a controller owner reference to the Rollout, the class annotation only if the stable
 * Ingress has it, the canary annotations, `ingressClassName`, the rules that reference the
 * stable Service with those backends renamed to the canary Service, and TLS. No labels and
 * no default backend.
 */
export function desiredCanaryIngress(
  stableJson: JsonObject,
  rollout: Rollout,
  state: TrafficState,
): DesiredCanaryIngress {
  const stableIngress = IngressObject.of(stableJson);
  const stableName = stableIngress.name;
  const rules = stableIngress.rulesWithBackendRenamed(state.stableService, state.canaryService);
  if (rules.length === 0) {
    // HEAD quotes the `stableIngress` field, which is empty when `stableIngresses` is used.
    const quoted = rollout.canary?.trafficRouting?.nginx?.stableIngress ?? '';
    return {
      errors: [
        newFinding(
          'nginx-stable-service-not-in-rules',
          INGRESS_RULES_FIELD,
          // The controller's own text first (it is what its events say), then the fix.
          `ingress \`${quoted}\` has no rules using service ${state.stableService} backend. ` +
            `Add a rule path whose backend is Service ${state.stableService} to Ingress ${stableName}, ` +
            `or point spec.strategy.canary.stableService at the Service it routes to.`,
          { severity: 'error', ingress: stableName },
        ),
      ],
    };
  }
  const annotations: Record<string, string> = {};
  const ingressClass = stableIngress.annotation(INGRESS_CLASS_ANNOTATION);
  if (ingressClass !== undefined) annotations[INGRESS_CLASS_ANNOTATION] = ingressClass;
  for (const [key, value] of Object.entries(desiredCanaryAnnotations(rollout, state)))
    setOwn(annotations, key, value);

  const spec: JsonObject = {};
  const className = stableIngress.ingressClassName;
  if (className !== undefined) spec.ingressClassName = className;
  spec.rules = rules;
  const tls = stableIngress.tls;
  if (tls !== undefined) spec.tls = cloneJson(tls);

  return {
    ingress: {
      apiVersion: stableIngress.apiVersion ?? 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: canaryIngressName(rollout.name, stableName),
        namespace: rollout.namespace,
        annotations,
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: rollout.name,
            uid: rollout.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec,
    },
    errors: [],
  };
}
