/** The resources the webhook caches, and where the apiserver serves them. */
import type { ResourceKind } from './cluster-state.js';

export interface ResourceDef {
  kind: ResourceKind;
  group: string;
  version: string;
  namespaced: boolean;
  /** The CRD may be absent from a cluster without that being an error (Gateway API routes). */
  optional?: boolean;
}

export const RESOURCES: Record<ResourceKind, ResourceDef> = {
  rollouts: { kind: 'rollouts', group: 'argoproj.io', version: 'v1alpha1', namespaced: true },
  ingresses: { kind: 'ingresses', group: 'networking.k8s.io', version: 'v1', namespaced: true },
  services: { kind: 'services', group: '', version: 'v1', namespaced: true },
  ingressclasses: { kind: 'ingressclasses', group: 'networking.k8s.io', version: 'v1', namespaced: false },
  httproutes: {
    kind: 'httproutes',
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespaced: true,
    optional: true,
  },
  grpcroutes: {
    kind: 'grpcroutes',
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespaced: true,
    optional: true,
  },
};

/** Collection path, e.g. `/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts`. */
export function collectionPath(def: ResourceDef, namespace?: string): string {
  const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const scope =
    def.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${def.kind}`;
}
