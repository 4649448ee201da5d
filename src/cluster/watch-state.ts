/**
 * Cluster state kept current by list+watch against the apiserver: one `ResourceStream`
 * per resource and namespace (or one per resource for all namespaces), all writing the
 * same store. Lookups never touch the network.
 *
 * Readiness: `isSynced()` turns true once every stream has completed its first list and
 * stays true afterwards, through dropped watches, relists and apiserver outages; how old
 * the data may be is reported separately as staleness (`status()`), so a brief outage
 * does not take every replica out of service while the cache still answers correctly.
 * The Rollout CRD may be missing: a 404 on its list is retried with backoff, reported as
 * `available: false`, and the state does not become ready until Rollouts list. The Gateway
 * API route CRDs are optional: without them the routes count as synced and empty.
 */
import { RESOURCE_KINDS } from './cluster-state.js';
import type { CacheStatus, ClusterState, ResourceKind, ResourceStatus } from './cluster-state.js';
import type { KubeApi } from './kube-api.js';
import { DEFAULT_TIMING, ResourceStream } from './resource-stream.js';
import type { CacheLogger, StreamStatus, StreamTiming } from './resource-stream.js';
import { RESOURCES } from './resources.js';
import { StoreBackedView } from './store.js';

export interface WatchStateOptions {
  /** The apiserver calls to use (`connectToCluster` in connect.ts opens one); closed by `stop()`. */
  api: KubeApi;
  /** Watch only these namespaces; undefined or empty means all namespaces. */
  namespaces?: string[];
  timing?: Partial<StreamTiming>;
  logger?: CacheLogger;
}

export class WatchClusterState extends StoreBackedView implements ClusterState {
  private readonly api: KubeApi;
  private readonly streams: ResourceStream[];
  private startedAt: number | undefined;
  private synced = false;

  constructor(options: WatchStateOptions) {
    super();
    this.api = options.api;
    const timing = { ...DEFAULT_TIMING, ...options.timing };
    const namespaces = [...new Set(options.namespaces ?? [])].sort();
    this.streams = RESOURCE_KINDS.flatMap((kind) => {
      const def = RESOURCES[kind];
      const scopes = def.namespaced && namespaces.length > 0 ? namespaces : [undefined];
      return scopes.map((ns) => new ResourceStream(def, ns, this.api, this.store, timing, options.logger));
    });
  }

  async start(): Promise<void> {
    this.startedAt ??= Date.now();
    for (const stream of this.streams) stream.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.stop()));
    this.api.close?.();
  }

  isSynced(): boolean {
    // Latched: once every resource has listed, later outages show up as staleness instead.
    this.synced ||= this.streams.every((s) => s.status.synced);
    return this.synced;
  }

  /** Resolves true as soon as synced, or false after `timeoutMs`. */
  async waitForSync(timeoutMs: number, pollMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isSynced()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return true;
  }

  status(): CacheStatus {
    const now = Date.now();
    const resources = Object.fromEntries(
      RESOURCE_KINDS.map((kind) => [kind, this.resourceStatus(kind, now)]),
    ) as Record<ResourceKind, ResourceStatus>;
    return {
      source: 'watch',
      synced: this.isSynced(),
      staleSeconds: Math.max(...Object.values(resources).map((r) => r.staleSeconds)),
      apiCalls: { ...this.api.calls },
      resources,
    };
  }

  /** Per-stream detail (one per namespace when namespaces are selected), for diagnostics. */
  streamStatuses(): StreamStatus[] {
    return this.streams.map((s) => ({ ...s.status }));
  }

  private resourceStatus(kind: ResourceKind, now: number): ResourceStatus {
    const streams = this.streams.filter((s) => s.status.kind === kind).map((s) => s.status);
    const latest = (pick: (s: StreamStatus) => number | undefined): number | undefined => {
      const times = streams.map(pick).filter((t): t is number => t !== undefined);
      return times.length > 0 ? Math.max(...times) : undefined;
    };
    const stale = streams.map((s) => {
      // An optional resource whose CRD is absent has nothing to go stale.
      if (RESOURCES[kind].optional && !s.available) return 0;
      const activity = Math.max(s.lastListAt ?? 0, s.lastEventAt ?? 0, s.lastConnectAt ?? 0);
      return (now - (activity || (this.startedAt ?? now))) / 1000;
    });
    const status: ResourceStatus = {
      synced: streams.every((s) => s.synced),
      available: streams.every((s) => s.available),
      objects: this.store.count(kind),
      lastListAt: latest((s) => s.lastListAt),
      lastEventAt: latest((s) => s.lastEventAt),
      resourceVersion:
        streams.length === 1
          ? streams[0]?.resourceVersion
          : streams.map((s) => `${s.namespace}=${s.resourceVersion ?? ''}`).join(','),
      restarts: streams.reduce((sum, s) => sum + s.restarts, 0),
      relists: streams.reduce((sum, s) => sum + Math.max(0, s.lists - 1), 0),
      staleSeconds: Math.max(0, ...stale),
    };
    const lastError = streams.find((s) => s.lastError !== undefined)?.lastError;
    if (lastError !== undefined) status.lastError = lastError;
    return status;
  }
}
