import type {
  V1MutatingWebhookConfiguration,
  V1RuleWithOperations,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { statusCode, TEST_NAMESPACE_LABEL } from './cluster.js';
import { httpsRequest, type TlsFiles } from './https.js';
import { waitFor } from './wait.js';

export const WEBHOOK_CONFIGURATION_NAME = 'rollouts-traffic-webhook-e2e';
export const MUTATING_WEBHOOK_NAME = 'mutate.rollouts-traffic-webhook.e2e';
export const VALIDATING_WEBHOOK_NAME = 'validate.rollouts-traffic-webhook.e2e';

/** Ingresses and Rollouts, on CREATE and UPDATE: the objects whose traffic annotations the webhook guards. */
const RULES: V1RuleWithOperations[] = [
  {
    apiGroups: ['networking.k8s.io'],
    apiVersions: ['v1'],
    resources: ['ingresses'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
  {
    apiGroups: ['argoproj.io'],
    apiVersions: ['v1alpha1'],
    resources: ['rollouts'],
    operations: ['CREATE', 'UPDATE'],
    scope: 'Namespaced',
  },
];

export interface WebhookRegistration {
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string;
  /** https://127.0.0.1:<port>; /mutate and /validate are appended. */
  readonly baseUrl: string;
}

/**
 * Creates (or replaces) the Mutating and Validating configurations pointing at a webhook
 * on loopback by url + caBundle, limited to namespaces carrying the test label so system
 * objects never reach it.
 */
export async function registerWebhooks(
  cluster: Cluster,
  { caBundle, baseUrl }: WebhookRegistration,
): Promise<void> {
  const api = cluster.config.makeApiClient(AdmissionregistrationV1Api);
  const common = (path: string) => ({
    clientConfig: { url: `${baseUrl}${path}`, caBundle: Buffer.from(caBundle).toString('base64') },
    rules: RULES,
    namespaceSelector: { matchLabels: { [TEST_NAMESPACE_LABEL]: 'true' } },
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: 10,
  });
  const mutating: V1MutatingWebhookConfiguration = {
    metadata: { name: WEBHOOK_CONFIGURATION_NAME },
    webhooks: [{ name: MUTATING_WEBHOOK_NAME, ...common('/mutate'), reinvocationPolicy: 'Never' }],
  };
  const validating: V1ValidatingWebhookConfiguration = {
    metadata: { name: WEBHOOK_CONFIGURATION_NAME },
    webhooks: [{ name: VALIDATING_WEBHOOK_NAME, ...common('/validate') }],
  };
  await unregisterWebhooks(cluster);
  await api.createMutatingWebhookConfiguration({ body: mutating });
  await api.createValidatingWebhookConfiguration({ body: validating });
}

export async function unregisterWebhooks(cluster: Cluster): Promise<void> {
  const api = cluster.config.makeApiClient(AdmissionregistrationV1Api);
  for (const remove of [
    () => api.deleteMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME }),
    () => api.deleteValidatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME }),
  ]) {
    try {
      await remove();
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }
}

/**
 * The apiserver loads webhook configurations through an informer, so a fresh registration
 * is not in force at once. Sends server-side dry-run creates of an Ingress in a test
 * namespace until the apiserver's own metrics show that both webhooks were called: this
 * does not depend on what the webhook answers (allow or deny both count).
 */
export async function waitForWebhooksInForce(
  cluster: Cluster,
  admin: TlsFiles,
  namespace: string,
): Promise<void> {
  const server = cluster.config.getCurrentCluster()!.server;
  let attempt = 0;
  await waitFor(
    'the apiserver to call both registered webhooks',
    async () => {
      attempt++;
      await dryRunProbeIngress(cluster, namespace, attempt);
      const metrics = (await httpsRequest(`${server}/metrics`, admin)).body;
      const called = [MUTATING_WEBHOOK_NAME, VALIDATING_WEBHOOK_NAME].every(
        (name) => webhookCallCount(metrics, name) > 0,
      );
      return called ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}

async function dryRunProbeIngress(cluster: Cluster, namespace: string, attempt: number): Promise<void> {
  try {
    await cluster.networking.createNamespacedIngress({
      namespace,
      dryRun: 'All',
      body: {
        metadata: { name: `webhook-probe-${attempt}` },
        spec: { defaultBackend: { service: { name: 'webhook-probe', port: { number: 80 } } } },
      },
    });
  } catch (err) {
    // A denial is an answer; "failed calling webhook" (unreachable) is retried by the caller.
    if (statusCode(err) === 500) throw err;
  }
}

/** Sum of apiserver_admission_webhook_admission_duration_seconds_count for one webhook name. */
export function webhookCallCount(metricsText: string, webhookName: string): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    if (
      line.startsWith('apiserver_admission_webhook_admission_duration_seconds_count{') &&
      line.includes(`name="${webhookName}"`)
    ) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
