/**
 * The cluster-state caches at 40,001 objects, measured on the real `serve` process: time from
 * spawn to /readyz 200 (the first sync of every cache, plus process start) and VmRSS once it
 * has settled. Sources: the fake apiserver of the unit tests (list pages + watch over HTTP)
 * and, when the e2e harness is there, a real kube-apiserver (bench/real-apiserver.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fixedRate, saturate, type FixedRate, type LoadSettings } from './load.js';
import {
  cpuSecondsOf,
  getText,
  memoryOf,
  pinned,
  round1,
  round3,
  settledMemoryOf,
  sleep,
  startTarget,
  stopTarget,
  type Target,
} from './processes.js';
import { realApiserverCaches } from './real-apiserver.js';

export interface CacheResult {
  source: string;
  objects: number;
  /** Settled RSS (settledMemoryOf): what the process holds once V8 has shrunk its heap. */
  rss_mb: number;
  /** RSS right after the first sync, and the high-water mark. */
  rss_at_ready_mb?: number;
  rss_peak_mb?: number;
  sync_s: number;
  /** Which RuntimeVariant (absent: the files source, run by the load targets' process). */
  runtime?: string;
  shipped?: boolean;
  node_options?: string;
  note?: string;
}

export interface CacheContext {
  root: string;
  scratch: string;
  stateDir: string;
  certDir: string;
  objects: number;
  quick: boolean;
  /** When given, the mutate load also runs against a serve whose periodic audit is running. */
  auditLoad?: AuditLoad;
}

export interface AuditLoad {
  loadGo: string;
  bodies: string;
  caFile: string;
  settings: LoadSettings;
  /** serve's --audit-cpu-share; absent: as shipped (the default). */
  auditCpuShare?: number;
}

/** What a review arriving while the background audit runs sees, and what the audit costs. */
export interface AuditUnderLoad {
  objects: number;
  runtime: string;
  /** serve's --audit-cpu-share (the default unless the bench was told otherwise). */
  audit_cpu_share: number | 'default';
  /**
   * The fixed-rate mutate load on the warm process (see `auditUnderLoad`), while its second
   * audit, the first periodic one, runs.
   */
  fixed_rate: FixedRate;
  /** CPU seconds serve used during the load (reviews, audit, GC): compare with the baseline's. */
  cpu_s_during_load: number;
  /** That audit was still running when the load ended. */
  audit_outlasted_load: boolean;
  /** Share of the load's measured part (after its warm-up) during which that audit ran. */
  audit_overlap_of_load: number;
  /** rtw_audit_duration_seconds, rtw_audit_work_seconds and rtw_audit_objects once it finished. */
  audit_seconds: number;
  audit_work_seconds: number;
  /** Work over duration: the share of the event loop the audit took. */
  audit_share_taken: number;
  audited_objects: number;
  /** High-water mark over the load and the whole audit; RSS when the audit had finished. */
  rss_peak_mb: number;
  rss_mb: number;
}

/** The same serve, warm-up and load with the audit off: what the audit adds. */
export interface NoAuditBaseline {
  fixed_rate: FixedRate;
  cpu_s_during_load: number;
  rss_peak_mb: number;
}

const PORT = 18446;

/** How the serve process is started for a cache measurement. */
export interface RuntimeVariant {
  label: string;
  nodeOptions: string;
  env: Record<string, string>;
  /** The configuration the Helm chart and the image run by default (the headline figure). */
  shipped: boolean;
}

/**
 * The chart's default NODE_OPTIONS: `server.semiSpaceMiB: 2`, and `--max-old-space-size` at
 * `heapPercentOfMemoryLimit` (75 %) of the default 256Mi memory limit (charts/.../values.yaml).
 */
export const CHART_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=192';

/**
 * Compared for the serve process: Node's defaults (V8 grows its young generation to
 * 2 x 64 MiB during the sync and keeps it), the chart's flags alone, and as shipped: the
 * chart's flags plus the image's MALLOC_ARENA_MAX=2.
 */
export const RUNTIME_VARIANTS: RuntimeVariant[] = [
  { label: 'node defaults', nodeOptions: '', env: {}, shipped: false },
  { label: 'chart flags', nodeOptions: CHART_NODE_OPTIONS, env: {}, shipped: false },
  {
    label: 'as shipped (chart flags, MALLOC_ARENA_MAX=2)',
    nodeOptions: CHART_NODE_OPTIONS,
    env: { MALLOC_ARENA_MAX: '2' },
    shipped: true,
  },
];

/** `serve --kubeconfig` as a bench target, run with a runtime variant's flags and environment. */
function startServeFromKubeconfig(
  ctx: CacheContext,
  name: string,
  kubeconfig: string,
  variant: RuntimeVariant,
  extraFlags: string[] = [],
): Promise<Target> {
  const env = { ...process.env, ...variant.env, NODE_OPTIONS: variant.nodeOptions };
  const flags = [
    '--kubeconfig',
    kubeconfig,
    '--cert-dir',
    ctx.certDir,
    '--port',
    String(PORT),
    ...extraFlags,
  ];
  return startTarget(
    name,
    process.execPath,
    [
      join(ctx.root, 'bin/rollouts-traffic-webhook.js'),
      'serve',
      ...flags,
      '--host',
      '127.0.0.1',
      '--log-level',
      'warn',
    ],
    `https://127.0.0.1:${PORT}/readyz`,
    env,
  );
}

export async function serveFromKubeconfig(
  ctx: CacheContext,
  source: string,
  kubeconfig: string,
  variant: RuntimeVariant,
): Promise<CacheResult> {
  const { nodeOptions } = variant;
  const target = await startServeFromKubeconfig(ctx, `serve (${source})`, kubeconfig, variant);
  try {
    // The start-up audit is paced to a share of the CPU (--audit-cpu-share), so it runs for
    // tens of seconds after the sync; what it holds meanwhile is the audit's, measured by the
    // audit-under-load row. The cache's own footprint is read once it has finished.
    const auditWaitMs = await startupAuditFinished(target, `https://127.0.0.1:${PORT}`);
    const memory = await settledMemoryOf(target.child.pid!);
    const result: CacheResult = {
      source,
      objects: ctx.objects,
      rss_mb: memory.rssMb,
      rss_at_ready_mb: memory.atReadyMb,
      rss_peak_mb: memory.hwmMb,
      sync_s: target.readyMs / 1000,
      runtime: variant.label,
      shipped: variant.shipped,
      ...(nodeOptions ? { node_options: nodeOptions } : {}),
    };
    console.log(
      `cache from ${source} (${variant.label}): ready in ${result.sync_s} s, RSS ${result.rss_mb} MiB ` +
        `settled ${memory.settledAfterS} s after the start-up audit (which ended ${round1(auditWaitMs / 1000)} s ` +
        `after ready; ${memory.atReadyMb} MiB then, peak ${memory.hwmMb})`,
    );
    return result;
  } finally {
    await stopTarget(target);
  }
}

/** Longest wait for the start-up audit to finish once the load has ended. */
const AUDIT_WAIT_MS = 600_000;

function gaugeOf(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Waits for the start-up audit to finish, up to AUDIT_WAIT_MS; resolves to the time waited. */
async function startupAuditFinished(target: Target, url: string): Promise<number> {
  return auditsFinished(target, url, 1);
}

/** Waits until `runs` audits have succeeded, up to AUDIT_WAIT_MS; resolves to the time waited. */
async function auditsFinished(target: Target, url: string, runs: number, pollMs = 1000): Promise<number> {
  const started = Date.now();
  while ((await successfulAudits(target, url)) < runs) {
    if (Date.now() - started > AUDIT_WAIT_MS)
      throw new Error(`audit ${runs} had not finished after ${AUDIT_WAIT_MS / 1000} s`);
    await sleep(pollMs);
  }
  return Date.now() - started;
}

async function successfulAudits(target: Target, url: string): Promise<number> {
  const metrics = await getText(`${url}/metrics`);
  if ((gaugeOf(metrics, 'rtw_audit_runs_total{result="error"}') ?? 0) > 0)
    throw new Error(`an audit failed: ${target.stderr()}`);
  return gaugeOf(metrics, 'rtw_audit_runs_total{result="success"}') ?? 0;
}

/**
 * The periodic audit's interval in the audit-under-load measurement: the next audit starts
 * 7.2–8.8 s (±10 % jitter) after the start-up audit ends, so about when the load's measured
 * part begins (warm-up wrk, then the fixed rate's own warm-up), and runs for longer than it.
 */
const WARM_AUDIT_INTERVAL_S = 8;

/**
 * Warms the serve as every load target is warmed before its fixed rate: wrk at saturation.
 * A process that has just started compiles its hot code meanwhile (on the one core it is
 * pinned to), which alone put p99 at 2,000/s over 100 ms with the audit off.
 */
function warmUp(ctx: CacheContext, load: AuditLoad, url: string): void {
  saturate(`${url}/mutate`, load.bodies, load.settings, ctx.scratch);
}

/**
 * The serve process as shipped, from the fake apiserver, under the fixed-rate mutate load while
 * an audit (40,001 objects listed, judged, reports built) runs. Measured warm, as the other
 * targets are: the start-up audit finishes first, wrk warms the process, then the fixed-rate
 * load meets the first periodic audit (WARM_AUDIT_INTERVAL_S). Then waits for that audit to
 * finish, for its duration and the share of the event loop it took. The fake apiserver serves
 * no report CRDs; the writes are skipped, their wire cost is the apiserver's.
 */
async function auditUnderLoad(
  ctx: CacheContext,
  load: AuditLoad,
  kubeconfig: string,
): Promise<AuditUnderLoad> {
  const variant = RUNTIME_VARIANTS.find((v) => v.shipped)!;
  const url = `https://127.0.0.1:${PORT}`;
  const shareFlags =
    load.auditCpuShare === undefined ? [] : ['--audit-cpu-share', String(load.auditCpuShare)];
  const target = await startServeFromKubeconfig(ctx, 'serve (audit under load)', kubeconfig, variant, [
    '--audit-interval-seconds',
    String(WARM_AUDIT_INTERVAL_S),
    ...shareFlags,
  ]);
  try {
    await startupAuditFinished(target, url);
    warmUp(ctx, load, url);
    const cpuBefore = cpuSecondsOf(target.child.pid!);
    const measuredFrom = Date.now() / 1000 + load.settings.warmupSeconds;
    const fixed = fixedRate(load.loadGo, `${url}/mutate`, load.bodies, load.settings, load.caFile);
    const measuredTo = Date.now() / 1000;
    const cpuDuringLoad = round3(cpuSecondsOf(target.child.pid!) - cpuBefore);
    const outlasted = (await successfulAudits(target, url)) < 2;
    await auditsFinished(target, url, 2, 250);
    const metrics = await getText(`${url}/metrics`);
    const gauge = (name: string) => gaugeOf(metrics, name) ?? 0;
    const memory = memoryOf(target.child.pid!);
    const auditSeconds = gauge('rtw_audit_duration_seconds');
    const workSeconds = gauge('rtw_audit_work_seconds');
    const auditEnded = gauge('rtw_audit_last_run_timestamp_seconds');
    const overlap =
      Math.max(0, Math.min(measuredTo, auditEnded) - Math.max(measuredFrom, auditEnded - auditSeconds)) /
      (measuredTo - measuredFrom);
    const result: AuditUnderLoad = {
      objects: ctx.objects,
      runtime: variant.label,
      audit_cpu_share: load.auditCpuShare ?? 'default',
      fixed_rate: fixed,
      cpu_s_during_load: cpuDuringLoad,
      audit_outlasted_load: outlasted,
      audit_overlap_of_load: round3(overlap),
      audit_seconds: round3(auditSeconds),
      audit_work_seconds: round3(workSeconds),
      audit_share_taken: auditSeconds > 0 ? round3(workSeconds / auditSeconds) : 0,
      audited_objects:
        gauge('rtw_audit_objects{kind="Rollout"}') + gauge('rtw_audit_objects{kind="Ingress"}'),
      rss_peak_mb: memory.hwmMb,
      rss_mb: memory.rssMb,
    };
    console.log(
      `mutate while the audit runs: p50 ${fixed.p50_ms} ms, p99 ${fixed.p99_ms} ms at ${load.settings.fixedRate}/s ` +
        `(achieved ${Math.round(fixed.achieved_rate)}/s, errors ${fixed.errors}), ${cpuDuringLoad} CPU s; ` +
        `audit ${result.audit_seconds} s ` +
        `(${result.audit_work_seconds} s of work, share ${result.audit_share_taken}, ran during ` +
        `${Math.round(overlap * 100)} % of the load) over ` +
        `${result.audited_objects} objects; RSS ${memory.rssMb} MiB (peak ${memory.hwmMb})`,
    );
    if (overlap < 0.9)
      console.log('warning: the audit ran during less than 90 % of the load; the row understates its effect');
    return result;
  } finally {
    await stopTarget(target);
  }
}

/** The same serve and load with the audit off: the machine's own latency at that moment. */
async function noAuditBaseline(
  ctx: CacheContext,
  load: AuditLoad,
  kubeconfig: string,
): Promise<NoAuditBaseline> {
  const variant = RUNTIME_VARIANTS.find((v) => v.shipped)!;
  const url = `https://127.0.0.1:${PORT}`;
  const target = await startServeFromKubeconfig(ctx, 'serve (no audit)', kubeconfig, variant, [
    '--audit-interval-seconds',
    '0',
  ]);
  try {
    warmUp(ctx, load, url);
    const cpuBefore = cpuSecondsOf(target.child.pid!);
    const fixed = fixedRate(load.loadGo, `${url}/mutate`, load.bodies, load.settings, load.caFile);
    const cpuDuringLoad = round3(cpuSecondsOf(target.child.pid!) - cpuBefore);
    const memory = memoryOf(target.child.pid!);
    console.log(
      `mutate with the audit off: p50 ${fixed.p50_ms} ms, p99 ${fixed.p99_ms} ms at ${load.settings.fixedRate}/s ` +
        `(achieved ${Math.round(fixed.achieved_rate)}/s, errors ${fixed.errors}), ${cpuDuringLoad} CPU s; ` +
        `RSS peak ${memory.hwmMb} MiB`,
    );
    return { fixed_rate: fixed, cpu_s_during_load: cpuDuringLoad, rss_peak_mb: memory.hwmMb };
  } finally {
    await stopTarget(target);
  }
}

/** Runs `work` against the fake apiserver (its own process) serving the bench's cluster. */
async function withFakeApiserver<T>(ctx: CacheContext, work: (kubeconfig: string) => Promise<T>): Promise<T> {
  const kubeconfig = join(ctx.scratch, 'kubeconfig-fake');
  // On the load generators' core: the apiserver is another machine's work, and the target's
  // core is the target's alone.
  const [command, args] = pinned(0, process.execPath, [
    '--import',
    'tsx',
    join(ctx.root, 'bench/fake-cluster.ts'),
    ctx.stateDir,
    kubeconfig,
  ]);
  const child = spawn(command, args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fake apiserver exited with ${code}`)));
    });
    const served = JSON.parse(line) as { objects: number };
    if (served.objects !== ctx.objects)
      throw new Error(`fake apiserver holds ${served.objects} objects, not ${ctx.objects}`);
    return await work(kubeconfig);
  } finally {
    child.kill('SIGTERM');
  }
}

function fakeApiserverCaches(
  ctx: CacheContext,
): Promise<{ caches: CacheResult[]; audit?: AuditUnderLoad & { baseline: NoAuditBaseline } }> {
  return withFakeApiserver(ctx, async (kubeconfig) => {
    const caches: CacheResult[] = [];
    for (const variant of ctx.quick ? RUNTIME_VARIANTS.filter((v) => v.shipped) : RUNTIME_VARIANTS)
      caches.push(await serveFromKubeconfig(ctx, 'fake-apiserver', kubeconfig, variant));
    if (!ctx.auditLoad) return { caches };
    const baseline = await noAuditBaseline(ctx, ctx.auditLoad, kubeconfig);
    return { caches, audit: { ...(await auditUnderLoad(ctx, ctx.auditLoad, kubeconfig)), baseline } };
  });
}

/**
 * Only the audit-under-load target (`npm run bench -- --only audit`): first the same serve and
 * load with the audit off, then with it on, so that the difference is the audit's.
 */
export function measureAuditUnderLoad(
  ctx: CacheContext,
  load: AuditLoad,
): Promise<{ baseline: NoAuditBaseline; audit: AuditUnderLoad }> {
  return withFakeApiserver(ctx, async (kubeconfig) => ({
    baseline: await noAuditBaseline(ctx, load, kubeconfig),
    audit: await auditUnderLoad(ctx, load, kubeconfig),
  }));
}

export async function measureCaches(
  ctx: CacheContext,
): Promise<{ caches: CacheResult[]; audit?: AuditUnderLoad & { baseline: NoAuditBaseline } }> {
  const { caches, audit } = await fakeApiserverCaches(ctx);
  if (!ctx.quick) caches.push(...(await realApiserverCaches(ctx)));
  return audit ? { caches, audit } : { caches };
}
