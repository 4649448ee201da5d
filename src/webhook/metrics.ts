/**
 * Prometheus metrics. Every label has a bounded set of values (hook, kind, decision,
 * resource, result), never names, namespaces or users, so cardinality stays fixed however
 * large the cluster is. Durations are in seconds.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface CacheStatusSource {
  /** Per resource: synced flag, object count and seconds since the cache last heard from the apiserver. */
  resources(): { resource: string; synced: boolean; objects: number; staleSeconds: number }[];
  apiCallsOnRequestPath(): number;
}

export class WebhookMetrics {
  readonly registry = new Registry();

  readonly admissionDuration = new Histogram({
    name: 'rtw_admission_duration_seconds',
    help: 'Time to answer one AdmissionReview, from body parsed to response encoded.',
    labelNames: ['hook', 'kind', 'decision'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly admissionRequests = new Counter({
    name: 'rtw_admission_requests_total',
    help: 'AdmissionReviews answered, by hook, object kind and decision (allowed, patched, denied, error).',
    labelNames: ['hook', 'kind', 'decision'] as const,
    registers: [this.registry],
  });

  readonly overrides = new Counter({
    name: 'rtw_ingress_overrides_total',
    help: 'Rollout-owned values (Ingress keys; for provider gateway-api, route weights, header rules and labels) whose value in a request was replaced with the live traffic state.',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly badRequests = new Counter({
    name: 'rtw_bad_requests_total',
    help: 'Requests rejected before review: malformed JSON, wrong content type, too large, not an AdmissionReview, cache not synced (503).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly deadlineExceeded = new Counter({
    name: 'rtw_deadline_exceeded_total',
    help: 'Reviews answered after the timeout the apiserver gave (its ?timeout=): the apiserver had already given up.',
    labelNames: ['hook'] as const,
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
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

  constructor(cache?: CacheStatusSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'rtw_' });
    if (cache) this.registerCacheGauges(cache);
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
