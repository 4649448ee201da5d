/**
 * bench/results/latest.json (the issue's shape), bench/results/latest-detail.json (every
 * number behind it), docs/benchmarks.svg (and .png with rsvg-convert), and the table on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUDIT_MODES,
  AUDIT_PROCESS_PLACES,
  AUDIT_PROCESSES,
  type AuditMode,
  type AuditProcess,
  type AuditRows,
  type AuditUnderLoad,
  type CacheResult,
} from './cache.js';
import type { Ceiling } from './ceiling.js';
import type { Machine } from './machine.js';
import { round3 } from './processes.js';

export const TARGET_NAMES = [
  'bare-fastify',
  'mutate-ingress',
  'validate-rollout',
  'mutate-httproute',
  'go-controller-runtime-peer',
] as const;

export interface TargetResult {
  name: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  rss_mb: number;
  detail: object;
  /** The hook's own time per review at saturation (webhook targets only), µs. */
  hookUs?: number;
}

export interface RunOutcome {
  machine: Machine;
  load: Record<string, unknown>;
  results: TargetResult[];
  caches: CacheResult[];
  /** What the throughput targets leave for the webhook's own work (bench/ceiling.ts). */
  ceiling?: Ceiling;
  /** The mutate load while a full and an incremental audit run (fake apiserver, as shipped), and with the audit off. */
  auditUnderLoad?: AuditRows;
  apiCallsOnRequestPath: number;
}

/** How a target names each audit mode and each audit process. */
const AUDIT_ROWS: Record<AuditMode, string> = {
  full: 'a full audit',
  incremental: 'an incremental audit',
};
const AUDIT_PROCESS_NAMES: Record<AuditProcess, string> = {
  same: AUDIT_PROCESS_PLACES.same,
  own: `${AUDIT_PROCESS_PLACES.own} (the chart's default)`,
};

/** The rows in the order they are reported: what each target names. */
const AUDIT_ROW_KEYS = AUDIT_MODES.flatMap((mode) =>
  AUDIT_PROCESSES.map((auditProcess) => ({
    mode,
    auditProcess,
    name: `${AUDIT_ROWS[mode]} ${AUDIT_PROCESS_NAMES[auditProcess]}`,
  })),
);

function auditRow(
  outcome: RunOutcome,
  mode: AuditMode,
  auditProcess: AuditProcess,
): AuditUnderLoad | undefined {
  return outcome.auditUnderLoad?.rows.find((row) => row.mode === mode && row.audit_process === auditProcess);
}

/** latest.json's key of a row: the mode alone for the same process (as before), else suffixed. */
function auditRowKey(row: AuditUnderLoad): string {
  return row.audit_process === 'same' ? row.mode : `${row.mode}_own_process`;
}

/** One audit row in latest.json. */
function auditRowSummary(row: AuditUnderLoad): Record<string, unknown> {
  return {
    p50_ms: row.fixed_rate.p50_ms,
    p99_ms: row.fixed_rate.p99_ms,
    achieved_rate: Math.round(row.fixed_rate.achieved_rate),
    rss_peak_mb: row.rss_peak_mb,
    audit_s: row.audit_seconds,
    audit_work_s: row.audit_work_seconds,
    audit_share_taken: row.audit_share_taken,
    audited_objects: row.audited_objects,
    judged_objects: row.judged_objects,
    audit_outlasted_load: row.audit_outlasted_load,
    audit_overlap_of_load: row.audit_overlap_of_load,
    audit_inside_load: row.audit_inside_load,
    audit_on_cpu_s: row.cpu_s_during_load,
    ...(row.auditor_rss_peak_mb === undefined ? {} : { auditor_rss_peak_mb: row.auditor_rss_peak_mb }),
    ...(row.touched ? { touched: row.touched } : {}),
  };
}

/** latest.json's audit_under_load: one entry per row, and the same load with the audit off. */
function auditUnderLoadSummary(audit: AuditRows): Record<string, unknown> {
  return {
    ...Object.fromEntries(audit.rows.map((row) => [auditRowKey(row), auditRowSummary(row)])),
    audit_off_p50_ms: audit.baseline.fixed_rate.p50_ms,
    audit_off_p99_ms: audit.baseline.fixed_rate.p99_ms,
    audit_off_cpu_s: audit.baseline.cpu_s_during_load,
  };
}

/**
 * The cache figure of latest.json: the process as the chart and image run it, syncing from
 * the real apiserver when that was measured, else from the fake one, else from files.
 */
function headlineCache(caches: CacheResult[]): CacheResult | undefined {
  const shipped = caches.filter((c) => c.shipped);
  return (
    shipped.find((c) => c.source === 'kube-apiserver') ??
    shipped.find((c) => c.source === 'fake-apiserver') ??
    caches[0]
  );
}

export function writeResults(root: string, outcome: RunOutcome): string {
  const byName = (name: string) => outcome.results.find((r) => r.name === name);
  const ratio = (a?: TargetResult, b?: TargetResult) => (a && b && b.rps > 0 ? round3(a.rps / b.rps) : null);
  const mutate = byName('mutate-ingress');
  const cache = headlineCache(outcome.caches);
  const latest = {
    machine: outcome.machine,
    load: outcome.load,
    results: outcome.results.map(({ name, rps, p50_ms, p99_ms, rss_mb }) => ({
      name,
      rps,
      p50_ms,
      p99_ms,
      rss_mb,
    })),
    cache: cache
      ? {
          objects: cache.objects,
          rss_mb: cache.rss_mb,
          sync_s: cache.sync_s,
          source: cache.source,
          runtime: cache.runtime,
        }
      : null,
    ...(outcome.auditUnderLoad ? { audit_under_load: auditUnderLoadSummary(outcome.auditUnderLoad) } : {}),
    ...(outcome.ceiling ? { ceiling: outcome.ceiling } : {}),
    ratios: {
      mutate_vs_bare: ratio(mutate, byName('bare-fastify')),
      validate_vs_bare: ratio(byName('validate-rollout'), byName('bare-fastify')),
      route_vs_bare: ratio(byName('mutate-httproute'), byName('bare-fastify')),
      mutate_vs_peer: ratio(mutate, byName('go-controller-runtime-peer')),
    },
  };
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const targets = checkTargets(latest.ratios, outcome, cache);
  const withTargets = {
    ...latest,
    targets: Object.fromEntries(
      targets.map((t) => [t.target, { value: t.value, limit: t.limit, met: t.met }]),
    ),
  };
  // Keep the sections `npm run bench:apiserver` wrote: they are measured by their own runs.
  const previous = readLatest(file);
  const writes = Object.fromEntries(
    APISERVER_WRITES_KEYS.filter((key) => previous[key] !== undefined).map((key) => [key, previous[key]]),
  );
  writeFileSync(file, JSON.stringify({ ...withTargets, ...writes }, null, 2) + '\n');
  writeFileSync(
    join(dir, 'latest-detail.json'),
    JSON.stringify(
      {
        cache_source: cache?.source,
        api_calls_on_request_path: outcome.apiCallsOnRequestPath,
        targets,
        caches: outcome.caches,
        results: outcome.results,
        ...(outcome.auditUnderLoad ? { audit_under_load: outcome.auditUnderLoad } : {}),
      },
      null,
      2,
    ) + '\n',
  );
  writeChart(root, outcome.results, outcome.machine);
  writeTargetsChart(root, targets, outcome.machine);
  printTable(latest.results, outcome.caches, targets);
  if (outcome.auditUnderLoad) printAuditRows(outcome.auditUnderLoad);
  if (outcome.ceiling) printCeiling(outcome.ceiling);
  return file;
}

/** docs/benchmarks.svg, and docs/benchmarks.png when librsvg's converter is installed. */
export function writeChart(root: string, results: TargetResult[], machine: Machine): void {
  const svg = join(root, 'docs', 'benchmarks.svg');
  writeFileSync(svg, chart(results, machine));
  const png = spawnSync('rsvg-convert', ['-o', join(root, 'docs', 'benchmarks.png'), svg]);
  if (png.status !== 0)
    console.log('docs/benchmarks.png not written (install librsvg2-bin for rsvg-convert)');
}

export interface TargetCheck {
  target: string;
  value: number | null;
  limit: string;
  met: boolean;
  /** The bound and its direction, for the chart (docs/benchmark-targets.svg). */
  bound: number;
  better: 'higher' | 'lower';
}

function checkTargets(
  ratios: {
    mutate_vs_bare: number | null;
    validate_vs_bare: number | null;
    route_vs_bare: number | null;
    mutate_vs_peer: number | null;
  },
  outcome: RunOutcome,
  cache: CacheResult | undefined,
): TargetCheck[] {
  const p99 = (name: string) => outcome.results.find((r) => r.name === name)?.p99_ms ?? null;
  const files = outcome.caches.find((c) => c.source === 'files');
  const atLeast = (target: string, value: number | null, bound: number): TargetCheck => ({
    target,
    value,
    limit: `>= ${bound}`,
    met: value !== null && Number.isFinite(value) && value >= bound,
    bound,
    better: 'higher',
  });
  const atMost = (
    target: string,
    value: number | null,
    bound: number,
    limit = `<= ${bound}`,
  ): TargetCheck => ({
    target,
    value,
    limit,
    met: value !== null && Number.isFinite(value) && value <= bound,
    bound,
    better: 'lower',
  });
  return [
    atLeast('mutate throughput / bare-fastify', ratios.mutate_vs_bare, 0.6),
    atLeast('validate throughput / bare-fastify', ratios.validate_vs_bare, 0.7),
    atLeast('mutate throughput / Go peer', ratios.mutate_vs_peer, 1.0),
    atMost('mutate p99 at the fixed rate (ms)', p99('mutate-ingress'), 2),
    atMost('validate p99 at the fixed rate (ms)', p99('validate-rollout'), 2),
    // The Gateway API hook is held to the Ingress hook's targets.
    atLeast('HTTPRoute mutate throughput / bare-fastify', ratios.route_vs_bare, 0.6),
    atMost('HTTPRoute mutate p99 at the fixed rate (ms)', p99('mutate-httproute'), 2),
    // 150 MB = 143 MiB.
    atMost(
      `cache RSS, 40,001 objects (${cache?.source}) (MiB)`,
      cache?.rss_mb ?? null,
      143,
      '<= 150 MB (143 MiB)',
    ),
    atMost('serve --state RSS, 40,001 objects, settled (MiB)', files?.rss_mb ?? null, 150),
    atMost(`first sync (${cache?.source}) (s)`, cache?.sync_s ?? null, 5),
    // The audit targets hold for each row: a full and an incremental audit, each in the
    // process that answers the reviews and in its own.
    ...AUDIT_ROW_KEYS.map(({ mode, auditProcess, name }) =>
      atMost(
        `mutate p99 while ${name} runs (ms)`,
        auditRow(outcome, mode, auditProcess)?.fixed_rate.p99_ms ?? null,
        2,
      ),
    ),
    ...AUDIT_ROW_KEYS.map(({ mode, auditProcess, name }) =>
      atMost(
        `peak RSS of the webhook while ${name} runs, as shipped (MiB)`,
        auditRow(outcome, mode, auditProcess)?.rss_peak_mb ?? null,
        256,
        "<= 256 (the chart's memory limit)",
      ),
    ),
    ...AUDIT_MODES.map((mode) =>
      atMost(
        `peak RSS of the audit process, ${AUDIT_ROWS[mode]}, as shipped (MiB)`,
        auditRow(outcome, mode, 'own')?.auditor_rss_peak_mb ?? null,
        256,
        "<= 256 (the chart's memory limit)",
      ),
    ),
    atMost('API calls on the request path', outcome.apiCallsOnRequestPath, 0, '== 0'),
  ];
}

function printTable(
  results: Omit<TargetResult, 'detail'>[],
  caches: CacheResult[],
  targets: TargetCheck[],
): void {
  console.log('\n| target | reviews/s | p50 ms | p99 ms | RSS MiB |\n|---|---:|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.name} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.rss_mb} |`);
  console.log('\n| cache source | objects | first sync s | RSS MiB |\n|---|---:|---:|---:|');
  for (const c of caches)
    console.log(
      `| ${c.source}${c.runtime ? ` (${c.runtime})` : ''} | ${c.objects} | ${c.sync_s} | ${c.rss_mb} |`,
    );
  console.log('\n| target | value | limit | met |\n|---|---:|---|---|');
  for (const t of targets) console.log(`| ${t.target} | ${t.value} | ${t.limit} | ${t.met ? 'yes' : 'NO'} |`);
}

/** The mutate load at the fixed rate beside each audit row, and with the audit off. */
function printAuditRows(audit: AuditRows): void {
  console.log(
    '\n| mutate at the fixed rate, serve as shipped | p50 ms | p99 ms | audit s | objects judged / covered | audit inside the load |' +
      '\n|---|---:|---:|---:|---:|---:|',
  );
  const off = audit.baseline.fixed_rate;
  console.log(`| audit off | ${off.p50_ms} | ${off.p99_ms} | | | |`);
  for (const row of audit.rows)
    console.log(
      `| while ${AUDIT_ROWS[row.mode]} runs ${AUDIT_PROCESS_NAMES[row.audit_process]} | ${row.fixed_rate.p50_ms} | ${row.fixed_rate.p99_ms} | ` +
        `${row.audit_seconds} | ${row.judged_objects ?? 'n/a'} / ${row.audited_objects} | ` +
        `${Math.round(row.audit_inside_load * 100)} % |`,
    );
}

function printCeiling(c: Ceiling): void {
  console.log(
    `\nCalibration (bench/ceiling.ts): the mutating hook's answer costs bare-fastify ${c.answer_cost_us} µs ` +
      `per review; each µs of busy work costs ${c.cost_per_work_us} µs at saturation. The targets leave ` +
      `${c.work_budget_us.mutate} µs of busy work per mutating review (0.6) and ${c.work_budget_us.validate} ` +
      `µs per validating review (0.7). The hooks' own time per review at saturation: ` +
      Object.entries(c.hook_us_at_saturation)
        .map(([name, us]) => `${name} ${us} µs`)
        .join(', ') +
      '.',
  );
}

const COLORS: Record<string, string> = {
  'bare-fastify': '#9aa5b1',
  'mutate-ingress': '#1f6feb',
  'validate-rollout': '#54aeff',
  'mutate-httproute': '#8250df',
  'go-controller-runtime-peer': '#d4a72c',
};

function cpuPerReview(r: TargetResult): number {
  return (r.detail as { cpu_us_per_review?: number }).cpu_us_per_review ?? 0;
}

/** The machine's own jitter on the targets' core (bench/stalls.ts), worst of before and after. */
function stallLine(machine: Machine): string {
  const { before, after } = machine.stalls;
  const worst = before.lost_pct >= after.lost_pct ? before : after;
  return `core 1 lost ${worst.lost_pct}% of its time in ${worst.over_0_5ms_per_s} stalls/s, longest ${worst.max_ms} ms`;
}

/** Four bar panels (throughput, p99 at the fixed rate, RSS, CPU per review), one bar per target. */
export function chart(results: TargetResult[], machine: Machine): string {
  const panels: { title: string; value: (r: TargetResult) => number; unit: string }[] = [
    { title: 'Throughput at saturation (reviews/s, higher is better)', value: (r) => r.rps, unit: '' },
    { title: 'p99 latency at 2,000 reviews/s (ms, lower is better)', value: (r) => r.p99_ms, unit: ' ms' },
    { title: 'Resident memory after the run (MiB, lower is better)', value: (r) => r.rss_mb, unit: ' MiB' },
    // Independent of what else runs on the machine, unlike the panels above.
    { title: 'CPU time per review (µs, lower is better)', value: cpuPerReview, unit: ' µs' },
  ];
  const width = 900;
  const barHeight = 22;
  const labelWidth = 230;
  const panelHeight = 40 + results.length * (barHeight + 6);
  const height = 66 + panels.length * (panelHeight + 10) + 20;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="17" font-weight="bold">rollouts-traffic-webhook benchmark</text>`,
    ...subtitleLines(machine).map(
      (line, i) => `<text x="16" y="${46 + 16 * i}" fill="#57606a">${esc(line)}</text>`,
    ),
  ];
  panels.forEach((panel, p) => {
    const top = 76 + p * (panelHeight + 10);
    const max = Math.max(...results.map(panel.value), 1e-9);
    parts.push(`<text x="16" y="${top + 18}" font-weight="bold">${esc(panel.title)}</text>`);
    results.forEach((r, i) => {
      const y = top + 30 + i * (barHeight + 6);
      const value = panel.value(r);
      const w = Math.max(1, ((width - labelWidth - 120) * value) / max);
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(r.name)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[r.name] ?? '#888'}"/>`,
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${value}${panel.unit}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** The machine, on two lines that fit the charts' width (one line was cut off at 900 px). */
function subtitleLines(machine: Machine): string[] {
  return [
    `${machine.cpu}, ${machine.cores} cores (shared, load average ${machine.load_average_at_start.join(' ')}), Node ${machine.node}, ${machine.date.slice(0, 10)}`,
    stallLine(machine),
  ];
}

/** docs/benchmark-targets.svg: each figure beside its target. */
export function writeTargetsChart(root: string, targets: TargetCheck[], machine: Machine): void {
  writeFileSync(join(root, 'docs', 'benchmark-targets.svg'), targetsChart(targets, machine));
}

/**
 * One row per target: the bar is the figure, the dark line the target, both on the row's
 * own scale (the target sits at the same x on every row), green when met, red when not.
 */
export function targetsChart(targets: TargetCheck[], machine: Machine): string {
  const width = 900;
  const labelWidth = 330;
  const row = 30;
  const top = 76;
  const targetX = labelWidth + 300;
  const height = top + targets.length * row + 30;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="17" font-weight="bold">rollouts-traffic-webhook: each figure and its target</text>`,
    ...subtitleLines(machine).map(
      (line, i) => `<text x="16" y="${46 + 16 * i}" fill="#57606a">${esc(line)}</text>`,
    ),
  ];
  targets.forEach((t, i) => {
    const y = top + i * row;
    const value = t.value ?? 0;
    // Zero bounds (API calls == 0) are drawn against 1, so a zero figure is an empty bar.
    const scale = (targetX - labelWidth) / (t.bound === 0 ? 1 : t.bound);
    const w = Math.min(width - labelWidth - 120, Math.max(1, value * scale));
    const colour = t.met ? '#2da44e' : '#cf222e';
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(t.target)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="18" fill="${colour}"/>`,
      `<line x1="${targetX}" y1="${y}" x2="${targetX}" y2="${y + 24}" stroke="#24292f" stroke-width="2"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}">${t.value ?? 'n/a'} (target ${esc(t.limit)}, ${t.better} is better)</text>`,
    );
  });
  parts.push(
    `<text x="16" y="${height - 10}" fill="#57606a">The dark line is each target on its own row's scale; bars are cut at the chart's edge.</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/** The key of latest.json that bench/apiserver-writes.ts owns. */
/** latest.json's sections from `npm run bench:apiserver`: closed loop, and at a fixed rate (`--rate`). */
export const APISERVER_WRITES_KEYS = ['apiserver_writes', 'apiserver_writes_at_rate'] as const;
export type ApiserverWritesKey = (typeof APISERVER_WRITES_KEYS)[number];

/** Client-side latency of the writes in a measured window. */
export interface WriteLatency {
  writes: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** One phase of the apiserver-writes bench (webhook registered or not). */
export interface WritePhase {
  writes_per_s: number;
  latency: { all: WriteLatency; managed: WriteLatency; unmanaged: WriteLatency };
  /** CPU time per counted write of each process (clients = this bench), and their total. */
  cpu_us_per_write: Record<string, number>;
  /** Mean of apiserver_admission_step_admission_duration_seconds per UPDATE, by type (admit, validate). */
  admission_step_mean_ms: Record<string, number | null>;
  /** apiserver_admission_webhook_admission_duration_seconds of our Ingress hooks in the window. */
  apiserver_webhook_latency: {
    name: string;
    type: string;
    calls: number;
    mean_ms: number | null;
    p50_ms_estimated: number | null;
    p99_ms_estimated: number | null;
    p99_at_most_ms: number | null;
    share_under_5ms: number | null;
  }[];
  /** rtw_admission_requests_total in the window, by hook/kind/decision (with the webhook only). */
  webhook_decisions?: Record<string, number>;
  /** rtw_events_total in the window, by result (created, patched, failed, dropped). */
  webhook_event_writes?: Record<string, number>;
  /** Mean of rtw_admission_duration_seconds in the window, by hook: the part spent inside the webhook. */
  webhook_in_process_mean_ms?: Record<string, number | null>;
  /** Whether the first managed Ingress still carried the controller's forward action afterwards. */
  controller_action_after: boolean;
}

export interface ApiserverWrites {
  machine: Machine;
  /** Closed loop (`clients` writers, as fast as answers come) or open loop at `offered_per_s`. */
  load: { mode: 'closed-loop'; clients: number } | { mode: 'fixed-rate'; offered_per_s: number };
  method: string;
  hooks: string[];
  without: WritePhase;
  with: WritePhase;
  ratio: number | null;
  /** CPU per write (all processes) without / with: the ratio when CPU is the only limit. */
  ratio_by_cpu: number | null;
  client_p50_added_ms: number | null;
  client_p99_added_ms: number | null;
  targets: TargetCheck[];
  apiserver_hooks_p99_at_most_ms: number | null;
  apiserver_hooks_mean_ms: number;
}

function readLatest(file: string): Record<string, unknown> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
}

/** Sets one of latest.json's apiserver-writes sections, leaving the rest of the file as it was. */
export function writeApiserverWrites(root: string, key: ApiserverWritesKey, writes: ApiserverWrites): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify({ ...readLatest(file), [key]: writes }, null, 2) + '\n');
  console.log('\n| target | value | limit | met |\n|---|---:|---|---|');
  for (const t of writes.targets)
    console.log(`| ${t.target} | ${t.value} | ${t.limit} | ${t.met ? 'yes' : 'NO'} |`);
  return file;
}
