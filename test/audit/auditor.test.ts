import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PolicyAudit, type AuditApi, type AuditOptions } from '../../src/audit/auditor.js';
import type { PacingClock } from '../../src/audit/cpu-share.js';
import { FileClusterState } from '../../src/cluster/file-state.js';
import { ApiError, type ListPage, type QueryParams } from '../../src/cluster/kube-api.js';
import { readManifests } from '../../src/cluster/manifest-files.js';
import type { JsonObject } from '../../src/routing/model.js';
import { parseRulePolicy } from '../../src/webhook/enforcement.js';
import { WebhookMetrics } from '../../src/webhook/metrics.js';
import { fixedText } from './miswired-app.js';
import { FakeReportStore } from './report-store.js';

/**
 * An apiserver that lists Rollouts and Ingresses in pages and stores policy reports
 * (wgpolicyk8s.io served, openreports.io not unless `openReports`), recording every write.
 */
class FakeAuditApi implements AuditApi {
  objects = new Map<string, JsonObject[]>();
  private readonly store = new FakeReportStore();
  readonly reports = this.store.reports;
  writes: string[] = [];
  lists = 0;
  /** Reported on every page as the client's parse time. */
  parseMs: number | undefined;
  constructor(private readonly openReports = false) {}

  async list(path: string, query: QueryParams): Promise<ListPage> {
    this.lists++;
    const limit = Number(query['limit']);
    const start = Number(query['continue'] ?? 0);
    const served =
      path.startsWith('/apis/wgpolicyk8s.io/') ||
      (this.openReports && path.startsWith('/apis/openreports.io/'));
    let all: JsonObject[];
    if (path.includes('/policyreports') || path.includes('/reports')) {
      if (!served) throw new ApiError('not found', 404);
      const apiVersion = path.split('/').slice(2, 4).join('/');
      all = [...this.reports.values()].filter((r) => r['apiVersion'] === apiVersion);
    } else {
      all = this.objects.get(path.split('/').at(-1)!) ?? [];
    }
    const items = all.slice(start, start + limit).map((o) => structuredClone(o));
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return {
      items,
      resourceVersion: '1',
      ...(next ? { continueToken: next } : {}),
      ...(this.parseMs === undefined ? {} : { parseMs: this.parseMs }),
    };
  }

  async send(method: string, path: string, body: unknown): Promise<unknown> {
    this.writes.push(`${method} ${path}`);
    return this.store.send(method, path, body);
  }
}

async function clusterFrom(dir: string): Promise<FileClusterState> {
  const cluster = new FileClusterState([dir]);
  await cluster.start();
  return cluster;
}

async function objectsOf(api: FakeAuditApi, dir: string): Promise<void> {
  const manifests = await readManifests([dir]);
  api.objects.set(
    'rollouts',
    manifests.documents.filter((d) => d.kind === 'Rollout').map((d) => d.object),
  );
  api.objects.set(
    'ingresses',
    manifests.documents.filter((d) => d.kind === 'Ingress').map((d) => d.object),
  );
}

/** An audit of every namespace with the default policy, silent, every minute; `options` override. */
function auditWith(options: Pick<AuditOptions, 'api' | 'cluster'> & Partial<AuditOptions>): PolicyAudit {
  return new PolicyAudit({
    policy: { controllerIdentities: new Set(), enforcement: 'deny' },
    namespaces: [],
    intervalMs: 60_000,
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

function audit(api: FakeAuditApi, cluster: FileClusterState, rules?: string, metrics?: WebhookMetrics) {
  return auditWith({
    api,
    cluster,
    policy: {
      controllerIdentities: new Set(),
      enforcement: 'deny',
      ...(rules ? { rules: parseRulePolicy(rules) } : {}),
    },
    pageSize: 1,
    cpuShare: 1,
    metrics,
  });
}

const results = (report: JsonObject | undefined) =>
  ((report?.['results'] as JsonObject[] | undefined) ?? []).map((r) => [
    (r['resources'] as JsonObject[])[0]!['kind'] as string,
    r['rule'],
    r['result'],
    (r['properties'] as JsonObject)['action'],
  ]);

describe('PolicyAudit', () => {
  it('reports a miswired Rollout and its Ingress, keeps the report when nothing changed, deletes it once fixed', async () => {
    const api = new FakeAuditApi();
    await objectsOf(api, 'test/fixtures/miswired');
    const metrics = new WebhookMetrics();
    const first = await audit(api, await clusterFrom('test/fixtures/miswired'), undefined, metrics).runOnce();
    expect(first.objects).toEqual({ Rollout: 1, Ingress: 1 });
    expect(first.reports).toEqual({
      PolicyReport: { created: 1, updated: 0, deleted: 0, unchanged: 0, failed: 0 },
      Report: 'not-served',
    });
    const report = api.reports.get('wgpolicyk8s.io/payments');
    expect(report).toMatchObject({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: {
        name: 'rollouts-traffic-webhook',
        namespace: 'payments',
        labels: { 'app.kubernetes.io/managed-by': 'rollouts-traffic-webhook' },
      },
      summary: { pass: 0, fail: 2, warn: 0, error: 0, skip: 0 },
    });
    // The live objects as written (no mutation by the webhook, which was not running then).
    expect(results(report)).toEqual([
      ['Ingress', 'alb-backend-port-number', 'fail', 'deny'],
      ['Rollout', 'alb-backend-port-number', 'fail', 'deny'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('rtw_audit_violations{rule="alb-backend-port-number"} 2');
    expect(text).toContain('rtw_audit_objects{kind="Rollout"} 1');
    expect(text).toContain('rtw_audit_runs_total{result="success"} 1');

    // A second audit of the same cluster writes nothing (timestamps are kept).
    api.writes = [];
    const second = await audit(api, await clusterFrom('test/fixtures/miswired')).runOnce();
    expect(second.reports['PolicyReport']).toMatchObject({ unchanged: 1, created: 0, updated: 0 });
    expect(api.writes).toEqual([]);

    // Fixed: port.name use-annotation, and the action the ALB then reads (as the mutating
    // hook writes it on that update).
    const dir = await mkdtemp(join(tmpdir(), 'rtw-audit-'));
    const fixed = await fixedText();
    await writeFile(join(dir, 'app.yaml'), fixed);
    await objectsOf(api, dir);
    const third = await audit(api, await clusterFrom(dir)).runOnce();
    expect(third.reports['PolicyReport']).toMatchObject({ deleted: 1 });
    expect(api.reports.has('wgpolicyk8s.io/payments')).toBe(false);
  });

  it('judges by the policy: off rules are left out, the rest carry their action; the report is updated in place', async () => {
    const api = new FakeAuditApi(true);
    await objectsOf(api, 'test/fixtures/miswired');
    const cluster = await clusterFrom('test/fixtures/miswired');
    await audit(api, cluster).runOnce();
    const summary = await audit(
      api,
      cluster,
      'rules: [{match: [alb-action-unused], action: off}, {match: [alb-*], action: audit}]',
    ).runOnce();
    expect(summary.reports).toEqual({
      PolicyReport: { created: 0, updated: 1, deleted: 0, unchanged: 0, failed: 0 },
      Report: { created: 0, updated: 1, deleted: 0, unchanged: 0, failed: 0 },
    });
    expect(results(api.reports.get('wgpolicyk8s.io/payments'))).toEqual([
      ['Ingress', 'alb-backend-port-number', 'fail', 'audit'],
      ['Rollout', 'alb-backend-port-number', 'fail', 'audit'],
    ]);
    const open = api.reports.get('openreports.io/payments')!;
    expect(open).toMatchObject({
      apiVersion: 'openreports.io/v1alpha1',
      kind: 'Report',
      source: 'rollouts-traffic-webhook',
    });
    expect(results(open)).toEqual(results(api.reports.get('wgpolicyk8s.io/payments')));
  });

  it('leaves Ingresses no watched controller manages and no Rollout routes through out of the audit', async () => {
    const api = new FakeAuditApi();
    const dir = await mkdtemp(join(tmpdir(), 'rtw-audit-'));
    await writeFile(
      join(dir, 'other.yaml'),
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: Ingress',
        'metadata: { name: web, namespace: other, annotations: { kubernetes.io/ingress.class: traefik } }',
        'spec: { rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { name: use-annotation } } } }] } }] }',
      ].join('\n'),
    );
    await objectsOf(api, dir);
    const summary = await audit(api, await clusterFrom(dir)).runOnce();
    expect(summary.objects).toEqual({ Rollout: 0, Ingress: 0 });
    expect(summary.judged).toEqual({ Rollout: 0, Ingress: 0 });
    expect(api.reports.size).toBe(0);
  });

  it('audits only the watched namespaces, and skips Rollouts while their CRD is not installed', async () => {
    const api = new FakeAuditApi();
    await objectsOf(api, 'test/fixtures/miswired');
    const paths: string[] = [];
    const list = api.list.bind(api);
    api.list = async (path, query) => {
      paths.push(path);
      if (path.endsWith('/rollouts'))
        throw new ApiError('the server could not find the requested resource', 404);
      return list(path, query);
    };
    const cluster = await clusterFrom('test/fixtures/miswired');
    const summary = await auditWith({ api, cluster, namespaces: ['payments'] }).runOnce();
    expect(summary.objects).toEqual({ Rollout: 0, Ingress: 1 });
    expect(paths.filter((p) => !p.includes('reports'))).toEqual([
      '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts',
      '/apis/networking.k8s.io/v1/namespaces/payments/ingresses',
    ]);
    expect(results(api.reports.get('wgpolicyk8s.io/payments'))).toEqual([
      ['Ingress', 'alb-backend-port-number', 'fail', 'deny'],
    ]);
  });

  it('paced at a small CPU share, finishes with the same findings and rests 19 ms per ms of work', async () => {
    // Every reading of the clock is 0.05 ms of audit work; a rest moves it by the rest.
    const clock: PacingClock & { rests: number[] } = {
      time: 0,
      rests: [],
      now() {
        return (this.time += 0.05);
      },
      idleMs() {
        return this.time; // no reviews: the loop is idle whenever the audit is not working
      },
      async sleep(ms: number) {
        this.rests.push(ms);
        this.time += ms;
      },
    } as PacingClock & { rests: number[]; time: number };
    const paced = new FakeAuditApi();
    await objectsOf(paced, 'test/fixtures/miswired');
    const unpaced = new FakeAuditApi();
    await objectsOf(unpaced, 'test/fixtures/miswired');
    const cluster = await clusterFrom('test/fixtures/miswired');
    const fast = await auditWith({ api: unpaced, cluster, pageSize: 1, cpuShare: 1 }).runOnce();
    const slow = await auditWith({
      api: paced,
      cluster,
      pageSize: 1,
      cpuShare: 0.05,
      sliceMs: 0.1,
      clock,
    }).runOnce();
    expect(slow.objects).toEqual(fast.objects);
    expect(slow.byRule).toEqual(fast.byRule);
    expect(results(paced.reports.get('wgpolicyk8s.io/payments'))).toEqual([
      ['Ingress', 'alb-backend-port-number', 'fail', 'deny'],
      ['Rollout', 'alb-backend-port-number', 'fail', 'deny'],
    ]);
    // Rests between the steps: the Rollout page, the Ingress page, the report list, the write.
    expect(clock.rests.length).toBeGreaterThan(1);
    expect(slow.pacing.slices).toBe(clock.rests.length);
    // share 0.05: every ms of work is followed by 0.95 / 0.05 = 19 ms of rest (as asked for;
    // as measured it also holds this clock's own ticks).
    const asked = clock.rests.reduce((sum, ms) => sum + ms, 0);
    expect(asked).toBeCloseTo(19 * slow.pacing.workMs, 6);
    expect(slow.pacing.restMs).toBeGreaterThanOrEqual(asked);
  });

  /**
   * An audit of `rollouts` copies of the miswired Rollout (api-0, api-1, ...) and no Ingress,
   * in pages of `pageSize`, on a clock that stands still but for each page's parse of
   * `parseMs` (share 0.5: a slice of w ms is followed by w ms of rest). Returns what happened,
   * in order: each list (resource, first item), each object as it is judged (its metadata
   * read for the first time), each rest, each report write.
   */
  async function pacedEvents(rollouts: number, pageSize: number | undefined, parseMs: number) {
    const events: string[] = [];
    const limits: unknown[] = [];
    class RecordingApi extends FakeAuditApi {
      override async list(path: string, query: QueryParams): Promise<ListPage> {
        events.push(`list ${path.split('/').at(-1)} from ${query['continue'] ?? 0}`);
        limits.push(query['limit']);
        const page = await super.list(path, query);
        for (const item of page.items) {
          const object = item as JsonObject;
          const metadata = object['metadata'] as JsonObject;
          let judged = false;
          Object.defineProperty(object, 'metadata', {
            enumerable: true,
            get() {
              if (!judged) events.push(`judge ${metadata['name'] as string}`);
              judged = true;
              return metadata;
            },
          });
        }
        return page;
      }
      override async send(method: string, path: string, body: unknown): Promise<unknown> {
        events.push(`${method} ${path.split('/').slice(5).join('/')}`);
        return super.send(method, path, body);
      }
    }
    const api = new RecordingApi();
    api.parseMs = parseMs;
    await objectsOf(api, 'test/fixtures/miswired');
    const [rollout] = api.objects.get('rollouts')!;
    api.objects.set(
      'rollouts',
      Array.from({ length: rollouts }, (_, i) => {
        const copy = structuredClone(rollout!);
        (copy['metadata'] as JsonObject)['name'] = `api-${i}`;
        return copy;
      }),
    );
    api.objects.set('ingresses', []);
    let idle = 0;
    const stillClock: PacingClock = {
      now: () => 0,
      idleMs: () => idle,
      sleep: async (ms) => {
        events.push(ms === 0 ? 'yield' : `rest ${ms}`);
        idle += ms;
      },
    };
    const summary = await auditWith({
      api,
      cluster: await clusterFrom('test/fixtures/miswired'),
      cpuShare: 0.5,
      clock: stillClock,
      ...(pageSize === undefined ? {} : { pageSize }),
    }).runOnce();
    return { events, limits, summary };
  }

  it('judges a whole page between its list and the next rest, letting reviews in between its objects', async () => {
    // Each page's parse (1 ms) fills the 1 ms slice: a rest before every list but the first.
    const { events, summary } = await pacedEvents(5, 2, 1);
    expect(summary.objects).toEqual({ Rollout: 5, Ingress: 0 });
    expect(events).toEqual([
      'list rollouts from 0',
      'judge api-0',
      'yield',
      'judge api-1',
      'rest 1',
      'list rollouts from 2',
      'judge api-2',
      'yield',
      'judge api-3',
      'rest 1',
      'list rollouts from 4',
      'judge api-4',
      'rest 1',
      'list ingresses from 0',
      'rest 1',
      'list policyreports from 0',
      // The report is built after the rest and sent at once: no body waits through a rest.
      'rest 1',
      'POST payments/policyreports',
      // openreports.io is not served: its list fails, nothing was parsed, nothing to rest for.
      'list reports from 0',
    ]);
    expect(summary.pacing.slices).toBe(5);
    expect(summary.pacing.longestSliceMs).toBe(1);
    // On this clock only the parses take time: the longest step is one, with its first object.
    expect(summary.pacing.longestStepMs).toBe(1);
  });

  it('goes on to the next page without a rest until the pages used up the slice', async () => {
    // Parses of 0.25 ms: the slice is used after four pages (three of Rollouts, the empty one
    // of Ingresses), then the next four (the report list, the failed one, then none) do not.
    const { events } = await pacedEvents(5, 2, 0.25);
    expect(events).toEqual([
      'list rollouts from 0',
      'judge api-0',
      'yield',
      'judge api-1',
      'list rollouts from 2',
      'judge api-2',
      'yield',
      'judge api-3',
      'list rollouts from 4',
      'judge api-4',
      'list ingresses from 0',
      'rest 1',
      'list policyreports from 0',
      'POST payments/policyreports',
      'list reports from 0',
    ]);
  });

  it('lists N objects in N / page size calls, rounded up, and a page of 10 by default', async () => {
    const lists = (events: string[], resource: string) =>
      events.filter((e) => e.startsWith(`list ${resource} `)).length;
    expect(lists((await pacedEvents(5, 2, 0)).events, 'rollouts')).toBe(3);
    expect(lists((await pacedEvents(6, 2, 0)).events, 'rollouts')).toBe(3);
    expect(lists((await pacedEvents(7, 3, 0)).events, 'rollouts')).toBe(3);
    expect(lists((await pacedEvents(1, 3, 0)).events, 'rollouts')).toBe(1);
    // An empty collection still takes one list, which says so.
    expect(lists((await pacedEvents(1, 3, 0)).events, 'ingresses')).toBe(1);
    const byDefault = await pacedEvents(25, undefined, 0);
    expect(lists(byDefault.events, 'rollouts')).toBe(3);
    // Rollouts and Ingresses in pages of 10; the report lists ask for 500.
    expect(byDefault.limits).toEqual([10, 10, 10, 10, 500, 500]);
  });

  it('stops at the next page once stopped, even when the slice has not called for a rest', async () => {
    // A clock that never moves: no rest ever comes, so only the stop check ends the audit.
    const still: PacingClock = { now: () => 0, idleMs: () => 0, sleep: async () => undefined };
    class StoppingApi extends FakeAuditApi {
      stop: () => Promise<void> = async () => undefined;
      override async list(path: string, query: QueryParams): Promise<ListPage> {
        const page = await super.list(path, query);
        if (this.lists === 2) await this.stop();
        return page;
      }
    }
    const api = new StoppingApi();
    await objectsOf(api, 'test/fixtures/miswired');
    const [rollout] = api.objects.get('rollouts')!;
    api.objects.set('rollouts', [rollout!, rollout!, rollout!]);
    const running = auditWith({
      api,
      cluster: await clusterFrom('test/fixtures/miswired'),
      pageSize: 1,
      clock: still,
    });
    api.stop = () => running.stop();
    await expect(running.runOnce()).rejects.toThrow('audit stopped');
    // The second page is judged; the third is never listed.
    expect(api.lists).toBe(2);
    expect(api.writes).toEqual([]);
  });

  it("counts each list page's parse, as the client measured it, against the share", async () => {
    const api = new FakeAuditApi();
    api.parseMs = 5;
    await objectsOf(api, 'test/fixtures/miswired');
    const rests: number[] = [];
    let idle = 0;
    const stillClock: PacingClock = {
      now: () => 0, // no work but the parses
      idleMs: () => idle,
      sleep: async (ms) => {
        rests.push(ms);
        idle += ms;
      },
    };
    await auditWith({
      api,
      cluster: await clusterFrom('test/fixtures/miswired'),
      cpuShare: 0.5,
      clock: stillClock,
    }).runOnce();
    // Three pages (Rollouts, Ingresses, the existing PolicyReports; openreports.io is not
    // served): 5 ms of parse each, then 5 × 0.5 / 0.5 ms of rest.
    expect(rests).toEqual([5, 5, 5]);
  });

  it('starts once the caches have synced, repeats, and stops', async () => {
    const api = new FakeAuditApi();
    await objectsOf(api, 'test/fixtures/miswired');
    const cluster = await clusterFrom('test/fixtures/miswired');
    let synced = false;
    const view = Object.assign(Object.create(cluster) as FileClusterState, { isSynced: () => synced });
    const metrics = new WebhookMetrics();
    const running = auditWith({ api, cluster: view, intervalMs: 50, metrics });
    running.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(api.lists).toBe(0);
    synced = true;
    const runs = async () =>
      /rtw_audit_runs_total\{result="success"\} (\d+)/.exec(await metrics.registry.metrics())?.[1];
    for (let i = 0; i < 100 && Number((await runs()) ?? 0) < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(Number(await runs())).toBeGreaterThanOrEqual(2);
    await running.stop();
    const after = api.lists;
    await new Promise((r) => setTimeout(r, 200));
    expect(api.lists).toBe(after);
  });
});
