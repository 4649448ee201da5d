import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';

/** Typed client-node APIs for one kubeconfig (one identity). */
export interface Cluster {
  readonly kubeconfig: string;
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly networking: NetworkingV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly custom: CustomObjectsApi;
}

export function connect(kubeconfig: string): Cluster {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  return {
    kubeconfig,
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
    apiextensions: config.makeApiClient(ApiextensionsV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
  };
}

/** Request options that send a body as a JSON merge patch (client-node defaults to JSON patch). */
export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** HTTP status of a client-node ApiException, or undefined for any other error. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The label every test namespace carries; webhook namespaceSelectors match only on it. */
export const TEST_NAMESPACE_LABEL = 'rollouts-traffic-webhook.e2e/test';

/** Creates a namespace carrying the test label (so registered webhooks see objects in it). */
export async function createTestNamespace(cluster: Cluster, name: string): Promise<string> {
  await cluster.core.createNamespace({
    body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } },
  });
  return name;
}

/**
 * Binds cluster-admin to a user name, so a scenario can act as that identity with
 * `kubectl --as` (e.g. Argo CD's application controller). Service-account names get a
 * ServiceAccount subject, anything else a User subject. Idempotent.
 */
export async function grantClusterAdmin(cluster: Cluster, username: string): Promise<void> {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  const subject = sa
    ? { kind: 'ServiceAccount', namespace: sa[1]!, name: sa[2]! }
    : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: username };
  const rbac = cluster.config.makeApiClient(RbacAuthorizationV1Api);
  const name = `e2e-admin-${username.replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 253);
  try {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [subject],
      },
    });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
}
