/**
 * The cluster-state caches at 40,001 objects, measured on the real `serve` process: time from
 * spawn to /readyz 200 (the first sync of every cache, plus process start) and VmRSS once it
 * has settled. Sources: the fake apiserver of the unit tests (list pages + watch over HTTP)
 * and, when the e2e harness is there, a real kube-apiserver (bench/real-apiserver.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fixedRate, type FixedRate, type LoadSettings } from './load.js';
import { getText, memoryOf, settledMemoryOf, startTarget, stopTarget, type Target } from './processes.js';
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
  /** When given, the mutate load also runs against a serve whose start-up audit is running. */
  auditLoad?: AuditLoad;
}

export interface AuditLoad {
  loadGo: string;
  bodies: string;
  caFile: string;
  settings: LoadSettings;
}

/** What a review arriving while the background audit runs sees, and what the audit costs. */
export interface AuditUnderLoad {
  objects: number;
  runtime: string;
  /** The fixed-rate mutate load, started as soon as the process is ready (the audit starts then). */
  fixed_rate: FixedRate;
  /** rtw_audit_duration_seconds and rtw_audit_objects after the run; 0 when it had not finished. */
  audit_seconds: number;
  audited_objects: number;
  rss_peak_mb: number;
  rss_mb: number;
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
): Promise<Target> {
  const env = { ...process.env, ...variant.env, NODE_OPTIONS: variant.nodeOptions };
  const flags = ['--kubeconfig', kubeconfig, '--cert-dir', ctx.certDir, '--port', String(PORT)];
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
        `settled after ${memory.settledAfterS} s (${memory.atReadyMb} right after the sync, peak ${memory.hwmMb})`,
    );
    return result;
  } finally {
    await stopTarget(target);
  }
}

/**
 * The serve process as shipped, from the fake apiserver, under the fixed-rate mutate load from
 * the moment it is ready: its first audit (40,001 objects listed, judged, reports built) runs
 * at start, so the load meets it. The fake apiserver serves no report CRDs; the writes are
 * skipped, their wire cost is the apiserver's.
 */
async function auditUnderLoad(
  ctx: CacheContext,
  load: AuditLoad,
  kubeconfig: string,
): Promise<AuditUnderLoad> {
  const variant = RUNTIME_VARIANTS.find((v) => v.shipped)!;
  const url = `https://127.0.0.1:${PORT}`;
  const target = await startServeFromKubeconfig(ctx, 'serve (audit under load)', kubeconfig, variant);
  try {
    const fixed = fixedRate(load.loadGo, `${url}/mutate`, load.bodies, load.settings, load.caFile);
    const metrics = await getText(`${url}/metrics`);
    const gauge = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
    const memory = memoryOf(target.child.pid!);
    const result: AuditUnderLoad = {
      objects: ctx.objects,
      runtime: variant.label,
      fixed_rate: fixed,
      audit_seconds: gauge(/^rtw_audit_duration_seconds (\S+)/m),
      audited_objects:
        gauge(/^rtw_audit_objects\{kind="Rollout"\} (\S+)/m) +
        gauge(/^rtw_audit_objects\{kind="Ingress"\} (\S+)/m),
      rss_peak_mb: memory.hwmMb,
      rss_mb: memory.rssMb,
    };
    console.log(
      `mutate while the audit runs: p50 ${fixed.p50_ms} ms, p99 ${fixed.p99_ms} ms at ${load.settings.fixedRate}/s ` +
        `(achieved ${Math.round(fixed.achieved_rate)}/s, errors ${fixed.errors}); audit ${result.audit_seconds} s over ` +
        `${result.audited_objects} objects; RSS ${memory.rssMb} MiB (peak ${memory.hwmMb})`,
    );
    return result;
  } finally {
    await stopTarget(target);
  }
}

async function fakeApiserverCaches(
  ctx: CacheContext,
): Promise<{ caches: CacheResult[]; audit?: AuditUnderLoad }> {
  const kubeconfig = join(ctx.scratch, 'kubeconfig-fake');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ctx.root, 'bench/fake-cluster.ts'), ctx.stateDir, kubeconfig],
    {
      cwd: ctx.root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fake apiserver exited with ${code}`)));
    });
    const served = JSON.parse(line) as { objects: number };
    if (served.objects !== ctx.objects)
      throw new Error(`fake apiserver holds ${served.objects} objects, not ${ctx.objects}`);
    const caches: CacheResult[] = [];
    for (const variant of ctx.quick ? RUNTIME_VARIANTS.filter((v) => v.shipped) : RUNTIME_VARIANTS)
      caches.push(await serveFromKubeconfig(ctx, 'fake-apiserver', kubeconfig, variant));
    return ctx.auditLoad
      ? { caches, audit: await auditUnderLoad(ctx, ctx.auditLoad, kubeconfig) }
      : { caches };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function measureCaches(
  ctx: CacheContext,
): Promise<{ caches: CacheResult[]; audit?: AuditUnderLoad }> {
  const { caches, audit } = await fakeApiserverCaches(ctx);
  if (!ctx.quick) caches.push(...(await realApiserverCaches(ctx)));
  return audit ? { caches, audit } : { caches };
}
