/**
 * The one ClusterView forwarder: answers every lookup from another view. A view that changes
 * one answer (the cluster as it would be with an object admitted, a readiness gate in front of
 * a cache) extends it and overrides that lookup only, so a lookup added to ClusterView is
 * forwarded everywhere by adding it here.
 */
import type {
  ClusterView,
  GatewayRoute,
  Ingress,
  IngressClass,
  Rollout,
  RouteKind,
  Service,
} from '../routing/model.js';

export class DelegatingClusterView implements ClusterView {
  constructor(protected readonly inner: ClusterView) {}

  getIngress(namespace: string, name: string): Ingress | undefined {
    return this.inner.getIngress(namespace, name);
  }
  getService(namespace: string, name: string): Service | undefined {
    return this.inner.getService(namespace, name);
  }
  getRollout(namespace: string, name: string): Rollout | undefined {
    return this.inner.getRollout(namespace, name);
  }
  ingressClasses(): IngressClass[] {
    return this.inner.ingressClasses();
  }
  rolloutsReferencingIngress(namespace: string, ingressName: string): readonly Rollout[] {
    return this.inner.rolloutsReferencingIngress(namespace, ingressName);
  }
  getRoute(kind: RouteKind, namespace: string, name: string): GatewayRoute | undefined {
    return this.inner.getRoute(kind, namespace, name);
  }
  rolloutsReferencingRoute(kind: RouteKind, namespace: string, routeName: string): readonly Rollout[] {
    return this.inner.rolloutsReferencingRoute(kind, namespace, routeName);
  }
}
