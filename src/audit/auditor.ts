/**
 * The background audit: every Rollout, and every Ingress of a watched class (ALB or NGINX,
 * or routed through by a Rollout), judged by the same functions as the validating hooks,
 * with the cache as the cluster view, and written as one policy report per namespace.
 * Gatekeeper's audit works the same way (pages of 500 objects, every 60 s by default).
 *
 * Why list from the apiserver rather than read the cache: the cache keeps compact
 * projections (an Ingress there has only its class annotation, docs/cluster-state.md), and
 * the annotation rules need the whole object. The lists go page by page, so at most one page
 * of whole objects is in memory. The work is paced by a CpuShareScheduler, in steps of one
 * list page (parsed and all its objects judged) or one report (built and sent): the audit
 * takes at most its share of the event loop, so reviews keep their latency while it runs,
 * and it rests only between steps, so no page lives long enough to be promoted out of V8's
 * young generation (forEachPage). Nothing here runs on the request path.
 *
 * Incremental: listing and parsing whole objects is most of an audit's cost, and most of what
 * it leaves in V8's old generation (docs/benchmarks.md). So only the first audit is full. The
 * others take the cache's change journal (src/cluster/change-journal.ts) and judge again only
 * the namespaces where something changed, or whose findings read a scope that changed
 * (dependencies.ts), plus a 1/N share of the others in turn (`rejudgeEvery`), so that every
 * namespace is judged again at least every N audits without one audit judging them all; and
 * they rewrite only those namespaces' reports. The other namespaces keep the results of the
 * audit that last judged them, which were read from the same cache answers they would read now.
 */
import type { Logger } from 'pino';
import { ApiError, type ListPage, type QueryParams } from '../cluster/kube-api.js';
import { collectionPath, RESOURCES, type ResourceDef } from '../cluster/resources.js';
import { ingressControllers } from '../routing/ingress-class.js';
import { isJsonObject } from '../routing/wire/index.js';
import { CLUSTER_SCOPE, type ChangeJournal } from '../cluster/change-journal.js';
import type { ClusterView, Finding, JsonObject } from '../routing/model.js';
import type { WebhookPolicy } from '../webhook/admission/handler.js';
import { actionFor, EMPTY_RULE_POLICY, scopeOf } from '../webhook/enforcement.js';
import { ingressFindings } from '../webhook/hooks/validate-ingress.js';
import { rolloutFindings } from '../webhook/hooks/validate-rollout.js';
import type { WebhookMetrics } from '../webhook/metrics.js';
import {
  CpuShareScheduler,
  DEFAULT_AUDIT_CPU_SHARE,
  type PacingClock,
  type PacingTotals,
} from './cpu-share.js';
import { ReadRecorder } from './dependencies.js';
import {
  buildReport,
  mergeResult,
  MANAGED_BY_LABEL,
  MAX_RESULTS_PER_REPORT,
  OPEN_REPORT,
  POLICY_REPORT,
  REPORT_NAME,
  REPORT_SOURCE,
  resultKey,
  sameReport,
  type AuditedObject,
  type AuditResult,
  type ReportFormat,
} from './policy-report.js';

/** What the audit needs from the apiserver (HttpKubeApi). */
export interface AuditApi {
  list(path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage>;
  send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<unknown>;
}

export interface AuditOptions {
  api: AuditApi;
  cluster: ClusterView & { isSynced(): boolean };
  /**
   * What changed in `cluster` since the previous audit (ClusterState.trackChanges()). Absent:
   * every audit is full.
   */
  changes?: ChangeJournal;
  /**
   * Every namespace is judged again at least every N audits, changed or not: each audit takes
   * the next 1/N of them in turn (DEFAULT_AUDIT_REJUDGE_EVERY). 1: every audit is full; 0:
   * none is judged again unless something it read changed.
   */
  rejudgeEvery?: number;
  policy: WebhookPolicy;
  /** Namespaces to audit; empty: all (the same scope as the cache). */
  namespaces: readonly string[];
  /** Time between the end of one audit and the start of the next. */
  intervalMs: number;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** Objects per list page. */
  pageSize?: number;
  /** Share of the event loop the audit may take, in (0, 1] (DEFAULT_AUDIT_CPU_SHARE). */
  cpuShare?: number;
  /** Milliseconds of work after which the audit rests, at its next step (DEFAULT_SLICE_MS). */
  sliceMs?: number;
  /** Time source of the pacing (tests). */
  clock?: PacingClock;
  formats?: readonly ReportFormat[];
}

/**
 * Objects per list page. A page is parsed and all its objects judged in one slice (no rest
 * while a page is held, forEachPage), so the page bounds the longest slice: what a review
 * waits for the audit. Judging a Rollout costs about 0.1–0.2 ms on the benchmark machine
 * (an Ingress less), so a page of 10 keeps a slice near 2 ms (bench/audit.ts: slices p50
 * 1.3–1.6 and p90 2.0–2.4 ms; with 20, 1.9 and 3.8 ms; with 50, 2.6 and 10 ms). The cost: N
 * objects take N / 10 list calls (10,000 Rollouts and 10,000 Ingresses: 2,000 calls, spread
 * over the audit's rests), each a small read for the apiserver.
 */
export const DEFAULT_AUDIT_PAGE = 10;
/**
 * Every namespace is judged again at least every N audits even when nothing it read changed:
 * a safety net for a change the journal could not see (and it puts back a report edited or
 * deleted by hand). At the default interval of 300 s, within the hour, a twelfth at a time.
 */
export const DEFAULT_AUDIT_REJUDGE_EVERY = 12;
/**
 * Every Nth audit lists all of the webhook's reports, not only the judged namespaces': it
 * deletes strays (a namespace whose objects went while no audit ran), and finds a report CRD
 * installed since.
 */
export const REPORT_SWEEP_EVERY = 12;
/**
 * Objects per list page of the first audit (runFirst), which runs unpaced before the webhook
 * takes reviews: no review waits for a page then, and against a real apiserver a page of 10
 * would make 40,000 objects 4,000 round trips. Gatekeeper's audit uses pages of 500 too.
 */
export const FIRST_AUDIT_PAGE = 500;
/** How long serve waits for the first audit before turning ready without it. */
export const FIRST_AUDIT_DEADLINE_MS = 30_000;
/** Results kept over all namespaces; the rest are counted as omitted. */
export const MAX_AUDIT_RESULTS = 20_000;
const SYNC_POLL_MS = 1000;

export interface ReportWrites {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
}

export interface AuditSummary {
  /** full: every object listed and judged; incremental: the namespaces that changed. */
  mode: 'full' | 'incremental';
  /** Namespaces listed and judged by this audit. */
  namespaces: number;
  /** Objects listed and judged by this audit. */
  judged: { Rollout: number; Ingress: number };
  /** Objects the reports cover: judged by this audit or, unchanged since, an earlier one. */
  objects: { Rollout: number; Ingress: number };
  /** Findings per rule (before joining them into one result per rule and object), all namespaces. */
  byRule: Map<string, number>;
  results: number;
  omitted: number;
  /** Per report format: writes, or `not-served` when its CRD is not installed. */
  reports: Record<string, ReportWrites | 'not-served'>;
  seconds: number;
  /** How the audit was paced: its work, its rests, its longest slice. */
  pacing: PacingTotals;
}

/**
 * The last judging of one namespace, kept until the namespace is judged again: its results
 * (bounded, MAX_RESULTS_PER_REPORT), and the scopes other than itself that its objects'
 * findings read, which say when it must be judged again.
 */
interface NamespaceRecord {
  results: Map<string, AuditResult>;
  omitted: number;
  byRule: Map<string, number>;
  objects: { Rollout: number; Ingress: number };
  reads: Set<string>;
}

/** A namespace with findings has a report; one without has none. */
function hasFindings(record: NamespaceRecord | undefined): boolean {
  return record !== undefined && (record.results.size > 0 || record.omitted > 0);
}

function emptyRecord(): NamespaceRecord {
  return {
    results: new Map(),
    omitted: 0,
    byRule: new Map(),
    objects: { Rollout: 0, Ingress: 0 },
    reads: new Set(),
  };
}

/**
 * The records of the namespaces one audit judges. `budget`: results it may still keep under
 * MAX_AUDIT_RESULTS, after those the namespaces it does not judge keep.
 */
class ResultCollector {
  readonly records = new Map<string, NamespaceRecord>();

  constructor(private budget: number) {}

  recordOf(namespace: string): NamespaceRecord {
    let record = this.records.get(namespace);
    if (!record) {
      record = emptyRecord();
      this.records.set(namespace, record);
    }
    return record;
  }

  add(record: NamespaceRecord, result: AuditResult): void {
    record.byRule.set(result.rule, (record.byRule.get(result.rule) ?? 0) + 1);
    const key = resultKey(result);
    const existing = record.results.get(key);
    if (existing) {
      mergeResult(existing, result);
      return;
    }
    if (record.results.size >= MAX_RESULTS_PER_REPORT || this.budget <= 0) {
      record.omitted++;
      return;
    }
    record.results.set(key, result);
    this.budget--;
  }
}

/**
 * The namespaces an incremental audit judges, sorted: the changed scopes that are namespaces
 * it covers (`covers`), the namespaces whose record read a changed scope, and `also`. Time
 * linear in the changes and the records' reads.
 */
export function namespacesToJudge(
  records: ReadonlyMap<string, { reads: ReadonlySet<string> }>,
  changed: ReadonlySet<string>,
  also: Iterable<string>,
  covers: (scope: string) => boolean,
): string[] {
  const namespaces = new Set(also);
  for (const scope of changed) if (covers(scope)) namespaces.add(scope);
  for (const [namespace, record] of records) {
    for (const scope of record.reads) {
      if (changed.has(scope)) {
        namespaces.add(namespace);
        break;
      }
    }
  }
  return [...namespaces].sort();
}

/** Which namespaces an audit judges: all (listed cluster-wide, or per audited namespace) or these. */
type AuditPlan =
  | { mode: 'full' }
  | {
      mode: 'incremental';
      namespaces: string[];
      /** List every report (not only the judged namespaces'): strays are deleted, a CRD installed since is found. */
      sweep: boolean;
    };

interface Metadata {
  namespace: string;
  name: string;
  uid?: string;
}

function metadataOf(object: JsonObject): Metadata | undefined {
  const meta = object['metadata'];
  if (!isJsonObject(meta)) return undefined;
  const { namespace, name, uid } = meta;
  if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
  return { namespace, name, ...(typeof uid === 'string' ? { uid } : {}) };
}

function reportPath(format: ReportFormat, namespace?: string, name?: string): string {
  const base = `/apis/${format.apiVersion}`;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${format.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export class PolicyAudit {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly formats: readonly ReportFormat[];
  private readonly recorder: ReadRecorder;
  /** Every namespace's last judging: what the reports hold, and what each one read. */
  private readonly records = new Map<string, NamespaceRecord>();
  /** Audits started so far; every REPORT_SWEEP_EVERYth sweeps the reports. */
  private runs = 0;
  /** The last namespace judged in turn (rejudgeEvery); the next turn starts after it. */
  private rotation = '';
  /** Full: the first audit, and the one after a failure, which may have taken changes it never judged. */
  private fullDue = true;
  /** Namespaces whose report was not written: judged again by the next audit. */
  private readonly unwritten = new Set<string>();
  /** Report formats whose CRD the last full audit or sweep found served; the others write only those. */
  private readonly served = new Set<string>();
  /** The running audit's: aborted by stop(), or by its deadline (runFirst). */
  private signal: AbortSignal = this.abort.signal;
  /** The running audit's list page size. */
  private pageSize = DEFAULT_AUDIT_PAGE;

  constructor(private readonly options: AuditOptions) {
    this.formats = options.formats ?? [POLICY_REPORT, OPEN_REPORT];
    this.recorder = new ReadRecorder(options.cluster);
  }

  /**
   * Audits once the caches have synced (unless runFirst did already), then every `intervalMs`.
   */
  start(): void {
    this.schedule(0, true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort(new Error('audit stopped'));
    await this.running.catch(() => undefined);
  }

  private schedule(delayMs: number, first = false): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (!this.options.cluster.isSynced()) {
        this.schedule(SYNC_POLL_MS, first);
        return;
      }
      if (first && this.runs > 0) {
        // runFirst audited before the caches counted as synced: the next is periodic.
        this.schedule(this.nextInterval());
        return;
      }
      this.running = this.runOnce().then(
        () => this.schedule(this.nextInterval()),
        (error: unknown) => {
          if (!this.stopped) this.options.logger.warn({ err: error }, 'background audit failed');
          this.schedule(this.nextInterval());
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /**
   * The interval ±10 %: every replica audits (there is no leader election), and the jitter
   * keeps their report writes from meeting on every run.
   */
  private nextInterval(): number {
    return this.options.intervalMs * (0.9 + Math.random() * 0.2);
  }

  /**
   * Full, or the namespaces to judge again: those where something changed, those whose last
   * judging read a scope that changed, those whose report was not written, and the next ones
   * in turn. Full as well when that is more than half of the namespaces judged before: one
   * cluster-wide list is then fewer calls than a list per namespace. Changed namespaces that
   * held nothing to judge (a Service changed where no Rollout lives) do not count: their
   * lists are empty.
   */
  private plan(): AuditPlan {
    // Taken first, so that a change made while this audit runs is left for the next one.
    const changes = this.options.changes?.take();
    const every = this.options.rejudgeEvery ?? DEFAULT_AUDIT_REJUDGE_EVERY;
    const sweep = ++this.runs % REPORT_SWEEP_EVERY === 0;
    if (!changes || changes.everything || this.fullDue) return { mode: 'full' };
    const extra = [...this.unwritten, ...this.nextInTurn(every)];
    const namespaces = namespacesToJudge(this.records, changes.scopes, extra, (scope) => this.audits(scope));
    let judgedBefore = 0;
    for (const namespace of namespaces) if (this.records.has(namespace)) judgedBefore++;
    if (judgedBefore * 2 > this.records.size && judgedBefore > 1) return { mode: 'full' };
    return { mode: 'incremental', namespaces, sweep };
  }

  /** The next 1/`every` of the judged namespaces, in name order after the last turn's, wrapping. */
  private nextInTurn(every: number): string[] {
    if (every === 0) return [];
    const names = [...this.records.keys()].sort();
    const count = Math.ceil(names.length / every);
    const after = names.findIndex((name) => name > this.rotation);
    const start = after === -1 ? 0 : after;
    const turn: string[] = [];
    for (let i = 0; i < count; i++) turn.push(names[(start + i) % names.length]!);
    if (turn.length > 0) this.rotation = turn[turn.length - 1]!;
    return turn;
  }

  /** A change's scope that is a namespace this audit covers (not the cluster scope, not a route key). */
  private audits(scope: string): boolean {
    if (scope === CLUSTER_SCOPE || scope.includes('/')) return false;
    const { namespaces } = this.options;
    return namespaces.length === 0 || namespaces.includes(scope);
  }

  /**
   * The first audit, before the webhook takes reviews (serve runs it while not yet ready):
   * unpaced, in pages of FIRST_AUDIT_PAGE, within `deadlineMs`. It is the one full audit of a
   * default configuration, and the costliest: a full audit while serving costs the reviews two
   * or three mark-compact pauses of tens of milliseconds each (docs/benchmarks.md). Run here,
   * its garbage goes with the collection the server makes before turning ready
   * (src/commands/settle.ts). Never throws: when it fails or runs out of time it is logged, and
   * the next audit, paced while serving, is full instead. The periodic audits follow it at the
   * interval.
   */
  async runFirst(deadlineMs: number): Promise<void> {
    if (this.runs > 0) return;
    try {
      await this.runOnce({ cpuShare: 1, pageSize: FIRST_AUDIT_PAGE, deadlineMs });
    } catch (error) {
      if (!this.stopped)
        this.options.logger.warn(
          { err: error, deadlineMs },
          'first audit before readiness not finished; the next one, paced, is full',
        );
    }
  }

  /** One audit, full or incremental: list, judge, write the reports, update the metrics. */
  async runOnce(
    run: { cpuShare?: number; pageSize?: number; deadlineMs?: number } = {},
  ): Promise<AuditSummary> {
    const started = performance.now();
    const { metrics } = this.options;
    this.signal =
      run.deadlineMs === undefined
        ? this.abort.signal
        : AbortSignal.any([this.abort.signal, AbortSignal.timeout(run.deadlineMs)]);
    this.pageSize = run.pageSize ?? this.options.pageSize ?? DEFAULT_AUDIT_PAGE;
    const pacer = new CpuShareScheduler({
      share: run.cpuShare ?? this.options.cpuShare ?? DEFAULT_AUDIT_CPU_SHARE,
      sliceMs: this.options.sliceMs,
      clock: this.options.clock,
      signal: this.signal,
    });
    const plan = this.plan();
    // Until this audit has written what it judged, the next one must not trust the records.
    this.fullDue = true;
    try {
      const judging = plan.mode === 'full' ? undefined : new Set(plan.namespaces);
      let kept = 0;
      for (const [namespace, record] of this.records)
        if (judging && !judging.has(namespace)) kept += record.results.size;
      const collector = new ResultCollector(MAX_AUDIT_RESULTS - kept);
      const scopes = plan.mode === 'full' ? this.scopes() : plan.namespaces;
      const judged = {
        Rollout: await this.judgeAll(RESOURCES.rollouts, 'Rollout', scopes, collector, pacer),
        Ingress: await this.judgeAll(RESOURCES.ingresses, 'Ingress', scopes, collector, pacer),
      };
      this.keep(plan, collector);
      const reports: AuditSummary['reports'] = {};
      this.unwritten.clear();
      for (const format of this.formats)
        reports[format.kind] = await this.writeReports(format, plan, collector.records, pacer);
      this.fullDue = false;
      const summary = this.summarize(plan, judged, reports, (performance.now() - started) / 1000, pacer);
      if (metrics) {
        metrics.auditViolations.reset();
        for (const [rule, count] of summary.byRule) metrics.auditViolations.set({ rule }, count);
        for (const kind of ['Rollout', 'Ingress'] as const) {
          metrics.auditObjects.set({ kind }, summary.objects[kind]);
          metrics.auditJudged.set({ kind }, judged[kind]);
        }
        metrics.auditRuns.inc({ result: 'success' });
        if (plan.mode === 'full') metrics.auditLastFullRun.set(Date.now() / 1000);
      }
      this.log(summary, pacer.share);
      return summary;
    } catch (error) {
      metrics?.auditRuns.inc({ result: 'error' });
      throw error;
    } finally {
      metrics?.auditLastRun.set(Date.now() / 1000);
      metrics?.auditDuration.set((performance.now() - started) / 1000);
      metrics?.auditWork.set(pacer.totals.workMs / 1000);
    }
  }

  /** Replaces the judged namespaces' records; a full audit replaces them all. */
  private keep(plan: AuditPlan, collector: ResultCollector): void {
    if (plan.mode === 'full') this.records.clear();
    else for (const namespace of plan.namespaces) this.records.delete(namespace);
    for (const [namespace, record] of collector.records) this.records.set(namespace, record);
  }

  private summarize(
    plan: AuditPlan,
    judged: AuditSummary['judged'],
    reports: AuditSummary['reports'],
    seconds: number,
    pacer: CpuShareScheduler,
  ): AuditSummary {
    const byRule = new Map<string, number>();
    const objects = { Rollout: 0, Ingress: 0 };
    let results = 0;
    let omitted = 0;
    for (const record of this.records.values()) {
      for (const [rule, count] of record.byRule) byRule.set(rule, (byRule.get(rule) ?? 0) + count);
      objects.Rollout += record.objects.Rollout;
      objects.Ingress += record.objects.Ingress;
      results += record.results.size;
      omitted += record.omitted;
    }
    return {
      mode: plan.mode,
      namespaces: plan.mode === 'full' ? this.records.size : plan.namespaces.length,
      judged,
      objects,
      byRule,
      results,
      omitted,
      reports,
      seconds,
      pacing: { ...pacer.totals },
    };
  }

  private log(summary: AuditSummary, cpuShare: number): void {
    const ms = (value: number) => Math.round(value * 10) / 10;
    const { pacing } = summary;
    this.options.logger.info(
      {
        ...summary,
        byRule: Object.fromEntries(summary.byRule),
        seconds: Math.round(summary.seconds * 1000) / 1000,
        pacing: {
          cpuShare,
          workMs: ms(pacing.workMs),
          restMs: ms(pacing.restMs),
          backoffMs: ms(pacing.backoffMs),
          slices: pacing.slices,
          longestSliceMs: ms(pacing.longestSliceMs),
          longestStepMs: ms(pacing.longestStepMs),
        },
      },
      'background audit finished',
    );
  }

  private scopes(): (string | undefined)[] {
    return this.options.namespaces.length > 0 ? [...this.options.namespaces] : [undefined];
  }

  /** Lists every object of a resource in the scopes, page by page, and judges each; returns how many were judged. */
  private async judgeAll(
    def: ResourceDef,
    kind: 'Rollout' | 'Ingress',
    scopes: readonly (string | undefined)[],
    collector: ResultCollector,
    pacer: CpuShareScheduler,
  ): Promise<number> {
    const pageSize = this.pageSize;
    const apiVersion = `${def.group}/${def.version}`;
    let judged = 0;
    try {
      // The whole page before the next rest, no checkpoint between its objects (see
      // forEachPage), but the reviews that arrived meanwhile go first after each object.
      await this.forEachPage(
        scopes,
        (ns) => collectionPath(def, ns),
        { limit: pageSize },
        pacer,
        async (items) => {
          for (let i = 0; i < items.length; i++) {
            if (i > 0) await pacer.yieldToReviews();
            const item = items[i];
            if (isJsonObject(item) && this.judge(item, kind, apiVersion, collector)) judged++;
          }
        },
      );
    } catch (error) {
      // No Rollout CRD yet: nothing to audit of that kind.
      if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
    }
    return judged;
  }

  /**
   * Judges one object, and records what the judging read into its namespace's record, the
   * objects that turn out not to be watched too (what made them so can change). False when
   * it is not one the webhook watches.
   */
  private judge(
    object: JsonObject,
    kind: 'Rollout' | 'Ingress',
    apiVersion: string,
    collector: ResultCollector,
  ): boolean {
    const meta = metadataOf(object);
    if (!meta) return false;
    const { policy } = this.options;
    const cluster = this.recorder;
    const record = collector.recordOf(meta.namespace);
    let findings: Finding[] | undefined;
    if (kind === 'Rollout') findings = rolloutFindings(object, cluster, meta.namespace);
    else if (this.isWatchedIngress(meta)) findings = ingressFindings(object, cluster, meta.namespace);
    for (const scope of this.recorder.take()) if (scope !== meta.namespace) record.reads.add(scope);
    if (!findings) return false;
    record.objects[kind]++;
    const scope = scopeOf(object, meta.namespace);
    const subject: AuditedObject = { apiVersion, kind, ...meta };
    for (const f of findings) {
      const action = actionFor(policy.rules ?? EMPTY_RULE_POLICY, policy.enforcement, f.rule, scope);
      if (action === 'off') continue;
      collector.add(record, {
        object: subject,
        rule: f.rule,
        result: f.severity === 'error' ? 'fail' : 'warn',
        action,
        message: f.field && !f.message.startsWith(`${f.field}: `) ? `${f.field}: ${f.message}` : f.message,
        fields: f.field,
      });
    }
    return true;
  }

  /** An Ingress the ALB or NGINX controller manages (per the cache), or one a Rollout routes through. */
  private isWatchedIngress(meta: Metadata): boolean {
    const cluster = this.recorder;
    if (cluster.rolloutsReferencingIngress(meta.namespace, meta.name).length > 0) return true;
    const cached = cluster.getIngress(meta.namespace, meta.name);
    if (!cached) return false;
    const controllers = ingressControllers(cached, cluster.ingressClasses());
    return controllers.alb || controllers.nginx;
  }

  /**
   * Makes the reports of one format match the judged namespaces' records (`judged`; a
   * namespace left with no object has none): create, update in place, delete. An audit that lists every report (full, or a sweep) also deletes those of
   * namespaces without findings.
   */
  private async writeReports(
    format: ReportFormat,
    plan: AuditPlan,
    judged: ReadonlyMap<string, NamespaceRecord>,
    pacer: CpuShareScheduler,
  ): Promise<ReportWrites | 'not-served'> {
    const listAll = plan.mode === 'full' || plan.sweep;
    const existing = listAll
      ? await this.existingReports(format, pacer)
      : await this.existingReportsOf(format, plan.namespaces, pacer);
    if (existing === 'not-served') {
      this.served.delete(format.kind);
      return existing;
    }
    if (listAll) this.served.add(format.kind);
    const writes: ReportWrites = { created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0 };
    const signal = this.signal;
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [namespace, record] of judged) {
      if (!hasFindings(record)) continue;
      // Rest before building a report, not after writing it: no report body is held over a
      // rest (the reason is forEachPage's).
      await pacer.checkpoint();
      const live = existing.get(namespace);
      const { body } = buildReport(
        format,
        namespace,
        [...record.results.values()],
        nowSeconds,
        live,
        record.omitted,
      );
      try {
        if (live && sameReport(live, body)) {
          writes.unchanged++;
        } else if (live) {
          const resourceVersion = (live['metadata'] as JsonObject | undefined)?.['resourceVersion'];
          (body['metadata'] as JsonObject)['resourceVersion'] =
            typeof resourceVersion === 'string' ? resourceVersion : null;
          const path = reportPath(format, namespace, REPORT_NAME);
          await pacer.io(() => this.options.api.send('PUT', path, body, signal));
          writes.updated++;
        } else {
          await pacer.io(() => this.options.api.send('POST', reportPath(format, namespace), body, signal));
          writes.created++;
        }
      } catch (error) {
        signal.throwIfAborted();
        writes.failed++;
        this.unwritten.add(namespace);
        // 409: another replica wrote the report meanwhile; the next audit reconciles it.
        const conflict = error instanceof ApiError && error.statusCode === 409;
        this.options.logger[conflict ? 'debug' : 'warn'](
          { err: error, namespace, report: format.kind },
          'policy report not written',
        );
      }
    }
    // Namespaces whose findings are all fixed (or whose objects are gone). A report listed by a
    // sweep, of a namespace this audit did not judge, stands for the findings it still has; one
    // just written, for the findings it was written with.
    for (const namespace of existing.keys()) {
      if (hasFindings(this.records.get(namespace))) continue;
      try {
        const path = reportPath(format, namespace, REPORT_NAME);
        await pacer.io(() => this.options.api.send('DELETE', path, undefined, signal));
        writes.deleted++;
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof ApiError && error.statusCode === 404) continue;
        writes.failed++;
        this.unwritten.add(namespace);
        this.options.logger.warn({ err: error, namespace, report: format.kind }, 'policy report not deleted');
      }
    }
    return writes;
  }

  /** Our reports of one format by namespace, or `not-served` when the API is not installed. */
  private async existingReports(
    format: ReportFormat,
    pacer: CpuShareScheduler,
  ): Promise<Map<string, JsonObject> | 'not-served'> {
    const reports = new Map<string, JsonObject>();
    const query = { labelSelector: `${MANAGED_BY_LABEL}=${REPORT_SOURCE}`, limit: 500 };
    try {
      // Kept through the writes, rests included: each is compared with its namespace's new
      // report and gives it the timestamps of the results that did not change.
      await this.forEachPage(
        this.scopes(),
        (ns) => reportPath(format, ns),
        query,
        pacer,
        (items) => {
          for (const item of items) {
            if (!isJsonObject(item)) continue;
            const meta = metadataOf(item);
            if (meta && meta.name === REPORT_NAME) reports.set(meta.namespace, item);
          }
        },
      );
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return 'not-served';
      throw error;
    }
    return reports;
  }

  /**
   * Our report of one format in each of these namespaces, read one by one (a 404 is no
   * report). `not-served` when the last full audit or sweep found the API not installed: the
   * next sweep finds out whether it is now.
   */
  private async existingReportsOf(
    format: ReportFormat,
    namespaces: readonly string[],
    pacer: CpuShareScheduler,
  ): Promise<Map<string, JsonObject> | 'not-served'> {
    if (!this.served.has(format.kind)) return 'not-served';
    const reports = new Map<string, JsonObject>();
    for (const namespace of namespaces) {
      await pacer.checkpoint();
      this.signal.throwIfAborted();
      const path = reportPath(format, namespace, REPORT_NAME);
      try {
        const report = await pacer.io(() => this.options.api.send('GET', path, undefined, this.signal));
        if (isJsonObject(report)) reports.set(namespace, report);
      } catch (error) {
        if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
      }
    }
    return reports;
  }

  /**
   * Lists every page, over the given scopes (a namespace, or undefined for all), and hands
   * its items to `use`, which may yield to reviews (`yieldToReviews`) but never rest. The
   * rests come only between pages,
   * before the next list, while no page is held: a page is parsed, used and dropped in one
   * slice (its wall time a few milliseconds, with the reviews let in between its objects).
   * Why: with a small young generation (`--max-semi-space-size=2`, the chart's default before
   * 0.7.0) admission traffic scavenges every ~15 ms, and an object that survives two scavenges is
   * promoted to the old generation. A page held across a rest (9 ms at the default share, up
   * to ten times that while reviews keep the loop busy) was promoted whole, died there, and
   * every audit cost several mark-compacts. A page used within one slice dies young.
   * The wait for a page is not audit work; its parse is (`charge`). The parse, or one
   * object's judging, is the longest step a review waits for; the page size bounds the slice.
   */
  private async forEachPage(
    scopes: readonly (string | undefined)[],
    pathOf: (namespace?: string) => string,
    query: QueryParams,
    pacer: CpuShareScheduler,
    use: (items: unknown[]) => void | Promise<void>,
  ): Promise<void> {
    for (const namespace of scopes) {
      let continueToken: string | undefined;
      do {
        await pacer.checkpoint();
        this.signal.throwIfAborted();
        const listQuery = { ...query, continue: continueToken };
        continueToken = await this.usePage(pathOf(namespace), listQuery, pacer, use);
      } while (continueToken);
    }
  }

  /**
   * One page: listed, its parse charged, used. Only the continue token outlives this call, so
   * nothing of the page is left in a frame that waits through the rest after it.
   */
  private async usePage(
    path: string,
    query: QueryParams,
    pacer: CpuShareScheduler,
    use: (items: unknown[]) => void | Promise<void>,
  ): Promise<string | undefined> {
    const page = await pacer.io(() => this.options.api.list(path, query, this.signal));
    pacer.charge(page.parseMs ?? 0);
    await use(page.items);
    return page.continueToken;
  }
}
