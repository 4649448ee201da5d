/**
 * The cluster state the webhook decides from: a `ClusterView` (pure, in-memory lookups)
 * plus the life cycle and health of whatever fills it. Two implementations share one
 * store: `WatchClusterState` (list+watch against the apiserver) and `FileClusterState`
 * (manifest files, for the CLI and offline use).
 *
 * Contract for callers: make no decision while `isSynced()` is false. An unsynced view is
 * empty or partial, and "no Rollout references this Ingress" read from it would be a lie.
 */
import type { ClusterView } from '../routing/model.js';
import type { ChangeJournal } from './change-journal.js';

export const RESOURCE_KINDS = [
  'rollouts',
  'ingresses',
  'services',
  'ingressclasses',
  'httproutes',
  'grpcroutes',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ResourceStatus {
  /** The first complete list of this resource (every watched namespace) has been applied. */
  synced: boolean;
  /**
   * False while the apiserver answers 404 for the resource, which for Rollouts means the
   * argoproj.io CRD is not installed (yet). The cache keeps retrying with backoff. For the
   * optional Gateway API routes a 404 means "none exist": the resource counts as synced and
   * empty, and the cache keeps checking whether the CRD has been installed since.
   */
  available: boolean;
  /** Objects held in the store. */
  objects: number;
  /** Epoch milliseconds of the last completed list, if any. */
  lastListAt?: number;
  /** Epoch milliseconds of the last watch event (including bookmarks), if any. */
  lastEventAt?: number;
  /** Last resourceVersion seen; `ns=rv` pairs joined by commas when several namespaces are watched. */
  resourceVersion?: string;
  /** Watches that ended and were started again (dropped, closed by the server, timed out). */
  restarts: number;
  /** Lists after the first one (410 Gone, watchdog, failed list retried). */
  relists: number;
  /** Seconds since the last successful list or watch activity; 0 for file-backed state. */
  staleSeconds: number;
  /** Most recent failure, cleared by the next success. */
  lastError?: string;
}

export interface ApiCallCounts {
  list: number;
  watch: number;
  /**
   * Calls issued while serving an admission request (inside `runOnRequestPath`). The
   * lookups are memory reads, so this must stay 0; it is exported as a metric to prove it.
   */
  onRequestPath: number;
}

export interface CacheStatus {
  source: 'watch' | 'files';
  synced: boolean;
  /** The largest `staleSeconds` over all resources. */
  staleSeconds: number;
  apiCalls: ApiCallCounts;
  resources: Record<ResourceKind, ResourceStatus>;
}

export interface ClusterState extends ClusterView {
  /** Starts filling the store. Resolves once started, not once synced (see `isSynced`). */
  start(): Promise<void>;
  /** Stops all background work and closes connections. Safe to call twice. */
  stop(): Promise<void>;
  /** True once every resource has been listed completely; stays true afterwards. */
  isSynced(): boolean;
  status(): CacheStatus;
  /** Starts recording which scopes change (namespaces, cluster-scoped objects, route keys). */
  trackChanges(): ChangeJournal;
}
