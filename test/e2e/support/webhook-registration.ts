import type {
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { statusCode, TEST_NAMESPACE_LABEL } from './cluster.js';
import { httpsRequest, type TlsFiles } from './https.js';
import { waitFor } from './wait.js';
import { render } from '../../chart/helm.js';

/** The configurations come from the Helm chart, rendered for this release name. */
const RELEASE = 'rtw-e2e';
const RELEASE_NAMESPACE = 'rtw-e2e-system';

export interface WebhookRegistration {
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string;
  /** https://127.0.0.1:<port>; the chart appends /mutate and /validate. */
  readonly baseUrl: string;
  /** The Rollouts controller's usernames (the chart's matchCondition skips them). */
  readonly controllerIdentities: readonly string[];
  /** The chart's `webhooks.skipControllerRequests` (default true, as installed). */
  readonly skipControllerRequests?: boolean;
}

/** Names of the configurations registered last, so they can be removed again. */
const registered: { mutating: string[]; validating: string[] } = { mutating: [], validating: [] };
/** Webhook names inside them, as the apiserver's metrics label them. */
let webhookNames: string[] = [];

/**
 * Renders the chart's MutatingWebhookConfiguration and ValidatingWebhookConfiguration for a
 * server on loopback (`webhooks.url` + caBundle, certificates in secret mode) and creates
 * them, limited to namespaces carrying the test label so system objects never reach it.
 * What the apiserver enforces is therefore exactly what the chart installs: its rules,
 * timeouts, failure policies, namespace exclusions and CEL matchConditions.
 */
export async function registerWebhooks(
  cluster: Cluster,
  { caBundle, baseUrl, controllerIdentities, skipControllerRequests = true }: WebhookRegistration,
): Promise<void> {
  const rendered = await render(
    {
      certificates: {
        mode: 'secret',
        secret: { name: 'e2e-webhook-tls', caBundle: Buffer.from(caBundle).toString('base64') },
      },
      server: { controllerIdentities: [...controllerIdentities] },
      webhooks: {
        url: baseUrl,
        skipControllerRequests,
        namespaceSelector: { matchLabels: { [TEST_NAMESPACE_LABEL]: 'true' } },
      },
    },
    { release: RELEASE, namespace: RELEASE_NAMESPACE },
  );
  const mutating = rendered.one('MutatingWebhookConfiguration') as V1MutatingWebhookConfiguration;
  const validating = rendered.one('ValidatingWebhookConfiguration') as V1ValidatingWebhookConfiguration;
  await unregisterWebhooks(cluster);
  const api = cluster.config.makeApiClient(AdmissionregistrationV1Api);
  await api.createMutatingWebhookConfiguration({ body: mutating });
  registered.mutating.push(mutating.metadata!.name!);
  await api.createValidatingWebhookConfiguration({ body: validating });
  registered.validating.push(validating.metadata!.name!);
  webhookNames = [...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])]
    .filter((w) => w.rules?.some((r) => r.resources?.includes('ingresses')))
    .map((w) => w.name);
}

export async function unregisterWebhooks(cluster: Cluster): Promise<void> {
  const api = cluster.config.makeApiClient(AdmissionregistrationV1Api);
  const removals = [
    ...registered.mutating.map((name) => () => api.deleteMutatingWebhookConfiguration({ name })),
    ...registered.validating.map((name) => () => api.deleteValidatingWebhookConfiguration({ name })),
  ];
  for (const remove of removals) {
    try {
      await remove();
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }
  registered.mutating = [];
  registered.validating = [];
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
      const called =
        webhookNames.length > 0 && webhookNames.every((name) => webhookCallCount(metrics, name) > 0);
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
