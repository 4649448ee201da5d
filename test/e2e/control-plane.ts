import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPki, type ClientName, type Pki } from './support/certs.js';
import { writeKubeconfig } from './support/kubeconfig.js';
import { httpGet, httpsRequest } from './support/https.js';
import { freePorts } from './support/ports.js';
import type { ManagedProcess, ProcessGroup } from './support/processes.js';
import { waitUntilReady } from './support/readiness.js';

export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
}

/** What a running control plane offers its clients; plain data so it can cross into test workers. */
export interface ControlPlaneEndpoints {
  readonly workDir: string;
  readonly logDir: string;
  readonly apiServerUrl: string;
  readonly pki: Pki;
  /** One kubeconfig per client identity (see CLIENT_USERS). */
  readonly kubeconfigs: Readonly<Record<ClientName, string>>;
  /** JSON-lines audit log of every write to Ingresses, Rollouts and routes, with the writer's user name. */
  readonly auditLog: string;
}

const ETCD_READY_TIMEOUT_MS = 30_000;
const APISERVER_READY_TIMEOUT_MS = 120_000;
/**
 * Measured here: after SIGTERM, 1.37 finishes its graceful-termination steps within ~50 ms
 * and then does not exit for 10 s or more. Its data is in etcd, so a short grace loses nothing.
 */
const APISERVER_STOP_GRACE_MS = 2_000;

/**
 * etcd and kube-apiserver on loopback, with a throw-away PKI, data dir and logs under
 * `workDir`. Every process is started through one ProcessGroup, so `stop()` (and the
 * process-exit hook behind it) ends exactly what was started, by pid.
 */
export class ControlPlane {
  private apiserver: ManagedProcess | undefined;

  private constructor(
    readonly endpoints: ControlPlaneEndpoints,
    private readonly processes: ProcessGroup,
    private readonly apiserverArgs: readonly string[],
    private readonly binaries: ControlPlaneBinaries,
  ) {}

  /**
   * Starts etcd, then kube-apiserver, and returns once /readyz says ok. Cleans up if either fails.
   * `profiling` serves the apiserver's /debug/pprof (the benchmarks read its CPU profile).
   */
  static async start(
    workDir: string,
    binaries: ControlPlaneBinaries,
    processes: ProcessGroup,
    { profiling = false }: { profiling?: boolean } = {},
  ): Promise<ControlPlane> {
    const logDir = join(workDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const pki = await createPki(join(workDir, 'pki'));
    const [etcdClientPort, etcdPeerPort, apiPort] = (await freePorts(3)) as [number, number, number];
    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const kubeconfigs = {
      admin: writeKubeconfig(join(workDir, 'kubeconfig'), apiServerUrl, pki.caCert, pki.clients.admin),
      rolloutsController: writeKubeconfig(
        join(workDir, 'kubeconfig-rollouts-controller'),
        apiServerUrl,
        pki.caCert,
        pki.clients.rolloutsController,
      ),
      webhook: writeKubeconfig(
        join(workDir, 'kubeconfig-webhook'),
        apiServerUrl,
        pki.caCert,
        pki.clients.webhook,
      ),
    };
    const auditLog = join(logDir, 'audit.log');
    const endpoints: ControlPlaneEndpoints = { workDir, logDir, apiServerUrl, pki, kubeconfigs, auditLog };
    const apiserverArgs = kubeApiserverArgs({
      workDir,
      pki,
      apiPort,
      etcdUrl: `http://127.0.0.1:${etcdClientPort}`,
      auditLog,
      profiling,
    });
    const plane = new ControlPlane(endpoints, processes, apiserverArgs, binaries);
    try {
      await plane.startEtcd(etcdClientPort, etcdPeerPort);
      await plane.startApiserver();
    } catch (err) {
      await processes.stopAll();
      throw err;
    }
    return plane;
  }

  /** Stops and starts kube-apiserver with the same flags and data; resolves when it is ready again. */
  async restartApiserver(): Promise<void> {
    if (this.apiserver) await this.processes.stop(this.apiserver);
    await this.startApiserver();
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
  }

  private async startEtcd(clientPort: number, peerPort: number): Promise<void> {
    const { workDir, logDir } = this.endpoints;
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = this.processes.start(
      'etcd',
      this.binaries.etcd,
      [
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true', // throw-away data: durability only costs time here
        '--log-level=warn',
      ],
      { logFile: join(logDir, 'etcd.log') },
    );
    await waitUntilReady(etcd, ETCD_READY_TIMEOUT_MS, async () => {
      const res = await httpGet(`${clientUrl}/health`);
      return res.status === 200 && res.body.includes('"health":"true"') ? true : undefined;
    });
  }

  private async startApiserver(): Promise<void> {
    const { pki, apiServerUrl, logDir } = this.endpoints;
    const apiserver = this.processes.start(
      'kube-apiserver',
      this.binaries.kubeApiserver,
      this.apiserverArgs,
      {
        logFile: join(logDir, 'kube-apiserver.log'),
        stopGraceMs: APISERVER_STOP_GRACE_MS,
      },
    );
    this.apiserver = apiserver;
    const admin = { ca: pki.caCert, cert: pki.clients.admin.cert, key: pki.clients.admin.key };
    await waitUntilReady(apiserver, APISERVER_READY_TIMEOUT_MS, async () => {
      const res = await httpsRequest(`${apiServerUrl}/readyz`, admin);
      if (res.status === 200 && res.body.trim() === 'ok') return true;
      throw new Error(`/readyz ${res.status}: ${res.body.slice(0, 300)}`);
    });
  }
}

interface ApiserverLayout {
  readonly workDir: string;
  readonly pki: Pki;
  readonly apiPort: number;
  readonly etcdUrl: string;
  readonly auditLog: string;
  readonly profiling: boolean;
}

/**
 * Flags after envtest's defaults, minus what a loopback-only run must not pass: no
 * --advertise-address (1.37 rejects loopback; unset, it takes the default-route interface).
 */
function kubeApiserverArgs({
  workDir,
  pki,
  apiPort,
  etcdUrl,
  auditLog,
  profiling,
}: ApiserverLayout): string[] {
  const certDir = join(workDir, 'apiserver');
  mkdirSync(certDir, { recursive: true });
  const auditPolicy = join(workDir, 'audit-policy.yaml');
  writeFileSync(auditPolicy, AUDIT_POLICY);
  return [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://127.0.0.1:${apiPort}`,
    `--service-account-key-file=${pki.serviceAccountKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    // No controller-manager runs, so nothing would create the default ServiceAccount.
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    `--profiling=${profiling}`,
    `--audit-policy-file=${auditPolicy}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-format=json',
    '--audit-log-maxbackup=0',
    '--v=1',
  ];
}

/**
 * Records who wrote Ingresses, Rollouts and Gateway API routes, with the request body (for a
 * patch, the exact patch bytes). Scenarios count the Rollouts controller's writes from it.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    verbs: [create, update, patch, delete]
    resources:
      - group: networking.k8s.io
        resources: [ingresses]
      - group: argoproj.io
        resources: [rollouts]
      - group: gateway.networking.k8s.io
        resources: [httproutes, grpcroutes]
  - level: None
`;
