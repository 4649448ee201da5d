// Least privilege, shown on the real apiserver: the chart's ServiceAccount may only read what
// the caches hold (kubectl auth can-i), and that is enough: `serve` running on a token of that
// ServiceAccount syncs its caches (ready) and answers reviews.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { render } from '../chart/helm.js';
import { kubectl, kubectlOk } from './support/kubectl.js';
import { httpsRequest } from './support/https.js';
import { freePort } from './support/ports.js';
import { ProcessGroup } from './support/processes.js';
import { openScenario, type Scenario } from './support/scenario.js';
import { apiserverConnection, serveCommand, startWebhookServer } from './support/webhook-server.js';

const RELEASE = 'rtw-rbac';
const RELEASE_NAMESPACE = 'rtw-rbac-system';

describe("the chart's RBAC on a real apiserver", () => {
  let s: Scenario;
  let serviceAccount: string;
  const processes = new ProcessGroup();
  const admin = () => s.env.controlPlane.kubeconfigs.admin;

  beforeAll(async () => {
    s = await openScenario('rbac');
    const rendered = await render({}, { release: RELEASE, namespace: RELEASE_NAMESPACE });
    const rbac = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].flatMap((kind) =>
      rendered.all(kind),
    );
    serviceAccount = rendered.one('ServiceAccount').metadata.name;
    await kubectlOk(admin(), ['create', 'namespace', RELEASE_NAMESPACE]);
    await kubectlOk(admin(), ['apply', `--namespace=${RELEASE_NAMESPACE}`, '-f', '-'], {
      stdin: rbac.map((o) => `---\n${stringify(o)}`).join(''),
    });
  });
  afterAll(async () => {
    await processes.stopAll();
    await s?.close();
  });

  const canI = async (verb: string, resource: string) => {
    const as = `system:serviceaccount:${RELEASE_NAMESPACE}:${serviceAccount}`;
    const result = await kubectl(admin(), [
      'auth',
      'can-i',
      verb,
      resource,
      '--all-namespaces',
      `--as=${as}`,
    ]);
    return result.stdout.trim();
  };

  it.each([
    ['get', 'rollouts.argoproj.io'],
    ['list', 'rollouts.argoproj.io'],
    ['watch', 'rollouts.argoproj.io'],
    ['list', 'ingresses.networking.k8s.io'],
    ['watch', 'ingresses.networking.k8s.io'],
    ['list', 'services'],
    ['watch', 'services'],
    ['list', 'ingressclasses.networking.k8s.io'],
    ['create', 'events.events.k8s.io'],
    ['patch', 'events.events.k8s.io'],
  ])('may %s %s', async (verb, resource) => {
    expect(await canI(verb, resource)).toBe('yes');
  });

  it.each([
    ['create', 'ingresses.networking.k8s.io'],
    ['update', 'ingresses.networking.k8s.io'],
    ['patch', 'rollouts.argoproj.io'],
    ['delete', 'services'],
    ['get', 'secrets'],
    ['list', 'configmaps'],
    ['list', 'pods'],
    ['update', 'mutatingwebhookconfigurations.admissionregistration.k8s.io'],
    ['create', 'tokenreviews.authentication.k8s.io'],
    ['delete', 'events.events.k8s.io'],
    ['list', 'events.events.k8s.io'],
  ])('may not %s %s', async (verb, resource) => {
    expect(await canI(verb, resource)).toBe('no');
  });

  it('is enough: serve on a token of that ServiceAccount syncs every cache and answers', async () => {
    const token = (
      await kubectlOk(admin(), [
        'create',
        'token',
        serviceAccount,
        `--namespace=${RELEASE_NAMESPACE}`,
        '--duration=1h',
      ])
    ).trim();
    const dir = mkdtempSync(join(tmpdir(), 'rtw-rbac-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'e2e',
            cluster: {
              server: s.env.controlPlane.apiServerUrl,
              'certificate-authority': s.env.controlPlane.pki.caCert,
            },
          },
        ],
        users: [{ name: 'webhook-sa', user: { token } }],
        contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'webhook-sa' } }],
        'current-context': 'e2e',
      }),
    );
    const port = await freePort();
    const { pki, logDir } = s.env.controlPlane;
    // Readiness is 200 only after the first list of every resource succeeded, so a missing
    // permission would show here as a server that never becomes ready.
    const webhook = await startWebhookServer(
      processes,
      serveCommand({ port, certDir: pki.webhookCertDir, kubeconfig, logLevel: 'info' }),
      { port, ca: pki.caCert, logFile: join(logDir, 'webhook-rbac.log') },
    );
    // A token kubeconfig is read by the built-in loader, without client-node.
    expect(apiserverConnection(webhook)).toMatchObject({ loader: 'built-in', credentials: 'token' });
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'rbac-1',
        kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
        resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
        namespace: s.namespace,
        name: 'probe',
        operation: 'CREATE',
        userInfo: { username: 'alice' },
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'probe', namespace: s.namespace },
        },
      },
    };
    const answer = await httpsRequest(
      `${webhook.baseUrl}/validate`,
      { ca: pki.caCert },
      {
        method: 'POST',
        body: JSON.stringify(review),
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ response: { uid: 'rbac-1', allowed: true } });
  });
});
