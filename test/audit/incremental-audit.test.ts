import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PolicyAudit, type AuditApi, type AuditOptions } from '../../src/audit/auditor.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import { ApiError, type ListPage, type QueryParams } from '../../src/cluster/kube-api.js';
import { project, resourceOfManifest } from '../../src/cluster/project.js';
import { StoreBackedView } from '../../src/cluster/store.js';
import type { JsonObject } from '../../src/routing/model.js';
import { WebhookMetrics } from '../../src/webhook/metrics.js';
import { fixedText, miswiredText } from './miswired-app.js';
import { FakeReportStore } from './report-store.js';

/**
 * A cluster whose objects a test writes: the apiserver's copy (whole objects, listed by the
 * audit) and the cache's (projections, with the change journal) are written together, as a
 * watch would.
 */
class TestCluster extends StoreBackedView implements AuditApi {
  private readonly objects = new Map<string, JsonObject>();
  private readonly reportStore = new FakeReportStore();
  /** The wgpolicyk8s.io reports by namespace. */
  readonly reports = {
    has: (namespace: string) => this.reportStore.reports.has(`wgpolicyk8s.io/${namespace}`),
    namespaces: () => [...this.reportStore.reports.keys()].map((key) => key.split('/')[1]).sort(),
  };
  /** Every list path and every report call, in order. */
  calls: string[] = [];
  isSynced(): boolean {
    return true;
  }

  put(object: JsonObject): void {
    const meta = object['metadata'] as JsonObject;
    const kind = resourceOfManifest(object['apiVersion'] as string, object['kind'] as string)!;
    this.objects.set(`${kind}/${meta['namespace'] ?? ''}/${meta['name']}`, object);
    const projected = project(kind, object);
    if (!('value' in projected)) throw new Error(projected.problem);
    this.store.upsert(kind, projected.value);
  }

  delete(kind: ResourceKind, namespace: string, name: string): void {
    this.objects.delete(`${kind}/${namespace}/${name}`);
    this.store.remove(kind, namespace, name);
  }

  async list(path: string, query: QueryParams): Promise<ListPage> {
    this.calls.push(`list ${path}`);
    const parts = path.split('/');
    const resource = parts.at(-1)!;
    const namespaced = parts.indexOf('namespaces');
    const namespace = namespaced > 0 ? parts[namespaced + 1] : undefined;
    if (resource === 'reports') throw new ApiError('not found', 404);
    const all =
      resource === 'policyreports'
        ? [...this.reportStore.reports.values()]
        : [...this.objects.entries()]
            .filter(([key]) => key.startsWith(`${resource}/${namespace ?? ''}`))
            .map(([, object]) => object);
    const items = all
      .filter((o) => namespace === undefined || (o['metadata'] as JsonObject)['namespace'] === namespace)
      .map((o) => structuredClone(o));
    const limit = Number(query['limit']);
    const start = Number(query['continue'] ?? 0);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    return {
      items: items.slice(start, start + limit),
      resourceVersion: '1',
      ...(next ? { continueToken: next } : {}),
    };
  }

  /** Report calls of this method fail with this error (undefined: none fail). */
  failing(method: string | undefined, error?: Error): void {
    this.failure = method === undefined ? undefined : { method, error: error! };
  }
  private failure: { method: string; error: Error } | undefined;

  async send(method: string, path: string, body: unknown): Promise<unknown> {
    if (this.failure?.method === method) throw this.failure.error;
    const parts = path.split('/');
    this.calls.push(`${method} ${parts[parts.indexOf('namespaces') + 1]}`);
    return this.reportStore.send(method, path, body);
  }
}

function objectsOf(text: string): JsonObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as JsonObject);
}

const miswiredApp = async (namespace: string) => objectsOf(await miswiredText(namespace));
const fixedApp = async (namespace: string) => objectsOf(await fixedText(namespace));

const NAMESPACES = ['orders', 'payments', 'search', 'shipping'];

async function clusterOfApps(): Promise<TestCluster> {
  const cluster = new TestCluster();
  for (const namespace of NAMESPACES) for (const object of await miswiredApp(namespace)) cluster.put(object);
  return cluster;
}

/** The apps audited once (full), then the orders app fixed. */
async function auditedThenOrdersFixed(): Promise<{ cluster: TestCluster; audit: PolicyAudit }> {
  const cluster = await clusterOfApps();
  const audit = auditOf(cluster);
  await audit.runOnce();
  for (const object of await fixedApp('orders')) cluster.put(object);
  return { cluster, audit };
}

function auditOf(cluster: TestCluster, options: Partial<AuditOptions> = {}): PolicyAudit {
  return new PolicyAudit({
    api: cluster,
    cluster,
    changes: cluster.trackChanges(),
    policy: { controllerIdentities: new Set(), enforcement: 'deny' },
    namespaces: [],
    intervalMs: 60_000,
    logger: pino({ level: 'silent' }),
    formats: undefined,
    pageSize: 10,
    cpuShare: 1,
    // No namespace is judged in turn, only on changes, unless a test says otherwise.
    rejudgeEvery: 0,
    ...options,
  });
}

describe('PolicyAudit, incremental', () => {
  it('after a full audit, one with nothing changed lists nothing and writes nothing', async () => {
    const cluster = await clusterOfApps();
    const metrics = new WebhookMetrics();
    const audit = auditOf(cluster, { metrics });
    const first = await audit.runOnce();
    expect(first.mode).toBe('full');
    expect(first.judged).toEqual({ Rollout: 4, Ingress: 4 });
    expect(first.reports['PolicyReport']).toMatchObject({ created: 4 });
    const lastFull = async () =>
      Number(
        /^rtw_audit_last_full_run_timestamp_seconds (\S+)$/m.exec(await metrics.registry.metrics())?.[1],
      );
    const fullAt = await lastFull();
    expect(fullAt).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 5));

    cluster.calls = [];
    const second = await audit.runOnce();
    expect(second.mode).toBe('incremental');
    expect(second.namespaces).toBe(0);
    expect(second.judged).toEqual({ Rollout: 0, Ingress: 0 });
    // What the reports cover, and the findings, are the first audit's.
    expect(second.objects).toEqual({ Rollout: 4, Ingress: 4 });
    expect(second.byRule).toEqual(new Map([['alb-backend-port-number', 8]]));
    expect(second.results).toBe(8);
    expect(cluster.calls).toEqual([]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('rtw_audit_objects{kind="Rollout"} 4');
    expect(text).toContain('rtw_audit_judged_objects{kind="Rollout"} 0');
    expect(text).toContain('rtw_audit_violations{rule="alb-backend-port-number"} 8');
    // Only a full audit moves the time of the last full audit.
    expect(await lastFull()).toBe(fullAt);
  });

  it('judges again only the namespace that changed, and rewrites only its report', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    for (const object of await fixedApp('search')) cluster.put(object);

    cluster.calls = [];
    const second = await audit.runOnce();
    expect(second.mode).toBe('incremental');
    expect(second.namespaces).toBe(1);
    expect(second.judged).toEqual({ Rollout: 1, Ingress: 1 });
    expect(second.objects).toEqual({ Rollout: 4, Ingress: 4 });
    expect(second.byRule).toEqual(new Map([['alb-backend-port-number', 6]]));
    expect(cluster.calls).toEqual([
      'list /apis/argoproj.io/v1alpha1/namespaces/search/rollouts',
      'list /apis/networking.k8s.io/v1/namespaces/search/ingresses',
      // Its report is read, found fixed, and deleted; openreports.io is not served.
      'GET search',
      'DELETE search',
    ]);
    expect(cluster.reports.namespaces()).toEqual(['orders', 'payments', 'shipping']);

    // Broken again: created again, by an incremental audit too.
    for (const object of await miswiredApp('search')) cluster.put(object);
    cluster.calls = [];
    const third = await audit.runOnce();
    expect(third.mode).toBe('incremental');
    expect(cluster.calls.filter((c) => !c.startsWith('list'))).toEqual(['GET search', 'POST search']);
    expect(third.byRule).toEqual(new Map([['alb-backend-port-number', 8]]));
  });

  it('judges a namespace that had nothing to judge once a Rollout appears there', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    for (const object of await miswiredApp('billing')) cluster.put(object);
    const second = await audit.runOnce();
    expect(second.mode).toBe('incremental');
    expect(second.judged).toEqual({ Rollout: 1, Ingress: 1 });
    expect(second.objects).toEqual({ Rollout: 5, Ingress: 5 });
    expect(cluster.reports.has('billing')).toBe(true);
  });

  it('forgets a namespace whose objects are gone, and deletes its report', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    cluster.delete('rollouts', 'orders', 'api');
    cluster.delete('ingresses', 'orders', 'api');
    const second = await audit.runOnce();
    expect(second.mode).toBe('incremental');
    expect(second.objects).toEqual({ Rollout: 3, Ingress: 3 });
    expect(second.reports['PolicyReport']).toMatchObject({ deleted: 1 });
    expect(cluster.reports.has('orders')).toBe(false);
  });

  it('is full when more than half of the namespaces judged before changed', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    expect((await audit.runOnce()).mode).toBe('full');
    // Two of four: half, not more than half.
    for (const namespace of ['orders', 'payments'])
      for (const o of await miswiredApp(namespace)) cluster.put(o);
    const second = await audit.runOnce();
    expect([second.mode, second.namespaces]).toEqual(['incremental', 2]);
    // Three of four.
    for (const namespace of ['orders', 'payments', 'search'])
      for (const o of await miswiredApp(namespace)) cluster.put(o);
    const third = await audit.runOnce();
    expect([third.mode, third.namespaces, third.judged]).toEqual(['full', 4, { Rollout: 4, Ingress: 4 }]);
    // New namespaces do not count: one of the four judged before, and two new ones.
    for (const namespace of ['orders', 'billing', 'tracking'])
      for (const o of await miswiredApp(namespace)) cluster.put(o);
    const fourth = await audit.runOnce();
    expect([fourth.mode, fourth.namespaces]).toEqual(['incremental', 3]);
  });

  it('judges the one namespace there is incrementally when it changes', async () => {
    const cluster = new TestCluster();
    for (const object of await miswiredApp('orders')) cluster.put(object);
    const audit = auditOf(cluster);
    await audit.runOnce();
    for (const object of await fixedApp('orders')) cluster.put(object);
    const second = await audit.runOnce();
    expect([second.mode, second.namespaces, second.objects]).toEqual([
      'incremental',
      1,
      { Rollout: 1, Ingress: 1 },
    ]);
    expect(cluster.reports.has('orders')).toBe(false);
  });

  it('a full audit forgets the namespaces whose objects are gone', async () => {
    const cluster = await clusterOfApps();
    // Every audit judges every namespace: full.
    const audit = auditOf(cluster, { rejudgeEvery: 1 });
    await audit.runOnce();
    cluster.delete('rollouts', 'orders', 'api');
    cluster.delete('ingresses', 'orders', 'api');
    const second = await audit.runOnce();
    expect([second.mode, second.namespaces, second.objects]).toEqual(['full', 3, { Rollout: 3, Ingress: 3 }]);
    expect(cluster.reports.namespaces()).toEqual(['payments', 'search', 'shipping']);
  });

  it('covers only the audited namespaces: a change elsewhere is not judged', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster, { namespaces: ['orders', 'payments', 'search'] });
    expect((await audit.runOnce()).objects).toEqual({ Rollout: 3, Ingress: 3 });
    for (const object of await fixedApp('shipping')) cluster.put(object);
    for (const object of await fixedApp('orders')) cluster.put(object);
    cluster.calls = [];
    const second = await audit.runOnce();
    expect(cluster.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list /apis/argoproj.io/v1alpha1/namespaces/orders/rollouts',
      'list /apis/networking.k8s.io/v1/namespaces/orders/ingresses',
    ]);
    expect(second.objects).toEqual({ Rollout: 3, Ingress: 3 });
  });

  it('fails, rather than taking the report for absent, when reading a report fails', async () => {
    const { cluster, audit } = await auditedThenOrdersFixed();
    cluster.failing('GET', new ApiError('etcdserver: leader changed', 500));
    await expect(audit.runOnce()).rejects.toThrow('leader changed');
    expect(cluster.reports.has('orders')).toBe(true);
  });

  it('judges every namespace again at least every N audits, 1/N of them in turn, changed or not', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster, { rejudgeEvery: 4 });
    await audit.runOnce();
    const listed = async () => {
      cluster.calls = [];
      await audit.runOnce();
      return cluster.calls.filter((c) => c.includes('/rollouts')).map((c) => c.split('/').at(-2));
    };
    expect(await listed()).toEqual(['orders']);
    // A report deleted by hand is put back when its namespace's turn comes.
    await cluster.send(
      'DELETE',
      '/apis/wgpolicyk8s.io/v1alpha2/namespaces/payments/policyreports/x',
      undefined,
    );
    expect(cluster.reports.has('payments')).toBe(false);
    expect(await listed()).toEqual(['payments']);
    expect(cluster.reports.has('payments')).toBe(true);
    // What changed is judged besides, and the turn goes on from where it was, wrapping.
    for (const object of await fixedApp('shipping')) cluster.put(object);
    expect(await listed()).toEqual(['search', 'shipping']);
    expect(await listed()).toEqual(['shipping']);
    expect(await listed()).toEqual(['orders']);
    // In name order, whatever order the namespaces were found in: 'billing' is listed last.
    for (const object of await miswiredApp('billing')) cluster.put(object);
    const third = auditOf(cluster, { rejudgeEvery: 3 });
    await third.runOnce();
    cluster.calls = [];
    await third.runOnce();
    // One in three of five namespaces: two at a time, rounded up.
    expect(cluster.calls.filter((c) => c.includes('/rollouts')).map((c) => c.split('/').at(-2))).toEqual([
      'billing',
      'orders',
    ]);
  });

  it('every twelfth audit lists all reports, and deletes those of namespaces without findings', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    // A report left where no object is judged (written by another replica, say).
    await cluster.send('POST', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/gone/policyreports', {
      metadata: { name: 'rollouts-traffic-webhook', namespace: 'gone' },
    });
    for (let run = 2; run < 12; run++) await audit.runOnce();
    expect(cluster.reports.has('gone')).toBe(true);
    cluster.calls = [];
    const twelfth = await audit.runOnce();
    expect(twelfth.mode).toBe('incremental');
    expect(cluster.calls).toEqual([
      'list /apis/wgpolicyk8s.io/v1alpha2/policyreports',
      'DELETE gone',
      'list /apis/openreports.io/v1alpha1/reports',
    ]);
    expect(cluster.reports.namespaces()).toEqual(['orders', 'payments', 'search', 'shipping']);
  });

  it('judges again the namespaces whose findings read one that changed (a Gateway API route in another namespace)', async () => {
    const cluster = await clusterOfApps();
    // The shop's Rollout routes through the Gateway API plugin, to a route in another namespace.
    const shop = (await miswiredText('shop')).replace(
      'alb: { ingress: api, servicePort: 8080 }',
      "plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: store, namespace: routes } }",
    );
    const rollout = objectsOf(shop).find((o) => o['kind'] === 'Rollout')!;
    cluster.put(rollout);
    const audit = auditOf(cluster);
    const first = await audit.runOnce();
    expect(first.byRule.get('gateway-api-route-not-found')).toBe(1);

    const route: JsonObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'store', namespace: 'routes' },
      spec: {
        rules: [
          {
            backendRefs: [
              { name: 'api-stable', namespace: 'shop', port: 8080 },
              { name: 'api-canary', namespace: 'shop', port: 8080 },
            ],
          },
        ],
      },
    };
    cluster.put(route);
    cluster.calls = [];
    const second = await audit.runOnce();
    expect(second.mode).toBe('incremental');
    // 'routes' changed (it holds no Rollout or Ingress: listed, nothing found); 'shop' read it.
    expect(cluster.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list /apis/argoproj.io/v1alpha1/namespaces/routes/rollouts',
      'list /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts',
      'list /apis/networking.k8s.io/v1/namespaces/routes/ingresses',
      'list /apis/networking.k8s.io/v1/namespaces/shop/ingresses',
    ]);
    expect(second.judged).toEqual({ Rollout: 1, Ingress: 0 });
    expect(second.byRule).toEqual(new Map([['alb-backend-port-number', 8]]));

    // The Rollout written again: its namespace, and the route key it is filed under, changed;
    // the key is no namespace to list.
    cluster.put(rollout);
    cluster.calls = [];
    await audit.runOnce();
    expect(cluster.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list /apis/argoproj.io/v1alpha1/namespaces/shop/rollouts',
      'list /apis/networking.k8s.io/v1/namespaces/shop/ingresses',
    ]);

    // A change in a namespace the Rollout never read leaves it alone.
    for (const object of await fixedApp('orders')) cluster.put(object);
    cluster.calls = [];
    await audit.runOnce();
    expect(cluster.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list /apis/argoproj.io/v1alpha1/namespaces/orders/rollouts',
      'list /apis/networking.k8s.io/v1/namespaces/orders/ingresses',
    ]);
  });

  it('judges again every namespace that read the IngressClasses when one changes', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    cluster.put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'alb' },
      spec: { controller: 'ingress.k8s.aws/alb' },
    });
    const second = await audit.runOnce();
    expect([second.mode, second.namespaces]).toEqual(['full', 4]);
  });

  it('is full after an audit that failed, since it may have taken changes it never judged', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster);
    await audit.runOnce();
    for (const object of await fixedApp('orders')) cluster.put(object);
    const list = cluster.list.bind(cluster);
    cluster.list = async () => {
      throw new ApiError('etcdserver: request timed out', 500);
    };
    await expect(audit.runOnce()).rejects.toThrow('request timed out');
    cluster.list = list;
    const third = await audit.runOnce();
    expect(third.mode).toBe('full');
    expect(cluster.reports.has('orders')).toBe(false);
  });

  it('judges again a namespace whose report was not written, though nothing changed there', async () => {
    const { cluster, audit } = await auditedThenOrdersFixed();
    cluster.failing('DELETE', new ApiError('conflict', 409));
    const second = await audit.runOnce();
    expect(second.reports['PolicyReport']).toMatchObject({ failed: 1 });
    cluster.failing(undefined);
    cluster.calls = [];
    const third = await audit.runOnce();
    expect(third.mode).toBe('incremental');
    expect(cluster.calls).toContain('DELETE orders');
    expect(cluster.reports.has('orders')).toBe(false);
    // Written now: not judged again.
    cluster.calls = [];
    await audit.runOnce();
    expect(cluster.calls).toEqual([]);
  });

  it('runFirst: one full audit, unpaced, in pages of 500; the periodic ones follow at the interval', async () => {
    const cluster = await clusterOfApps();
    const limits: string[] = [];
    const list = cluster.list.bind(cluster);
    cluster.list = (path, query) => {
      limits.push(String(query['limit']));
      return list(path, query);
    };
    const audit = auditOf(cluster, { intervalMs: 60_000 });
    await audit.runFirst(10_000);
    expect(limits).toEqual(['500', '500', '500', '500']);
    expect(cluster.reports.namespaces()).toEqual(['orders', 'payments', 'search', 'shipping']);
    // A second call does nothing: the first audit has run.
    await audit.runFirst(10_000);
    expect(limits).toHaveLength(4);
    // start() does not audit again at once: the next is a minute away.
    audit.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(limits).toHaveLength(4);
    // The periodic audits list in the configured pages.
    for (const object of await fixedApp('orders')) cluster.put(object);
    await audit.runOnce();
    expect(limits.slice(4)).toEqual(['10', '10']);
    await audit.stop();
  });

  it('runFirst out of time: logged, not thrown, and the next audit is full', async () => {
    const cluster = await clusterOfApps();
    const list = cluster.list.bind(cluster);
    cluster.list = async (path, query) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return list(path, query);
    };
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const audit = auditOf(cluster, { logger });
    await audit.runFirst(10);
    expect(warnings).toEqual(['first audit before readiness not finished; the next one, paced, is full']);
    expect(cluster.reports.namespaces()).toEqual([]);
    cluster.list = list;
    const next = await audit.runOnce();
    expect([next.mode, next.judged]).toEqual(['full', { Rollout: 4, Ingress: 4 }]);
  });

  it('without a change journal, every audit is full', async () => {
    const cluster = await clusterOfApps();
    const audit = auditOf(cluster, { changes: undefined });
    await audit.runOnce();
    expect((await audit.runOnce()).mode).toBe('full');
  });
});
