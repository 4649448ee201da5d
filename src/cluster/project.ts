/**
 * Wire object → store projection, for both sources. The routing parsers never throw; an
 * object they cannot identify (no name, not an object) comes back as a `problem` sentence
 * so the source can report it and carry on with the rest.
 */
import { GATEWAY_API_GROUP, parseGatewayRoute } from '../routing/gateway-api/index.js';
import { parseIngress, parseIngressClass, parseRollout, parseService } from '../routing/wire/index.js';
import type { Parsed } from '../routing/wire/index.js';
import { newStringMap, own } from '../routing/wire/index.js';
import { CACHED_INGRESS_ANNOTATIONS } from '../routing/keys.js';
import type { Ingress } from '../routing/model.js';
import type { ResourceKind } from './cluster-state.js';
import type { Projections } from './store.js';

const PARSERS: { [K in ResourceKind]: (obj: unknown) => Parsed<Projections[K]> } = {
  rollouts: parseRollout,
  ingresses: parseIngress,
  services: parseService,
  ingressclasses: parseIngressClass,
  httproutes: (obj) => parseGatewayRoute('HTTPRoute', obj),
  grpcroutes: (obj) => parseGatewayRoute('GRPCRoute', obj),
};

export const KIND_NAMES: Record<ResourceKind, string> = {
  rollouts: 'Rollout',
  ingresses: 'Ingress',
  services: 'Service',
  ingressclasses: 'IngressClass',
  httproutes: 'HTTPRoute',
  grpcroutes: 'GRPCRoute',
};

/** The Ingress as the cache keeps it: the annotations in CACHED_INGRESS_ANNOTATIONS only. */
function slimIngress(ingress: Ingress): Ingress {
  const annotations = newStringMap();
  for (const key of CACHED_INGRESS_ANNOTATIONS) {
    const value = own(ingress.annotations, key);
    if (typeof value === 'string') annotations[key] = value;
  }
  return { ...ingress, annotations };
}

export type Projected<K extends ResourceKind> = { value: Projections[K] } | { problem: string };

export function project<K extends ResourceKind>(kind: K, obj: unknown): Projected<K> {
  const parsed = PARSERS[kind](obj);
  if (parsed.value) {
    const value = kind === 'ingresses' ? slimIngress(parsed.value as Ingress) : parsed.value;
    return { value: value as Projections[K] };
  }
  const reasons = parsed.findings.filter((f) => f.severity === 'error').map((f) => f.message);
  return { problem: `${KIND_NAMES[kind]} skipped: ${reasons.join('; ') || 'not a usable object'}` };
}

/**
 * The resource a manifest's apiVersion/kind maps to, or undefined for kinds the webhook
 * does not read. The group is checked too, so a CRD that happens to be called `Rollout`
 * in another group is not mistaken for an Argo Rollout.
 */
export function resourceOfManifest(apiVersion: string, kind: string): ResourceKind | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  switch (kind) {
    case 'Rollout':
      return group === 'argoproj.io' ? 'rollouts' : undefined;
    case 'Ingress':
      return group === 'networking.k8s.io' || group === 'extensions' ? 'ingresses' : undefined;
    case 'IngressClass':
      return group === 'networking.k8s.io' ? 'ingressclasses' : undefined;
    case 'Service':
      return group === '' ? 'services' : undefined;
    case 'HTTPRoute':
      return group === GATEWAY_API_GROUP ? 'httproutes' : undefined;
    case 'GRPCRoute':
      return group === GATEWAY_API_GROUP ? 'grpcroutes' : undefined;
    default:
      return undefined;
  }
}
