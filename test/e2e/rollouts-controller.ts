import { join } from 'node:path';
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

/**
 * Starts the real Argo Rollouts controller against the test apiserver. Its metrics and
 * healthz servers always bind 0.0.0.0 (upstream has no bind flag). Start it only after the
 * Rollouts CRDs are Established.
 */
export async function startRolloutsController(
  processes: ProcessGroup,
  { binary, kubeconfig, logDir, ports }: RolloutsControllerOptions,
): Promise<RunningRolloutsController> {
  const { metrics: metricsPort, healthz: healthzPort } = ports;
  const process = processes.start(
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
    { logFile: join(logDir, 'rollouts-controller.log') },
  );
  const healthzUrl = `http://127.0.0.1:${healthzPort}/healthz`;
  try {
    await waitUntilReady(process, READY_TIMEOUT_MS, async () =>
      (await httpGet(healthzUrl)).status === 200 ? true : undefined,
    );
  } catch (err) {
    await processes.stop(process);
    throw err;
  }
  return { process, healthzUrl, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}
