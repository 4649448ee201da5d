import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

/**
 * An apiserver that lists Rollouts and Ingresses in pages and stores policy reports
 * (wgpolicyk8s.io served, openreports.io not unless `openReports`), recording every write.
 */
class FakeAuditApi implements AuditApi {
  objects = new Map<string, JsonObject[]>();
  reports = new Map<string, JsonObject>();
  writes: string[] = [];
  lists = 0;
  /** Reported on every page as the client's parse time. */
  parseMs: number | undefined;
  private rv = 1;
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
    const parts = path.split('/');
    const namespace = parts[parts.indexOf('namespaces') + 1]!;
    const key = `${parts[2]}/${namespace}`;
    if (method === 'DELETE') {
      this.reports.delete(key);
      return {};
    }
    const object = structuredClone(body) as JsonObject;
    (object['metadata'] as JsonObject)['resourceVersion'] = String(++this.rv);
    this.reports.set(key, object);
    return object;
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
    const action = JSON.stringify({
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { ServiceName: 'api-canary', ServicePort: '8080', Weight: 0 },
          { ServiceName: 'api-stable', ServicePort: '8080', Weight: 100 },
        ],
      },
    });
    const fixed = (await readFile('test/fixtures/miswired/app.yaml', 'utf8'))
      .replace('port: { number: 8080 }', 'port: { name: use-annotation }')
      .replace(
        '    kubernetes.io/ingress.class: alb',
        `    kubernetes.io/ingress.class: alb\n    alb.ingress.kubernetes.io/actions.api-stable: '${action}'`,
      );
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
    expect(clock.rests.length).toBeGreaterThan(3);
    expect(slow.pacing.slices).toBe(clock.rests.length);
    // share 0.05: every ms of work is followed by 0.95 / 0.05 = 19 ms of rest (as asked for;
    // as measured it also holds this clock's own ticks).
    const asked = clock.rests.reduce((sum, ms) => sum + ms, 0);
    expect(asked).toBeCloseTo(19 * slow.pacing.workMs, 6);
    expect(slow.pacing.restMs).toBeGreaterThanOrEqual(asked);
  });

  it('ends slices between the objects of a page, not only between pages', async () => {
    // Judging costs time here: every look into the cluster view is 0.2 ms on the clock.
    const clock = { time: 0, idle: 0 };
    const pacing: PacingClock = {
      now: () => clock.time,
      idleMs: () => clock.idle,
      sleep: async (ms) => {
        clock.time += ms;
        clock.idle += ms;
      },
    };
    const files = await clusterFrom('test/fixtures/miswired');
    const costly = new Proxy(files, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          clock.time += 0.2;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const api = new FakeAuditApi();
    await objectsOf(api, 'test/fixtures/miswired');
    // 40 copies of the miswired Rollout in one page of 100.
    const [rollout] = api.objects.get('rollouts')!;
    api.objects.set(
      'rollouts',
      Array.from({ length: 40 }, (_, i) => {
        const copy = structuredClone(rollout!);
        (copy['metadata'] as JsonObject)['name'] = `api-${i}`;
        return copy;
      }),
    );
    const summary = await auditWith({
      api,
      cluster: costly,
      pageSize: 100,
      cpuShare: 0.5,
      clock: pacing,
    }).runOnce();
    expect(summary.objects.Rollout).toBe(40);
    const perObject = summary.pacing.workMs / 41; // 40 Rollouts and the Ingress
    expect(perObject).toBeGreaterThan(0.2);
    // A slice ends at the first object past 1 ms: never a whole page of 40 objects.
    expect(summary.pacing.longestSliceMs).toBeLessThan(1 + 2 * perObject);
    expect(summary.pacing.slices).toBeGreaterThanOrEqual(
      Math.floor(summary.pacing.workMs / (1 + 2 * perObject)),
    );
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
