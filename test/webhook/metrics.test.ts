import { PerformanceObserver } from 'node:perf_hooks';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { WebhookMetrics, type ReviewLabels } from '../../src/webhook/metrics.js';

const mutatePatched: ReviewLabels = {
  hook: 'mutate',
  kind: 'Ingress',
  decision: 'patched',
  dry_run: 'false',
};
const mutateDryRun: ReviewLabels = { ...mutatePatched, dry_run: 'true' };
const validateDenied: ReviewLabels = {
  hook: 'validate',
  kind: 'Rollout',
  decision: 'denied',
  dry_run: 'false',
};

/** The lines of one metric family (without HELP and TYPE), as the registry prints them. */
async function seriesOf(metrics: WebhookMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('review counters, counted as plain numbers and published when scraped', () => {
  it('counts reviews by label set, in the order the label sets were first seen', async () => {
    const metrics = new WebhookMetrics();
    metrics.recordReview(validateDenied, 0.0001, []);
    metrics.recordReview(mutatePatched, 0.0003, ['alb', 'alb', 'nginx']);
    metrics.recordReview(mutatePatched, 0.0003, ['alb']);
    metrics.recordReview(mutateDryRun, 0.002, ['gateway-api']);
    expect(await seriesOf(metrics, 'rtw_admission_requests_total')).toEqual([
      'rtw_admission_requests_total{hook="validate",kind="Rollout",decision="denied",dry_run="false"} 1',
      'rtw_admission_requests_total{hook="mutate",kind="Ingress",decision="patched",dry_run="false"} 2',
      'rtw_admission_requests_total{hook="mutate",kind="Ingress",decision="patched",dry_run="true"} 1',
    ]);
    expect(await seriesOf(metrics, 'rtw_ingress_overrides_total')).toEqual([
      'rtw_ingress_overrides_total{provider="alb",dry_run="false"} 3',
      'rtw_ingress_overrides_total{provider="nginx",dry_run="false"} 1',
      'rtw_ingress_overrides_total{provider="gateway-api",dry_run="true"} 1',
    ]);
  });

  it('keeps counting across scrapes (a scrape publishes totals, it does not drain them)', async () => {
    const metrics = new WebhookMetrics();
    metrics.recordReview(mutatePatched, 0.0003, ['alb']);
    await metrics.registry.metrics();
    metrics.recordReview(mutatePatched, 0.0003, ['alb']);
    await metrics.registry.metrics();
    expect(await seriesOf(metrics, 'rtw_admission_requests_total')).toEqual([
      'rtw_admission_requests_total{hook="mutate",kind="Ingress",decision="patched",dry_run="false"} 2',
    ]);
    expect(await seriesOf(metrics, 'rtw_ingress_overrides_total')).toEqual([
      'rtw_ingress_overrides_total{provider="alb",dry_run="false"} 2',
    ]);
  });

  it('prints what prom-client prints for the same counts', async () => {
    const metrics = new WebhookMetrics();
    const oracleRegistry = new Registry();
    const oracle = new Counter({
      name: 'rtw_admission_requests_total',
      help: 'AdmissionReviews answered, by hook, object kind, decision (allowed, patched, denied, error) and dry run (true, false).',
      labelNames: ['hook', 'kind', 'decision', 'dry_run'] as const,
      registers: [oracleRegistry],
    });
    for (const labels of [mutatePatched, validateDenied, mutatePatched]) {
      metrics.recordReview(labels, 0.001, []);
      oracle.inc(labels);
    }
    expect(await metrics.registry.getSingleMetricAsString('rtw_admission_requests_total')).toBe(
      await oracleRegistry.getSingleMetricAsString('rtw_admission_requests_total'),
    );
  });

  it('observes each review duration once, under the same labels', async () => {
    const metrics = new WebhookMetrics();
    metrics.recordReview(mutatePatched, 0.0003, []);
    metrics.recordReview(mutatePatched, 0.003, []);
    const series = await seriesOf(metrics, 'rtw_admission_duration_seconds');
    const labels = 'hook="mutate",kind="Ingress",decision="patched",dry_run="false"';
    expect(series).toContain(`rtw_admission_duration_seconds_bucket{le="0.0002",${labels}} 0`);
    expect(series).toContain(`rtw_admission_duration_seconds_bucket{le="0.0005",${labels}} 1`);
    expect(series).toContain(`rtw_admission_duration_seconds_bucket{le="0.005",${labels}} 2`);
    expect(series).toContain(`rtw_admission_duration_seconds_count{${labels}} 2`);
  });

  it('reports the reviews in flight at the time of the scrape', async () => {
    const metrics = new WebhookMetrics();
    expect(await seriesOf(metrics, 'rtw_requests_in_flight')).toEqual(['rtw_requests_in_flight 0']);
    metrics.reviewStarted();
    metrics.reviewStarted();
    metrics.reviewStarted();
    metrics.reviewEnded();
    expect(await seriesOf(metrics, 'rtw_requests_in_flight')).toEqual(['rtw_requests_in_flight 2']);
    metrics.reviewEnded();
    metrics.reviewEnded();
    expect(await seriesOf(metrics, 'rtw_requests_in_flight')).toEqual(['rtw_requests_in_flight 0']);
  });
});

describe('cache gauges', () => {
  it('publishes each resource of the cache status source, and the API calls made on the request path', async () => {
    const metrics = new WebhookMetrics({
      resources: () => [{ resource: 'ingresses', synced: true, objects: 7, staleSeconds: 3 }],
      apiCallsOnRequestPath: () => 0,
    });
    expect(await seriesOf(metrics, 'rtw_cache_synced')).toEqual(['rtw_cache_synced{resource="ingresses"} 1']);
    expect(await seriesOf(metrics, 'rtw_cache_objects')).toEqual([
      'rtw_cache_objects{resource="ingresses"} 7',
    ]);
    expect(await seriesOf(metrics, 'rtw_api_calls_on_request_path_total')).toEqual([
      'rtw_api_calls_on_request_path_total 0',
    ]);
  });
});

describe("the server's own figures, read when scraped", () => {
  const closes = (silent: number, handshaking: number, idle: number, refused: number) => [
    `rtw_connections_closed_total{reason="silent"} ${silent}`,
    `rtw_connections_closed_total{reason="handshaking"} ${handshaking}`,
    `rtw_connections_closed_total{reason="idle"} ${idle}`,
    `rtw_connections_closed_total{reason="refused"} ${refused}`,
  ];

  it('publishes the body budget in use and the connections closed at a cap, as they are at each scrape', async () => {
    const metrics = new WebhookMetrics();
    // Before a server reports: nothing reserved, no closes.
    expect(await seriesOf(metrics, 'rtw_body_budget_reserved_bytes')).toEqual([
      'rtw_body_budget_reserved_bytes 0',
    ]);
    expect(await seriesOf(metrics, 'rtw_connections_closed_total')).toEqual([]);
    let reserved = 4096;
    let evicted = { silent: 0, handshaking: 2, idle: 0, refused: 1 };
    metrics.observeServer({ bodyBytesReserved: () => reserved, connectionsEvicted: () => evicted });
    expect(await seriesOf(metrics, 'rtw_body_budget_reserved_bytes')).toEqual([
      'rtw_body_budget_reserved_bytes 4096',
    ]);
    expect(await seriesOf(metrics, 'rtw_connections_closed_total')).toEqual(closes(0, 2, 0, 1));
    // The next scrape reads the figures again: totals as the server holds them, not added up.
    reserved = 0;
    evicted = { silent: 5, handshaking: 2, idle: 1, refused: 1 };
    expect(await seriesOf(metrics, 'rtw_body_budget_reserved_bytes')).toEqual([
      'rtw_body_budget_reserved_bytes 0',
    ]);
    expect(await seriesOf(metrics, 'rtw_connections_closed_total')).toEqual(closes(5, 2, 1, 1));
  });
});

describe('process metrics', () => {
  it("registers prom-client's default metrics, all but the GC histogram", () => {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: 'rtw_' });
    const expected = defaults
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => name !== 'rtw_nodejs_gc_duration_seconds');
    expect(expected.length).toBeGreaterThan(10);
    const own = new WebhookMetrics().registry.getMetricsAsArray().map((metric) => metric.name);
    expect(own.filter((name) => expected.includes(name)).sort()).toEqual([...expected].sort());
    expect(own).not.toContain('rtw_nodejs_gc_duration_seconds');
  });

  it('observes no garbage collections (Node builds a performance entry for each)', () => {
    const observe = vi.spyOn(PerformanceObserver.prototype, 'observe');
    try {
      new WebhookMetrics();
      const types = observe.mock.calls.flatMap(([options]) => [
        ...((options as { entryTypes?: string[] }).entryTypes ?? []),
        ...((options as { type?: string }).type ? [(options as { type: string }).type] : []),
      ]);
      expect(types).not.toContain('gc');
    } finally {
      observe.mockRestore();
    }
  });
});
