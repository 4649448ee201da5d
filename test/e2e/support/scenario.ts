import type { KubernetesObject, V1Ingress } from '@kubernetes/client-node';
import { auditedWrites, type AuditedWrite } from './audit.js';
import { connect, createTestNamespace, grantClusterAdmin, type Cluster } from './cluster.js';
import { e2eEnvironment, type E2eEnvironment } from './environment.js';
import { FakeReplicaSetStatus } from './fake-replicaset-status.js';
import { kubectl, kubectlOk, type KubectlOptions, type KubectlResult } from './kubectl.js';
import { ProcessGroup } from './processes.js';
import { createAll } from './rollouts.js';
import {
  startAuditor,
  startRegisteredWebhook,
  type WebhookChoices,
  type WebhookUnderTest,
} from './webhook.js';
import { unregisterWebhooks } from './webhook-registration.js';
import type { RunningWebhook, ServerCommand } from './webhook-server.js';
import { waitForState } from './wait.js';

/**
 * One scenario's world: a fresh labelled namespace on the shared control plane, an admin
 * client, kubectl scoped to the namespace, the fake ReplicaSet controller, the webhook
 * under test on demand, and the audit trail of who wrote which Ingress. Keeps scenario
 * files to the story they tell.
 */
export interface Scenario {
  readonly env: E2eEnvironment;
  readonly namespace: string;
  readonly admin: Cluster;
  readonly replicaSets: FakeReplicaSetStatus;
  create(objects: readonly KubernetesObject[]): Promise<void>;
  /** Lets `kubectl --as=<username>` act (binds cluster-admin), e.g. for an Argo CD identity. */
  grant(username: string): Promise<void>;
  kubectl(args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
  kubectlOk(args: readonly string[], options?: KubectlOptions): Promise<string>;
  ingress(name: string): Promise<V1Ingress>;
  /** Waits until the Ingress satisfies `ready`; the timeout error shows its last annotations. */
  waitForIngress(name: string, what: string, ready: (ingress: V1Ingress) => boolean): Promise<V1Ingress>;
  /** Starts the project's webhook (see startRegisteredWebhook), stopped and unregistered by close(). */
  startWebhook(choices?: WebhookChoices, server?: (port: number) => ServerCommand): Promise<WebhookUnderTest>;
  /** Starts `serve --operation audit` (see startAuditor), stopped by close(). */
  startAuditor(choices?: WebhookChoices): Promise<RunningWebhook>;
  /**
   * Completed writes to Ingresses in this namespace (or in `namespace`, for a scenario that
   * spreads its apps over several), optionally by one user (e.g. the controller).
   */
  ingressWrites(user?: string, namespace?: string): AuditedWrite[];
  close(): Promise<void>;
}

export async function openScenario(name: string): Promise<Scenario> {
  const env = e2eEnvironment();
  const kubeconfig = env.controlPlane.kubeconfigs.admin;
  const admin = connect(kubeconfig);
  const namespace = await createTestNamespace(admin, `e2e-${name}`);
  const replicaSets = new FakeReplicaSetStatus(admin, namespace).start();
  const inNamespace = (args: readonly string[]) => [`--namespace=${namespace}`, ...args];
  const processes = new ProcessGroup();
  const ingress = (ingressName: string) =>
    admin.networking.readNamespacedIngress({ name: ingressName, namespace });
  return {
    env,
    namespace,
    admin,
    replicaSets,
    create: (objects) => createAll(admin, namespace, objects),
    grant: (username) => grantClusterAdmin(admin, username),
    kubectl: (args, options) => kubectl(kubeconfig, inNamespace(args), options),
    kubectlOk: (args, options) => kubectlOk(kubeconfig, inNamespace(args), options),
    ingress,
    waitForIngress: (ingressName, what, ready) =>
      waitForState(
        `Ingress ${namespace}/${ingressName} ${what}`,
        () => ingress(ingressName),
        ready,
        (i) => i.metadata?.annotations,
      ),
    ingressWrites: (user, inNamespace = namespace) =>
      auditedWrites(env.controlPlane.auditLog, {
        resource: 'ingresses',
        namespace: inNamespace,
        ...(user ? { user } : {}),
      }).filter((write) => !write.dryRun),
    startWebhook: (choices, server) =>
      startRegisteredWebhook(
        env,
        admin,
        processes,
        namespace,
        { namespaces: [namespace], ...choices },
        server,
      ),
    startAuditor: (choices) => startAuditor(env, processes, { namespaces: [namespace], ...choices }),
    close: async () => {
      await unregisterWebhooks(admin);
      await processes.stopAll();
      await replicaSets.stop();
    },
  };
}
