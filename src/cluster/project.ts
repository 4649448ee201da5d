/**
 * Wire object → store projection, for both sources. The routing parsers never throw; an
 * object they cannot identify (no name, not an object) comes back as a `problem` sentence
 * so the source can report it and carry on with the rest.
 */
import { GATEWAY_API_GROUP, parseGatewayRoute } from '../routing/gateway-api/index.js';
import { parseIngress, parseIngressClass, parseRollout, parseService } from '../routing/wire/index.js';
import type { Parsed } from '../routing/wire/index.js';
import { newStringMap, own, setOwn } from '../routing/wire/index.js';
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
    return { value: storeCopy(value as Projections[K]) };
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

type TreeNode = Record<string, unknown> | unknown[];

/**
 * The projection as the store keeps it: the same values, in objects and arrays of its own.
 *
 * Why: V8 decides per allocation site (an object or array literal in the parsers) whether to
 * allocate straight into the old generation, by how many of that site's objects outlive a
 * scavenge. The store keeps every projection as long as its object exists, while the
 * validating hooks and the audit parse with the same functions and drop the result at once.
 * Kept as parsed, the store taught V8 that the parsers' objects live long: their
 * allocations for every review and every audited object went to the old generation and died
 * there (an audit of 40,000 objects promoted 23–35 MiB instead of 10; docs/cluster-state.md).
 * Copied here, the parsers' objects die young, and only this copy lives long.
 *
 * Strings are shared (they are immutable). The tree is walked with a list of pending nodes,
 * not recursion. Objects whose prototype is neither null nor Object's, and not arrays, are
 * shared rather than copied: the parsers make none.
 */
export function storeCopy<T>(projection: T): T {
  const root = shallowCopy(projection);
  if (root === undefined) return projection;
  const pending: TreeNode[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const copy = shallowCopy(node[i]);
        if (copy !== undefined) {
          node[i] = copy;
          pending.push(copy);
        }
      }
    } else {
      for (const key of Object.keys(node)) {
        const copy = shallowCopy(node[key]);
        if (copy !== undefined) {
          // Defined, not assigned, under `__proto__` (a key JSON may carry): assigning an
          // object there would replace the prototype of a plain object.
          if (key === '__proto__') setOwn(node, key, copy);
          else node[key] = copy;
          pending.push(copy);
        }
      }
    }
  }
  return root as T;
}

/** A one-level copy of an array or a plain or null-prototype object; undefined for anything else. */
function shallowCopy(value: unknown): TreeNode | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return value.slice();
  const prototype: unknown = Object.getPrototypeOf(value);
  // Object.assign onto a null-prototype object and spread both define own properties: a
  // `__proto__` key stays a key.
  if (prototype === null) return Object.assign(Object.create(null) as Record<string, unknown>, value);
  if (prototype === Object.prototype) return { ...(value as Record<string, unknown>) };
  return undefined;
}
