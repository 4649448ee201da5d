// Least privilege, shown on the real apiserver (kubectl auth can-i): the chart's two
// ServiceAccounts may read what the caches hold; the webhook's may write Events and no policy
// reports, the audit's the reports and no Events. And that is enough: `serve --operation webhook`
// on a token of the webhook's syncs its caches (ready) and answers reviews, and `serve
// --operation audit` on a token of the audit's gets ready and writes the reports.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { render } from '../chart/helm.js';
import { kubectl, kubectlOk } from './support/kubectl.js';
import { httpsRequest } from './support/https.js';
import { miswiredApp, REFERENCE_EXAMPLE_NAMES as names } from './support/manifests.js';
import { freePort } from './support/ports.js';
import { ProcessGroup } from './support/processes.js';
import { openScenario, type Scenario } from './support/scenario.js';
import { waitFor } from './support/wait.js';
import {
  apiserverConnection,
  serveCommand,
  startWebhookServer,
  type RunningWebhook,
} from './support/webhook-server.js';

const RELEASE = 'rtw-rbac';
const RELEASE_NAMESPACE = 'rtw-rbac-system';
/** The name of the audit's report in each namespace, in both formats. */
const REPORT = 'rollouts-traffic-webhook';
const REPORT_RESOURCES = ['policyreports.wgpolicyk8s.io', 'reports.openreports.io'];

/** What both ServiceAccounts need: reads of what the caches hold. */
const CACHED_READS: [string, string][] = [
  ['get', 'rollouts.argoproj.io'],
  ['list', 'rollouts.argoproj.io'],
  ['watch', 'rollouts.argoproj.io'],
  ['list', 'ingresses.networking.k8s.io'],
  ['watch', 'ingresses.networking.k8s.io'],
  ['list', 'services'],
  ['watch', 'services'],
  ['list', 'ingressclasses.networking.k8s.io'],
  ['watch', 'ingressclasses.networking.k8s.io'],
  ['list', 'httproutes.gateway.networking.k8s.io'],
  ['watch', 'grpcroutes.gateway.networking.k8s.io'],
];
/** What neither may do. */
const NEITHER: [string, string][] = [
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
];
const EVENT_WRITES: [string, string][] = [
  ['create', 'events.events.k8s.io'],
  ['patch', 'events.events.k8s.io'],
];
const REPORT_ACCESS: [string, string][] = REPORT_RESOURCES.flatMap((resource) =>
  ['get', 'list', 'create', 'update', 'delete'].map((verb): [string, string] => [verb, resource]),
);
const REPORT_WRITES = REPORT_ACCESS.filter(([verb]) => ['create', 'update', 'delete'].includes(verb));

describe("the chart's RBAC on a real apiserver", () => {
  let s: Scenario;
  const serviceAccounts = { webhook: '', audit: '' };
  const processes = new ProcessGroup();
  const admin = () => s.env.controlPlane.kubeconfigs.admin;

  beforeAll(async () => {
    s = await openScenario('rbac');
    const rendered = await render({}, { release: RELEASE, namespace: RELEASE_NAMESPACE });
    const rbac = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].flatMap((kind) =>
      rendered.all(kind),
    );
    // Each Deployment's ServiceAccount, both among the objects applied.
    const [auditDeployment] = rendered.all('Deployment').filter((d) => d !== rendered.deployment());
    serviceAccounts.webhook = rendered.deployment().spec.template.spec.serviceAccountName;
    serviceAccounts.audit = auditDeployment!.spec.template.spec.serviceAccountName;
    const created = rendered.all('ServiceAccount').map((sa) => sa.metadata.name);
    expect(created.sort()).toEqual([serviceAccounts.webhook, serviceAccounts.audit].sort());
    expect(serviceAccounts.audit).toBe(`${serviceAccounts.webhook}-audit`);
    await kubectlOk(admin(), ['create', 'namespace', RELEASE_NAMESPACE]);
    await kubectlOk(admin(), ['apply', `--namespace=${RELEASE_NAMESPACE}`, '-f', '-'], {
      stdin: rbac.map((o) => `---\n${stringify(o)}`).join(''),
    });
  });
  afterAll(async () => {
    await processes.stopAll();
    await s?.close();
  });

  const canI = async (who: keyof typeof serviceAccounts, verb: string, resource: string) => {
    const as = `system:serviceaccount:${RELEASE_NAMESPACE}:${serviceAccounts[who]}`;
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

  describe("the webhook's ServiceAccount", () => {
    it.each([...CACHED_READS, ...EVENT_WRITES])('may %s %s', async (verb, resource) => {
      expect(await canI('webhook', verb, resource)).toBe('yes');
    });

    it.each([...NEITHER, ...REPORT_WRITES])('may not %s %s', async (verb, resource) => {
      expect(await canI('webhook', verb, resource)).toBe('no');
    });
  });

  describe("the audit's ServiceAccount", () => {
    it.each([...CACHED_READS, ...REPORT_ACCESS])('may %s %s', async (verb, resource) => {
      expect(await canI('audit', verb, resource)).toBe('yes');
    });

    it.each([...NEITHER, ...EVENT_WRITES])('may not %s %s', async (verb, resource) => {
      expect(await canI('audit', verb, resource)).toBe('no');
    });
  });

  /** A kubeconfig with a fresh token of one of the ServiceAccounts. */
  const tokenKubeconfig = async (who: keyof typeof serviceAccounts): Promise<string> => {
    const token = (
      await kubectlOk(admin(), [
        'create',
        'token',
        serviceAccounts[who],
        `--namespace=${RELEASE_NAMESPACE}`,
        '--duration=1h',
      ])
    ).trim();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'rtw-rbac-')), 'kubeconfig');
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
        users: [{ name: `${who}-sa`, user: { token } }],
        contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: `${who}-sa` } }],
        'current-context': 'e2e',
      }),
    );
    return kubeconfig;
  };

  /** `serve` with these flags on a token of one of the ServiceAccounts, once ready. */
  const serveAs = async (who: keyof typeof serviceAccounts, extraArgs: string[]): Promise<RunningWebhook> => {
    const port = await freePort();
    const { pki, logDir } = s.env.controlPlane;
    const kubeconfig = await tokenKubeconfig(who);
    const command = serveCommand({
      port,
      certDir: pki.webhookCertDir,
      kubeconfig,
      logLevel: 'info',
      extraArgs,
    });
    const server = await startWebhookServer(processes, command, {
      port,
      ca: pki.caCert,
      logFile: join(logDir, `webhook-rbac-${who}.log`),
    });
    // A token kubeconfig is read by the built-in loader, without client-node.
    expect(apiserverConnection(server)).toMatchObject({ loader: 'built-in', credentials: 'token' });
    return server;
  };

  it('is enough for the webhook: serve --operation webhook on a token of its ServiceAccount syncs every cache and answers', async () => {
    // Readiness is 200 only after the first list of every resource succeeded, so a missing
    // permission would show here as a server that never becomes ready.
    const webhook = await serveAs('webhook', ['--operation=webhook']);
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
      { ca: s.env.controlPlane.pki.caCert },
      {
        method: 'POST',
        body: JSON.stringify(review),
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ response: { uid: 'rbac-1', allowed: true } });
  });

  it('is enough for the audit: serve --operation audit on a token of its ServiceAccount writes both reports', async () => {
    // Something to report: a Rollout and Ingress miswired (no webhook is registered here).
    await s.create(miswiredApp(names));
    // The first audit runs before ready and the next one only in 300 s: wait until the report
    // CRDs are served, so that it does not meet them still initializing.
    for (const resource of REPORT_RESOURCES) {
      await waitFor(`${resource} to be served`, async () =>
        (await s.kubectl(['get', resource])).code === 0 ? true : undefined,
      );
    }
    const auditor = await serveAs('audit', ['--operation=audit', '--audit-interval-seconds=300']);
    for (const resource of REPORT_RESOURCES) {
      const report = await waitFor(`${resource} ${REPORT} in ${s.namespace}`, async () => {
        const result = await s.kubectl(['get', resource, REPORT, '-o', 'json']);
        return result.code === 0 ? (JSON.parse(result.stdout) as { results?: unknown[] }) : undefined;
      });
      expect(report.results?.length).toBeGreaterThan(0);
    }
    // A run counts as a success once both report formats could be written.
    const { caCert } = s.env.controlPlane.pki;
    const metrics = (await httpsRequest(`${auditor.baseUrl}/metrics`, { ca: caCert })).body;
    expect(metrics).toMatch(/^rtw_audit_runs_total\{result="success"\} 1$/m);
    expect(metrics).not.toMatch(/^rtw_audit_runs_total\{result="error"\}/m);
  });
});
