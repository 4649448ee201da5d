/**
 * The background audit on the benchmark's cluster (40,001 objects; bench/fixtures.ts), with one
 * Ingress in ten miswired (port.number instead of use-annotation) so that every namespace has
 * findings and a report to build. Run:
 *   node --expose-gc --import tsx bench/audit.ts [--apps N] [--page N] [--share F] [--slice MS]
 *     [--churn MB_PER_S] [--warm]
 * With the chart's young generation, add `--max-semi-space-size=2` to the node flags.
 *
 * A fake apiserver (bench/fake-cluster.ts, its own process) serves the objects; this process
 * fills the watch caches as `serve` does, then audits once and reports: the audit's duration,
 * RSS and V8 heap before, at peak during and after, and the event loop's delay while it runs
 * (what an admission review arriving meanwhile would wait at most). The fake apiserver does
 * not serve the report CRDs, so report writes go to a counting sink here: their cost on the
 * wire is the apiserver's, covered by the e2e suite.
 *
 * `--churn` stands in for the reviews' garbage: short-lived objects allocated at that rate
 * while the audit runs, so that scavenges come as often as under admission traffic. Without
 * it the audit alone fills the young generation, and a page held across a rest is rarely
 * scavenged twice (promoted). `gc_during_audit` counts the scavenges and mark-compacts and
 * the bytes scavenges moved into the old generation (v8.GCProfiler, old space growth).
 * `--warm` first audits once, unmeasured and unpaced, as a running webhook has (its start-up
 * audit). `slices_ms` is the distribution of the slices (each read off the rest that follows
 * it: rest = work × (1 − share) / share; a repeated rest of the same length is backoff).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { GCProfiler } from 'node:v8';
import { pino } from 'pino';
import { PolicyAudit, type AuditApi } from '../src/audit/auditor.js';
import { DEFAULT_AUDIT_CPU_SHARE, MONOTONIC_CLOCK, type PacingClock } from '../src/audit/cpu-share.js';
import { connectToCluster } from '../src/cluster/connect.js';
import type { ListPage, QueryParams } from '../src/cluster/kube-api.js';
import { WatchClusterState } from '../src/cluster/watch-state.js';
import type { JsonObject } from '../src/routing/model.js';
import { APPS, writeClusterState } from './fixtures.js';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    apps: { type: 'string' },
    page: { type: 'string' },
    share: { type: 'string' },
    slice: { type: 'string' },
    churn: { type: 'string' },
    warm: { type: 'boolean' },
  },
});
const apps = values.apps ? Number(values.apps) : APPS;
const pageSize = values.page ? Number(values.page) : undefined;
const cpuShare = values.share ? Number(values.share) : undefined;
const sliceMs = values.slice ? Number(values.slice) : undefined;
const churnMbPerS = values.churn ? Number(values.churn) : 0;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** Percentiles of the slices, and how many passed 2 ms. */
function sliceStats(slices: number[]): Record<string, number> {
  const sorted = [...slices].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 100) / 100;
  return {
    count: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    over_2ms: sorted.filter((ms) => ms > 2).length,
  };
}

const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
function memory(): { rss: number; heap: number } {
  const m = process.memoryUsage();
  return { rss: mib(m.rss), heap: mib(m.heapUsed) };
}

/** One Ingress in ten gets a numbered backend port: the audit then has findings everywhere. */
async function miswireEveryTenthIngress(dir: string): Promise<number> {
  let miswired = 0;
  for (const file of await readdir(dir)) {
    if (!file.startsWith('team-')) continue;
    const list = JSON.parse(await readFile(join(dir, file), 'utf8')) as { items: JsonObject[] };
    let ingresses = 0;
    for (const item of list.items) {
      if (item['kind'] !== 'Ingress' || ingresses++ % 10 !== 0) continue;
      const text = JSON.stringify(item).replaceAll('{"name":"use-annotation"}', '{"number":80}');
      Object.assign(item, JSON.parse(text));
      miswired++;
    }
    await writeFile(join(dir, file), JSON.stringify(list));
  }
  return miswired;
}

const scratch = await mkdtemp(join(tmpdir(), 'rtw-audit-bench-'));
const stateDir = join(scratch, 'state');
const objects = await writeClusterState(root, stateDir, apps);
const miswired = await miswireEveryTenthIngress(stateDir);
const kubeconfig = join(scratch, 'kubeconfig');
const fake = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'bench/fake-cluster.ts'), stateDir, kubeconfig],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: fake.stdout! }).once('line', resolve);
    fake.once('exit', (code) => reject(new Error(`fake apiserver exited with ${code}`)));
  });
  const { api } = await connectToCluster({ kubeconfig });
  const cluster = new WatchClusterState({ api });
  const syncStart = performance.now();
  await cluster.start();
  while (!cluster.isSynced()) await new Promise((r) => setTimeout(r, 50));
  const syncSeconds = (performance.now() - syncStart) / 1000;
  gc();
  let before = memory();

  const written = { reports: 0, bytes: 0, results: 0, lists: 0 };
  const auditApi: AuditApi = {
    list: (path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage> => {
      written.lists++;
      return path.includes('/policyreports') || path.includes('/reports')
        ? Promise.resolve({ items: [], resourceVersion: '1' })
        : api.list(path, query, signal);
    },
    send: async (_method, _path, body) => {
      written.reports++;
      written.bytes += JSON.stringify(body).length;
      written.results += ((body as JsonObject)['results'] as unknown[]).length;
      return body;
    },
  };
  const share = cpuShare ?? DEFAULT_AUDIT_CPU_SHARE;
  const slices: number[] = [];
  let lastRest = -1;
  const recording: PacingClock = {
    now: MONOTONIC_CLOCK.now,
    idleMs: MONOTONIC_CLOCK.idleMs,
    sleep: (restMs, signal) => {
      if (restMs > 0 && restMs !== lastRest) slices.push((restMs * share) / (1 - share));
      lastRest = restMs;
      return MONOTONIC_CLOCK.sleep(restMs, signal);
    },
  };
  const auditOf = (options: { cpuShare?: number; clock?: PacingClock }) =>
    new PolicyAudit({
      api: auditApi,
      cluster,
      policy: { controllerIdentities: new Set(), enforcement: 'deny' },
      namespaces: [],
      intervalMs: 0,
      logger: pino({ level: 'silent' }),
      pageSize,
      sliceMs,
      ...options,
    });
  if (values.warm) {
    await auditOf({ cpuShare: 1 }).runOnce();
    written.reports = written.bytes = written.results = written.lists = 0;
    gc();
    before = memory();
  }
  const audit = auditOf({ cpuShare, clock: recording });
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  // The same measurement with no audit running: the machine's own delay, for comparison.
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  const idleCpuBefore = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 3000));
  const idleCpu = process.cpuUsage(idleCpuBefore);
  idle.disable();
  let peak = before;
  const sampler = setInterval(() => {
    const now = memory();
    if (now.rss > peak.rss) peak = { ...peak, rss: now.rss };
    if (now.heap > peak.heap) peak = { ...peak, heap: now.heap };
  }, 20);
  // Garbage-collection pauses during the audit: part of the delay a review would see.
  const pauses = { scavenges: 0, major: 0, maxMajorMs: 0, totalMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      pauses.totalMs += entry.duration;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        pauses.major++;
        pauses.maxMajorMs = Math.max(pauses.maxMajorMs, entry.duration);
      } else pauses.scavenges++;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const profiler = new GCProfiler();
  profiler.start();
  // Garbage as reviews make it: every 5 ms, that many small objects, dead at once.
  const churnObjectsPerTick = Math.round((churnMbPerS * 1048576 * 0.005) / 64);
  let sink: unknown = undefined;
  const churn =
    churnObjectsPerTick > 0
      ? setInterval(() => {
          for (let i = 0; i < churnObjectsPerTick; i++) sink = { a: i, b: 'x', c: [i] };
        }, 5)
      : undefined;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const summary = await audit.runOnce();
  const cpu = process.cpuUsage(cpuBefore);
  if (churn) clearInterval(churn);
  void sink;
  const gcProfile = profiler.stop();
  delay.disable();
  gcObserver.disconnect();
  clearInterval(sampler);
  gc();
  const after = memory();
  const promotion = { scavenges: 0, markCompacts: 0, promotedBytes: 0 };
  const oldSpace = (stats: { heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[] }) =>
    stats.heapSpaceStatistics.find((s) => s.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  for (const entry of gcProfile?.statistics ?? []) {
    if (entry.gcType === 'Scavenge') {
      promotion.scavenges++;
      promotion.promotedBytes += Math.max(0, oldSpace(entry.afterGC) - oldSpace(entry.beforeGC));
    } else if (entry.gcType === 'MarkSweepCompact') promotion.markCompacts++;
  }
  const result = {
    page_size: pageSize ?? 'default',
    cpu_share: cpuShare ?? 'default',
    slice_ms: sliceMs ?? 'default',
    objects,
    miswired_ingresses: miswired,
    cache_sync_s: Math.round(syncSeconds * 100) / 100,
    audit_s: Math.round(summary.seconds * 100) / 100,
    // The process's CPU over the audit (its threads too: GC, gunzip), against the work the
    // scheduler counted: what the share leaves uncounted.
    process_cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    // The same process idle (watches open, this bench's 1 ms delay histogram), per second.
    idle_process_cpu_ms_per_s: Math.round((idleCpu.user + idleCpu.system) / 3000),
    pacing_ms: {
      work: Math.round(summary.pacing.workMs),
      rest: Math.round(summary.pacing.restMs),
      backoff: Math.round(summary.pacing.backoffMs),
      slices: summary.pacing.slices,
      longest_slice: Math.round(summary.pacing.longestSliceMs * 100) / 100,
      longest_step: Math.round(summary.pacing.longestStepMs * 100) / 100,
    },
    slices_ms: sliceStats(slices),
    judged: summary.objects,
    findings_by_rule: Object.fromEntries(summary.byRule),
    report_results: summary.results,
    reports_built: written.reports,
    report_bytes: written.bytes,
    memory_mib: { before, peak_during: peak, after_gc: after },
    event_loop_delay_ms: {
      during_audit: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      idle_3s_before: { p50: ms(idle.percentile(50)), p99: ms(idle.percentile(99)), max: ms(idle.max) },
    },
    gc_during_audit: {
      scavenges: pauses.scavenges,
      major: pauses.major,
      max_major_ms: Math.round(pauses.maxMajorMs * 10) / 10,
      total_ms: Math.round(pauses.totalMs),
      profiler_scavenges: promotion.scavenges,
      mark_compacts: promotion.markCompacts,
      promoted_mib: mib(promotion.promotedBytes),
    },
    churn_mb_per_s: churnMbPerS,
    exec_argv: process.execArgv.join(' '),
    node_options: process.env.NODE_OPTIONS ?? '',
    list_calls: api.calls.list,
    // The audit's own (the report lists, answered here, included).
    audit_list_calls: written.lists,
  };
  console.log(JSON.stringify(result, null, 2));
  await cluster.stop();
} finally {
  fake.kill('SIGTERM');
  await rm(scratch, { recursive: true, force: true });
}
