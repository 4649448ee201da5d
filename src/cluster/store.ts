/**
 * In-memory store of compact projections (never whole objects), shared by the watch and
 * the file sources. It keeps one reverse index, Ingress → Rollouts that route through it,
 * so the hot lookup of the mutating webhook is two map reads instead of a scan.
 *
 * The store is only ever written by the background source and read by request handlers
 * on the same thread: each method runs to completion, so a reader never sees a half
 * applied update.
 */
import { routeNamespace } from '../routing/gateway-api/index.js';
import type {
  ClusterView,
  GatewayRoute,
  Ingress,
  IngressClass,
  Rollout,
  RouteKind,
  Service,
} from '../routing/model.js';
import { CLUSTER_SCOPE, ChangeJournal } from './change-journal.js';
import type { ResourceKind } from './cluster-state.js';
import { DelegatingClusterView } from './delegating-view.js';

export interface Projections {
  rollouts: Rollout;
  ingresses: Ingress;
  services: Service;
  ingressclasses: IngressClass;
  httproutes: GatewayRoute;
  grpcroutes: GatewayRoute;
}
export type Projection = Projections[ResourceKind];

const NO_ROLLOUTS: readonly Rollout[] = Object.freeze([]);

export interface ReplaceResult {
  added: number;
  updated: number;
  removed: number;
}

/** Store key: `namespace/name`, or the bare name for cluster-scoped IngressClasses. */
export function storeKey(kind: ResourceKind, namespace: string, name: string): string {
  return kind === 'ingressclasses' ? name : `${namespace}/${name}`;
}

function keyOf(kind: ResourceKind, obj: Projection): string {
  return storeKey(kind, 'namespace' in obj ? obj.namespace : '', obj.name);
}

/**
 * Names of the Ingresses (in the Rollout's own namespace) a Rollout routes through: ALB
 * `ingress`/`ingresses` and NGINX `stableIngress`/`stableIngresses`, deduplicated.
 */
export function ingressesReferencedBy(rollout: Rollout): string[] {
  const routing = rollout.canary?.trafficRouting;
  if (!routing) return [];
  const names = new Set<string>();
  const add = (name: string | undefined): void => {
    if (name) names.add(name);
  };
  add(routing.alb?.ingress);
  routing.alb?.ingresses?.forEach(add);
  add(routing.nginx?.stableIngress);
  routing.nginx?.stableIngresses?.forEach(add);
  return [...names];
}

/** Index key of a Gateway API route; it cannot collide with an Ingress's `namespace/name`. */
export function routeKey(kind: RouteKind, namespace: string, name: string): string {
  return `${kind}:${namespace}/${name}`;
}

/** Index keys of the HTTPRoutes and GRPCRoutes a Rollout's Gateway API plugin configuration names. */
export function routeKeysReferencedBy(rollout: Rollout): string[] {
  const routing = rollout.canary?.trafficRouting?.gatewayApi;
  if (!routing) return [];
  const namespace = routeNamespace(routing, rollout.namespace);
  const keys = new Set<string>();
  for (const ref of routing.httpRoutes) if (ref.name) keys.add(routeKey('HTTPRoute', namespace, ref.name));
  for (const ref of routing.grpcRoutes) if (ref.name) keys.add(routeKey('GRPCRoute', namespace, ref.name));
  return [...keys];
}

const ROUTE_TABLES: Record<RouteKind, 'httproutes' | 'grpcroutes'> = {
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
};

export class ClusterStore implements ClusterView {
  private readonly tables: { [K in ResourceKind]: Map<string, Projections[K]> } = {
    rollouts: new Map(),
    ingresses: new Map(),
    services: new Map(),
    ingressclasses: new Map(),
    httproutes: new Map(),
    grpcroutes: new Map(),
  };
  /**
   * `namespace/ingressName` (or `Kind:namespace/routeName` for a Gateway API route) → keys of
   * the Rollouts that reference it. Arrays, not Sets: an
   * Ingress almost always has one Rollout, and 10,000 Sets cost 4 MiB of hash tables.
   */
  private readonly rolloutsByIngress = new Map<string, string[]>();
  /** Rollout key → the index entries it was filed under, so an update can unfile it. */
  private readonly ingressKeysByRollout = new Map<string, string[]>();
  /**
   * `namespace/ingressName` → the referencing Rollouts, sorted: the answer of the hot lookup,
   * built on first use and dropped whenever a Rollout filed under that Ingress changes.
   */
  private readonly resolvedByIngress = new Map<string, readonly Rollout[]>();
  /** Made by the first `trackChanges()`: nobody reads the changes until then. */
  private journal: ChangeJournal | undefined;

  /** The journal of every write from now on (one per store, whoever asks). */
  trackChanges(): ChangeJournal {
    this.journal ??= new ChangeJournal();
    return this.journal;
  }

  upsert<K extends ResourceKind>(kind: K, obj: Projections[K]): void {
    const key = keyOf(kind, obj);
    if (kind === 'rollouts') this.reindexRollout(key, obj as Rollout);
    this.tables[kind].set(key, obj);
    this.journal?.record('namespace' in obj ? obj.namespace : CLUSTER_SCOPE);
  }

  /** Returns true when an object was removed. */
  remove(kind: ResourceKind, namespace: string, name: string): boolean {
    const key = storeKey(kind, namespace, name);
    if (kind === 'rollouts') this.reindexRollout(key, undefined);
    const removed = this.tables[kind].delete(key);
    if (removed) this.journal?.record(kind === 'ingressclasses' ? CLUSTER_SCOPE : namespace);
    return removed;
  }

  /**
   * Makes the store hold exactly `items` for this kind within the scope: one namespace,
   * or everything when `namespace` is undefined. Used after a (re)list, so objects deleted
   * while no watch was running disappear too.
   */
  replace<K extends ResourceKind>(
    kind: K,
    namespace: string | undefined,
    items: Projections[K][],
  ): ReplaceResult {
    const table = this.tables[kind];
    const fresh = new Map<string, Projections[K]>();
    for (const item of items) fresh.set(keyOf(kind, item), item);
    const result: ReplaceResult = { added: 0, updated: 0, removed: 0 };
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    for (const key of [...table.keys()]) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (fresh.has(key)) continue;
      const [ns, name] = splitKey(kind, key);
      this.remove(kind, ns, name);
      result.removed++;
    }
    for (const [key, item] of fresh) {
      if (table.has(key)) result.updated++;
      else result.added++;
      this.upsert(kind, item);
    }
    return result;
  }

  count(kind: ResourceKind): number {
    return this.tables[kind].size;
  }

  /** All objects of a kind (for tests, `check`/`render` and diagnostics; not the hot path). */
  list<K extends ResourceKind>(kind: K): Projections[K][] {
    return [...this.tables[kind].values()];
  }

  // -------------------------------------------------------------------------------------
  // ClusterView
  // -------------------------------------------------------------------------------------

  getIngress(namespace: string, name: string): Ingress | undefined {
    return this.tables.ingresses.get(`${namespace}/${name}`);
  }

  getService(namespace: string, name: string): Service | undefined {
    return this.tables.services.get(`${namespace}/${name}`);
  }

  getRollout(namespace: string, name: string): Rollout | undefined {
    return this.tables.rollouts.get(`${namespace}/${name}`);
  }

  ingressClasses(): IngressClass[] {
    return [...this.tables.ingressclasses.values()];
  }

  rolloutsReferencingIngress(namespace: string, ingressName: string): readonly Rollout[] {
    return this.rolloutsReferencing(`${namespace}/${ingressName}`);
  }

  getRoute(kind: RouteKind, namespace: string, name: string): GatewayRoute | undefined {
    return this.tables[ROUTE_TABLES[kind]].get(`${namespace}/${name}`);
  }

  rolloutsReferencingRoute(kind: RouteKind, namespace: string, routeName: string): readonly Rollout[] {
    return this.rolloutsReferencing(routeKey(kind, namespace, routeName));
  }

  private rolloutsReferencing(ingressKey: string): readonly Rollout[] {
    const resolved = this.resolvedByIngress.get(ingressKey);
    if (resolved) return resolved;
    const keys = this.rolloutsByIngress.get(ingressKey);
    if (!keys) return NO_ROLLOUTS;
    const rollouts: Rollout[] = [];
    for (const key of keys) {
      const rollout = this.tables.rollouts.get(key);
      if (rollout) rollouts.push(rollout);
    }
    // Deterministic order, so decisions and messages do not depend on event order.
    rollouts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.resolvedByIngress.set(ingressKey, Object.freeze(rollouts));
    return rollouts;
  }

  // -------------------------------------------------------------------------------------
  // Index maintenance
  // -------------------------------------------------------------------------------------

  private reindexRollout(key: string, rollout: Rollout | undefined): void {
    for (const ingressKey of this.ingressKeysByRollout.get(key) ?? []) {
      // The answer for this key may change: for a route, its referencing Rollouts live in any
      // namespace, so the key is the change (change-journal.ts). An Ingress's key is also
      // covered by its namespace; recording it as well costs one set entry.
      this.journal?.record(ingressKey);
      this.resolvedByIngress.delete(ingressKey);
      const keys = this.rolloutsByIngress.get(ingressKey)?.filter((k) => k !== key);
      if (keys && keys.length > 0) this.rolloutsByIngress.set(ingressKey, keys);
      else this.rolloutsByIngress.delete(ingressKey);
    }
    this.ingressKeysByRollout.delete(key);
    if (!rollout) return;
    const ingressKeys = [
      ...ingressesReferencedBy(rollout).map((name) => `${rollout.namespace}/${name}`),
      ...routeKeysReferencedBy(rollout),
    ];
    if (ingressKeys.length === 0) return;
    this.ingressKeysByRollout.set(key, ingressKeys);
    for (const ingressKey of ingressKeys) {
      this.journal?.record(ingressKey);
      this.resolvedByIngress.delete(ingressKey);
      const keys = this.rolloutsByIngress.get(ingressKey);
      if (!keys) this.rolloutsByIngress.set(ingressKey, [key]);
      else if (!keys.includes(key)) keys.push(key);
    }
  }

  /** Size of the reverse index (entries, references), for tests and diagnostics. */
  indexSize(): { ingresses: number; references: number } {
    let references = 0;
    for (const keys of this.rolloutsByIngress.values()) references += keys.length;
    return { ingresses: this.rolloutsByIngress.size, references };
  }
}

export type StoreReader = Pick<ClusterStore, keyof ClusterView | 'list' | 'count' | 'indexSize'>;

function splitKey(kind: ResourceKind, key: string): [string, string] {
  if (kind === 'ingressclasses') return ['', key];
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/**
 * Base of both ClusterState implementations: the ClusterView lookups are plain reads of
 * the shared store, so the request path never waits on I/O.
 */
export abstract class StoreBackedView extends DelegatingClusterView {
  protected readonly store: ClusterStore;

  constructor() {
    const store = new ClusterStore();
    super(store);
    this.store = store;
  }
  /** Read-only access to every projection, for the CLI (`check`, `render`) and tests. */
  contents(): StoreReader {
    return this.store;
  }

  /** What changes from now on (the incremental audit's input; change-journal.ts). */
  trackChanges(): ChangeJournal {
    return this.store.trackChanges();
  }
}
