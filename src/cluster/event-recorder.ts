/**
 * Kubernetes Events (events.k8s.io/v1) written in the background, aggregated into series.
 *
 * `record` is what a review calls: a map lookup and at most one insertion, no I/O. A single
 * background writer then sends the queue, one request at a time, to the apiserver:
 *
 * - The same event (object, reason, note) seen again while it is still queued only raises
 *   the queued count, so a burst costs one write.
 * - Seen again after it was written, within SERIES_WINDOW_MS of its last occurrence, it
 *   becomes a PATCH of `series.count` and `series.lastObservedTime` on the Event already
 *   written: a GitOps loop that re-applies every few seconds shows as one Event whose count
 *   grows, not a flood. This is the aggregation client-go's events broadcaster does
 *   (k8s.io/client-go tools/events), with a longer window, because Argo CD re-applies at
 *   its reconcile interval (3 minutes by default), longer than client-go's 6 minutes allow
 *   for two misses.
 * - A series is written again at the earliest SERIES_UPDATE_INTERVAL_MS after its last write,
 *   and that interval doubles with every update, up to SERIES_MAX_UPDATE_INTERVAL_MS: repeats
 *   that come sooner wait, their counts added, and go out in one PATCH when the interval is
 *   over. A repeat after a quiet spell longer than the interval is written at once, so the
 *   first repeats show in `kubectl events` within seconds, and only a sustained re-apply loop
 *   is thinned, to one write per series every few minutes (client-go refreshes a series only
 *   every 30 minutes). Measured with `npm run bench:apiserver`: when every overridden Ingress
 *   write brought an Event write along, etcd's CPU per Ingress write doubled. A fixed
 *   10-second interval still lets 64 Ingresses re-applied every 6 s (one Event on each and one
 *   on its Rollout) make 12.8 Event writes a second, next to 20 Ingress writes.
 * - The queue holds at most `capacity` distinct events; beyond that a new event is dropped
 *   and counted. The series memory is bounded too (least recently seen forgotten first).
 * - After a failed write the writer waits (exponential backoff from 1 s to 1 minute, reset by
 *   the next success) while the queue keeps counting. Without it, an apiserver that refuses
 *   Events (RBAC missing, Events disabled) got one failing request after another, as fast as
 *   they came back: in the benchmark against a fake apiserver without Events that was about
 *   a tenth of the webhook's CPU.
 * - On shutdown, `stop(flushMs)` writes what still waits, repeats of a series whose interval
 *   is not over included, for at most `flushMs`: with the interval at up to 5 minutes, a pod
 *   that stops would otherwise take up to 5 minutes of counted repeats with it.
 */
import { hostname } from 'node:os';
import type { JsonObject } from '../routing/model.js';
import { Backoff } from './backoff.js';
import { ApiError } from './kube-api.js';
import { offRequestPath } from './request-path.js';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventRecord {
  regarding: ObjectReference;
  related?: ObjectReference;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, at most 128 characters. */
  reason: string;
  /** What was done, at most 128 characters. */
  action: string;
  /** The human-readable text; cut to MAX_NOTE_BYTES. */
  note: string;
}

/** Where the Events go: the apiserver through `HttpKubeApi.send`, or a test double. */
export interface EventSink {
  create(namespace: string, event: JsonObject, signal: AbortSignal): Promise<void>;
  patch(namespace: string, name: string, patch: JsonObject, signal: AbortSignal): Promise<void>;
}

export type EventWriteResult = 'created' | 'patched' | 'failed' | 'dropped';

export interface EventRecorderOptions {
  sink: EventSink;
  /** Component name written as `reportingController` (a qualified name). */
  controller: string;
  /** `reportingInstance`: the pod; the host name by default. */
  instance?: string;
  capacity?: number;
  seriesCapacity?: number;
  /** Per write; the queue waits meanwhile. */
  timeoutMs?: number;
  onResult?: (result: EventWriteResult) => void;
  onError?: (error: Error) => void;
  now?: () => number;
}

/** The apiserver's limit on `note` (events.k8s.io/v1 validation). */
export const MAX_NOTE_BYTES = 1024;
export const DEFAULT_EVENT_QUEUE = 1000;
const DEFAULT_SERIES_MEMORY = 10_000;
/** An occurrence within this time of the previous one extends the same Event. */
export const SERIES_WINDOW_MS = 30 * 60 * 1000;
/** The shortest time between two writes of one series: after its creation. */
export const SERIES_UPDATE_INTERVAL_MS = 10_000;
/** The longest: what the doubling interval of a series that keeps repeating stops at. */
export const SERIES_MAX_UPDATE_INTERVAL_MS = 5 * 60 * 1000;
/** How often waiting repeats are checked for being due (while any wait). */
const DEFERRED_SWEEP_MS = 1_000;

interface Pending {
  record: EventRecord;
  count: number;
  at: number;
}

interface Series {
  namespace: string;
  name: string;
  count: number;
  lastObserved: number;
  /** When the Event was last created or patched. */
  lastWritten: number;
  /** How long after `lastWritten` the next write may go out (doubles with each update). */
  interval: number;
}

/** Go's metav1.MicroTime text: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  // Stryker disable next-line Regex: equivalent, toISOString has one Z, at the end
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = Buffer.from(text)
    .subarray(0, max - 3)
    .toString('utf8');
  // A cut through a multi-byte character leaves U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}...`;
}

function keyOf(record: EventRecord): string {
  const r = record.regarding;
  return [r.namespace, r.apiVersion, r.kind, r.name, record.reason, record.note].join('\u0000');
}

/** An Event name like client-go's: the object's name, then a unique hexadecimal suffix. */
function eventName(regarding: ObjectReference, at: number, sequence: number): string {
  const base = regarding.name.slice(0, 200);
  return `${base}.${at.toString(16)}${sequence.toString(16).padStart(4, '0')}`;
}

export class EventRecorder {
  /** Due now, in arrival order. */
  private readonly pending = new Map<string, Pending>();
  /** Repeats of a series written less than an update interval ago: they wait here. */
  private readonly deferred = new Map<string, Pending>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The wait after a failed write: 1 s, doubling up to a minute, reset by a success. */
  private readonly failureBackoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
  /** Set while the writer waits after a failed write. */
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly series = new Map<string, Series>();
  private readonly capacity: number;
  private readonly seriesCapacity: number;
  private readonly instance: string;
  private readonly now: () => number;
  private draining = false;
  /** Set by `stop`: nothing new is queued, and waiting repeats are written without waiting. */
  private closing = false;
  private stopped = false;
  private sequence = 0;
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventRecorderOptions) {
    this.capacity = options.capacity ?? DEFAULT_EVENT_QUEUE;
    this.seriesCapacity = options.seriesCapacity ?? DEFAULT_SERIES_MEMORY;
    this.instance = (options.instance ?? hostname()).slice(0, 128);
    this.now = options.now ?? Date.now;
  }

  /** Queues an occurrence. Constant time, no I/O: safe on the request path. */
  record(record: EventRecord): void {
    if (this.closing) return;
    const key = keyOf(record);
    const queued = this.pending.get(key) ?? this.deferred.get(key);
    if (queued) {
      queued.count++;
      queued.at = this.now();
      return;
    }
    if (this.queued() >= this.capacity) {
      this.options.onResult?.('dropped');
      return;
    }
    this.pending.set(key, { record, count: 1, at: this.now() });
    this.wake();
  }

  /** Distinct events waiting to be written, due now or waiting for their series' interval. */
  queued(): number {
    return this.pending.size + this.deferred.size;
  }

  /** Resolves once every due event is written (tests, and shutdown after `stop`). */
  async flushed(): Promise<void> {
    while (this.draining) await this.idle;
  }

  /**
   * Stops accepting. Then, for at most `flushMs`, writes what is queued, including the
   * repeats that wait for their series' interval; after that the write in progress is
   * aborted and the rest dropped.
   */
  async stop(flushMs = 0): Promise<void> {
    this.closing = true;
    if (flushMs > 0) await this.flushWithin(flushMs);
    this.stopped = true;
    this.abort.abort(new Error('event recorder stopped'));
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    await this.idle;
    this.pending.clear();
    this.deferred.clear();
  }

  /** Writes everything queued now, waiting or not, until done or `ms` have passed. */
  private async flushWithin(ms: number): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    // After a failed write: one more try now; a failure ends the flush (below).
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    for (const [key, item] of this.deferred) this.pending.set(key, item);
    // Stryker disable next-line CallExpression: equivalent, stop() clears it after the flush
    this.deferred.clear();
    this.wake();
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flushed(),
      new Promise<void>((resolve) => {
        deadline = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(deadline);
  }

  private wake(): void {
    if (this.draining || this.resumeTimer) return;
    this.draining = true;
    // Outside the request path's async context: the writes are not part of the review.
    this.idle = offRequestPath(
      () =>
        new Promise<void>((resolve) => {
          setImmediate(() => void this.drain().finally(resolve));
        }),
    );
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const next = this.pending.entries().next();
        if (next.done) break;
        const [key, item] = next.value;
        this.pending.delete(key);
        if (!this.closing && this.untilDue(key) > 0) this.defer(key, item);
        else if (await this.write(key, item)) this.failureBackoff.reset();
        else {
          this.pauseAfterFailure();
          break;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Stops writing for the next backoff delay; the queue resumes when it is over. */
  private pauseAfterFailure(): void {
    // Equivalent survivor: ConditionalExpression → false: the timer it would set is cleared by stop()
    if (this.closing) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      // Equivalent survivor: this.pending.size > 0 → true: an empty queue is drained at once (cost only)
      // Equivalent survivor: this.pending.size > 0 → this.pending.size >= 0: the same
      if (this.pending.size > 0) this.wake();
    }, this.failureBackoff.next()).unref();
  }

  /** Milliseconds until the series of `key` may be written again (0 or less: now). */
  private untilDue(key: string): number {
    const series = this.series.get(key);
    return series ? series.lastWritten + series.interval - this.now() : 0;
  }

  private defer(key: string, item: Pending): void {
    this.deferred.set(key, item);
    // One timer while anything waits; each tick looks at every waiting repeat once, so the
    // cost is linear in how many wait (at most `capacity`).
    this.sweepTimer ??= setInterval(() => this.sweep(), DEFERRED_SWEEP_MS).unref();
  }

  /** Moves the waiting repeats whose interval is over to the queue, and wakes the writer. */
  private sweep(): void {
    for (const [key, item] of this.deferred) {
      // Equivalent survivor: this.untilDue(key) > 0 → false: the writer defers it again (cost only)
      if (this.untilDue(key) > 0) continue;
      this.deferred.delete(key);
      this.pending.set(key, item);
    }
    if (this.deferred.size === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    // Equivalent survivor: this.pending.size > 0 → true: an empty queue is drained at once (cost only)
    // Equivalent survivor: this.pending.size > 0 → this.pending.size >= 0: the same
    if (this.pending.size > 0) this.wake();
  }

  /** Writes one queued event; false when the write failed. */
  private async write(key: string, item: Pending): Promise<boolean> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)]);
    const known = this.series.get(key);
    try {
      if (known && item.at - known.lastObserved <= SERIES_WINDOW_MS) {
        known.count += item.count;
        known.lastObserved = item.at;
        known.lastWritten = this.now();
        known.interval = Math.min(known.interval * 2, SERIES_MAX_UPDATE_INTERVAL_MS);
        this.remember(key, known);
        try {
          await this.options.sink.patch(
            known.namespace,
            known.name,
            { series: { count: known.count, lastObservedTime: microTime(item.at) } },
            signal,
          );
          this.options.onResult?.('patched');
          return true;
        } catch (error) {
          // Expired (Events live an hour by default) or deleted: start a new one below.
          if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
          // Stryker disable next-line CallExpression: equivalent, create() below replaces the entry
          this.series.delete(key);
        }
      }
      await this.create(key, item, signal);
      this.options.onResult?.('created');
      return true;
    } catch (error) {
      // Stryker disable next-line BooleanLiteral: equivalent, once stopped the writer ends either way
      if (this.stopped) return true;
      this.options.onResult?.('failed');
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  private async create(key: string, item: Pending, signal: AbortSignal): Promise<void> {
    const { record } = item;
    const name = eventName(record.regarding, item.at, this.sequence++ & 0xffff);
    const event: JsonObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: record.regarding.namespace },
      eventTime: microTime(item.at),
      reportingController: this.options.controller,
      reportingInstance: this.instance,
      action: record.action.slice(0, 128),
      reason: record.reason.slice(0, 128),
      type: record.type,
      note: cutToBytes(record.note, MAX_NOTE_BYTES),
      regarding: reference(record.regarding),
      ...(record.related ? { related: reference(record.related) } : {}),
      // A series needs two occurrences (the apiserver rejects count 1).
      ...(item.count > 1 ? { series: { count: item.count, lastObservedTime: microTime(item.at) } } : {}),
    };
    await this.options.sink.create(record.regarding.namespace, event, signal);
    this.remember(key, {
      namespace: record.regarding.namespace,
      name,
      count: item.count,
      lastObserved: item.at,
      lastWritten: this.now(),
      interval: SERIES_UPDATE_INTERVAL_MS,
    });
  }

  /** Keeps the series as most recently seen, forgetting the oldest beyond the bound. */
  private remember(key: string, series: Series): void {
    this.series.delete(key);
    this.series.set(key, series);
    if (this.series.size > this.seriesCapacity) {
      const oldest = this.series.keys().next();
      // Equivalent survivor: ConditionalExpression → true: the map is over its capacity, so not empty
      if (!oldest.done) this.series.delete(oldest.value);
    }
  }
}

function reference(ref: ObjectReference): JsonObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    ...(ref.uid ? { uid: ref.uid } : {}),
  };
}

/** The sink over the project's apiserver transport. */
export function apiEventSink(api: {
  send(
    method: 'POST' | 'PATCH',
    path: string,
    body: unknown,
    signal: AbortSignal,
    contentType?: string,
  ): Promise<unknown>;
}): EventSink {
  const base = (namespace: string) =>
    `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  return {
    async create(namespace, event, signal) {
      await api.send('POST', base(namespace), event, signal);
    },
    async patch(namespace, name, patch, signal) {
      await api.send(
        'PATCH',
        `${base(namespace)}/${encodeURIComponent(name)}`,
        patch,
        signal,
        'application/merge-patch+json',
      );
    },
  };
}
