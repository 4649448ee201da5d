/**
 * `npm run bench` (full) and `npm run bench -- --quick` (about 4 minutes): the four targets
 * under one load generator with the same settings, the cluster-state caches at 40,001
 * objects, and bench/results/latest.json, docs/benchmarks.svg and a table on stdout.
 *
 * Options: --quick, --skip-cache (only the load targets), --skip-build (dist/ as it is),
 * --profile (CPU profiles and flame graphs of the targets instead of the figures: profile.ts),
 * --only audit (only the audit under load, a full and an incremental audit, after the same load
 * with the audit off; prints their figures and leaves bench/results alone), --audit-cpu-share F
 * (serve's flag for those rows), --fixed-rate N (with --only audit: the reviews/s of that load
 * instead of 2,000, to see what rate the serve as shipped holds with the audit running),
 * --helper-threads-core N (with --only audit: once each serve is ready, its threads other than
 * the event loop move to core N, the load generator's, as they would run on other cores of a
 * node; bench/processes.ts moveHelperThreads).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevCertificates } from '../src/webhook/tls.js';
import { ceilingOf, hookTimeOf, measureCeilingRuns } from './ceiling.js';
import { measureAuditUnderLoad, measureCaches, type AuditLoad, type CacheResult } from './cache.js';
import {
  mutateReviews,
  routeReviews,
  validateReviews,
  writeBodies,
  writeClusterState,
  writeRouteClusterState,
} from './fixtures.js';
import {
  buildGo,
  ensureWrk,
  fixedRate,
  FULL,
  goVersion,
  QUICK,
  saturate,
  settleAtFixedRate,
  type LoadSettings,
} from './load.js';
import { machineInfo } from './machine.js';
import { profileTargets } from './profile.js';
import { measureStalls } from './stalls.js';
import {
  cpuSecondsOf,
  getText,
  memoryOf,
  PINNED,
  postText,
  round1,
  serveStateArgs,
  settledMemoryOf,
  startTarget,
  stopTarget,
  type Target,
} from './processes.js';
import { writeResults, type TargetResult } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'skip-cache': { type: 'boolean' },
    'skip-build': { type: 'boolean' },
    profile: { type: 'boolean' },
    only: { type: 'string' },
    'audit-cpu-share': { type: 'string' },
    'fixed-rate': { type: 'string' },
    'helper-threads-core': { type: 'string' },
  },
});
if (flags.only !== undefined && flags.only !== 'audit')
  throw new Error(`--only knows one target, audit; got ${JSON.stringify(flags.only)}`);
const fixedRateFlag = flags['fixed-rate'];
if (fixedRateFlag !== undefined) {
  // The recorded results and their targets are at the default rate; another rate is a probe.
  if (flags.only !== 'audit') throw new Error('--fixed-rate is only for --only audit');
  if (!/^[1-9][0-9]{0,5}$/.test(fixedRateFlag))
    throw new Error(`--fixed-rate takes reviews per second (1-999999), got ${JSON.stringify(fixedRateFlag)}`);
}
const helperCoreFlag = flags['helper-threads-core'];
if (helperCoreFlag !== undefined) {
  // The recorded rows run every thread of the serve on one core; this is a probe beside them.
  if (flags.only !== 'audit') throw new Error('--helper-threads-core is only for --only audit');
  if (!/^[0-9]{1,3}$/.test(helperCoreFlag))
    throw new Error(`--helper-threads-core takes a core number, got ${JSON.stringify(helperCoreFlag)}`);
}
const quick = flags.quick === true;
const defaults: LoadSettings = quick ? QUICK : FULL;
const settings: LoadSettings =
  fixedRateFlag === undefined ? defaults : { ...defaults, fixedRate: Number(fixedRateFlag) };
const scratch = mkdtempSync(join(tmpdir(), 'rtw-bench-'));
const ports = { bare: 18443, webhook: 18444, peer: 18445, routes: 18447 };

function newestMtime(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
}

function buildProduct(): void {
  const cli = join(root, 'dist', 'cli.js');
  if (flags['skip-build'] === true) return;
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestMtime(join(root, 'src'))) return;
  console.log('building dist/ (npm run build)');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

/** The webhook's hooks: where to read their histogram, and which hook a target drives. */
interface HookProbe {
  base: string;
  hook: 'mutate' | 'validate';
}

/**
 * Warm-up (JIT, connection set-up), saturation, an unmeasured run at the fixed rate
 * (settleAtFixedRate), then the fixed rate; RSS after all. With a
 * probe, also the hook's own time per review during the saturation run (its histogram).
 */
async function measure(
  target: Target,
  name: string,
  url: string,
  bodies: string,
  ca: string,
  loadGo: string,
  probe?: HookProbe,
): Promise<TargetResult> {
  saturate(url, bodies, { ...settings, saturationSeconds: settings.warmupSeconds }, scratch);
  const hookBefore = probe && hookTimeOf(await getText(`${probe.base}/metrics`), probe.hook);
  const sat = saturate(url, bodies, settings, scratch);
  const hookAfter = probe && hookTimeOf(await getText(`${probe.base}/metrics`), probe.hook);
  const hookUs =
    hookBefore && hookAfter && hookAfter.reviews > hookBefore.reviews
      ? round1(((hookAfter.seconds - hookBefore.seconds) * 1e6) / (hookAfter.reviews - hookBefore.reviews))
      : undefined;
  settleAtFixedRate(loadGo, url, bodies, settings, ca);
  const cpuBefore = cpuSecondsOf(target.child.pid!);
  const fixed = fixedRate(loadGo, url, bodies, settings, ca);
  // The warm-up second of the fixed-rate run is counted too: requests sent = rate x (warm-up + measured).
  const sent = settings.fixedRate * (settings.fixedSeconds + settings.warmupSeconds);
  const cpuUsPerReview = Math.round(((cpuSecondsOf(target.child.pid!) - cpuBefore) * 1e6) / sent);
  const memory = memoryOf(target.child.pid!);
  const result: TargetResult = {
    name,
    rps: Math.round(sat.rps),
    p50_ms: fixed.p50_ms,
    p99_ms: fixed.p99_ms,
    rss_mb: memory.rssMb,
    detail: {
      saturation: sat,
      fixed_rate: fixed,
      rss_peak_mb: memory.hwmMb,
      cpu_us_per_review: cpuUsPerReview,
      ...(hookUs === undefined ? {} : { hook_us_at_saturation: hookUs }),
    },
  };
  console.log(
    `${name}: ${result.rps} reviews/s, p50 ${fixed.p50_ms} ms, p99 ${fixed.p99_ms} ms at ${settings.fixedRate}/s ` +
      `(achieved ${Math.round(fixed.achieved_rate)}/s, errors ${fixed.errors}, non-2xx ${fixed.non_2xx + sat.non2xx}), ` +
      `RSS ${memory.rssMb} MiB (peak ${memory.hwmMb}), ${cpuUsPerReview} µs CPU per review` +
      (hookUs === undefined ? '' : `; the hook itself ${hookUs} µs per review at saturation`),
  );
  return { ...result, ...(hookUs === undefined ? {} : { hookUs }) };
}

interface Fixtures {
  /** Where the webhook's answer to the first mutate body is written (the calibration's answer). */
  mutateAnswer: string;
  mutateBodies: string;
  validateBodies: string;
  caFile: string;
  loadGo: string;
}

/** Both hooks of one `serve --state` process; its RSS after the first sync is the files cache figure. */
async function measureWebhook(
  webhook: Target,
  base: string,
  objects: number,
  f: Fixtures,
  results: TargetResult[],
): Promise<{ fromFiles: CacheResult; apiCalls: number }> {
  try {
    const memory = await settledMemoryOf(webhook.child.pid!);
    const fromFiles: CacheResult = {
      source: 'files',
      objects,
      sync_s: webhook.readyMs / 1000,
      rss_mb: memory.rssMb,
      rss_at_ready_mb: memory.atReadyMb,
      rss_peak_mb: memory.hwmMb,
      runtime: 'node defaults (as `npm start` and `serve --state` run)',
    };
    console.log(
      `cache from files: ready in ${fromFiles.sync_s} s, RSS ${memory.rssMb} MiB settled after ` +
        `${memory.settledAfterS} s (${memory.atReadyMb} right after the sync, peak ${memory.hwmMb})`,
    );
    const firstBody = (await readFile(f.mutateBodies, 'utf8')).split('\n')[0]!;
    await writeFile(f.mutateAnswer, await postText(`${base}/mutate`, firstBody));
    results.push(
      await measure(webhook, 'mutate-ingress', `${base}/mutate`, f.mutateBodies, f.caFile, f.loadGo, {
        base,
        hook: 'mutate',
      }),
    );
    results.push(
      await measure(webhook, 'validate-rollout', `${base}/validate`, f.validateBodies, f.caFile, f.loadGo, {
        base,
        hook: 'validate',
      }),
    );
    const metrics = await getText(`${base}/metrics`);
    const apiCalls = Number(/^rtw_api_calls_on_request_path_total (\S+)/m.exec(metrics)?.[1] ?? NaN);
    console.log(`rtw_api_calls_on_request_path_total after the run: ${apiCalls}`);
    return { fromFiles, apiCalls };
  } finally {
    await stopTarget(webhook);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const wrk = ensureWrk();
  console.log(`load: ${wrk}; building the Go load tools with ${goVersion()}`);
  const loadGo = buildGo(root, 'load-go');
  buildProduct();

  const stateDir = join(scratch, 'state');
  const objects = await writeClusterState(root, stateDir);
  const mutateBodies = join(scratch, 'mutate.jsonl');
  await writeBodies(mutateBodies, await mutateReviews(root));
  const certDir = join(scratch, 'certs');
  const { caFile } = await ensureDevCertificates(certDir);
  console.log(`cluster state: ${objects} objects in ${stateDir}`);
  const share = flags['audit-cpu-share'];
  const auditLoad: AuditLoad = {
    loadGo,
    bodies: mutateBodies,
    caFile,
    settings,
    ...(share === undefined ? {} : { auditCpuShare: Number(share) }),
    ...(helperCoreFlag === undefined ? {} : { helperThreadsCore: Number(helperCoreFlag) }),
  };
  if (flags.only === 'audit') {
    const loadBefore = loadavg();
    const { baseline, rows } = await measureAuditUnderLoad(
      { root, scratch, stateDir, certDir, objects, quick },
      auditLoad,
    );
    const figures = { load_average: { before: loadBefore, after: loadavg() }, baseline, rows };
    console.log(JSON.stringify(figures, null, 2));
    console.log(
      `audit under load only: bench/results left as they were (${round1((Date.now() - started) / 1000)} s)`,
    );
    return;
  }
  const peerGo = buildGo(root, 'peer-go');
  const validateBodies = join(scratch, 'validate.jsonl');
  await writeBodies(validateBodies, await validateReviews(root));
  const routeStateDir = join(scratch, 'route-state');
  const routeObjects = await writeRouteClusterState(root, routeStateDir);
  const routeBodies = join(scratch, 'routes.jsonl');
  await writeBodies(routeBodies, await routeReviews(root));
  if (flags.profile === true) {
    const machine = machineInfo(PINNED, { before: measureStalls(1, 1), after: measureStalls(1, 1) });
    await profileTargets({
      root,
      scratch,
      stateDir,
      certDir,
      mutateBodies,
      validateBodies,
      settings,
      machineLine: `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date.slice(0, 10)}`,
    });
    return;
  }
  const stallSeconds = quick ? 3 : 10;
  const stallsBefore = measureStalls(1, stallSeconds);
  console.log(`stalls on core 1 before the load: ${JSON.stringify(stallsBefore)}`);

  const node = process.execPath;
  const results: TargetResult[] = [];
  const mutateAnswer = join(scratch, 'mutate-answer.json');
  const fixtures: Fixtures = { mutateAnswer, mutateBodies, validateBodies, caFile, loadGo };

  const bare = await startTarget(
    'bare-fastify',
    node,
    [join(root, 'bench/bare-fastify.ts'), certDir, String(ports.bare)],
    `https://127.0.0.1:${ports.bare}/readyz`,
  );
  try {
    results.push(
      await measure(
        bare,
        'bare-fastify',
        `https://127.0.0.1:${ports.bare}/mutate`,
        mutateBodies,
        caFile,
        loadGo,
      ),
    );
  } finally {
    await stopTarget(bare);
  }

  const base = `https://127.0.0.1:${ports.webhook}`;
  const webhook = await startTarget(
    'webhook',
    node,
    [join(root, 'bin/rollouts-traffic-webhook.js'), ...serveStateArgs(stateDir, certDir, ports.webhook)],
    `${base}/readyz`,
  );
  const { fromFiles, apiCalls } = await measureWebhook(webhook, base, objects, fixtures, results);
  // The Gateway API hook in a serve of its own cluster (Rollouts through the plugin and their
  // HTTPRoutes), so that the Ingress targets' state stays the 40,001 objects above.
  const routesBase = `https://127.0.0.1:${ports.routes}`;
  const routes = await startTarget(
    'webhook (HTTPRoutes)',
    node,
    [join(root, 'bin/rollouts-traffic-webhook.js'), ...serveStateArgs(routeStateDir, certDir, ports.routes)],
    `${routesBase}/readyz`,
  );
  try {
    console.log(`route cluster state: ${routeObjects} objects`);
    results.push(
      await measure(routes, 'mutate-httproute', `${routesBase}/mutate`, routeBodies, caFile, loadGo, {
        base: routesBase,
        hook: 'mutate',
      }),
    );
  } finally {
    await stopTarget(routes);
  }
  const peer = await startTarget(
    'go-controller-runtime-peer',
    peerGo,
    ['-state', stateDir, '-cert-dir', certDir, '-port', String(ports.peer)],
    `https://127.0.0.1:${ports.peer}/readyz`,
  );
  try {
    results.push(
      await measure(
        peer,
        'go-controller-runtime-peer',
        `https://127.0.0.1:${ports.peer}/mutate`,
        mutateBodies,
        caFile,
        loadGo,
      ),
    );
  } finally {
    await stopTarget(peer);
  }

  const ceiling = ceilingOf(
    results.find((r) => r.name === 'bare-fastify')?.rps ?? 0,
    await measureCeilingRuns({
      root,
      node,
      certDir,
      port: ports.bare,
      answerFile: mutateAnswer,
      bodies: mutateBodies,
      settings,
      scratch,
    }),
    Object.fromEntries(results.flatMap((r) => (r.hookUs === undefined ? [] : [[r.name, r.hookUs]]))),
  );

  const measured =
    flags['skip-cache'] === true
      ? { caches: [] }
      : await measureCaches({ root, scratch, stateDir, certDir, objects, quick, auditLoad });
  const caches = [fromFiles, ...measured.caches];

  const stallsAfter = measureStalls(1, stallSeconds);
  console.log(`stalls on core 1 after the load: ${JSON.stringify(stallsAfter)}`);
  const file = writeResults(root, {
    machine: machineInfo(PINNED, { before: stallsBefore, after: stallsAfter }),
    load: {
      mode: quick ? 'quick' : 'full',
      saturation: `${wrk}, 1 thread, ${settings.connections} keep-alive connections, ${settings.saturationSeconds} s after a ${settings.warmupSeconds} s warm-up`,
      fixed_rate: `bench/load-go (${goVersion()}), open loop at ${settings.fixedRate} reviews/s for ${settings.fixedSeconds} s after ${settings.warmupSeconds} s, ${settings.connections} connections, latency from each request's due time (load-go's own lateness in late_*_ms), after wrk and ${settings.settleSeconds} s of load-go at that rate, unmeasured`,
      connections: settings.connections,
      fixed_rate_per_s: settings.fixedRate,
      tls: 'HTTPS/1.1 keep-alive on loopback, TLS 1.3, the same EC P-256 certificate for every target',
      pinning: PINNED ? 'targets on core 1, load generators on core 0 (taskset)' : 'not pinned',
      bodies:
        '200 rotating reviews of different apps and namespaces (mutate: Argo CD Ingress UPDATE mid-canary, ~4.4 KB; validate: Argo CD Rollout UPDATE; mutate-httproute: Argo CD HTTPRoute UPDATE mid-canary, in a serve of 1,000 Gateway API apps)',
    },
    results,
    caches,
    ...(ceiling ? { ceiling } : {}),
    ...(measured.audit ? { auditUnderLoad: measured.audit } : {}),
    apiCallsOnRequestPath: apiCalls,
  });
  console.log(`wrote ${file} (${round1((Date.now() - started) / 1000)} s in all)`);
}

try {
  await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
