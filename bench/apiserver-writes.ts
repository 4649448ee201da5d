/**
 * `npm run bench:apiserver`: Ingress writes through a real kube-apiserver, without and then
 * with the webhook registered. The control plane is the e2e suite's (loopback etcd +
 * kube-apiserver, test/e2e/control-plane.ts, binaries from test/e2e/build-components.sh); the
 * webhook is the product, `serve --kubeconfig` from dist/ with the chart's runtime flags,
 * registered by the MutatingWebhookConfiguration and ValidatingWebhookConfiguration the Helm
 * chart renders (its rules, failurePolicy, timeouts and matchConditions; `webhooks.url` and
 * the caBundle point them at loopback).
 *
 * Workload, at a fixed number of clients in a closed loop for a fixed time after a warm-up:
 * Argo CD re-applying each Rollout-managed Ingress from git mid-canary (an unconditional PUT
 * without the controller's annotations, so the mutating hook restores them: a patch on every
 * write), and writes of Ingresses no Rollout names (admitted untouched). Every write changes
 * one annotation (the git revision), so each is a real write that reaches both hooks.
 *
 * Reported: writes/s without and with (and their ratio), client-side latency p50/p99, the
 * apiserver's own apiserver_admission_webhook_admission_duration_seconds for our hooks over
 * the measured window, and the webhook's own decision counts. Written to
 * bench/results/latest.json under `apiserver_writes` (bench/report.ts).
 *
 * Options: --seconds N (measured, default 30), --warmup N (default 5), --clients N (default
 * 16), --managed N and --unmanaged N (Ingresses of each kind, default 64 each), --rate N (an
 * open loop instead: N writes/s on a fixed schedule, written under `apiserver_writes_at_rate`),
 * --apiserver-profile FILE (the kube-apiserver's pprof CPU profile of the with-webhook window),
 * --webhook-profile DIR (the webhook's V8 CPU profile of its whole run).
 * Skipped, with the reason, when the e2e binaries or helm are missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from '../src/routing/model.js';
import { ControlPlane } from '../test/e2e/control-plane.js';
import { componentPaths, rolloutsModuleDir } from '../test/e2e/support/components.js';
import { connect } from '../test/e2e/support/cluster.js';
import { installRolloutsCrds } from '../test/e2e/support/crds.js';
import { freePort } from '../test/e2e/support/ports.js';
import { ProcessGroup } from '../test/e2e/support/processes.js';
import { serveCommand, startWebhookServer } from '../test/e2e/support/webhook-server.js';
import { ApiserverClient, collectionPath, createManifest, pool } from './apiserver-client.js';
import {
  fractionAtOrUnder,
  histogramQuantile,
  mergeHistograms,
  parseHistogram,
  parseSamples,
  quantileUpperBound,
  subtractHistograms,
  type HistogramSeries,
} from './apiserver-metrics.js';
import { CHART_NODE_OPTIONS } from './cache.js';
import { apiserverWorkload, type WorkloadApp } from './fixtures.js';
import { machineInfo, type Machine } from './machine.js';
import { measureStalls } from './stalls.js';
import { cpuSecondsOf, getText, round3, sleep, PINNED } from './processes.js';
import { writeApiserverWrites, type ApiserverWrites, type WritePhase } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HELM_VERSION = 'v4.3.1';
const WEBHOOK_FAMILY = 'apiserver_admission_webhook_admission_duration_seconds';
const STEP_FAMILY = 'apiserver_admission_step_admission_duration_seconds';
/** The apiserver's finest bucket for webhook calls (k8s.io/apiserver pkg/admission/metrics). */
const FIRST_BUCKET_S = 0.005;
/** The annotation Argo CD's git revision changes on every write (so no write is a no-op). */
const REVISION_ANNOTATION = 'bench.rollouts-traffic-webhook.io/git-revision';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** `--rate N`: writes per second offered on a fixed schedule (open loop); absent: closed loop. */
function rateOption(): number | null {
  return process.argv.includes('--rate') ? option('rate', 1) : null;
}

const settings = {
  rate: rateOption(),
  seconds: option('seconds', 30),
  warmupSeconds: option('warmup', 5),
  clients: option('clients', 16),
  managed: option('managed', 64),
  unmanaged: option('unmanaged', 64),
};

/** Why the bench cannot run here, or null. */
async function missingComponents(): Promise<string | null> {
  const paths = await componentPaths();
  const missing = ['etcd', 'kube-apiserver'].filter((n) => !existsSync(paths[n as 'etcd']));
  if (!existsSync(helmPath())) missing.push(`helm ${HELM_VERSION}`);
  if (missing.length > 0)
    return `missing ${missing.join(', ')} (run bash test/e2e/build-components.sh all and bash scripts/helm.sh --ensure)`;
  const cli = join(root, 'dist', 'cli.js');
  const newest = (dir: string) =>
    Math.max(
      ...readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
    );
  if (!existsSync(cli) || statSync(cli).mtimeMs < newest(join(root, 'src')))
    return 'dist/ is missing or older than src/ (run npm run build first)';
  return null;
}

function helmPath(): string {
  const cacheRoot = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return process.env['HELM_BIN'] ?? join(cacheRoot, 'webhook-e2e', 'bin', `helm-${HELM_VERSION}`);
}

/** The chart's two webhook configurations for a server at `url`, as `helm template` renders them. */
async function renderWebhookConfigurations(
  scratch: string,
  values: object,
): Promise<{ mutating: JsonObject; validating: JsonObject }> {
  const valuesFile = join(scratch, 'values.json');
  writeFileSync(valuesFile, JSON.stringify(values));
  const home = join(scratch, 'helm-home');
  const { stdout } = await promisify(execFile)(
    helmPath(),
    [
      'template',
      'rtw-bench',
      join(root, 'charts/rollouts-traffic-webhook'),
      '--namespace',
      'rtw-bench-system',
      '-f',
      valuesFile,
    ],
    {
      env: {
        PATH: process.env['PATH'],
        HOME: home,
        HELM_CACHE_HOME: home,
        HELM_CONFIG_HOME: home,
        HELM_DATA_HOME: home,
      },
      maxBuffer: 32 * 1024 * 1024,
    },
  );
  const objects = parseAllDocuments(stdout).map((d) => d.toJS() as JsonObject | null);
  const one = (kind: string) => {
    const found = objects.filter((o) => o?.['kind'] === kind);
    if (found.length !== 1) throw new Error(`the chart rendered ${found.length} ${kind}s, expected 1`);
    return found[0]!;
  };
  return { mutating: one('MutatingWebhookConfiguration'), validating: one('ValidatingWebhookConfiguration') };
}

interface Cluster {
  client: ApiserverClient;
  apps: WorkloadApp[];
}

/** Namespaces, the IngressClass, then every app's objects (Rollout status through /status). */
async function createWorkload(client: ApiserverClient): Promise<WorkloadApp[]> {
  const { ingressClass, apps } = await apiserverWorkload(root, settings.managed, settings.unmanaged);
  const namespaces = [...new Set(apps.map((a) => a.namespace))];
  await pool(namespaces, 16, async (name) => {
    await client.send('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  });
  await createManifest(client, ingressClass);
  await pool(apps, 16, async (app) => {
    for (const object of app.objects) await createManifest(client, object);
  });
  return apps;
}

function ingressPath(app: WorkloadApp): string {
  const name = (app.gitIngress['metadata'] as JsonObject)['name'] as string;
  return `${collectionPath('ingresses', app.namespace)}/${name}`;
}

/** Puts every managed Ingress back the way the Rollouts controller left it (a phase starts there). */
async function resetManagedIngresses({ client, apps }: Cluster): Promise<void> {
  await pool(
    apps.filter((a) => a.managed),
    16,
    async (app) => {
      const live = app.objects.find((o) => o['kind'] === 'Ingress')!;
      await client.send('PUT', ingressPath(app), live);
    },
  );
}

/** The live Ingress's controller-written forward action for app `app`, or undefined. */
async function liveAction(client: ApiserverClient, app: WorkloadApp): Promise<string | undefined> {
  const ingress = JSON.parse(await client.send('GET', ingressPath(app))) as JsonObject;
  const annotations = ((ingress['metadata'] as JsonObject)['annotations'] ?? {}) as Record<string, string>;
  const stable = Object.keys(annotations).find(
    (k) => k.startsWith('alb.ingress.kubernetes.io/actions.') && k.endsWith('-stable'),
  );
  return stable ? annotations[stable] : undefined;
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function latencySummary(ms: number[]): { writes: number; p50_ms: number | null; p99_ms: number | null } {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : round3(v));
  return { writes: sorted.length, p50_ms: r(percentile(sorted, 0.5)), p99_ms: r(percentile(sorted, 0.99)) };
}

interface WindowMetrics {
  apiserver: string;
  webhook?: string;
  /** CPU seconds (user + system) so far, by process. */
  cpu: Record<string, number>;
}

/** The processes whose CPU a write costs: this bench's clients and what it started. */
type CpuReader = () => Record<string, number>;

/**
 * Pids of the etcd and kube-apiserver started under `scratch` (their command lines name their
 * data and certificate directories there), read from /proc.
 */
function controlPlanePids(scratch: string): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!argv.some((a) => a.includes(scratch))) continue;
    const binary = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
    if (binary.startsWith('etcd')) pids['etcd'] = Number(entry);
    if (binary.startsWith('kube-apiserver')) pids['kube-apiserver'] = Number(entry);
  }
  if (!pids['etcd'] || !pids['kube-apiserver'])
    throw new Error(`etcd or kube-apiserver not found under /proc for ${scratch}`);
  return pids;
}

function cpuReader(pids: Record<string, number>): CpuReader {
  return () => {
    const usage = process.cpuUsage();
    return {
      clients: (usage.user + usage.system) / 1e6,
      ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)])),
    };
  };
}

/** CPU time per counted write, by process, and their total (µs). */
function cpuPerWrite(before: WindowMetrics, after: WindowMetrics, writes: number): Record<string, number> {
  const perWrite: Record<string, number> = {};
  let total = 0;
  for (const [name, seconds] of Object.entries(after.cpu)) {
    const us = ((seconds - (before.cpu[name] ?? 0)) * 1e6) / Math.max(writes, 1);
    perWrite[name] = Math.round(us);
    total += us;
  }
  perWrite['total'] = Math.round(total);
  return perWrite;
}

/**
 * Closed loop: each client writes its share of the Ingresses in turn until the time is up.
 * Writes that start after the warm-up and finish before the end are counted; the metrics
 * are read at both edges of that window.
 */
async function driveWrites(
  { client, apps }: Cluster,
  readMetrics: () => Promise<WindowMetrics>,
): Promise<{
  managedMs: number[];
  unmanagedMs: number[];
  failures: string[];
  before: WindowMetrics;
  after: WindowMetrics;
}> {
  // Managed and unmanaged alternate, so every client writes both kinds.
  const managed = apps.filter((a) => a.managed);
  const unmanaged = apps.filter((a) => !a.managed);
  const order: WorkloadApp[] = [];
  for (let i = 0; i < Math.max(managed.length, unmanaged.length); i++) {
    if (managed[i]) order.push(managed[i]!);
    if (unmanaged[i]) order.push(unmanaged[i]!);
  }
  const started = performance.now();
  const windowStart = started + settings.warmupSeconds * 1000;
  const windowEnd = windowStart + settings.seconds * 1000;
  const managedMs: number[] = [];
  const unmanagedMs: number[] = [];
  const failures: string[] = [];
  let revision = 0;
  /** One Argo CD-style re-apply of write `k`'s Ingress, timed from `due` (when it should start). */
  const write = async (k: number, due: number) => {
    const app = order[k % order.length]!;
    const body = structuredClone(app.gitIngress);
    const metadata = body['metadata'] as JsonObject;
    metadata['annotations'] = {
      ...(metadata['annotations'] as JsonObject),
      [REVISION_ANNOTATION]: String(++revision),
    };
    const answer = await client.request('PUT', ingressPath(app), body);
    const done = performance.now();
    if (answer.status !== 200) {
      failures.push(`PUT ${ingressPath(app)}: ${answer.status} ${answer.text.slice(0, 300)}`);
      return;
    }
    if (due >= windowStart && done <= windowEnd) (app.managed ? managedMs : unmanagedMs).push(done - due);
  };
  const closedLoopClient = async (c: number) => {
    for (let k = c; performance.now() < windowEnd && failures.length < 20; k += settings.clients)
      await write(k, performance.now());
  };
  const writers =
    settings.rate === null
      ? Array.from({ length: settings.clients }, (_, c) => closedLoopClient(c))
      : [openLoop(settings.rate, started, windowEnd, write, () => failures.length >= 20)];
  const edges = (async () => {
    await sleep(windowStart - performance.now());
    const before = await readMetrics();
    await sleep(windowEnd - performance.now());
    const after = await readMetrics();
    return { before, after };
  })();
  // Handled here too, so a failed metrics read cannot end the process before the writers stop.
  edges.catch(() => undefined);
  await Promise.all(writers);
  return { managedMs, unmanagedMs, failures, ...(await edges) };
}

/** Writes outstanding at once in the open loop; more means the apiserver has fallen behind. */
const OPEN_LOOP_MAX_OUTSTANDING = 256;

/**
 * Open loop: write k is due at `started + k / rate` and starts then, whether or not earlier
 * writes have finished, so a slow answer cannot hold back the load (latency is timed from the
 * due time: no coordinated omission). Stops at the window's end, or when `givingUp`. Throws if
 * more than OPEN_LOOP_MAX_OUTSTANDING writes are in flight: the rate is beyond what the
 * apiserver sustains, and the figures would measure the queue.
 */
async function openLoop(
  rate: number,
  started: number,
  windowEnd: number,
  write: (k: number, due: number) => Promise<void>,
  givingUp: () => boolean,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const periodMs = 1000 / rate;
  for (let k = 0; ; k++) {
    const due = started + k * periodMs;
    if (due >= windowEnd || givingUp()) break;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (inFlight.size >= OPEN_LOOP_MAX_OUTSTANDING)
      throw new Error(
        `${OPEN_LOOP_MAX_OUTSTANDING} writes in flight at ${rate}/s: the apiserver does not keep up; offer a lower --rate`,
      );
    const pending: Promise<void> = write(k, due).finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
}

/** Our hooks' calls in the window, by hook name and type (admit = mutating, validating). */
function hookFigures(
  before: string,
  after: string,
  hookNames: string[],
): WritePhase['apiserver_webhook_latency'] {
  const window = subtractHistograms(
    parseHistogram(after, WEBHOOK_FAMILY),
    parseHistogram(before, WEBHOOK_FAMILY),
  );
  const ours = window.filter((s) => hookNames.includes(s.labels['name'] ?? ''));
  return mergeHistograms(ours, ['name', 'type']).map((s) => describeHistogram(s));
}

function describeHistogram(s: HistogramSeries) {
  const ms = (v: number | null) => (v === null ? null : Number.isFinite(v) ? round3(v * 1000) : null);
  return {
    name: s.labels['name'] ?? '',
    type: s.labels['type'] ?? '',
    calls: s.count,
    mean_ms: s.count > 0 ? round3((s.sum / s.count) * 1000) : null,
    p50_ms_estimated: ms(histogramQuantile(s, 0.5)),
    p99_ms_estimated: ms(histogramQuantile(s, 0.99)),
    p99_at_most_ms: ms(quantileUpperBound(s, 0.99)),
    share_under_5ms: s.count > 0 ? round3(fractionAtOrUnder(s, FIRST_BUCKET_S) ?? 0) : null,
  };
}

/** Mean time of all admission (built-in plugins and webhooks) per write, by step type. */
function admissionStepMeans(before: string, after: string): Record<string, number | null> {
  const window = subtractHistograms(parseHistogram(after, STEP_FAMILY), parseHistogram(before, STEP_FAMILY));
  const updates = window.filter((s) => s.labels['operation'] === 'UPDATE');
  return Object.fromEntries(
    mergeHistograms(updates, ['type']).map((s) => [
      s.labels['type'] ?? '',
      s.count > 0 ? round3((s.sum / s.count) * 1000) : null,
    ]),
  );
}

/** A counter's increase in the window, by the label values `keyOf` joins (only those that rose). */
function counterDeltas(
  before: string,
  after: string,
  family: string,
  keyOf: (labels: Record<string, string>) => string,
): Record<string, number> {
  const counts = (text: string) => new Map(parseSamples(text, family).map((s) => [keyOf(s.labels), s.value]));
  const earlier = counts(before);
  const result: Record<string, number> = {};
  for (const [key, value] of counts(after)) {
    const delta = value - (earlier.get(key) ?? 0);
    if (delta > 0) result[key] = delta;
  }
  return result;
}

/** rtw_admission_requests_total in the window, by `hook/kind/decision`. */
function webhookDecisions(before: string, after: string): Record<string, number> {
  return counterDeltas(
    before,
    after,
    'rtw_admission_requests_total',
    (l) => `${l['hook']}/${l['kind']}/${l['decision']}`,
  );
}

/** rtw_events_total in the window, by result: the Event writes the webhook made. */
function webhookEventWrites(before: string, after: string): Record<string, number> {
  return counterDeltas(before, after, 'rtw_events_total', (l) => l['result'] ?? '');
}

/** rtw_admission_duration_seconds in the window: the mean time a review spent inside the webhook, by hook. */
function inProcessMeans(before: string, after: string): Record<string, number | null> {
  const family = 'rtw_admission_duration_seconds';
  const window = subtractHistograms(parseHistogram(after, family), parseHistogram(before, family));
  return Object.fromEntries(
    mergeHistograms(window, ['hook']).map((s) => [
      s.labels['hook'] ?? '',
      s.count > 0 ? round3((s.sum / s.count) * 1000) : null,
    ]),
  );
}

async function runPhase(
  cluster: Cluster,
  label: string,
  readMetrics: () => Promise<WindowMetrics>,
  hookNames: string[],
): Promise<WritePhase> {
  await resetManagedIngresses(cluster);
  const run = await driveWrites(cluster, readMetrics);
  if (run.failures.length > 0)
    throw new Error(`${label}: writes failed:\n${run.failures.slice(0, 5).join('\n')}`);
  const all = latencySummary([...run.managedMs, ...run.unmanagedMs]);
  const phase: WritePhase = {
    writes_per_s: Math.round((all.writes / settings.seconds) * 10) / 10,
    latency: {
      all,
      managed: latencySummary(run.managedMs),
      unmanaged: latencySummary(run.unmanagedMs),
    },
    cpu_us_per_write: cpuPerWrite(run.before, run.after, all.writes),
    admission_step_mean_ms: admissionStepMeans(run.before.apiserver, run.after.apiserver),
    apiserver_webhook_latency: hookFigures(run.before.apiserver, run.after.apiserver, hookNames),
    ...(run.before.webhook !== undefined && run.after.webhook !== undefined
      ? {
          webhook_decisions: webhookDecisions(run.before.webhook, run.after.webhook),
          webhook_event_writes: webhookEventWrites(run.before.webhook, run.after.webhook),
          webhook_in_process_mean_ms: inProcessMeans(run.before.webhook, run.after.webhook),
        }
      : {}),
    controller_action_after:
      (await liveAction(
        cluster.client,
        cluster.apps.find((a) => a.managed)!,
      )) !== undefined,
  };
  console.log(
    `${label}: ${phase.writes_per_s} writes/s; p50 ${all.p50_ms} ms, p99 ${all.p99_ms} ms ` +
      `(managed p99 ${phase.latency.managed.p99_ms}, unmanaged p99 ${phase.latency.unmanaged.p99_ms}); ` +
      `controller's action on the Ingress afterwards: ${phase.controller_action_after}; ` +
      `CPU µs per write ${JSON.stringify(phase.cpu_us_per_write)}`,
  );
  for (const h of phase.apiserver_webhook_latency)
    console.log(
      `  apiserver saw ${h.name} (${h.type}): ${h.calls} calls, mean ${h.mean_ms} ms, ` +
        `${Math.round((h.share_under_5ms ?? 0) * 1000) / 10} % under 5 ms, p99 <= ${h.p99_at_most_ms} ms`,
    );
  if (phase.webhook_decisions)
    console.log(
      `  webhook decisions: ${JSON.stringify(phase.webhook_decisions)}; ` +
        `mean time in the process by hook (ms): ${JSON.stringify(phase.webhook_in_process_mean_ms)}; ` +
        `Event writes: ${JSON.stringify(phase.webhook_event_writes)}`,
    );
  return phase;
}

async function main(): Promise<void> {
  const reason = await missingComponents();
  if (reason) {
    console.log(`apiserver writes: skipped, ${reason}`);
    return;
  }
  const started = Date.now();
  const stallsBefore = measureStalls(1, 3);
  const scratch = mkdtempSync(join(tmpdir(), 'rtw-bench-writes-'));
  const processes = new ProcessGroup();
  const paths = await componentPaths();
  const plane = await ControlPlane.start(
    join(scratch, 'control-plane'),
    { etcd: paths['etcd'], kubeApiserver: paths['kube-apiserver'] },
    processes,
    { profiling: profileOption() !== undefined },
  );
  const { endpoints } = plane;
  const admin = { ca: endpoints.pki.caCert, ...endpoints.pki.clients.admin };
  // The open loop needs sockets for every write in flight, or the agent's queue would pace it.
  const sockets = settings.rate === null ? settings.clients + 2 : 64;
  const client = new ApiserverClient(endpoints.apiServerUrl, admin, sockets);
  try {
    await installRolloutsCrds(connect(endpoints.kubeconfigs.admin), admin, await rolloutsModuleDir());
    const apps = await createWorkload(client);
    const cluster: Cluster = { client, apps };
    console.log(
      `apiserver writes: ${settings.managed} managed + ${settings.unmanaged} unmanaged Ingresses, ` +
        `${loadDescription()}, ${settings.warmupSeconds} s warm-up + ${settings.seconds} s per phase`,
    );
    const planeCpu = cpuReader(controlPlanePids(scratch));
    const apiserverMetrics = async () => ({
      apiserver: await client.send('GET', '/metrics'),
      cpu: planeCpu(),
    });

    const without = await runPhase(cluster, 'without the webhook', apiserverMetrics, []);

    const port = await freePort();
    const controller = endpoints.pki.clients.rolloutsController.user;
    const base = `https://127.0.0.1:${port}`;
    // As the chart runs it: its NODE_OPTIONS, the image's MALLOC_ARENA_MAX, the default log
    // level (the per-review line goes to a file, as a container's stdout would). Not pinned to
    // a core: it shares the machine with the apiserver and etcd, as on a node.
    const command = serveCommand({
      port,
      certDir: endpoints.pki.webhookCertDir,
      kubeconfig: endpoints.kubeconfigs.webhook,
      controllerIdentities: [controller],
      logLevel: 'info',
    });
    const webhookServer = await startWebhookServer(
      processes,
      { ...command, env: { NODE_OPTIONS: webhookNodeOptions(), MALLOC_ARENA_MAX: '2' } },
      { port, ca: endpoints.pki.caCert, logFile: join(endpoints.logDir, 'webhook.log') },
    );
    const rendered = await renderWebhookConfigurations(scratch, {
      image: { repository: 'registry.example.com/platform/rollouts-traffic-webhook' },
      certificates: {
        mode: 'secret',
        secret: {
          name: 'bench-webhook-tls',
          caBundle: readFileSync(endpoints.pki.caCert).toString('base64'),
        },
      },
      server: { controllerIdentities: [controller] },
      webhooks: { url: base },
    });
    const hookNames = [rendered.mutating, rendered.validating].flatMap((c) =>
      (c['webhooks'] as JsonObject[])
        .filter((w) =>
          (w['rules'] as JsonObject[]).some((r) => (r['resources'] as string[]).includes('ingresses')),
        )
        .map((w) => w['name'] as string),
    );
    await client.send(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      rendered.mutating,
    );
    await client.send(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      rendered.validating,
    );
    await waitUntilInForce(cluster, hookNames);
    const allCpu = cpuReader({ ...controlPlanePids(scratch), webhook: webhookServer.process.pid });
    // Both read at once, so the two windows line up.
    const withMetrics = async () => {
      const [apiserver, webhook] = await Promise.all([
        client.send('GET', '/metrics'),
        getText(`${base}/metrics`),
      ]);
      return { apiserver, webhook, cpu: allCpu() };
    };
    const profile = profileOption();
    const profiling = profile ? profileApiserver(client, profile) : undefined;
    const withWebhook = await runPhase(cluster, 'with the webhook', withMetrics, hookNames);
    if (profiling) console.log(`kube-apiserver CPU profile of the measured window: ${await profiling}`);

    const stallsAfter = measureStalls(1, 3);
    const result = summarise(
      {
        ...machineInfo(PINNED, { before: stallsBefore, after: stallsAfter }),
        pinning: 'none: etcd, kube-apiserver, the webhook and the clients share every core',
      },
      without,
      withWebhook,
      hookNames,
    );
    const key = settings.rate === null ? 'apiserver_writes' : 'apiserver_writes_at_rate';
    const file = writeApiserverWrites(root, key, result);
    console.log(`wrote ${file} (${key}), ${Math.round((Date.now() - started) / 1000)} s in all`);
  } finally {
    client.close();
    await plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The apiserver loads webhook configurations through an informer: dry-run writes of a managed
 * Ingress from git until the answer carries the controller's action again (the mutating hook is
 * called) and the apiserver's metrics count calls to every one of our Ingress hooks.
 */
async function waitUntilInForce({ client, apps }: Cluster, hookNames: string[]): Promise<void> {
  const app = apps.find((a) => a.managed)!;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const answer = await client.request('PUT', `${ingressPath(app)}?dryRun=All`, app.gitIngress);
    const metrics = parseHistogram(await client.send('GET', '/metrics'), WEBHOOK_FAMILY);
    const called = hookNames.every((n) => metrics.some((s) => s.labels['name'] === n && s.count > 0));
    if (answer.status === 200 && answer.text.includes('actions.app-0-stable') && called) return;
    await sleep(300);
  }
  throw new Error(`the apiserver did not call the webhooks ${hookNames.join(', ')} within 30 s`);
}

function loadDescription(): string {
  return settings.rate === null
    ? `${settings.clients} clients in a closed loop`
    : `${settings.rate} writes/s offered on a fixed schedule (open loop, latency from each write's due time)`;
}

/** `--apiserver-profile FILE`: where to save the kube-apiserver's CPU profile of the with-webhook window. */
function profileOption(): string | undefined {
  const at = process.argv.indexOf('--apiserver-profile');
  if (at < 0) return undefined;
  const file = process.argv[at + 1];
  if (!file) throw new Error('--apiserver-profile needs a file name');
  return file;
}

/**
 * The chart's NODE_OPTIONS, plus `--cpu-prof` into the folder `--webhook-profile DIR` names
 * (written when serve exits at the end of the run; the whole run, start-up included).
 */
function webhookNodeOptions(): string {
  const at = process.argv.indexOf('--webhook-profile');
  if (at < 0) return CHART_NODE_OPTIONS;
  const dir = process.argv[at + 1];
  if (!dir) throw new Error('--webhook-profile needs a folder');
  return `${CHART_NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${dir}`;
}

/**
 * The apiserver's own pprof CPU profile (`/debug/pprof/profile`, on by default: `--profiling`)
 * over the measured window of the next phase, saved to `file` for `go tool pprof`. Resolves to
 * the file name.
 */
async function profileApiserver(client: ApiserverClient, file: string): Promise<string> {
  await sleep(settings.warmupSeconds * 1000);
  const seconds = Math.max(1, settings.seconds - 1);
  writeFileSync(file, await client.bytes(`/debug/pprof/profile?seconds=${seconds}`));
  return file;
}

function summarise(
  machine: Machine,
  without: WritePhase,
  withWebhook: WritePhase,
  hookNames: string[],
): ApiserverWrites {
  const p99 = (p: WritePhase) => p.latency.all.p99_ms;
  const added = (a: number | null, b: number | null) => (a === null || b === null ? null : round3(a - b));
  // A write passes the mutating and then the validating hook: their p99s added bound the pair's.
  const hooksP99AtMost = withWebhook.apiserver_webhook_latency.reduce<number | null>(
    (sum, h) => (sum === null || h.p99_at_most_ms === null ? null : sum + h.p99_at_most_ms),
    0,
  );
  const ratio = without.writes_per_s > 0 ? round3(withWebhook.writes_per_s / without.writes_per_s) : null;
  const p99Added = added(p99(withWebhook), p99(without));
  // Exact, from _sum / _count: what the two hooks add to a write on average, as the apiserver timed them.
  const hooksMean = round3(
    withWebhook.apiserver_webhook_latency.reduce((sum, h) => sum + (h.mean_ms ?? 0), 0),
  );
  return {
    machine,
    load:
      settings.rate === null
        ? { mode: 'closed-loop', clients: settings.clients }
        : { mode: 'fixed-rate', offered_per_s: settings.rate },
    method:
      `e2e control plane on loopback (etcd v3.6.16, kube-apiserver v1.37.2); ${loadDescription()}, ` +
      `${settings.warmupSeconds} s warm-up, ${settings.seconds} s measured per phase; ${settings.managed} Rollout-managed ` +
      `Ingresses re-applied from git mid-canary (PUT, controller's annotations missing) alternating with ` +
      `${settings.unmanaged} unmanaged Ingresses; webhook = serve --kubeconfig from dist/ with the chart's NODE_OPTIONS, ` +
      `registered by the chart's rendered webhook configurations (url + caBundle)`,
    hooks: hookNames,
    without,
    with: withWebhook,
    ratio,
    // What the ratio would be if the machine's CPU were the only limit (load-independent).
    ratio_by_cpu:
      (withWebhook.cpu_us_per_write['total'] ?? 0) > 0
        ? round3((without.cpu_us_per_write['total'] ?? 0) / withWebhook.cpu_us_per_write['total']!)
        : null,
    client_p99_added_ms: p99Added,
    client_p50_added_ms: added(withWebhook.latency.all.p50_ms, without.latency.all.p50_ms),
    targets: [
      {
        target: 'Ingress writes/s through the apiserver, with the webhook / without',
        value: ratio,
        limit: '>= 0.95',
        met: ratio !== null && ratio >= 0.95,
        bound: 0.95,
        better: 'higher',
      },
      {
        target: "the webhook's share of a write at p99 (client-side p99, with - without) (ms)",
        value: p99Added,
        limit: '<= 2',
        met: p99Added !== null && p99Added <= 2,
        bound: 2,
        better: 'lower',
      },
    ],
    apiserver_hooks_p99_at_most_ms: hooksP99AtMost,
    apiserver_hooks_mean_ms: hooksMean,
  };
}

await main();
