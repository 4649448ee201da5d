/**
 * Prometheus metrics. Every label has a bounded set of values (hook, kind, decision,
 * resource, result), never names, namespaces or users, so cardinality stays fixed however
 * large the cluster is. Durations are in seconds.
 */
import { createRequire } from 'node:module';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TrafficProviderName } from '../routing/traffic-provider.js';
import type { Decision, HookKind } from './admission/response.js';

type ProcessCollector = (
  registry: Registry,
  config: { prefix: string; eventLoopMonitoringPrecision: number },
) => void;

/**
 * prom-client's default metrics (process CPU, memory and file descriptors, event loop lag,
 * heap spaces, handles, Node version: what `collectDefaultMetrics` registers), all but its GC
 * duration histogram. That one observes `gc` performance entries, and Node builds an entry
 * for every collection: at 2,000 reviews/s (a scavenge every 13 ms) the entries reached the
 * old generation and forced a mark-compact every 20 s, each stalling the event loop for up
 * to 90 ms. Without it, over a minute at 2,000/s: no mark-compact instead of three, p99
 * 4.2–5.6 → 2.1–2.7 ms (docs/benchmarks.md). The event loop lag and the admission histograms show what a
 * collection costs the reviews.
 * The collectors are prom-client's own modules (lib/metrics/*, version pinned by the lockfile);
 * test/webhook/metrics.test.ts checks that the metrics match its default ones less gc.
 */
const PROCESS_COLLECTORS: readonly ProcessCollector[] = (() => {
  const require = createRequire(import.meta.url);
  // prom-client's own list of them (it already leaves out what this Node lacks), its file names.
  return collectDefaultMetrics.metricsList
    .filter((name) => name !== 'gc')
    .map((name) => require(`prom-client/lib/metrics/${name}`) as ProcessCollector);
})();

/**
 * The object kinds that have their own value of the `kind` label; every other kind a request
 * names is counted as `other`. Add a kind here when a hook starts handling it.
 */
export const METRIC_KINDS = ['Ingress', 'Rollout', 'HTTPRoute', 'GRPCRoute'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number] | 'other';
const KNOWN_KINDS: ReadonlySet<string> = new Set(METRIC_KINDS);

/** The `kind` label for a request's `kind.kind` (absent when the review could not be read). */
export function metricKindOf(kind: string | undefined): MetricKind {
  return kind !== undefined && KNOWN_KINDS.has(kind) ? (kind as MetricKind) : 'other';
}

/** HTTP statuses the server answers before or instead of a review; others count as `other`. */
const STATUS_LABELS: ReadonlySet<string> = new Set([
  '400',
  '401',
  '403',
  '404',
  '413',
  '415',
  '429',
  '500',
  '503',
]);

/** The `status` label of rtw_bad_requests_total. */
export function statusLabelOf(status: number): string {
  const label = String(status);
  return STATUS_LABELS.has(label) ? label : 'other';
}

export interface CacheStatusSource {
  /** Per resource: synced flag, object count and seconds since the cache last heard from the apiserver. */
  resources(): { resource: string; synced: boolean; objects: number; staleSeconds: number }[];
  apiCallsOnRequestPath(): number;
}

/** The labels of one answered review (each from a closed set). */
// Type aliases, not interfaces: a label set must be assignable to Record<string, string>.
export type ReviewLabels = {
  hook: HookKind;
  kind: MetricKind;
  decision: Decision | 'bad-request' | 'error';
  dry_run: 'true' | 'false';
};

type OverrideLabels = {
  provider: TrafficProviderName;
  dry_run: 'true' | 'false';
};

/**
 * Counts by label set, as plain numbers. The key is built by the caller from the label values
 * (closed sets, so the map stays as small as the label space); the labels are kept once, with
 * the first count.
 */
class LabelTally<L extends Record<string, string>> {
  private readonly cells = new Map<string, { labels: L; count: number }>();

  add(key: string, labels: L, n: number): void {
    const cell = this.cells.get(key);
    if (cell) cell.count += n;
    else this.cells.set(key, { labels: { ...labels }, count: n });
  }

  entries(): Iterable<{ labels: L; count: number }> {
    return this.cells.values();
  }
}

/** A prom-client Gauge (without labels) whose value is read when scraped. */
function publishedGauge(
  read: () => number,
  config: { name: string; help: string; registers: Registry[] },
): Gauge {
  return new Gauge({
    ...config,
    collect() {
      this.set(read());
    },
  });
}

/**
 * A prom-client Counter whose values are kept elsewhere (a LabelTally, the server's own
 * counts) and copied in when scraped. The series come out in the order `read` gives them; for
 * a tally, the order their label sets were first counted, as prom-client's own counting gives.
 */
function publishedCounter<L extends Record<string, string>>(
  read: () => Iterable<{ labels: L; count: number }>,
  config: { name: string; help: string; labelNames: readonly (keyof L & string)[]; registers: Registry[] },
): Counter<keyof L & string> {
  return new Counter({
    ...config,
    collect() {
      this.reset();
      for (const { labels, count } of read())
        this.inc(labels as Partial<Record<keyof L & string, string>>, count);
    },
  });
}

/** What the HTTPS server counts itself (server.ts), published at each scrape. */
export interface ServerStateSource {
  /** Bytes the request bodies in flight hold of the body budget. */
  bodyBytesReserved(): number;
  /** Connections closed to make room at a cap since start, by reason. */
  connectionsEvicted(): Readonly<Record<string, number>>;
}

export class WebhookMetrics {
  readonly registry = new Registry();

  readonly admissionDuration = new Histogram({
    name: 'rtw_admission_duration_seconds',
    help: 'Time to answer one AdmissionReview, from body parsed to response encoded.',
    labelNames: ['hook', 'kind', 'decision', 'dry_run'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /**
   * Counted on the request path as plain numbers (`recordReview`) and handed to prom-client
   * when scraped: a review then costs a map lookup per counter, not prom-client's label
   * checks and hashing (about 3 % of the CPU of a mutating review at saturation).
   */
  private readonly reviewCounts = new LabelTally<ReviewLabels>();
  private readonly overrideCounts = new LabelTally<OverrideLabels>();
  private inFlightNow = 0;

  readonly admissionRequests = publishedCounter(() => this.reviewCounts.entries(), {
    name: 'rtw_admission_requests_total',
    help: 'AdmissionReviews answered, by hook, object kind, decision (allowed, patched, denied, error) and dry run (true, false).',
    labelNames: ['hook', 'kind', 'decision', 'dry_run'] as const,
    registers: [this.registry],
  });

  readonly overrides = publishedCounter(() => this.overrideCounts.entries(), {
    name: 'rtw_ingress_overrides_total',
    help: 'Rollout-owned values (Ingress keys; for provider gateway-api, route weights, header rules and labels) whose value in a request was replaced with the live traffic state; dry_run="true" for dry runs (GitOps diffs), which change nothing.',
    labelNames: ['provider', 'dry_run'] as const,
    registers: [this.registry],
  });

  readonly badRequests = new Counter({
    name: 'rtw_bad_requests_total',
    help: 'Requests rejected before review: malformed JSON, wrong content type, too large (413), body budget exhausted (429), not an AdmissionReview, cache not synced (503).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly deadlineExceeded = new Counter({
    name: 'rtw_deadline_exceeded_total',
    help: 'Reviews answered after the timeout the apiserver gave (its ?timeout=): the apiserver had already given up.',
    labelNames: ['hook'] as const,
    registers: [this.registry],
  });

  /** Where the server's own figures are read when scraped; set by `observeServer`. */
  private server: ServerStateSource | undefined;

  readonly bodyBytesReserved = publishedGauge(() => this.server?.bodyBytesReserved() ?? 0, {
    name: 'rtw_body_budget_reserved_bytes',
    help: 'Memory reserved by request bodies in flight (received bytes and estimated decoding cost).',
    registers: [this.registry],
  });

  readonly connectionsClosed = publishedCounter(() => this.connectionsClosedByReason(), {
    name: 'rtw_connections_closed_total',
    help: 'Connections closed to make room at a cap, by reason: silent (no TLS handshake started), handshaking, idle (no request in progress), refused (every socket busy).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly inFlight = publishedGauge(() => this.inFlightNow, {
    name: 'rtw_requests_in_flight',
    help: 'AdmissionReviews being processed.',
    registers: [this.registry],
  });

  readonly certificateExpiry = new Gauge({
    name: 'rtw_certificate_expiry_timestamp_seconds',
    help: 'Expiry (unix seconds) of the serving certificate in use.',
    registers: [this.registry],
  });

  readonly certificateReloads = new Counter({
    name: 'rtw_certificate_reloads_total',
    help: 'Serving-certificate reloads, by result (success, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'rtw_events_total',
    help: 'Kubernetes Events by result: created, patched (a repeat raised the count), failed, dropped (queue full).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly auditViolations = new Gauge({
    name: 'rtw_audit_violations',
    help: 'Findings of the last background audit, by rule id (rules set to off are not counted).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly auditLastRun = new Gauge({
    name: 'rtw_audit_last_run_timestamp_seconds',
    help: 'When the last background audit finished (unix seconds), whether or not it succeeded.',
    registers: [this.registry],
  });

  readonly auditRuns = new Counter({
    name: 'rtw_audit_runs_total',
    help: 'Background audits by result (success, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly auditDuration = new Gauge({
    name: 'rtw_audit_duration_seconds',
    help: 'Duration of the last background audit: listing, judging and writing the reports.',
    registers: [this.registry],
  });

  readonly auditWork = new Gauge({
    name: 'rtw_audit_work_seconds',
    help: 'Time the last background audit held the event loop (judging, page parses, reports); over rtw_audit_duration_seconds it is the share it took (--audit-cpu-share caps it).',
    registers: [this.registry],
  });

  readonly auditObjects = new Gauge({
    name: 'rtw_audit_objects',
    help: 'Objects the reports cover after the last background audit, by kind (Rollout, Ingress): judged by it, or by an earlier one and unchanged since.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly auditJudged = new Gauge({
    name: 'rtw_audit_judged_objects',
    help: 'Objects the last background audit listed and judged, by kind: all of them in a full audit, those of the namespaces that changed in an incremental one.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly auditLastFullRun = new Gauge({
    name: 'rtw_audit_last_full_run_timestamp_seconds',
    help: 'When the last full background audit (every object listed and judged) finished successfully (unix seconds).',
    registers: [this.registry],
  });

  constructor(cache?: CacheStatusSource) {
    for (const collect of PROCESS_COLLECTORS)
      collect(this.registry, { prefix: 'rtw_', eventLoopMonitoringPrecision: 10 });
    if (cache) this.registerCacheGauges(cache);
  }

  /** Reads the server's body budget and connection closes at each scrape (createServer calls it). */
  observeServer(source: ServerStateSource): void {
    this.server = source;
  }

  private connectionsClosedByReason(): { labels: { reason: string }; count: number }[] {
    const evicted = this.server?.connectionsEvicted() ?? {};
    return Object.entries(evicted).map(([reason, count]) => ({ labels: { reason }, count }));
  }

  /** A review started (rtw_requests_in_flight); pair with `reviewEnded`. */
  reviewStarted(): void {
    this.inFlightNow++;
  }

  reviewEnded(): void {
    this.inFlightNow--;
  }

  /**
   * One answered review: its duration, its count, and one override per Rollout-owned value
   * the drift guard replaced (by traffic provider).
   */
  recordReview(labels: ReviewLabels, seconds: number, overrides: readonly TrafficProviderName[]): void {
    this.admissionDuration.observe(labels, seconds);
    const { hook, kind, decision, dry_run } = labels;
    this.reviewCounts.add(`${hook} ${kind} ${decision} ${dry_run}`, labels, 1);
    for (const provider of overrides)
      this.overrideCounts.add(`${provider} ${dry_run}`, { provider, dry_run }, 1);
  }

  private registerCacheGauges(cache: CacheStatusSource): void {
    const registers = [this.registry];
    new Gauge({
      name: 'rtw_cache_synced',
      help: '1 when the cache of this resource completed its first list, else 0.',
      labelNames: ['resource'] as const,
      registers,
      collect() {
        for (const r of cache.resources()) this.set({ resource: r.resource }, r.synced ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rtw_cache_objects',
      help: 'Objects held in the cache, by resource.',
      labelNames: ['resource'] as const,
      registers,
      collect() {
        for (const r of cache.resources()) this.set({ resource: r.resource }, r.objects);
      },
    });
    new Gauge({
      name: 'rtw_cache_last_sync_age_seconds',
      help: 'Seconds since the cache of this resource last heard from the apiserver (list, event or bookmark).',
      labelNames: ['resource'] as const,
      registers,
      collect() {
        for (const r of cache.resources()) this.set({ resource: r.resource }, r.staleSeconds);
      },
    });
    new Counter({
      name: 'rtw_api_calls_on_request_path_total',
      help: 'Kubernetes API calls made while answering a review. Designed to stay 0: reviews read caches only.',
      registers,
      collect() {
        this.reset();
        this.inc(cache.apiCallsOnRequestPath());
      },
    });
  }
}
