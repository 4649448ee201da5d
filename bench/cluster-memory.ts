/**
 * Memory of the watch cache at the target scale: 10,000 Rollouts, 10,000 Ingresses and
 * 20,000 Services. A fake apiserver runs in a child process (so its copy of the objects is
 * not counted); this process lists and watches it through the real code path (HTTP, pages
 * of 500, JSON parse, projection, store, index) and reports its RSS after a full GC.
 *
 * Run: `bench/cluster-memory.sh [node flags...]` (compiles to a temporary folder, then runs
 * this file with `--expose-gc` and the flags, e.g. `--max-semi-space-size=2`). IDLE_MS=5000
 * waits that long after the sync before measuring, so V8 can give back what it no longer uses.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WatchClusterState } from '../src/cluster/watch-state.js';
import { ListWatchApiServer, fakeApi } from '../test/cluster/list-watch-apiserver.js';
import { wireIngress, wireIngressClass, wireRollout, wireService } from '../test/cluster/wire.js';

const ROLLOUTS = 10_000;
const INGRESSES = 10_000;
const SERVICES = 20_000;
const NAMESPACES = 200;

/** Annotations of a realistic ALB Ingress mid-canary, as the Rollouts controller leaves them. */
function albAnnotations(name: string): Record<string, string> {
  const action = {
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: `${name}-stable`, servicePort: '80', weight: 80 },
        { serviceName: `${name}-canary`, servicePort: '80', weight: 20 },
      ],
      targetGroupStickinessConfig: { enabled: false },
    },
  };
  return {
    [`alb.ingress.kubernetes.io/actions.${name}-root`]: JSON.stringify(action),
    'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
    'alb.ingress.kubernetes.io/group.name': 'shared-alb',
    'alb.ingress.kubernetes.io/certificate-arn':
      'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
    'rollouts.argoproj.io/managed-alb-annotations': JSON.stringify({
      [`${name}-rollout`]: [`actions.${name}-root`],
    }),
  };
}

async function serve(): Promise<void> {
  const server = new ListWatchApiServer();
  await server.start();
  server.upsert('ingressclasses', wireIngressClass('alb', 'ingress.k8s.aws/alb'));
  for (let i = 0; i < ROLLOUTS; i++) {
    const ns = `team-${i % NAMESPACES}`;
    server.upsert('rollouts', wireRollout(ns, `app-${i}-rollout`, { albIngress: `app-${i}` }));
  }
  for (let i = 0; i < INGRESSES; i++) {
    const ns = `team-${i % NAMESPACES}`;
    server.upsert('ingresses', wireIngress(ns, `app-${i}`, '1', albAnnotations(`app-${i}`)));
  }
  for (let i = 0; i < SERVICES; i++) {
    const ns = `team-${i % NAMESPACES}`;
    const app = `app-${i % ROLLOUTS}`;
    server.upsert('services', wireService(ns, i < ROLLOUTS ? `${app}-stable` : `${app}-canary`));
  }
  process.send?.({ port: server.listeningPort });
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Resident memory the kernel would not reclaim on its own: RSS minus `LazyFree`, the pages
 * V8 has released with MADV_FREE (still counted in RSS until there is memory pressure).
 */
function residentMiB(): { rss: string; lazyFree: string; rssWithoutLazyFree: string } {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  const rss = kb('Rss') * 1024;
  const lazyFree = kb('LazyFree') * 1024;
  return { rss: mib(rss), lazyFree: mib(lazyFree), rssWithoutLazyFree: mib(rss - lazyFree) };
}

function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage();
}

async function measure(): Promise<void> {
  // The server gets default flags: only this process is being measured.
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: 'inherit', execArgv: [] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const before = collect();
  const residentBefore = residentMiB();
  const started = Date.now();
  const cache = new WatchClusterState({ api: fakeApi(port) });
  await cache.start();
  if (!(await cache.waitForSync(300_000))) throw new Error('no sync within 5 minutes');
  const syncMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, Number(process.env['IDLE_MS'] ?? 0)));
  const after = collect();
  const residentAfter = residentMiB();
  const status = cache.status();
  const objects = Object.values(status.resources).reduce((sum, r) => sum + r.objects, 0);
  const lookups = timeLookups(cache);
  console.log(
    JSON.stringify(
      {
        objects,
        perKind: Object.fromEntries(Object.entries(status.resources).map(([k, r]) => [k, r.objects])),
        syncMs,
        rssBefore: mib(before.rss),
        rssAfterSync: mib(after.rss),
        rssDelta: mib(after.rss - before.rss),
        residentBefore,
        residentAfter,
        heapUsedAfterSync: mib(after.heapUsed),
        heapTotalAfterSync: mib(after.heapTotal),
        heapUsedDelta: mib(after.heapUsed - before.heapUsed),
        lookupsPerSecond: lookups,
        apiCalls: status.apiCalls,
        node: process.version,
        flags: process.execArgv.join(' '),
      },
      null,
      2,
    ),
  );
  await cache.stop();
  child.kill();
}

/** Not a timed test: a rough number for the report, from 200,000 index lookups. */
function timeLookups(cache: WatchClusterState): number {
  const started = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < 200_000; i++) {
    const n = i % INGRESSES;
    found += cache.rolloutsReferencingIngress(`team-${n % NAMESPACES}`, `app-${n}`).length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (found !== 200_000) throw new Error(`index lookups found ${found} of 200000`);
  return Math.round(200_000 / seconds);
}

if (process.argv[2] === 'serve') await serve();
else await measure();
