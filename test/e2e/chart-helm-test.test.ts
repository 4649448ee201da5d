// The chart installed for real with helm on the real kube-apiserver, and `helm test` run against
// it. No kubelet runs here, so the test plays one for the test pod: it reads the Pod helm created,
// runs its container's command with its environment (node from this machine instead of the
// image), and writes the outcome to the Pod's status, which is what `helm test` waits for. The
// pod's requests go to the project's `serve`, itself watching this apiserver: the chart's
// `webhooks.url` points both the webhook configurations and the test pod at it, and secret mode
// hands both its CA.
//
// Two releases of the same name go into two namespaces: helm refuses to install over objects
// another release owns, so both installs succeeding shows that no name is shared.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, HELM_VERSION, helm, valuesFlags } from '../chart/helm.js';
import { runTestPod, type TestPodRun, type TestPodSpec } from '../chart/test-pod.js';
import { mergePatch, statusCode } from './support/cluster.js';
import { openScenario, type Scenario } from './support/scenario.js';
import { waitFor } from './support/wait.js';

const suffix = randomBytes(3).toString('hex');
const RELEASE = 'webhook';
const NAMESPACES = [`rtw-helm-a-${suffix}`, `rtw-helm-b-${suffix}`];
const FULLNAME = `${RELEASE}-rollouts-traffic-webhook`;

describe(`helm install and helm test (helm ${HELM_VERSION}) on the real apiserver`, () => {
  let s: Scenario;
  let webhookUrl: string;
  let caBundle: string;
  const installed: string[] = [];

  const kubeconfigFlag = () => ['--kubeconfig', s.env.controlPlane.kubeconfigs.admin];

  /** The values of one release: the loopback `serve`, its CA, and hooks that select nothing here. */
  const values = (enforcement: 'deny' | 'warn') => ({
    certificates: { mode: 'secret', secret: { name: 'loopback-tls', caBundle } },
    webhooks: {
      url: webhookUrl,
      // These configurations are installed for real; they must not judge other tests' objects.
      namespaceSelector: { matchLabels: { [`rtw-helm-test-${suffix}`]: 'never' } },
    },
    server: { enforcement },
  });

  beforeAll(async () => {
    s = await openScenario('helm-test');
    const webhook = await s.startWebhook({ enforcement: 'deny' });
    webhookUrl = webhook.baseUrl;
    caBundle = readFileSync(s.env.controlPlane.pki.caCert).toString('base64');
    for (const name of NAMESPACES) {
      await s.admin.core.createNamespace({ body: { metadata: { name } } });
      // kube-controller-manager would create it; pods are refused without it.
      await s.admin.core.createNamespacedServiceAccount({
        namespace: name,
        body: { metadata: { name: 'default' } },
      });
    }
  });

  afterAll(async () => {
    for (const namespace of installed) {
      await helm(['uninstall', RELEASE, '--namespace', namespace, ...kubeconfigFlag()]);
    }
    for (const name of NAMESPACES) await s?.admin.core.deleteNamespace({ name }).catch(() => undefined);
    await s?.close();
  });

  /**
   * The kubelet's part: waits for the test pod helm creates, runs it, and reports the exit code
   * as the pod's phase. Returns what the pod printed.
   */
  async function playKubelet(namespace: string): Promise<TestPodRun> {
    const name = `${FULLNAME}-test`;
    const pod = await waitFor(
      `helm test to create Pod ${namespace}/${name}`,
      async () => {
        try {
          return await s.admin.core.readNamespacedPod({ name, namespace });
        } catch (error) {
          if (statusCode(error) === 404) return undefined;
          throw error;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const run = await runTestPod(pod as TestPodSpec);
    // The phase is all `helm test` reads. A terminal pod is deleted at once, kubelet or not, so
    // helm's hook-succeeded cleanup works too.
    await s.admin.core.patchNamespacedPodStatus(
      { name, namespace, body: { status: { phase: run.code === 0 ? 'Succeeded' : 'Failed' } } },
      mergePatch(),
    );
    return run;
  }

  it('installs two releases of the same name in two namespaces', async () => {
    for (const namespace of NAMESPACES) {
      const result = await helm([
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        namespace,
        ...kubeconfigFlag(),
        ...valuesFlags(values(namespace === NAMESPACES[0] ? 'deny' : 'warn')),
      ]);
      expect(result.code, result.stderr).toBe(0);
      installed.push(namespace);
    }
    const configurations = await s.admin.config
      .makeApiClient(AdmissionregistrationV1Api)
      .listMutatingWebhookConfiguration();
    const ours = configurations.items
      .map((c) => c.metadata!.name!)
      .filter((n) => n.startsWith(`${FULLNAME}.`));
    expect(ours.sort()).toEqual(NAMESPACES.map((ns) => `${FULLNAME}.${ns}`).sort());
  });

  it('helm test passes: the pod reaches the webhook, which is ready and denies the sample review', async () => {
    const namespace = NAMESPACES[0]!;
    const [test, pod] = await Promise.all([
      helm(['test', RELEASE, '--namespace', namespace, '--timeout', '90s', ...kubeconfigFlag()]),
      playKubelet(namespace),
    ]);
    expect(pod.stdout).toContain(`GET ${webhookUrl}/readyz: 200`);
    expect(pod.stdout).toContain(`denied: Ingress ${namespace}/helm-test has 1 error in its traffic routing`);
    expect(pod.code).toBe(0);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(new RegExp(`TEST SUITE:\\s+${FULLNAME}-test[\\s\\S]*Phase:\\s+Succeeded`));
  });

  it('helm test fails when the webhook does not judge as the release says (warn release, deny server)', async () => {
    const namespace = NAMESPACES[1]!;
    const [test, pod] = await Promise.all([
      helm(['test', RELEASE, '--namespace', namespace, '--timeout', '90s', ...kubeconfigFlag()]),
      playKubelet(namespace),
    ]);
    expect(pod.stderr).toContain('the sample Ingress was refused; enforcement warn admits it');
    expect(pod.code).toBe(1);
    expect(test.code).not.toBe(0);
    expect(test.stderr + test.stdout).toMatch(/failed|Failed/);
  });
});
