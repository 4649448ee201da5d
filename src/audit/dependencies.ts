/**
 * What judging an object read from the cache, in the scopes the cache's change journal
 * records (src/cluster/change-journal.ts): when none of them has changed since, judging the
 * object again would read the same answers and find the same findings. Recording the reads,
 * instead of writing down which rule reads what, keeps this true as rules are added: a new
 * lookup is recorded by the lookup itself.
 *
 * Every lookup is recorded, the ones that found nothing too: an object created later in that
 * scope can change the finding ("Service not found").
 */
import { CLUSTER_SCOPE } from '../cluster/change-journal.js';
import { DelegatingClusterView } from '../cluster/delegating-view.js';
import { routeKey } from '../cluster/store.js';
import type { GatewayRoute, Ingress, IngressClass, Rollout, RouteKind, Service } from '../routing/model.js';

export class ReadRecorder extends DelegatingClusterView {
  private scopes = new Set<string>();

  /** The scopes read since the last call, and starts a new record. */
  take(): Set<string> {
    const read = this.scopes;
    this.scopes = new Set();
    return read;
  }

  override getIngress(namespace: string, name: string): Ingress | undefined {
    this.scopes.add(namespace);
    return super.getIngress(namespace, name);
  }
  override getService(namespace: string, name: string): Service | undefined {
    this.scopes.add(namespace);
    return super.getService(namespace, name);
  }
  override getRollout(namespace: string, name: string): Rollout | undefined {
    this.scopes.add(namespace);
    return super.getRollout(namespace, name);
  }
  override ingressClasses(): IngressClass[] {
    this.scopes.add(CLUSTER_SCOPE);
    return super.ingressClasses();
  }
  /** The referencing Rollouts live in the Ingress's namespace (store.ts, ingressesReferencedBy). */
  override rolloutsReferencingIngress(namespace: string, ingressName: string): readonly Rollout[] {
    this.scopes.add(namespace);
    return super.rolloutsReferencingIngress(namespace, ingressName);
  }
  override getRoute(kind: RouteKind, namespace: string, name: string): GatewayRoute | undefined {
    this.scopes.add(namespace);
    return super.getRoute(kind, namespace, name);
  }
  /** The referencing Rollouts live in any namespace: the route's index key is the scope. */
  override rolloutsReferencingRoute(
    kind: RouteKind,
    namespace: string,
    routeName: string,
  ): readonly Rollout[] {
    this.scopes.add(routeKey(kind, namespace, routeName));
    return super.rolloutsReferencingRoute(kind, namespace, routeName);
  }
}
