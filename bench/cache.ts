/**
 * The cluster-state caches at 40,001 objects, measured on the real `serve` process: time from
 * spawn to /readyz 200 (the first sync of every cache, plus process start) and VmRSS once it
 * has settled. Sources: the fake apiserver of the unit tests (list pages + watch over HTTP)
 * and, when the e2e harness is there, a real kube-apiserver (bench/real-apiserver.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fixedRate, saturate, settleAtFixedRate, type FixedRate, type LoadSettings } from './load.js';
import {
  cpuSecondsOf,
  getText,
  memoryOf,
  moveHelperThreads,
  pinnedAtIdle,
  round1,
  round3,
  settledMemoryOf,
  sleep,
  startTarget,
  stopTarget,
  type Target,
} from './processes.js';
import { realApiserverCaches } from './real-apiserver.js';
import type { Touched } from './fake-cluster-changes.js';

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
  /** serve's --operation (absent: the files source, which has no audit to separate). */
  operation?: 'webhook';
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
  /**
   * The core the serve's threads other than its event loop move to once it is ready
   * (moveHelperThreads, `--helper-threads-core`); absent: all on the event loop's core.
   */
  helperThreadsCore?: number;
}

/**
 * The two audit-under-load rows. full: every audit lists and judges every object
 * (`--audit-rejudge-every 1`). incremental: serve as shipped (after the full start-up audit, each
 * audit judges the namespaces that changed since the audit before, plus the next 1/N of all in
 * turn), with one namespace in ten changed through the fake apiserver's watch before the load:
 * with nothing changed, the row would measure only the 1/N.
 */
export const AUDIT_MODES = ['full', 'incremental'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];

/**
 * Where each audit row's audit runs. same: in the serve that answers the reviews (`serve`'s
 * default, `--operation webhook,audit`). own: in a second process, `serve --operation audit`,
 * beside a `serve --operation webhook`, as the chart deploys them (the audit's own
 * Deployment). The second process stands for another pod: it runs on the load generators'
 * core, in the idle scheduling class (pinnedAtIdle) so that it cannot delay the load generator,
 * whose own delays would count as the webhook's latency. It gets the time they leave.
 */
export const AUDIT_PROCESSES = ['same', 'own'] as const;
export type AuditProcess = (typeof AUDIT_PROCESSES)[number];
/** Where a row's audit ran, in words, for the output and the targets. */
export const AUDIT_PROCESS_PLACES: Record<AuditProcess, string> = {
  same: 'in the same process',
  own: 'in its own process',
};

/** A running serve and its base URL. */
interface ServeEndpoint {
  target: Target;
  url: string;
}

/** What a review arriving while the background audit runs sees, and what the audit costs. */
export interface AuditUnderLoad {
  mode: AuditMode;
  audit_process: AuditProcess;
  objects: number;
  runtime: string;
  /** serve's --audit-cpu-share (the default unless the bench was told otherwise). */
  audit_cpu_share: number | 'default';
  /** serve's --audit-interval-seconds for this row (see fullIntervalS, incrementalIntervalS). */
  audit_interval_s: number;
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
  /** Share of that audit's duration that lay inside the load's measured part. */
  audit_inside_load: number;
  /** rtw_audit_duration_seconds, rtw_audit_work_seconds and rtw_audit_objects once it finished. */
  audit_seconds: number;
  audit_work_seconds: number;
  /** Work over duration: the share of the event loop the audit took. */
  audit_share_taken: number;
  /** Rollouts and Ingresses the reports cover after that audit (rtw_audit_objects). */
  audited_objects: number;
  /**
   * Rollouts and Ingresses that audit listed and judged (rtw_audit_judged_objects): all in a
   * full audit; in an incremental one, those of the namespaces changed and of the next 1/N in
   * turn. null: serve has no such gauge.
   */
  judged_objects: number | null;
  /** incremental: what the fake apiserver changed before the load (bench/fake-cluster-changes.ts). */
  touched?: { namespaces: number; rollouts: number; ingresses: number };
  /**
   * The process that answers the reviews: its high-water mark over the load and the whole
   * audit; its RSS when the audit had finished.
   */
  rss_peak_mb: number;
  rss_mb: number;
  /** own: the audit process's high-water mark, its start-up audit included. */
  auditor_rss_peak_mb?: number;
  /** `--helper-threads-core`: where the serve's threads but the event loop ran, and how many. */
  helper_threads?: HelperThreads;
}

export interface HelperThreads {
  core: number;
  moved: number;
}

/** Both audit rows, and the same load with the audit off. */
export interface AuditRows {
  baseline: NoAuditBaseline;
  rows: AuditUnderLoad[];
}

/** The same serve, warm-up and load with the audit off: what the audit adds. */
export interface NoAuditBaseline {
  helper_threads?: HelperThreads;
  fixed_rate: FixedRate;
  cpu_s_during_load: number;
  rss_peak_mb: number;
}

const PORT = 18446;
/** The audit process of the rows whose audit runs in its own process (AUDIT_PROCESSES). */
const AUDITOR_PORT = 18447;

/** How the serve process is started for a cache measurement. */
export interface RuntimeVariant {
  label: string;
  nodeOptions: string;
  env: Record<string, string>;
  /** The configuration the Helm chart and the image run by default (the headline figure). */
  shipped: boolean;
}

/**
 * serve's flags in the chart's webhook pods: the audit runs in a Deployment of its own
 * (`audit.separate`, the default), so they only answer reviews.
 */
const WEBHOOK_POD_FLAGS = ['--operation', 'webhook'];

/**
 * The chart's default NODE_OPTIONS: `server.semiSpaceMiB: 8`, and `--max-old-space-size` at
 * `heapPercentOfMemoryLimit` (75 %) of the default 256Mi memory limit (charts/.../values.yaml).
 */
export const CHART_NODE_OPTIONS = '--max-semi-space-size=8 --max-old-space-size=192';

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

/** The variant the Helm chart and the image run by default: the one the headline rows measure. */
export const SHIPPED_RUNTIME: RuntimeVariant = RUNTIME_VARIANTS.find((v) => v.shipped)!;

/** `serve --kubeconfig` as a bench target, run with a runtime variant's flags and environment. */
function startServeFromKubeconfig(
  ctx: CacheContext,
  name: string,
  kubeconfig: string,
  variant: RuntimeVariant,
  extraFlags: string[] = [],
  { port, core, idle }: { port: number; core: number; idle?: boolean } = { port: PORT, core: 1 },
): Promise<Target> {
  const env = { ...process.env, ...variant.env, NODE_OPTIONS: variant.nodeOptions };
  const flags = [
    '--kubeconfig',
    kubeconfig,
    '--cert-dir',
    ctx.certDir,
    '--port',
    String(port),
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
    `https://127.0.0.1:${port}/readyz`,
    env,
    undefined,
    { core, idle },
  );
}

export async function serveFromKubeconfig(
  ctx: CacheContext,
  source: string,
  kubeconfig: string,
  variant: RuntimeVariant,
): Promise<CacheResult> {
  const { nodeOptions } = variant;
  // The webhook's pod as the chart deploys it, so readiness is the caches' first sync alone.
  // With the audit in the same process, readiness also waits for the first audit (its list
  // pages come from the apiserver); that process's memory is the audit rows'.
  const target = await startServeFromKubeconfig(
    ctx,
    `serve (${source})`,
    kubeconfig,
    variant,
    WEBHOOK_POD_FLAGS,
  );
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
      operation: 'webhook',
      ...(nodeOptions ? { node_options: nodeOptions } : {}),
    };
    console.log(
      `cache from ${source} (${variant.label}, --operation webhook): ready in ${result.sync_s} s, ` +
        `RSS ${result.rss_mb} MiB settled ${memory.settledAfterS} s after ready ` +
        `(${memory.atReadyMb} MiB at ready, peak ${memory.hwmMb})`,
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

/** Seconds from the start of a row's warm-up to the start of its fixed rate's measured part. */
function warmUpSeconds(settings: LoadSettings): number {
  return settings.saturationSeconds + settings.settleSeconds + settings.warmupSeconds;
}

/**
 * The full row's periodic audit interval: the next audit starts 0.9 to 1.1 times this after
 * the start-up audit ends, about when the load's measured part begins (after wrk, the settling
 * run and the fixed rate's own warm-up: 12 s quick, 29 s full), and a full audit runs for
 * longer than the quick run's measured part.
 */
export function fullIntervalS(settings: LoadSettings): number {
  return warmUpSeconds(settings);
}

/**
 * The incremental row starts its load this long after the start-up audit ended: time to see
 * that audit end (polled every 100 ms), have the fake apiserver touch its namespaces, and see
 * the serve's cache apply the last of those watch events (a fraction of a second in all).
 */
const TOUCH_LEAD_MS = 2_000;

/** The Rollout cache heard nothing for this long after the touch: the burst of events is applied. */
const QUIET_AFTER_TOUCH_S = 0.3;

/**
 * The incremental row's periodic audit interval, I. An audit of a tenth of the namespaces is
 * short (about a tenth of a full one), so unlike the full row's audit, which outlasts the load,
 * it must start inside the load's measured part, or the row measures the load beside an idle
 * audit. The measured part runs from L = TOUCH_LEAD_MS + the warm-up (wrk, the settling run,
 * the fixed rate's own warm-up; and the tools' start, a fraction of a second) to L + fixedSeconds
 * after the start-up audit ended; the periodic audit starts 0.9 I to 1.1 I after that end. With
 * I = L + fixedSeconds / 4 it starts about 0.4 to 3.6 s into the quick run's 8 s (L 14 s,
 * I 16 s) and 4.1 to 11.9 s into the full run's 30 s (L 31 s, I 39 s), leaving the rest for it.
 */
export function incrementalIntervalS(settings: LoadSettings): number {
  const measuredFromS = TOUCH_LEAD_MS / 1000 + warmUpSeconds(settings);
  return Math.round(measuredFromS + settings.fixedSeconds / 4);
}

/**
 * Warms the serve as every load target is warmed before its fixed rate: wrk at saturation,
 * then load-go at the fixed rate, unmeasured (settleAtFixedRate). A process that has just
 * started compiles its hot code meanwhile (on the one core it is pinned to), which alone put
 * p99 at 2,000/s over 100 ms with the audit off.
 */
function warmUp(ctx: CacheContext, load: AuditLoad, url: string): void {
  saturate(`${url}/mutate`, load.bodies, load.settings, ctx.scratch);
  settleAtFixedRate(load.loadGo, `${url}/mutate`, load.bodies, load.settings, load.caFile);
}

/**
 * Waits until the serve's Rollout cache has heard from the apiserver since `sinceMs`, then
 * nothing for QUIET_AFTER_TOUCH_S: a touch's events come as one burst on the Rollout watch, and
 * nothing else speaks on it here (the fake sends no bookmarks unless told to).
 */
async function rolloutCacheQuietSince(target: Target, url: string, sinceMs: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    // Read before the request: the serve computes the age after it, so this underestimates
    // when it last heard, never the other way.
    const asked = Date.now();
    const metrics = await getText(`${url}/metrics`);
    const age = gaugeOf(metrics, 'rtw_cache_last_sync_age_seconds{resource="rollouts"}');
    if (age === undefined) throw new Error('serve exports no rtw_cache_last_sync_age_seconds for rollouts');
    if (asked - age * 1000 >= sinceMs && age >= QUIET_AFTER_TOUCH_S) return;
    if (Date.now() > deadline)
      throw new Error(`the serve's Rollout cache did not apply the touch within 10 s: ${target.stderr()}`);
    await sleep(50);
  }
}

/**
 * The incremental row, before its load: once the start-up audit has ended, the fake apiserver
 * touches one namespace in ten, and the serve's cache must apply those watch events before the
 * periodic audit starts. An incremental audit judges the namespaces the cache had recorded as
 * changed when it started: an event applied after that start counts for the audit after, and
 * this one would judge only its 1/N in turn. So this waits until the cache has applied them (well before the
 * earliest start, 0.9 I after the start-up audit), then holds the load back until TOUCH_LEAD_MS
 * after that audit ended, which puts the periodic audit inside the load (incrementalIntervalS).
 */
async function touchBeforeTheLoad(
  { target, url }: ServeEndpoint,
  fake: FakeApiserver,
  intervalS: number,
  otherCaches: ServeEndpoint[],
): Promise<Touched> {
  await auditsFinished(target, url, 1, 100);
  const ended = gaugeOf(await getText(`${url}/metrics`), 'rtw_audit_last_run_timestamp_seconds');
  if (ended === undefined) throw new Error('serve exports no rtw_audit_last_run_timestamp_seconds');
  const startupEndedMs = ended * 1000;
  const sentAt = Date.now();
  const touched = await fake.touch();
  if (touched.rollouts === 0) throw new Error('the fake apiserver touched no Rollouts');
  await rolloutCacheQuietSince(target, url, sentAt);
  // The webhook's own cache (when the audit runs apart) applies the same events before the load.
  for (const other of otherCaches) await rolloutCacheQuietSince(other.target, other.url, sentAt);
  const appliedAfterS = round3((Date.now() - startupEndedMs) / 1000);
  if (appliedAfterS >= 0.9 * intervalS)
    throw new Error(
      `the touched namespaces reached the serve's cache ${appliedAfterS} s after the start-up audit, ` +
        `when the periodic audit may already have started (from ${0.9 * intervalS} s)`,
    );
  console.log(
    `touched ${touched.namespaces.length} namespaces (${touched.rollouts} Rollouts); the serve's cache had ` +
      `applied them by ${appliedAfterS} s after the start-up audit ended (the periodic audit starts from ` +
      `${round1(0.9 * intervalS)} s, the load at ${TOUCH_LEAD_MS / 1000} s)`,
  );
  if (appliedAfterS * 1000 > TOUCH_LEAD_MS)
    console.log(
      `warning: the touch reached the serve's cache ${appliedAfterS} s after the start-up audit, later than ` +
        `${TOUCH_LEAD_MS / 1000} s; the load starts late, and the audit may start before its measured part`,
    );
  await sleep(startupEndedMs + TOUCH_LEAD_MS - Date.now());
  return touched;
}

/**
 * The serve process as shipped, from the fake apiserver, under the fixed-rate mutate load while
 * its first periodic audit runs. Measured warm, as the other targets are: the start-up audit
 * finishes first, wrk and a settling run warm the process, then the fixed-rate load meets that
 * audit. full (`--audit-rejudge-every 1`): the audit lists and judges all 40,001 objects and
 * outlasts the quick load's measured part (fullIntervalS). incremental (the default --audit-rejudge-every: the start-up
 * audit is full, the next ones judge what changed and 1/N of the rest): one namespace in ten is
 * changed first, and that audit starts inside the load (touchBeforeTheLoad,
 * incrementalIntervalS). Then waits for that audit to finish, for its duration and the share of
 * the event loop it took. The fake apiserver serves no report CRDs; the writes are skipped,
 * their wire cost is the apiserver's.
 */
async function auditUnderLoad(
  ctx: CacheContext,
  load: AuditLoad,
  fake: FakeApiserver,
  mode: AuditMode,
  auditProcess: AuditProcess,
): Promise<AuditUnderLoad> {
  const variant = SHIPPED_RUNTIME;
  const url = `https://127.0.0.1:${PORT}`;
  const intervalS = mode === 'full' ? fullIntervalS(load.settings) : incrementalIntervalS(load.settings);
  const modeFlags = mode === 'full' ? ['--audit-rejudge-every', '1'] : [];
  const shareFlags =
    load.auditCpuShare === undefined ? [] : ['--audit-cpu-share', String(load.auditCpuShare)];
  const auditFlags = ['--audit-interval-seconds', String(intervalS), ...modeFlags, ...shareFlags];
  const where = AUDIT_PROCESS_PLACES[auditProcess];
  const target = await startServeFromKubeconfig(
    ctx,
    `serve (audit under load, ${mode}, ${where})`,
    fake.kubeconfig,
    variant,
    auditProcess === 'own' ? WEBHOOK_POD_FLAGS : auditFlags,
  );
  let auditor: ServeEndpoint = { target, url };
  try {
    if (auditProcess === 'own') {
      auditor = {
        target: await startServeFromKubeconfig(
          ctx,
          `serve --operation audit (${mode})`,
          fake.kubeconfig,
          variant,
          ['--operation', 'audit', ...auditFlags],
          { port: AUDITOR_PORT, core: 0, idle: true },
        ),
        url: `https://127.0.0.1:${AUDITOR_PORT}`,
      };
    }
    const helperThreads = placeHelperThreads(target, load);
    let touched: Touched | undefined;
    if (mode === 'incremental')
      touched = await touchBeforeTheLoad(
        auditor,
        fake,
        intervalS,
        auditor.target === target ? [] : [{ target, url }],
      );
    else await startupAuditFinished(auditor.target, auditor.url);
    warmUp(ctx, load, url);
    const cpuBefore = cpuSecondsOf(target.child.pid!);
    const measuredFrom = Date.now() / 1000 + load.settings.warmupSeconds;
    const fixed = fixedRate(load.loadGo, `${url}/mutate`, load.bodies, load.settings, load.caFile);
    const measuredTo = Date.now() / 1000;
    const cpuDuringLoad = round3(cpuSecondsOf(target.child.pid!) - cpuBefore);
    const outlasted = (await successfulAudits(auditor.target, auditor.url)) < 2;
    await auditsFinished(auditor.target, auditor.url, 2, 250);
    const metrics = await getText(`${auditor.url}/metrics`);
    const gauge = (name: string) => gaugeOf(metrics, name) ?? 0;
    const memory = memoryOf(target.child.pid!);
    const auditorPeakMb = auditor.target === target ? undefined : memoryOf(auditor.target.child.pid!).hwmMb;
    const auditSeconds = gauge('rtw_audit_duration_seconds');
    const workSeconds = gauge('rtw_audit_work_seconds');
    const auditEnded = gauge('rtw_audit_last_run_timestamp_seconds');
    const overlapSeconds = Math.max(
      0,
      Math.min(measuredTo, auditEnded) - Math.max(measuredFrom, auditEnded - auditSeconds),
    );
    const overlap = overlapSeconds / (measuredTo - measuredFrom);
    const inside = auditSeconds > 0 ? overlapSeconds / auditSeconds : 0;
    const judgedRollouts = gaugeOf(metrics, 'rtw_audit_judged_objects{kind="Rollout"}');
    const judgedIngresses = gaugeOf(metrics, 'rtw_audit_judged_objects{kind="Ingress"}');
    // Absent (null) from a serve that does not set the gauge, rather than a count of 0.
    const judgedObjects =
      judgedRollouts === undefined && judgedIngresses === undefined
        ? null
        : (judgedRollouts ?? 0) + (judgedIngresses ?? 0);
    const result: AuditUnderLoad = {
      mode,
      audit_process: auditProcess,
      objects: ctx.objects,
      runtime: variant.label,
      audit_cpu_share: load.auditCpuShare ?? 'default',
      audit_interval_s: intervalS,
      fixed_rate: fixed,
      cpu_s_during_load: cpuDuringLoad,
      audit_outlasted_load: outlasted,
      audit_overlap_of_load: round3(overlap),
      audit_inside_load: round3(inside),
      audit_seconds: round3(auditSeconds),
      audit_work_seconds: round3(workSeconds),
      audit_share_taken: auditSeconds > 0 ? round3(workSeconds / auditSeconds) : 0,
      audited_objects:
        gauge('rtw_audit_objects{kind="Rollout"}') + gauge('rtw_audit_objects{kind="Ingress"}'),
      judged_objects: judgedObjects,
      ...(touched
        ? {
            touched: {
              namespaces: touched.namespaces.length,
              rollouts: touched.rollouts,
              ingresses: touched.ingresses,
            },
          }
        : {}),
      rss_peak_mb: memory.hwmMb,
      rss_mb: memory.rssMb,
      ...(auditorPeakMb === undefined ? {} : { auditor_rss_peak_mb: auditorPeakMb }),
      ...helperThreads,
    };
    const which = touched
      ? `an incremental audit (${touched.namespaces.length} namespaces changed, ${touched.rollouts} Rollouts)`
      : 'a full audit';
    console.log(
      `mutate while ${which} runs ${where}: p50 ${fixed.p50_ms} ms, p99 ${fixed.p99_ms} ms at ${load.settings.fixedRate}/s ` +
        `(achieved ${Math.round(fixed.achieved_rate)}/s, errors ${fixed.errors}), ${cpuDuringLoad} CPU s; ` +
        `audit ${result.audit_seconds} s ` +
        `(${result.audit_work_seconds} s of work, share ${result.audit_share_taken}, ran during ` +
        `${Math.round(overlap * 100)} % of the load, ${Math.round(inside * 100)} % of it inside the load), ` +
        `judged ${judgedObjects ?? 'n/a'} of the ${result.audited_objects} objects its reports cover; ` +
        `RSS ${memory.rssMb} MiB (peak ${memory.hwmMb})` +
        (auditorPeakMb === undefined ? '' : `; the audit process's peak RSS ${auditorPeakMb} MiB`),
    );
    if (mode === 'full' && overlap < 0.9)
      console.log('warning: the audit ran during less than 90 % of the load; the row understates its effect');
    if (mode === 'incremental' && inside < 0.99)
      console.log(
        'warning: the incremental audit lay partly outside the load; the row understates its effect',
      );
    // It judges the namespaces changed and the next 1/N in turn, so more than those changed hold.
    if (touched && judgedObjects !== null && judgedObjects < touched.rollouts + touched.ingresses)
      console.log(
        `warning: the incremental audit judged ${judgedObjects} objects, fewer than the ` +
          `${touched.rollouts + touched.ingresses} Rollouts and Ingresses of the namespaces changed`,
      );
    return result;
  } finally {
    if (auditor.target !== target) await stopTarget(auditor.target);
    await stopTarget(target);
  }
}

/**
 * With `--helper-threads-core`, moves the ready serve's threads other than its event loop to
 * that core, and says so; otherwise nothing (they stay on the event loop's core).
 */
function placeHelperThreads(target: Target, load: AuditLoad): { helper_threads?: HelperThreads } {
  if (load.helperThreadsCore === undefined) return {};
  const core = load.helperThreadsCore;
  const moved = moveHelperThreads(target.child.pid!, core);
  console.log(`${target.name}: ${moved} threads other than the event loop moved to core ${core}`);
  return { helper_threads: { core, moved } };
}

/** The same serve and load with the audit off: the machine's own latency at that moment. */
async function noAuditBaseline(
  ctx: CacheContext,
  load: AuditLoad,
  kubeconfig: string,
): Promise<NoAuditBaseline> {
  const variant = SHIPPED_RUNTIME;
  const url = `https://127.0.0.1:${PORT}`;
  const target = await startServeFromKubeconfig(ctx, 'serve (no audit)', kubeconfig, variant, [
    '--audit-interval-seconds',
    '0',
  ]);
  try {
    const helperThreads = placeHelperThreads(target, load);
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
    return {
      ...helperThreads,
      fixed_rate: fixed,
      cpu_s_during_load: cpuDuringLoad,
      rss_peak_mb: memory.hwmMb,
    };
  } finally {
    await stopTarget(target);
  }
}

/** The fake apiserver's process, as the serves see it: its kubeconfig, and its change command. */
export interface FakeApiserver {
  kubeconfig: string;
  /** One namespace in ten touched (bench/fake-cluster-changes.ts); resolves once the fake has sent the events. */
  touch(): Promise<Touched>;
}

/** Runs `work` against the fake apiserver (its own process) serving the bench's cluster. */
async function withFakeApiserver<T>(
  ctx: CacheContext,
  work: (fake: FakeApiserver) => Promise<T>,
): Promise<T> {
  const kubeconfig = join(ctx.scratch, 'kubeconfig-fake');
  // On the load generators' core, in the idle class: the apiserver is another machine's work,
  // the target's core is the target's alone, and the client must not wait behind the pages it
  // serves an audit. At normal priority, two full-length runs read 3.3-4.3 ms at p99 with the
  // audit in its own process against 1.2-2.0 with the audit off (docs/benchmarks.md,
  // thirteenth pass, with the runs since).
  const [command, args] = pinnedAtIdle(0, process.execPath, [
    '--import',
    'tsx',
    join(ctx.root, 'bench/fake-cluster.ts'),
    ctx.stateDir,
    kubeconfig,
  ]);
  // stdin carries its commands (bench/fake-cluster.ts), stdout its answers, one JSON line each.
  const child = spawn(command, args, { cwd: ctx.root, stdio: ['pipe', 'pipe', 'inherit'] });
  // One reader for the process's life: the first line says it serves, each later one answers.
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (awaited: string): Promise<string> => {
    const line = await lines.next();
    if (line.done === true) throw new Error(`fake apiserver exited with ${child.exitCode} before ${awaited}`);
    return line.value;
  };
  try {
    const served = JSON.parse(await nextLine('serving')) as { objects: number };
    if (served.objects !== ctx.objects)
      throw new Error(`fake apiserver holds ${served.objects} objects, not ${ctx.objects}`);
    return await work({
      kubeconfig,
      async touch() {
        child.stdin!.write('touch\n');
        const answer = JSON.parse(await nextLine('answering touch')) as { touched?: Touched; error?: string };
        if (!answer.touched) throw new Error(`fake apiserver: ${answer.error ?? 'no answer to touch'}`);
        return answer.touched;
      },
    });
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * The serve and load with the audit off, then one row per audit mode and audit process. The
 * incremental rows come last: each touch changes the fake's Rollouts (a label), and the full
 * rows measure the cluster as generated.
 */
async function auditRows(ctx: CacheContext, load: AuditLoad, fake: FakeApiserver): Promise<AuditRows> {
  const baseline = await noAuditBaseline(ctx, load, fake.kubeconfig);
  const rows: AuditUnderLoad[] = [];
  for (const mode of AUDIT_MODES)
    for (const auditProcess of AUDIT_PROCESSES)
      rows.push(await auditUnderLoad(ctx, load, fake, mode, auditProcess));
  return { baseline, rows };
}

function fakeApiserverCaches(ctx: CacheContext): Promise<{ caches: CacheResult[]; audit?: AuditRows }> {
  return withFakeApiserver(ctx, async (fake) => {
    const caches: CacheResult[] = [];
    for (const variant of ctx.quick ? [SHIPPED_RUNTIME] : RUNTIME_VARIANTS)
      caches.push(await serveFromKubeconfig(ctx, 'fake-apiserver', fake.kubeconfig, variant));
    if (!ctx.auditLoad) return { caches };
    return { caches, audit: await auditRows(ctx, ctx.auditLoad, fake) };
  });
}

/**
 * Only the audit-under-load rows (`npm run bench -- --only audit`): first the same serve and
 * load with the audit off, then with a full and an incremental audit, so that the difference
 * is the audit's.
 */
export function measureAuditUnderLoad(ctx: CacheContext, load: AuditLoad): Promise<AuditRows> {
  return withFakeApiserver(ctx, (fake) => auditRows(ctx, load, fake));
}

export async function measureCaches(
  ctx: CacheContext,
): Promise<{ caches: CacheResult[]; audit?: AuditRows }> {
  const { caches, audit } = await fakeApiserverCaches(ctx);
  if (!ctx.quick) caches.push(...(await realApiserverCaches(ctx)));
  return audit ? { caches, audit } : { caches };
}
