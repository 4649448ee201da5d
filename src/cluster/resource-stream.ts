/**
 * One list+watch loop (a "reflector") for one resource in one namespace, or in all of
 * them. It lists (in pages) and swaps the result into the store in one step, then watches
 * from the list's resourceVersion with bookmarks, and keeps going:
 *
 * - stream ended by the server or dropped → watch again from the last resourceVersion;
 * - `410 Gone` (HTTP status or ERROR event) → list again;
 * - no event, not even a bookmark, for `watchdogMs` → abort the watch and list again;
 * - failures → jittered exponential backoff. The backoff is reset only by a watch that
 *   made progress or stayed up for `healthyWatchMs`, so a server that accepts and drops
 *   every watch at once cannot drive a reconnect storm.
 */
import { isJsonObject } from '../routing/wire/index.js';
import { Backoff } from './backoff.js';
import type { ResourceKind } from './cluster-state.js';
import { ApiError } from './kube-api.js';
import type { KubeApi, WatchEvent } from './kube-api.js';
import { KIND_NAMES, project } from './project.js';
import { collectionPath } from './resources.js';
import type { ResourceDef } from './resources.js';
import type { ClusterStore, Projection } from './store.js';

export interface StreamTiming {
  /** Objects per list page (`limit`). */
  listPageSize: number;
  /** Timeout of one list page request. */
  listTimeoutMs: number;
  /** Each watch asks the server to end it after a random time between this and twice this. */
  watchTimeoutSeconds: number;
  /** A watch that delivers no event (bookmarks count) for this long is presumed dead: relist. */
  watchdogMs: number;
  /** A watch that stays up this long resets the backoff even if it delivered nothing. */
  healthyWatchMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_TIMING: StreamTiming = {
  listPageSize: 500,
  listTimeoutMs: 60_000,
  watchTimeoutSeconds: 300,
  // The apiserver's watch cache sends a bookmark about once a minute; three missed ones
  // mean the stream is dead even though the connection looks open.
  watchdogMs: 180_000,
  healthyWatchMs: 10_000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
};

/** Structured logger; a pino logger fits. */
export interface CacheLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface StreamStatus {
  kind: ResourceKind;
  /** Undefined for a stream over all namespaces (and for cluster-scoped resources). */
  namespace?: string;
  synced: boolean;
  available: boolean;
  lastListAt?: number;
  lastEventAt?: number;
  lastConnectAt?: number;
  resourceVersion?: string;
  restarts: number;
  lists: number;
  lastError?: string;
}

type WatchEnd = { relist: boolean; healthy: boolean };

class WatchdogFired extends Error {}
class Stopped extends Error {}

export class ResourceStream {
  readonly status: StreamStatus;
  private readonly path: string;
  private readonly backoff: Backoff;
  private stopped = false;
  private current: AbortController | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly def: ResourceDef,
    private readonly namespace: string | undefined,
    private readonly api: KubeApi,
    private readonly store: ClusterStore,
    private readonly timing: StreamTiming,
    private readonly logger?: CacheLogger,
  ) {
    this.path = collectionPath(def, namespace);
    this.backoff = new Backoff({ initialMs: timing.backoffInitialMs, maxMs: timing.backoffMaxMs });
    this.status = { kind: def.kind, namespace, synced: false, available: true, restarts: 0, lists: 0 };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort(new Stopped());
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        if (!(await this.listAll())) {
          await this.pause(this.backoff.next());
          continue;
        }
      }
      const end = await this.watchOnce();
      if (this.stopped) break;
      this.status.restarts++;
      needList = end.relist;
      if (end.healthy) this.backoff.reset();
      else await this.pause(this.backoff.next());
    }
  }

  // -------------------------------------------------------------------------------------
  // List
  // -------------------------------------------------------------------------------------

  /** Lists every page and replaces this stream's part of the store. False on failure. */
  private async listAll(): Promise<boolean> {
    this.status.lists++;
    const controller = (this.current = new AbortController());
    try {
      const items: Projection[] = [];
      let continueToken: string | undefined;
      let resourceVersion: string;
      do {
        const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.timing.listTimeoutMs)]);
        const query = { limit: this.timing.listPageSize, continue: continueToken };
        const page = await this.api.list(this.path, query, signal);
        for (const obj of page.items) {
          const projected = project(this.def.kind, obj);
          if ('value' in projected) items.push(projected.value);
          else this.logger?.warn(this.fields(), projected.problem);
        }
        continueToken = page.continueToken;
        resourceVersion = page.resourceVersion;
      } while (continueToken);
      // `project` made every item for this stream's kind; TypeScript cannot follow that through the union.
      const changes = this.store.replace(this.def.kind, this.namespace, items as never[]);
      const firstSync = !this.status.synced;
      Object.assign(this.status, { synced: true, available: true, resourceVersion, lastListAt: Date.now() });
      delete this.status.lastError;
      this.logger?.info(
        { ...this.fields(), objects: items.length, ...changes },
        firstSync ? 'cache synced' : 'cache relisted',
      );
      return true;
    } catch (err) {
      if (this.stopped) return false;
      if (this.def.optional && err instanceof ApiError && err.statusCode === 404) {
        this.recordAbsent();
        return false;
      }
      this.recordFailure(err, 'list');
      return false;
    } finally {
      controller.abort();
    }
  }

  // -------------------------------------------------------------------------------------
  // Watch
  // -------------------------------------------------------------------------------------

  private async watchOnce(): Promise<WatchEnd> {
    const controller = (this.current = new AbortController());
    const startedAt = Date.now();
    const startRv = this.status.resourceVersion;
    const watchdog = setTimeout(() => controller.abort(new WatchdogFired()), this.timing.watchdogMs);
    watchdog.unref();
    const progressed = (): boolean => this.status.resourceVersion !== startRv;
    const healthy = (): boolean => progressed() || Date.now() - startedAt >= this.timing.healthyWatchMs;
    const query = {
      resourceVersion: startRv,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.floor(this.timing.watchTimeoutSeconds * (1 + Math.random())),
    };
    const handlers = {
      onOpen: () => {
        this.status.lastConnectAt = Date.now();
      },
      onEvent: (event: WatchEvent) => {
        watchdog.refresh();
        this.apply(event);
      },
    };
    try {
      await this.api.watch(this.path, query, handlers, controller.signal);
      return { relist: false, healthy: healthy() };
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof Stopped) return { relist: false, healthy: true };
      if (reason instanceof WatchdogFired) {
        this.recordFailure(`no watch event for ${this.timing.watchdogMs} ms; listing again`, 'watchdog');
        return { relist: true, healthy: true };
      }
      if (reason instanceof ApiError && reason.statusCode === 410) {
        this.logger?.info(
          { ...this.fields(), resourceVersion: this.status.resourceVersion },
          'watch expired (410 Gone); listing again',
        );
        return { relist: true, healthy: healthy() };
      }
      this.recordFailure(reason, 'watch');
      return { relist: false, healthy: healthy() };
    } finally {
      clearTimeout(watchdog);
      controller.abort();
    }
  }

  /** Applies one watch event to the store. Throws ApiError for an ERROR event. */
  private apply(event: WatchEvent): void {
    this.status.lastEventAt = Date.now();
    if (event.type !== 'ERROR') delete this.status.lastError; // the stream works again
    const obj = isJsonObject(event.object) ? event.object : {};
    const metadata = isJsonObject(obj['metadata']) ? obj['metadata'] : {};
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const projected = project(this.def.kind, obj);
        if ('value' in projected) this.store.upsert(this.def.kind, projected.value as never);
        else this.logger?.warn(this.fields(), projected.problem);
        break;
      }
      case 'DELETED': {
        const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
        const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : 'default';
        this.store.remove(this.def.kind, namespace, name);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const code = typeof obj['code'] === 'number' ? obj['code'] : undefined;
        const message = typeof obj['message'] === 'string' ? obj['message'] : 'no message';
        throw new ApiError(`watch ${this.path}: ERROR event ${code ?? ''}: ${message}`, code);
      }
      default:
        this.logger?.warn({ ...this.fields(), type: event.type }, 'ignored a watch event of unknown type');
        return;
    }
    if (typeof metadata['resourceVersion'] === 'string' && metadata['resourceVersion']) {
      this.status.resourceVersion = metadata['resourceVersion'];
    }
  }

  // -------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------

  /**
   * An optional resource whose CRD is not installed: nothing of it exists, which is a
   * complete answer, so the stream counts as synced (and empty). The list is retried with
   * backoff, so the cache starts watching once the CRD is installed.
   */
  private recordAbsent(): void {
    this.store.replace(this.def.kind, this.namespace, []);
    const first = this.status.available || !this.status.synced;
    Object.assign(this.status, { synced: true, available: false, lastListAt: Date.now() });
    this.status.lastError = `the apiserver does not serve ${this.def.kind}.${this.def.group} (CRD not installed); none are cached, checking again later`;
    if (first) this.logger?.info(this.fields(), this.status.lastError);
  }

  private recordFailure(err: unknown, phase: 'list' | 'watch' | 'watchdog'): void {
    const status = err instanceof ApiError ? err.statusCode : undefined;
    if (status === 404 && phase === 'list') this.status.available = false;
    const hint = status === undefined ? undefined : this.hintFor(status);
    const message = hint ? `${describeError(err)} (${hint})` : describeError(err);
    this.status.lastError = message;
    this.logger?.warn({ ...this.fields(), phase, attempt: this.backoff.consecutiveFailures + 1 }, message);
  }

  /** What an operator should do about an HTTP status, for the statuses that have one answer. */
  private hintFor(status: number): string | undefined {
    const resource = `${this.def.kind}${this.def.group ? `.${this.def.group}` : ''}`;
    switch (status) {
      case 401:
        return 'the apiserver rejected the credentials of the kubeconfig or ServiceAccount token; retrying';
      case 403:
        return `the webhook's ServiceAccount needs list and watch on ${resource}${this.namespace ? ` in namespace ${this.namespace}` : ''}; retrying`;
      case 404:
        return this.def.kind === 'rollouts'
          ? 'the Rollout CRD rollouts.argoproj.io is not installed yet; retrying, not ready until it lists'
          : `the apiserver does not serve ${resource}; retrying`;
      default:
        return undefined;
    }
  }

  private fields(): object {
    return { resource: KIND_NAMES[this.def.kind], namespace: this.namespace ?? '*' };
  }

  /** Sleeps, unless stopped first. */
  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * An error as one line. fetch reports every network failure as "fetch failed" and puts the
 * reason (ECONNREFUSED, a TLS error, ...) in `cause`, which is the part an operator needs.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error && cause.message && !err.message.includes(cause.message)) {
    return `${err.message}: ${cause.message}`;
  }
  return err.message;
}
