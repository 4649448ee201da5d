// The chart behaves like the charts platform teams already run: releases never collide, an
// unpullable image is refused unless asked for, monitoring objects follow the cluster's CRDs, and
// `helm test` has a pod that reaches the webhook the way the apiserver does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelmLookupApiServer } from './helm-lookup-apiserver.js';
import {
  CHART_DIR,
  FULLNAME,
  HELM_VERSION,
  NAMESPACE,
  RELEASE,
  TEST_IMAGE_REPOSITORY,
  describeWithHelm,
  installNotes,
  render,
  scratch,
  templateRaw,
  type K8sObject,
} from './helm.js';

const CLUSTER_SCOPED = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);
const identity = (o: K8sObject): string =>
  `${o.kind} ${CLUSTER_SCOPED.has(o.kind) ? '' : `${o.metadata.namespace ?? '?'}/`}${o.metadata.name}`;
const PLACEHOLDER = { image: { repository: 'rollouts-traffic-webhook' } };
const envOf = (pod: K8sObject): Record<string, string> =>
  Object.fromEntries(
    pod.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
  );

describeWithHelm(`chart conventions with helm ${HELM_VERSION}`, () => {
  describe.concurrent('names', () => {
    it('two releases of the same name in two namespaces share no object, cluster-scoped ones included', async () => {
      // Both watch the same namespace, so their RoleBindings land side by side in it.
      const values = { server: { watchNamespaces: ['shop'] } };
      const [a, b] = await Promise.all([
        render(values, { release: 'webhook', namespace: 'team-a' }),
        render(values, { release: 'webhook', namespace: 'team-b' }),
      ]);
      const namesA = a.objects.map(identity);
      const namesB = b.objects.map(identity);
      expect(namesA.filter((n) => namesB.includes(n))).toEqual([]);
      // What was at stake: every cluster-scoped kind, and the RoleBinding in the shared namespace.
      // The audit's own RBAC (audit.separate) included.
      expect(namesA.filter((n) => !n.includes('/')).sort()).toEqual([
        'ClusterRole webhook-rollouts-traffic-webhook-audit.team-a',
        'ClusterRole webhook-rollouts-traffic-webhook-audit.team-a.namespaced',
        'ClusterRole webhook-rollouts-traffic-webhook.team-a',
        'ClusterRole webhook-rollouts-traffic-webhook.team-a.namespaced',
        'ClusterRoleBinding webhook-rollouts-traffic-webhook-audit.team-a',
        'ClusterRoleBinding webhook-rollouts-traffic-webhook.team-a',
        'MutatingWebhookConfiguration webhook-rollouts-traffic-webhook.team-a',
        'ValidatingWebhookConfiguration webhook-rollouts-traffic-webhook.team-a',
      ]);
      expect(namesA).toContain('RoleBinding shop/webhook-rollouts-traffic-webhook.team-a');
      expect(namesA).toContain('RoleBinding shop/webhook-rollouts-traffic-webhook-audit.team-a');
      // Each binding still points at its own release's role and ServiceAccount.
      for (const name of ['webhook-rollouts-traffic-webhook', 'webhook-rollouts-traffic-webhook-audit']) {
        const binding = b.one('ClusterRoleBinding', `${name}.team-b`);
        expect(binding.roleRef.name).toBe(b.one('ClusterRole', `${name}.team-b`).metadata.name);
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name, namespace: 'team-b' }]);
      }
    });

    it('keeps names valid for the apiserver at the longest release name and namespace', async () => {
      const release = 'r'.repeat(53); // helm's limit
      const namespace = 'n'.repeat(63); // a DNS label
      const r = await render({}, { release, namespace });
      for (const o of r.objects.filter((o) => CLUSTER_SCOPED.has(o.kind))) {
        expect(o.metadata.name.length, identity(o)).toBeLessThanOrEqual(253);
        expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
      }
    });
  });

  describe.concurrent('image', () => {
    it('refuses the placeholder repository no registry serves, and says what to do', async () => {
      const result = await templateRaw(PLACEHOLDER);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        'image.repository is still the placeholder "rollouts-traffic-webhook", which no registry serves',
      );
      expect(result.stderr).toContain('image.allowLocalImage=true');
    });

    it('renders the placeholder when asked to, for a local build loaded onto the nodes', async () => {
      const r = await render({ image: { repository: 'rollouts-traffic-webhook', allowLocalImage: true } });
      expect(r.container().image).toBe('rollouts-traffic-webhook:0.1.0');
      expect(r.one('Pod').spec.containers[0].image).toBe('rollouts-traffic-webhook:0.1.0');
    });

    it('pins the tag to appVersion, or to the digest when one is given', async () => {
      expect((await render()).container().image).toBe(`${TEST_IMAGE_REPOSITORY}:0.1.0`);
      const digest = `sha256:${'a'.repeat(64)}`;
      const r = await render({ image: { digest } });
      expect(r.container().image).toBe(`${TEST_IMAGE_REPOSITORY}@${digest}`);
      expect(r.one('Pod').spec.containers[0].image).toBe(`${TEST_IMAGE_REPOSITORY}@${digest}`);
    });
  });

  describe.concurrent('monitoring: auto follows the CRDs the cluster serves', () => {
    const auto = { metrics: { serviceMonitor: { enabled: 'auto' }, prometheusRule: { enabled: 'auto' } } };
    const kinds = async (apiVersions: string[]) =>
      (await render(auto, { flags: apiVersions.flatMap((v) => ['--api-versions', v]) })).kinds();

    it('installs nothing without the CRDs', async () => {
      const found = await kinds([]);
      expect(found).not.toContain('ServiceMonitor');
      expect(found).not.toContain('PrometheusRule');
    });

    it('installs each object whose CRD is served, and only that one', async () => {
      expect(await kinds(['monitoring.coreos.com/v1/ServiceMonitor'])).toContain('ServiceMonitor');
      expect(await kinds(['monitoring.coreos.com/v1/ServiceMonitor'])).not.toContain('PrometheusRule');
      const both = await kinds([
        'monitoring.coreos.com/v1/ServiceMonitor',
        'monitoring.coreos.com/v1/PrometheusRule',
      ]);
      expect(both.filter((k) => k === 'ServiceMonitor' || k === 'PrometheusRule')).toEqual([
        'PrometheusRule',
        'ServiceMonitor',
      ]);
    });

    it('true installs them even where the CRDs are unknown (the apply then fails loudly)', async () => {
      const r = await render({
        metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
      });
      expect(r.all('ServiceMonitor')).toHaveLength(1);
      expect(r.all('PrometheusRule')).toHaveLength(1);
    });
  });

  describe.concurrent('helm test pod', () => {
    const SCRIPT = readFileSync(join(CHART_DIR, 'files/webhook-test.mjs'), 'utf8');

    it('runs files/webhook-test.mjs with node from the webhook image, against the Service', async () => {
      const r = await render();
      const pod = r.one('Pod');
      expect(pod.metadata.name).toBe(`${FULLNAME}-test`);
      expect(pod.metadata.annotations).toEqual({
        'helm.sh/hook': 'test',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      const container = pod.spec.containers[0];
      expect(container.image).toBe(r.container().image);
      expect(container.command).toEqual(['node', '--input-type=module', '--eval']);
      expect(container.args).toEqual([SCRIPT]);
      expect(container.securityContext).toEqual(r.container().securityContext);
      const env = envOf(pod);
      expect(env.WEBHOOK_URL).toBe(`https://${FULLNAME}.${NAMESPACE}.svc:443`);
      expect(env.ENFORCEMENT).toBe('deny');
      expect(env.REVIEW_NAMESPACE).toBe(NAMESPACE);
      expect(env.CLIENT_AUTH).toBeUndefined();
    });

    it('is never selected by the Service, the PDB or the NetworkPolicy', async () => {
      const r = await render({ networkPolicy: { enabled: true } });
      const labels: Record<string, string> = r.one('Pod').metadata.labels;
      const selects = (selector: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => labels[k] === v);
      // The webhook's and the audit's Services and NetworkPolicies alike.
      expect(r.all('Service')).toHaveLength(2);
      for (const service of r.all('Service')) expect(selects(service.spec.selector)).toBe(false);
      expect(selects(r.one('PodDisruptionBudget').spec.selector.matchLabels)).toBe(false);
      expect(r.all('NetworkPolicy')).toHaveLength(2);
      for (const policy of r.all('NetworkPolicy'))
        expect(selects(policy.spec.podSelector.matchLabels)).toBe(false);
    });

    it('trusts exactly the caBundle of the webhook configurations in generate and secret modes', async () => {
      for (const values of [
        {},
        {
          certificates: {
            mode: 'secret',
            secret: {
              name: 'own',
              caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString(
                'base64',
              ),
            },
          },
        },
      ]) {
        const r = await render(values);
        const caBundle = r.webhooks()[0].clientConfig.caBundle;
        expect(caBundle).toBeTruthy();
        expect(envOf(r.one('Pod')).CA_BUNDLE).toBe(caBundle);
        expect(r.one('Pod').spec.volumes).toBeUndefined();
      }
    });

    it('mounts only ca.crt of the serving Secret in cert-manager mode, where cainjector fills caBundle', async () => {
      const r = await render({ certificates: { mode: 'certManager' } });
      const pod = r.one('Pod');
      expect(envOf(pod).CA_FILE).toBe('/etc/rollouts-traffic-webhook/ca/ca.crt');
      expect(envOf(pod).CA_BUNDLE).toBeUndefined();
      expect(pod.spec.volumes).toEqual([
        {
          name: 'ca',
          secret: {
            secretName: `${FULLNAME}-tls`,
            items: [{ key: 'ca.crt', path: 'ca.crt' }],
            defaultMode: 0o444,
          },
        },
      ]);
    });

    it('follows webhooks.url, enforcement, watched namespaces and client authentication', async () => {
      const r = await render({
        certificates: {
          mode: 'secret',
          secret: { name: 'own', caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') },
        },
        webhooks: { url: 'https://10.0.0.5:9443/' },
        server: { enforcement: 'warn', watchNamespaces: ['shop', 'payments'] },
        clientAuth: { enabled: true, caConfigMap: 'apiserver-ca' },
      });
      const env = envOf(r.one('Pod'));
      expect(env.WEBHOOK_URL).toBe('https://10.0.0.5:9443/');
      expect(env.ENFORCEMENT).toBe('warn');
      expect(env.REVIEW_NAMESPACE).toBe('shop');
      expect(env.CLIENT_AUTH).toBe('true');
    });

    it('can be left out', async () => {
      expect((await render({ tests: { enabled: false } })).maybe('Pod')).toBeUndefined();
    });
  });

  describe('install notes', () => {
    const api = new HelmLookupApiServer();
    let kubeconfig: string;
    beforeAll(async () => {
      await api.start();
      kubeconfig = api.writeKubeconfig(scratch);
    });
    afterAll(() => api.stop());

    const notes = (values: object): Promise<string> => installNotes(kubeconfig, values);

    it('warn about a placeholder image installed on purpose, and only then', async () => {
      const warned = await notes({
        image: { repository: 'rollouts-traffic-webhook', allowLocalImage: true },
      });
      expect(warned).toContain("WARNING: image rollouts-traffic-webhook:0.1.0 is the chart's placeholder");
      expect(await notes({})).not.toContain('placeholder');
    });

    it('say which monitoring objects auto left out, and name helm test', async () => {
      const text = await notes({
        metrics: { serviceMonitor: { enabled: 'auto' }, prometheusRule: { enabled: 'auto' } },
      });
      expect(text).toContain(
        'NOTE: no ServiceMonitor was installed: the cluster does not serve monitoring.coreos.com/v1 ServiceMonitor',
      );
      expect(text).toContain('metrics.prometheusRule.enabled is auto');
      expect(text).toContain(`helm test ${RELEASE} --namespace ${NAMESPACE}`);
      const off = await notes({});
      expect(off).not.toContain('NOTE: no ServiceMonitor');
    });
  });
});
