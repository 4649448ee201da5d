import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Cluster } from './support/cluster.js';
import { httpGet } from './support/https.js';
import { freePorts } from './support/ports.js';
import type { ManagedProcess, ProcessGroup } from './support/processes.js';
import { waitUntilReady } from './support/readiness.js';

export interface RolloutsControllerOptions {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly logDir: string;
  /** Kept across restarts so the URLs handed to the tests stay valid. */
  readonly ports: { readonly metrics: number; readonly healthz: number };
  /**
   * The controller copies traffic-router plugins into `plugin-bin/` under its working
   * directory (argo-rollouts utils/plugin/downloader.go), so it runs in the work dir.
   */
  readonly workDir: string;
  /**
   * The namespace whose `argo-rollouts-config` ConfigMap it reads at start (POD_NAMESPACE,
   * argo-rollouts utils/defaults/defaults.go `Namespace`).
   */
  readonly configNamespace: string;
}

/** Ports free on every interface: the controller's metrics and healthz servers bind 0.0.0.0. */
export async function rolloutsControllerPorts(): Promise<RolloutsControllerOptions['ports']> {
  const [metrics, healthz] = (await freePorts(2, '0.0.0.0')) as [number, number];
  return { metrics, healthz };
}

export interface RunningRolloutsController {
  readonly process: ManagedProcess;
  readonly healthzUrl: string;
  readonly metricsUrl: string;
}

const READY_TIMEOUT_MS = 60_000;

/** The namespace the controller reads its configuration from (its default when not in a pod). */
export const ROLLOUTS_CONFIG_NAMESPACE = 'argo-rollouts';

/**
 * Creates the controller's `argo-rollouts-config` ConfigMap with traffic-router plugins
 * loaded from local files (`file://` locations), as a cluster operator configures them. The
 * controller reads it once at start, so this comes before startRolloutsController.
 */
export async function configureTrafficRouterPlugins(
  cluster: Cluster,
  plugins: readonly { name: string; binary: string }[],
): Promise<void> {
  await cluster.core.createNamespace({ body: { metadata: { name: ROLLOUTS_CONFIG_NAMESPACE } } });
  await cluster.core.createNamespacedConfigMap({
    namespace: ROLLOUTS_CONFIG_NAMESPACE,
    body: {
      metadata: { name: 'argo-rollouts-config' },
      data: {
        trafficRouterPlugins: stringify(
          plugins.map(({ name, binary }) => ({ name, location: `file://${binary}` })),
        ),
      },
    },
  });
}

/**
 * Starts the real Argo Rollouts controller against the test apiserver. Its metrics and
 * healthz servers always bind 0.0.0.0 (upstream has no bind flag). Start it only after the
 * Rollouts CRDs are Established.
 */
export async function startRolloutsController(
  processes: ProcessGroup,
  { binary, kubeconfig, logDir, ports, workDir, configNamespace }: RolloutsControllerOptions,
): Promise<RunningRolloutsController> {
  const { metrics: metricsPort, healthz: healthzPort } = ports;
  const controller = processes.start(
    'rollouts-controller',
    binary,
    [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      `--metricsPort=${metricsPort}`,
      `--healthzPort=${healthzPort}`,
      // Spelled out so the controller never has to parse the server's version to choose.
      '--ingress-api-version=networking/v1',
      '--loglevel=info',
    ],
    {
      logFile: join(logDir, 'rollouts-controller.log'),
      cwd: workDir,
      // The plugin inherits this environment; it finds the apiserver through KUBECONFIG
      // (client-go's default loading rules), so it writes as the controller, as in a cluster
      // where it runs in the controller's pod under its ServiceAccount.
      env: { ...process.env, POD_NAMESPACE: configNamespace, KUBECONFIG: kubeconfig },
      // Plugins are child processes of the controller; they stop with it.
      ownGroup: true,
    },
  );
  const healthzUrl = `http://127.0.0.1:${healthzPort}/healthz`;
  try {
    await waitUntilReady(controller, READY_TIMEOUT_MS, async () =>
      (await httpGet(healthzUrl)).status === 200 ? true : undefined,
    );
  } catch (err) {
    await processes.stop(controller);
    throw err;
  }
  return { process: controller, healthzUrl, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}
