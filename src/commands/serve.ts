/**
 * `serve`: the webhook server. Wires certificates (with hot reload), cluster state (watch
 * caches, or manifest files with --state), metrics, logging and graceful shutdown.
 */
import { pino, type Logger } from 'pino';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { ApiConnection } from '../cluster/connect.js';
import { FileClusterState } from '../cluster/file-state.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { WebhookMetrics } from '../webhook/metrics.js';
import { applyCertificate, createServer, type WebhookServer } from '../webhook/server.js';
import { CertificateWatcher, certificatePaths, ensureDevCertificates } from '../webhook/tls.js';
import { fullGarbageCollection, SettledReadiness } from './settle.js';
import type { HttpKubeApi } from '../cluster/http-kube-api.js';
import { startFindingsOutput } from './findings-output.js';
import { readRulePolicy } from './policy.js';
import { UsageError, type ServeOptions } from './options.js';

export interface RunningServer {
  server: WebhookServer;
  cluster: ClusterState;
  certificates: CertificateWatcher;
  url: string;
  stop(): Promise<void>;
}

/** Finds the cluster (kubeconfig, ~/.kube/config or in-cluster) and opens the transport to it. */
async function connect(kubeconfig: string | undefined): Promise<ApiConnection> {
  const { connectToCluster } = await import('../cluster/connect.js');
  return connectToCluster({ kubeconfig });
}

/** The cluster state, and the apiserver connection when it watches one (Events, audit). */
interface OpenedState {
  cluster: ClusterState;
  api?: HttpKubeApi;
}

async function watchState(
  connection: ApiConnection,
  options: ServeOptions,
  logger: Logger,
): Promise<OpenedState> {
  logger.info(connection.info, 'watching the apiserver');
  const { WatchClusterState } = await import('../cluster/watch-state.js');
  const cluster = new WatchClusterState({
    api: connection.api,
    namespaces: options.namespaces,
    logger,
    timing: options.tuning?.cacheTiming,
  });
  return { cluster, api: connection.api };
}

/** Dev mode: a cluster is used only when one is configured and answers GET /version within 2 s. */
async function clusterAnswers(kubeconfig: string | undefined): Promise<ApiConnection | undefined> {
  let connection: ApiConnection | undefined;
  try {
    connection = await connect(kubeconfig);
    await connection.api.version(AbortSignal.timeout(2000));
    return connection;
  } catch {
    connection?.api.close();
    return undefined;
  }
}

async function openClusterState(options: ServeOptions, logger: Logger): Promise<OpenedState> {
  if (options.state.length > 0)
    return {
      cluster: new FileClusterState(options.state, {
        namespaces: options.namespaces.length > 0 ? options.namespaces : undefined,
      }),
    };
  if (options.dev) {
    const connection = await clusterAnswers(options.kubeconfig);
    if (!connection) {
      const quickstart = quickstartPath();
      logger.info(
        { path: quickstart },
        'no cluster answered; serving cluster state from examples/quickstart',
      );
      return { cluster: new FileClusterState([quickstart]) };
    }
    return watchState(connection, options, logger);
  }
  const connection = await withHint(
    connect(options.kubeconfig),
    'Point --kubeconfig (or KUBECONFIG) at a cluster, serve from manifest files with --state PATH (or RTW_STATE), or try it locally with --dev.',
  );
  return watchState(connection, options, logger);
}

/** examples/quickstart of the working folder (the repository), else the one in this package. */
function quickstartPath(): string {
  const local = 'examples/quickstart';
  return existsSync(local) ? local : fileURLToPath(new URL(`../../${local}`, import.meta.url));
}

/** Adds what to change to a start-up error, so it names the flag or variable to fix. */
async function withHint<T>(work: Promise<T>, hint: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    throw new Error(`${message.replace(/\.$/, '')}. ${hint}`, { cause: error });
  }
}

export async function startServer(
  options: ServeOptions,
  logger: Logger = pino({ level: options.logLevel }),
): Promise<RunningServer> {
  // The cache is filled by the same parsers that run on every review. Seeing nearly all of
  // their objects survive the first sync, V8 starts allocating them straight in old space
  // (allocation-site pretenuring); on the request path that turns short-lived garbage into
  // old-space garbage that only full collections reclaim: 3.6 KB per Rollout review, measured
  // with 40,000 cached objects (docs/benchmarks.md). The flag only changes GC policy.
  setFlagsFromString('--no-allocation-site-pretenuring');
  if (options.dev) {
    const dev = await ensureDevCertificates(options.certDir);
    if (dev.created)
      logger.info({ certDir: options.certDir }, 'created development CA and serving certificate');
  }
  const clientCa = options.clientCa
    ? await withHint(
        readFile(options.clientCa, 'utf8'),
        'Fix --client-ca (or RTW_CLIENT_CA): it names the CA file that signs the apiserver client certificates.',
      )
    : undefined;
  const rules = options.policyFile
    ? await withHint(readRulePolicy(options.policyFile), 'Fix --policy (or RTW_POLICY); docs/policy.md.')
    : undefined;
  const { cluster, api } = await openClusterState(options, logger);
  const admission = options.operations.has('webhook');
  if (!admission && !api) {
    await cluster.stop();
    throw new UsageError(
      '--operation audit needs a cluster to audit and write reports to; --state and --dev without a cluster serve manifest files',
    );
  }
  const metrics = new WebhookMetrics({
    resources: () =>
      Object.entries(cluster.status().resources).map(([resource, r]) => ({
        resource,
        synced: r.synced,
        objects: r.objects,
        staleSeconds: r.staleSeconds,
      })),
    apiCallsOnRequestPath: () => cluster.status().apiCalls.onRequestPath,
  });
  // The watcher starts before the server exists; rotations apply once it does.
  const serving: { server?: WebhookServer } = {};
  const certificates = new CertificateWatcher({
    paths: certificatePaths(options.certDir),
    onChange: (cert) => {
      if (serving.server) applyCertificate(serving.server, cert.cert, cert.key, clientCa);
      metrics.certificateReloads.inc({ result: 'success' });
      metrics.certificateExpiry.set(cert.notAfter.getTime() / 1000);
      logger.info(
        { notAfter: cert.notAfter.toISOString(), fingerprint: cert.fingerprint },
        'serving certificate reloaded',
      );
    },
    onError: (error) => {
      metrics.certificateReloads.inc({ result: 'error' });
      logger.warn(
        { error: error.message },
        'serving certificate not reloaded; the previous one stays in use',
      );
    },
  });
  await withHint(
    certificates.start(),
    `--cert-dir (or RTW_CERT_DIR) is ${JSON.stringify(options.certDir)}: put tls.crt and tls.key there, or run with --dev to make development certificates.`,
  );
  const readiness = new SettledReadiness(cluster, fullGarbageCollection(), (ms) =>
    logger.info({ ms: Math.round(ms) }, 'collected the first sync garbage before turning ready'),
  );
  const policy = {
    controllerIdentities: new Set(options.controllerIdentities),
    enforcement: options.enforcement,
    ...(rules ? { rules } : {}),
  };
  const findings = api
    ? startFindingsOutput(api, options, {
        cluster: readiness,
        trackChanges: () => cluster.trackChanges(),
        beforeReady: (task) => readiness.beforeSettling(task),
        policy,
        logger,
        metrics,
      })
    : undefined;
  const server = createServer({
    cluster: readiness,
    policy,
    onAnswered: findings?.onAnswered,
    certificates,
    clientCa,
    clientNames: options.clientNames,
    logger,
    metrics,
    shutdownDelaySeconds: options.shutdownDelaySeconds,
    limits: options.tuning?.limits,
    admission,
  });
  serving.server = server;
  /** Stops what runs beside the server: on stop(), and when the start fails after this. */
  const stopBesideServer = async () => {
    await findings?.stop();
    certificates.stop();
    await cluster.stop();
  };
  let url: string;
  try {
    await cluster.start();
    // Manifest files are loaded by start(): collect their garbage before listening.
    readiness.isSynced();
    // As `review` does: a path that cannot be read, or a document that cannot be used, is bad
    // input. Serving anyway would answer from an empty or partial cache and allow everything.
    if (cluster instanceof FileClusterState && cluster.loadErrors().length > 0) {
      throw new UsageError(
        `--state: ${cluster
          .loadErrors()
          .map((e) => e.message)
          .join('\n')}`,
      );
    }
    url = await withHint(
      server.listen(options.port, options.host),
      "Check --port (or RTW_PORT) and --host (or RTW_HOST): the port must be free, and the address one of this machine's.",
    );
  } catch (error) {
    // The watches, the certificate watcher and the audit's timer would otherwise keep a
    // process that serves nothing alive: a port already taken left `serve` running, unready.
    await server.app.close();
    await stopBesideServer();
    throw error;
  }
  logger.info(
    {
      url,
      source: cluster.status().source,
      operations: [...options.operations],
      enforcement: options.enforcement,
      policyFile: options.policyFile,
    },
    'serving',
  );
  return {
    server,
    cluster,
    certificates,
    url,
    async stop() {
      await server.shutdown();
      await stopBesideServer();
    },
  };
}
