import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESOURCE_KINDS } from '../../src/cluster/cluster-state.js';
import type { ResourceKind } from '../../src/cluster/cluster-state.js';
import { project } from '../../src/cluster/project.js';
import { runOnRequestPath } from '../../src/cluster/request-path.js';
import { WatchClusterState } from '../../src/cluster/watch-state.js';
import type { StreamTiming } from '../../src/cluster/resource-stream.js';
import { FAST_STREAM_TIMING, ListWatchApiServer } from './list-watch-apiserver.js';
import { wireIngress, wireIngressClass, wireRollout, wireService } from './wire.js';

/** Small timings so every fault plays out in well under a second; small pages to test paging. */
const FAST: Partial<StreamTiming> = { ...FAST_STREAM_TIMING, listPageSize: 3 };

let server: ListWatchApiServer;
let state: WatchClusterState | undefined;

function seed(fake: ListWatchApiServer): void {
  fake.upsert('ingressclasses', wireIngressClass('alb', 'ingress.k8s.aws/alb'));
  for (const ns of ['shop', 'ops']) {
    for (let i = 0; i < 4; i++) {
      fake.upsert('services', wireService(ns, `svc-${i}`));
      fake.upsert('ingresses', wireIngress(ns, `web-${i}`));
      fake.upsert('rollouts', wireRollout(ns, `app-${i}`, { albIngress: `web-${i}` }));
    }
  }
}

/** Log lines of the cache under test, as `level: message`. */
let logged: string[] = [];
const logger = {
  info: (_fields: object, message: string) => logged.push(`info: ${message}`),
  warn: (_fields: object, message: string) => logged.push(`warn: ${message}`),
};

function newState(
  options: { namespaces?: string[]; timing?: Partial<StreamTiming> } = {},
): WatchClusterState {
  const timing = { ...FAST, ...options.timing };
  state = new WatchClusterState({
    api: server.api(),
    namespaces: options.namespaces,
    timing,
    logger,
  });
  return state;
}

/** A cache that has synced and has a watch open on every resource. */
async function startWatching(options: Parameters<typeof newState>[0] = {}): Promise<WatchClusterState> {
  const cache = newState(options);
  await cache.start();
  expect(await cache.waitForSync(5_000)).toBe(true);
  await eventually(() => expect(server.openWatches()).toBe(4));
  return cache;
}

async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The cache holds exactly the server's objects, as projections, for every kind. */
function expectStoreEqualsTruth(
  cache: WatchClusterState,
  fake: ListWatchApiServer,
  namespaces?: string[],
): void {
  for (const kind of RESOURCE_KINDS) {
    const expected = fake
      .truth(kind)
      .map((obj) => project(kind, obj))
      .flatMap((p) => ('value' in p ? [p.value] : []))
      .filter((p) => !namespaces || !('namespace' in p) || namespaces.includes(p.namespace));
    expect(sortByKey(cache.contents().list(kind)), kind).toEqual(sortByKey(expected));
  }
}

function sortByKey<T extends { name: string; namespace?: string }>(items: T[]): T[] {
  const key = (x: T) => `${x.namespace ?? ''}/${x.name}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

beforeEach(async () => {
  logged = [];
  server = new ListWatchApiServer();
  await server.start();
  seed(server);
});

afterEach(async () => {
  await state?.stop();
  state = undefined;
  await server.stop();
});

describe('WatchClusterState: sync and events', () => {
  it('lists every resource in pages, becomes ready, then applies watch events', async () => {
    const cache = newState();
    expect(cache.isSynced()).toBe(false);
    await cache.start();
    expect(await cache.waitForSync(5_000)).toBe(true);
    expectStoreEqualsTruth(cache, server);
    // 8 services in pages of 3: three list requests, the continue token carried along.
    expect(
      server.requests
        .filter((r) => r.kind === 'services' && r.verb === 'list')
        .map((r) => r.query['continue'] ?? ''),
    ).toEqual(['', expect.stringMatching(/:3$/), expect.stringMatching(/:6$/)]);
    // Watches start from the list's resourceVersion and ask for bookmarks.
    await eventually(() => expect(server.openWatches()).toBe(4));
    const watch = server.requests.find((r) => r.kind === 'services' && r.verb === 'watch');
    expect(watch?.query).toMatchObject({
      allowWatchBookmarks: 'true',
      resourceVersion: expect.stringMatching(/^\d+$/),
    });

    server.upsert('services', wireService('shop', 'svc-new', '1', 8080));
    server.remove('ingresses', 'ops', 'web-3');
    // A Rollout that switches Ingress: the index must follow.
    server.upsert('rollouts', wireRollout('shop', 'app-0', { albIngresses: ['web-1', 'web-2'] }));
    await eventually(() => {
      expect(cache.getService('shop', 'svc-new')?.ports).toEqual([{ name: 'http', port: 8080 }]);
      expect(cache.getIngress('ops', 'web-3')).toBeUndefined();
      expect(cache.rolloutsReferencingIngress('shop', 'web-0')).toEqual([]);
      expect(cache.rolloutsReferencingIngress('shop', 'web-2').map((r) => r.name)).toEqual([
        'app-0',
        'app-2',
      ]);
    });
    expectStoreEqualsTruth(cache, server);
    const status = cache.status();
    expect(status).toMatchObject({ source: 'watch', synced: true });
    expect(status.resources.services).toMatchObject({
      synced: true,
      available: true,
      objects: 9,
      relists: 0,
    });
    expect(status.resources.services.resourceVersion).toBe(String(server.resourceVersion - 2));
    expect(status.staleSeconds).toBeLessThan(5);
  });

  it('makes no apiserver call from lookups; a call made while serving a request would be counted', async () => {
    const cache = await startWatching();
    const before = cache.status().apiCalls;
    runOnRequestPath(() => {
      for (let i = 0; i < 1000; i++) {
        cache.getIngress('shop', `web-${i % 4}`);
        cache.getService('shop', 'svc-1');
        cache.getRollout('ops', 'app-2');
        cache.ingressClasses();
        cache.rolloutsReferencingIngress('shop', 'web-1');
      }
    });
    const after = cache.status().apiCalls;
    expect(after.onRequestPath).toBe(0);
    expect(after.list).toBe(before.list);
    expect(before.list).toBeGreaterThan(0);

    // The counter is real: a list issued from inside a request is seen.
    const api = server.api();
    await runOnRequestPath(() => api.list('/api/v1/services', {}, AbortSignal.timeout(2_000)));
    expect(api.calls).toEqual({ list: 1, watch: 0, onRequestPath: 1 });
  });

  it('watches only the selected namespaces; IngressClasses stay cluster-wide', async () => {
    server.upsert('services', wireService('elsewhere', 'hidden'));
    const cache = newState({ namespaces: ['shop', 'ops', 'shop'] });
    await cache.start();
    expect(await cache.waitForSync(5_000)).toBe(true);
    expectStoreEqualsTruth(cache, server, ['shop', 'ops']);
    expect(cache.getService('elsewhere', 'hidden')).toBeUndefined();
    const listed = new Set(
      server.requests.filter((r) => r.verb === 'list').map((r) => `${r.kind}@${r.namespace ?? '*'}`),
    );
    expect([...listed].sort()).toEqual([
      'grpcroutes@ops',
      'grpcroutes@shop',
      'httproutes@ops',
      'httproutes@shop',
      'ingressclasses@*',
      'ingresses@ops',
      'ingresses@shop',
      'rollouts@ops',
      'rollouts@shop',
      'services@ops',
      'services@shop',
    ]);
    server.upsert('services', wireService('elsewhere', 'still-hidden'));
    server.upsert('services', wireService('ops', 'seen'));
    await eventually(() => expect(cache.getService('ops', 'seen')).toBeDefined());
    expect(cache.getService('elsewhere', 'still-hidden')).toBeUndefined();
    expect(cache.status().resources.services.resourceVersion).toMatch(/^ops=\d+,shop=\d+$/);
    // 7 for the core resources, and HTTPRoutes and GRPCRoutes in each selected namespace.
    expect(cache.streamStatuses()).toHaveLength(11);
  });
});

describe('WatchClusterState: faults', () => {
  it('does not become ready while the Rollout CRD is missing, and syncs once it appears', async () => {
    server.faults.rolloutsMissing = true;
    const cache = newState();
    await cache.start();
    await eventually(() => expect(server.count('list', 'rollouts')).toBeGreaterThanOrEqual(3));
    expect(cache.isSynced()).toBe(false);
    const rollouts = cache.status().resources.rollouts;
    expect(rollouts).toMatchObject({ synced: false, available: false, objects: 0 });
    expect(rollouts.lastError).toMatch(/404.*Rollout CRD rollouts\.argoproj\.io is not installed/);
    expect(cache.status().resources.services.synced).toBe(true);

    server.faults.rolloutsMissing = false;
    expect(await cache.waitForSync(5_000)).toBe(true);
    expect(cache.status().resources.rollouts).toMatchObject({ available: true, objects: 8 });
    expect(cache.status().resources.rollouts.lastError).toBeUndefined();
    expectStoreEqualsTruth(cache, server);
  });

  it('is ready without the Gateway API CRDs, and caches routes once they are installed', async () => {
    const cache = newState();
    await cache.start();
    expect(await cache.waitForSync(5_000)).toBe(true);
    const routes = cache.status().resources.httproutes;
    expect(routes).toMatchObject({ synced: true, available: false, objects: 0, staleSeconds: 0 });
    expect(routes.lastError).toMatch(/httproutes\.gateway\.networking\.k8s\.io \(CRD not installed\)/);

    server.faults.gatewayApiInstalled = true;
    server.upsert('httproutes', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' },
      spec: { rules: [{ backendRefs: [{ name: 'web-stable', port: 80 }] }] },
    });
    await eventually(() => expect(cache.getRoute('HTTPRoute', 'shop', 'web')?.rules).toHaveLength(1), 10_000);
    expect(cache.status().resources.httproutes.available).toBe(true);
    expect(cache.getRoute('GRPCRoute', 'shop', 'web')).toBeUndefined();
  });

  it('re-watches from the last resourceVersion after a dropped connection, without a relist', async () => {
    const cache = await startWatching();
    for (let round = 0; round < 3; round++) {
      server.upsert('services', wireService('shop', `during-${round}`));
      server.dropWatches();
      server.upsert('services', wireService('shop', `after-drop-${round}`));
      server.remove('services', 'shop', `svc-${round}`);
      await eventually(() => expect(server.openWatches()).toBe(4));
    }
    await eventually(() => expectStoreEqualsTruth(cache, server));
    const services = cache.status().resources.services;
    expect(services.restarts).toBeGreaterThanOrEqual(3);
    expect(services.relists).toBe(0);
    // Each re-watch asked for the events after the last one it saw.
    const rvs = server.requests
      .filter((r) => r.kind === 'services' && r.verb === 'watch')
      .map((r) => Number(r.query['resourceVersion']));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(cache.isSynced()).toBe(true);
  });

  it.each(['status', 'event'] as const)(
    'relists after 410 Gone sent as %s, and drops objects deleted meanwhile',
    async (goneAs) => {
      server.faults.goneAs = goneAs;
      const cache = await startWatching();
      // Move the global resourceVersion past what the Ingress watch has seen, so that once the
      // history is compacted, re-watching Ingresses from their last version is answered with 410.
      server.upsert('services', wireService('shop', 'moves-rv'));

      if (goneAs === 'status') {
        // Changes the cache cannot see, then the history is compacted: re-watching must fail with 410.
        await server.kill();
        server.remove('ingresses', 'shop', 'web-0');
        server.upsert('ingresses', wireIngress('shop', 'web-9'));
        server.compact();
        await server.revive();
      } else {
        server.compact();
        server.expireWatches();
      }
      await eventually(() => expect(cache.status().resources.ingresses.relists).toBe(1), 2_000);
      await eventually(() => expectStoreEqualsTruth(cache, server));
      if (goneAs === 'status') expect(cache.getIngress('shop', 'web-0')).toBeUndefined();
      expect(cache.isSynced()).toBe(true);
    },
  );

  it('keeps the resourceVersion of BOOKMARK events and resumes from it', async () => {
    const cache = await startWatching();
    // Other resources move the global resourceVersion; only a bookmark tells the IngressClass watch.
    server.upsert('services', wireService('shop', 'moves-rv'));
    server.bookmark();
    const bookmarkRv = String(server.resourceVersion);
    await eventually(() => expect(cache.status().resources.ingressclasses.resourceVersion).toBe(bookmarkRv));
    server.dropWatches();
    await eventually(() => {
      const watches = server.requests.filter((r) => r.kind === 'ingressclasses' && r.verb === 'watch');
      expect(watches.at(-1)?.query['resourceVersion']).toBe(bookmarkRv);
    });
  });

  it('relists when a watch goes silent past the watchdog timeout', async () => {
    const cache = await startWatching({ timing: { watchdogMs: 400 } });
    server.faults.silentWatches = true;
    server.dropWatches(); // the next watches are accepted and then say nothing
    server.upsert('services', wireService('shop', 'only-a-relist-finds-me'));
    await eventually(() => expect(cache.getService('shop', 'only-a-relist-finds-me')).toBeDefined(), 3_000);
    const services = cache.status().resources.services;
    expect(services.relists).toBeGreaterThanOrEqual(1);
    expect(services.lastError).toBeUndefined(); // cleared by the successful relist
    server.faults.silentWatches = false;
    await eventually(() => expectStoreEqualsTruth(cache, server));
  });

  it('is not ready and decides nothing while the apiserver is unreachable at start; backs off; syncs when it comes', async () => {
    await server.kill();
    const cache = newState();
    await cache.start();
    await sleep(1_000);
    expect(cache.isSynced()).toBe(false);
    expect(cache.getIngress('shop', 'web-1')).toBeUndefined();
    expect(cache.rolloutsReferencingIngress('shop', 'web-1')).toEqual([]);
    const status = cache.status();
    expect(status.synced).toBe(false);
    expect(status.resources.services.lastError).toMatch(/ECONNREFUSED/);
    expect(status.staleSeconds).toBeGreaterThanOrEqual(0.9);
    // Backoff, not a storm: 20 ms doubling to a 200 ms cap allows about a dozen tries a second per
    // resource (four core resources, HTTPRoutes and GRPCRoutes); without backoff it would be thousands.
    expect(status.apiCalls.list).toBeGreaterThanOrEqual(4 * 4);
    expect(status.apiCalls.list).toBeLessThanOrEqual(6 * 14);

    await server.revive();
    expect(await cache.waitForSync(5_000)).toBe(true);
    expectStoreEqualsTruth(cache, server);
  });

  it('keeps answering from the cache while the apiserver is down, then catches up without losing an update', async () => {
    const cache = await startWatching();

    await server.kill();
    const callsAtDeath = cache.status().apiCalls;
    // While it is down the truth moves on: updates, deletes, a Rollout switching Ingress.
    server.upsert('services', wireService('shop', 'svc-1', '1', 9090));
    server.remove('services', 'ops', 'svc-2');
    server.upsert('rollouts', wireRollout('ops', 'app-1', { albIngress: 'web-3', weight: 60 }));
    server.upsert(
      'ingresses',
      wireIngress('ops', 'web-3', '1', { 'alb.ingress.kubernetes.io/group.name': 'g' }),
    );
    await sleep(800);
    // Still ready and still answering with what it knew.
    expect(cache.isSynced()).toBe(true);
    expect(cache.getService('shop', 'svc-1')?.ports).toEqual([{ name: 'http', port: 80 }]);
    expect(cache.rolloutsReferencingIngress('ops', 'web-1').map((r) => r.name)).toEqual(['app-1']);
    const down = cache.status();
    expect(down.staleSeconds).toBeGreaterThanOrEqual(0.7);
    expect(down.resources.services.lastError).toMatch(/ECONNREFUSED/);
    const attempts = down.apiCalls.watch - callsAtDeath.watch;
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(4 * 12);

    await server.revive();
    await eventually(() => expectStoreEqualsTruth(cache, server));
    expect(cache.getService('shop', 'svc-1')?.ports).toEqual([{ name: 'http', port: 9090 }]);
    expect(cache.rolloutsReferencingIngress('ops', 'web-1')).toEqual([]);
    expect(cache.rolloutsReferencingIngress('ops', 'web-3').map((r) => r.name)).toEqual(['app-1', 'app-3']);
    await eventually(() => expect(cache.status().staleSeconds).toBeLessThan(0.5));
    // The events were replayed from the watch window: no relist was needed.
    expect(cache.status().resources.services.relists).toBe(0);
  });

  it('never drops a watch line it cannot parse: the watch is restarted from the last good version', async () => {
    const cache = await startWatching();
    server.sendGarbage();
    server.upsert('services', wireService('shop', 'after-garbage'));
    server.remove('services', 'shop', 'svc-0');
    await eventually(() =>
      expect(logged).toContainEqual(
        expect.stringMatching(/^warn: watch .*services: an event is not valid JSON/),
      ),
    );
    await eventually(() => expectStoreEqualsTruth(cache, server));
    expect(cache.status().resources.services.relists).toBe(0);
    expect(cache.status().resources.services.restarts).toBeGreaterThanOrEqual(1);
  });

  it('backs off instead of storming when every watch is accepted and closed at once', async () => {
    const cache = await startWatching();
    server.faults.closeWatchesAtOnce = true;
    const before = server.count('watch', 'services');
    server.dropWatches();
    await sleep(1_000);
    const watches = server.count('watch', 'services') - before;
    // 20 ms doubling to a 200 ms cap: about 8 attempts in a second. With the backoff never applied
    // (measured by breaking it on purpose) this loop made 56, bounded only by the round trips.
    expect(watches).toBeGreaterThanOrEqual(3);
    expect(watches).toBeLessThanOrEqual(14);
    server.faults.closeWatchesAtOnce = false;
    server.upsert('services', wireService('shop', 'after-flapping'));
    await eventually(() => expectStoreEqualsTruth(cache, server));
  });

  it('stops cleanly: no further requests after stop()', async () => {
    const cache = await startWatching();
    await cache.stop();
    const seen = server.requests.length;
    server.dropWatches();
    await sleep(300);
    expect(server.requests.length).toBe(seen);
    expect(server.openWatches()).toBe(0);
  });
});

describe('WatchClusterState: access problems', () => {
  it('says what to fix when the credentials are rejected (401)', async () => {
    state = new WatchClusterState({
      api: server.api('wrong'),
      timing: FAST,
    });
    await state.start();
    await eventually(() =>
      expect(state?.status().resources.services.lastError).toMatch(
        /HTTP 401: Unauthorized \(the apiserver rejected the credentials/,
      ),
    );
    expect(state.isSynced()).toBe(false);
  });

  it('names the missing permission when RBAC forbids a resource (403), and recovers when granted', async () => {
    server.faults.forbidden.add('ingresses');
    const cache = newState({ namespaces: ['shop'] });
    await cache.start();
    await eventually(() =>
      expect(cache.status().resources.ingresses.lastError).toMatch(
        /HTTP 403: .*forbidden.* \(the webhook's ServiceAccount needs list and watch on ingresses\.networking\.k8s\.io in namespace shop; retrying\)/,
      ),
    );
    expect(cache.isSynced()).toBe(false);
    server.faults.forbidden.clear();
    expect(await cache.waitForSync(5_000)).toBe(true);
    expect(cache.status().resources.ingresses.lastError).toBeUndefined();
  });
});

describe('WatchClusterState: configuration', () => {
  it.each(RESOURCE_KINDS)('reports status for %s before anything is listed', (kind: ResourceKind) => {
    const cache = newState();
    expect(cache.status().resources[kind]).toMatchObject({
      synced: false,
      objects: 0,
      restarts: 0,
      relists: 0,
    });
  });
});
