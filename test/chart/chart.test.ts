// Renders the Helm chart with the real helm binary and asserts on the objects it produces.
// Needs `scripts/helm.sh --ensure` to have built helm once (see test/chart/helm.ts).
import { parse } from 'yaml';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_VARIANTS, SHIPPED_RUNTIME } from '../../bench/cache.js';
import { HelmLookupApiServer } from './helm-lookup-apiserver.js';
import {
  FULLNAME,
  HELM_VERSION,
  NAMESPACE,
  describeWithHelm,
  scratch,
  lint,
  render,
  templateRaw,
  installNotes,
  type Rendered,
} from './helm.js';

const CONTROLLER = 'system:serviceaccount:argo-rollouts:argo-rollouts';
const SERVICE_HOST = `${FULLNAME}.${NAMESPACE}.svc`;
/** Name of the cluster-scoped objects: the full name qualified by the release namespace. */
const CLUSTER_NAME = `${FULLNAME}.${NAMESPACE}`;
const pem = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/** Splits a PEM bundle into its certificates. */
function certificates(bundle: string): X509Certificate[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/** A throw-away CA in the shape certificates.secret.caBundle expects. */
const USER_CA_BUNDLE = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
).toString('base64');
const SECRET_MODE = {
  certificates: { mode: 'secret', secret: { name: 'my-webhook-tls', caBundle: USER_CA_BUNDLE } },
};
const CERT_MANAGER_MODE = { certificates: { mode: 'certManager' } };

describeWithHelm(`chart rendered by helm ${HELM_VERSION}`, () => {
  describe.concurrent('helm lint --strict', () => {
    const combinations: Record<string, object> = {
      'defaults (generate mode)': {},
      'cert-manager mode': CERT_MANAGER_MODE,
      'cert-manager mode with a ClusterIssuer': {
        certificates: {
          mode: 'certManager',
          certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
        },
      },
      'secret mode': SECRET_MODE,
      'everything optional on': {
        networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.0/16'] } },
        metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
        priorityClassName: 'system-cluster-critical',
        server: { watchNamespaces: ['shop', 'payments'] },
        clientAuth: { enabled: true, caConfigMap: 'apiserver-client-ca' },
        hostNetwork: true,
      },
      'existing ServiceAccounts, one per Deployment': {
        serviceAccount: { create: false, name: 'rtw' },
        audit: { serviceAccountName: 'rtw-audit' },
      },
    };
    for (const [name, values] of Object.entries(combinations)) {
      it(`passes for ${name}`, async () => {
        const result = await lint(values);
        expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
        expect(result.code).toBe(0);
      });
    }
  });

  describe('defaults', () => {
    let r: Rendered;
    beforeAll(async () => {
      r = await render();
    });

    it('renders exactly the default object set', () => {
      expect(r.kinds()).toEqual(
        [
          // The webhook's and the audit's RBAC and ServiceAccounts (test/chart/rbac.test.ts).
          'ClusterRole',
          'ClusterRole',
          'ClusterRoleBinding',
          'ClusterRoleBinding',
          // The webhook's and the audit's (audit.separate), each with its Service.
          'Deployment',
          'Deployment',
          'MutatingWebhookConfiguration',
          'Pod',
          'PodDisruptionBudget',
          'Secret',
          'Secret',
          'Service',
          'Service',
          'ServiceAccount',
          'ServiceAccount',
          'ValidatingWebhookConfiguration',
        ].sort(),
      );
      for (const o of r.objects.filter(
        (o) => !o.kind.startsWith('Cluster') && !o.kind.endsWith('WebhookConfiguration'),
      )) {
        expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(NAMESPACE);
      }
    });

    it('runs two replicas that are never all down during a rollout or a drain', () => {
      const deployment = r.deployment();
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      const pdb = r.one('PodDisruptionBudget');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    });

    it('spreads replicas over zones and hosts', () => {
      const spec = r.deployment().spec;
      const constraints = spec.template.spec.topologySpreadConstraints;
      expect(constraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      for (const c of constraints) {
        expect(c.labelSelector.matchLabels).toEqual(spec.selector.matchLabels);
        expect(c.matchLabelKeys).toEqual(['pod-template-hash']);
        expect(c.maxSkew).toBe(1);
      }
      expect(spec.template.spec.priorityClassName).toBeUndefined();
    });

    it('runs non-root, read-only, without capabilities, under RuntimeDefault seccomp', () => {
      const pod = r.deployment().spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      const sc = r.container().securityContext;
      expect(sc).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
      });
      expect(sc.capabilities).toEqual({ drop: ['ALL'] });
      expect(pod.hostNetwork).toBeUndefined();
    });

    it('requests CPU without a CPU limit and caps the V8 heap below the memory limit', () => {
      const c = r.container();
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.limits.cpu).toBeUndefined();
      expect(c.resources.limits.memory).toBe('256Mi');
      expect(c.env).toContainEqual({
        name: 'NODE_OPTIONS',
        value: '--max-semi-space-size=8 --max-old-space-size=192',
      });
    });

    it('runs V8 with the flags the benchmark measures as shipped (bench/cache.ts)', () => {
      // The bench restates the chart's default NODE_OPTIONS; a chart change that it does not
      // follow would leave its headline figures measuring another configuration.
      expect(RUNTIME_VARIANTS.filter((v) => v.shipped)).toEqual([SHIPPED_RUNTIME]);
      expect(r.container().env).toContainEqual({ name: 'NODE_OPTIONS', value: SHIPPED_RUNTIME.nodeOptions });
    });

    it('starts `serve` on the HTTPS port with the mounted certificate directory', () => {
      const c = r.container();
      const args: string[] = c.args;
      const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
      expect(args[0]).toBe('serve');
      expect(flag('--port')).toBe('8443');
      expect(flag('--enforcement')).toBe('deny');
      expect(flag('--log-level')).toBe('info');
      expect(flag('--controller-identities')).toBe(CONTROLLER);
      expect(flag('--shutdown-delay-seconds')).toBe('5');
      expect(args).not.toContain('--namespaces');
      expect(args).not.toContain('--client-ca');
      expect(c.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
      const mount = c.volumeMounts.find((m: { name: string }) => m.name === 'tls');
      expect(mount).toEqual({ name: 'tls', mountPath: flag('--cert-dir'), readOnly: true });
      expect(mount.subPath).toBeUndefined();
    });

    it('probes /readyz and /healthz over HTTPS and sleeps in preStop before SIGTERM', () => {
      const c = r.container();
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
      expect(c.lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
      const pod = r.deployment().spec.template.spec;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5 + 5);
    });

    it('exposes 443 on a Service that selects the pods and forwards to the named port', () => {
      const service = r.one('Service', FULLNAME);
      expect(service.spec.ports).toEqual([
        { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
      ]);
      expect(service.spec.selector).toEqual({
        'app.kubernetes.io/name': 'rollouts-traffic-webhook',
        'app.kubernetes.io/instance': 'rtw',
      });
      expect(r.deployment().spec.selector.matchLabels).toEqual(service.spec.selector);
      expect(r.deployment().spec.template.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'rollouts-traffic-webhook',
        'app.kubernetes.io/instance': 'rtw',
        'app.kubernetes.io/component': 'webhook',
      });
    });

    it('registers the mutating hooks for Ingress and route CREATE/UPDATE on /mutate, failing closed within 3 s', () => {
      const config = r.one('MutatingWebhookConfiguration');
      expect(config.webhooks).toHaveLength(2);
      const [hook, routes] = config.webhooks;
      expect(routes.name).toBe(`mutate-routes.${FULLNAME}.${NAMESPACE}.svc`);
      expect(routes.clientConfig.service.path).toBe('/mutate');
      expect(routes.rules).toEqual([
        {
          apiGroups: ['gateway.networking.k8s.io'],
          apiVersions: ['v1'],
          resources: ['httproutes', 'grpcroutes'],
          operations: ['CREATE', 'UPDATE'],
          scope: 'Namespaced',
        },
      ]);
      expect(hook.name).toBe(`mutate-ingresses.${FULLNAME}.${NAMESPACE}.svc`);
      expect(hook.clientConfig.service).toEqual({
        name: FULLNAME,
        namespace: NAMESPACE,
        path: '/mutate',
        port: 443,
      });
      expect(hook.rules).toEqual([
        {
          apiGroups: ['networking.k8s.io'],
          apiVersions: ['v1'],
          resources: ['ingresses'],
          operations: ['CREATE', 'UPDATE'],
          scope: 'Namespaced',
        },
      ]);
      expect(hook).toMatchObject({
        failurePolicy: 'Fail',
        timeoutSeconds: 3,
        reinvocationPolicy: 'IfNeeded',
        sideEffects: 'NoneOnDryRun',
        admissionReviewVersions: ['v1'],
        matchPolicy: 'Equivalent',
      });
    });

    it('registers validating hooks for Ingresses, Rollouts and routes on /validate, failing open within 5 s', () => {
      const config = r.one('ValidatingWebhookConfiguration');
      expect(config.webhooks.map((h: { name: string }) => h.name)).toEqual([
        `validate-ingresses.${FULLNAME}.${NAMESPACE}.svc`,
        `validate-rollouts.${FULLNAME}.${NAMESPACE}.svc`,
        `validate-routes.${FULLNAME}.${NAMESPACE}.svc`,
      ]);
      const [ingresses, rollouts, routes] = config.webhooks;
      expect(routes.rules[0]).toMatchObject({
        apiGroups: ['gateway.networking.k8s.io'],
        apiVersions: ['v1'],
        resources: ['httproutes', 'grpcroutes'],
      });
      expect(ingresses.rules[0]).toMatchObject({
        apiGroups: ['networking.k8s.io'],
        apiVersions: ['v1'],
        resources: ['ingresses'],
      });
      expect(rollouts.rules[0]).toMatchObject({
        apiGroups: ['argoproj.io'],
        apiVersions: ['v1alpha1'],
        resources: ['rollouts'],
      });
      for (const hook of config.webhooks) {
        expect(hook.rules[0].operations).toEqual(['CREATE', 'UPDATE']);
        expect(hook.clientConfig.service.path).toBe('/validate');
        expect(hook).toMatchObject({
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
          sideEffects: 'NoneOnDryRun',
          admissionReviewVersions: ['v1'],
        });
        expect(hook.reinvocationPolicy).toBeUndefined();
      }
    });

    it('never sends its own namespace or kube-system to any hook', () => {
      for (const hook of r.webhooks()) {
        expect(hook.namespaceSelector).toEqual({
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [NAMESPACE, 'kube-system'] },
          ],
        });
        expect(hook.objectSelector).toEqual({});
      }
    });

    it('lets the apiserver skip the Rollouts controller and metadata-only updates', () => {
      for (const hook of r.webhooks()) {
        const byName = Object.fromEntries(
          hook.matchConditions.map((c: { name: string; expression: string }) => [c.name, c.expression]),
        );
        expect(Object.keys(byName)).toEqual(['skip-rollouts-controller', 'skip-metadata-only-updates']);
        expect(byName['skip-rollouts-controller']).toBe(`!(request.userInfo.username in ["${CONTROLLER}"])`);
        const metadataOnly: string = byName['skip-metadata-only-updates'];
        expect(metadataOnly).toMatch(/^request\.operation != 'UPDATE' \|\| /);
        // Annotations before spec: a re-apply that differs in annotations skips the larger compare.
        expect(metadataOnly.indexOf('object.metadata.annotations')).toBeLessThan(
          metadataOnly.indexOf('object.spec'),
        );
        // Optional fields are guarded, so a missing spec or annotations map is not an evaluation error.
        expect(metadataOnly).toContain('has(object.spec)');
        expect(metadataOnly).toContain('has(oldObject.metadata.annotations)');
      }
    });

    it('annotates the webhook configurations for an Argo CD sync wave after the Deployment', () => {
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        expect(r.one(kind).metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
      }
    });
  });

  describe('certificate mode: generate', () => {
    let r: Rendered;
    beforeAll(async () => {
      r = await render();
    });

    it('signs a serving certificate for the Service with a CA that caBundle trusts', () => {
      const tls = r.one('Secret', `${FULLNAME}-tls`);
      expect(tls.type).toBe('kubernetes.io/tls');
      const leaf = new X509Certificate(pem(tls.data['tls.crt']));
      const [ca] = certificates(pem(tls.data['ca.crt']));
      expect(ca).toBeDefined();
      expect(ca!.ca).toBe(true);
      expect(leaf.checkIssued(ca!)).toBe(true);
      expect(leaf.verify(ca!.publicKey)).toBe(true);
      expect(leaf.checkHost(SERVICE_HOST)).toBe(SERVICE_HOST);
      expect(leaf.subjectAltName).toContain(`DNS:${FULLNAME}.${NAMESPACE}.svc.cluster.local`);
      for (const hook of r.webhooks()) expect(hook.clientConfig.caBundle).toBe(tls.data['ca.crt']);
    });

    it('keeps the CA key out of the Secret the pods mount', () => {
      const caSecret = r.one('Secret', `${FULLNAME}-ca`);
      const tls = r.one('Secret', `${FULLNAME}-tls`);
      expect(caSecret.data['tls.key']).toBeDefined();
      expect(Object.keys(tls.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      expect(pem(caSecret.data['tls.crt'])).toBe(pem(tls.data['ca.crt']));
      const volume = r
        .deployment()
        .spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls');
      expect(volume.secret).toEqual({ secretName: `${FULLNAME}-tls`, defaultMode: 0o440 });
    });

    it('records expiry in annotations that match the certificates', () => {
      for (const name of [`${FULLNAME}-ca`, `${FULLNAME}-tls`]) {
        const secret = r.one('Secret', name);
        const cert = new X509Certificate(pem(secret.data['tls.crt']));
        const annotated = Number(secret.metadata.annotations['rollouts-traffic-webhook/not-after']);
        expect(Math.abs(annotated * 1000 - Date.parse(cert.validTo))).toBeLessThan(5 * 60_000);
      }
    });
  });

  describe.concurrent('certificate mode: certManager', () => {
    it('creates the CA chain and a serving Certificate, and has cainjector fill caBundle', async () => {
      const r = await render(CERT_MANAGER_MODE);
      expect(r.all('Secret')).toHaveLength(0);
      expect(
        r
          .all('Issuer')
          .map((i) => i.metadata.name)
          .sort(),
      ).toEqual([`${FULLNAME}-ca`, `${FULLNAME}-selfsigned`]);
      expect(r.one('Issuer', `${FULLNAME}-selfsigned`).spec).toEqual({ selfSigned: {} });
      expect(r.one('Issuer', `${FULLNAME}-ca`).spec).toEqual({ ca: { secretName: `${FULLNAME}-ca` } });
      const ca = r.one('Certificate', `${FULLNAME}-ca`);
      expect(ca.spec).toMatchObject({
        isCA: true,
        secretName: `${FULLNAME}-ca`,
        issuerRef: { name: `${FULLNAME}-selfsigned`, kind: 'Issuer' },
      });
      const serving = r.one('Certificate', `${FULLNAME}-tls`);
      expect(serving.spec.issuerRef).toEqual({
        name: `${FULLNAME}-ca`,
        kind: 'Issuer',
        group: 'cert-manager.io',
      });
      expect(serving.spec.dnsNames).toContain(SERVICE_HOST);
      expect(serving.spec.privateKey.rotationPolicy).toBe('Always');
      const volume = r
        .deployment()
        .spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls');
      expect(volume.secret.secretName).toBe(serving.spec.secretName);
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        expect(r.one(kind).metadata.annotations['cert-manager.io/inject-ca-from']).toBe(
          `${NAMESPACE}/${FULLNAME}-tls`,
        );
      }
      // No caBundle key at all: an empty one would show as drift against what cainjector writes.
      for (const hook of r.webhooks()) expect('caBundle' in hook.clientConfig).toBe(false);
    });

    it('uses a given issuer instead of creating one', async () => {
      const r = await render({
        certificates: {
          mode: 'certManager',
          certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } },
        },
      });
      expect(r.all('Issuer')).toHaveLength(0);
      expect(r.all('Certificate')).toHaveLength(1);
      expect(r.one('Certificate').spec.issuerRef).toEqual({
        name: 'corp-ca',
        kind: 'ClusterIssuer',
        group: 'cert-manager.io',
      });
    });
  });

  describe.concurrent('certificate mode: secret', () => {
    it('mounts the given Secret and puts the given CA bundle in every hook', async () => {
      const r = await render(SECRET_MODE);
      expect(r.all('Secret')).toHaveLength(0);
      expect(r.all('Certificate')).toHaveLength(0);
      const volume = r
        .deployment()
        .spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls');
      expect(volume.secret.secretName).toBe('my-webhook-tls');
      for (const hook of r.webhooks()) expect(hook.clientConfig.caBundle).toBe(USER_CA_BUNDLE);
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        expect(r.one(kind).metadata.annotations['cert-manager.io/inject-ca-from']).toBeUndefined();
      }
    });

    it('refuses a CA bundle that is not base64 PEM', async () => {
      const notPem = Buffer.from('just some text').toString('base64');
      const result = await templateRaw({
        certificates: { mode: 'secret', secret: { name: 'x', caBundle: notPem } },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        'certificates.secret.caBundle must be the base64 encoding of PEM certificates',
      );
    });
  });

  describe.concurrent('value combinations', () => {
    it('flips failure policies and timeouts per hook', async () => {
      const r = await render({
        webhooks: {
          mutating: { failurePolicy: 'Ignore', timeoutSeconds: 2, reinvocationPolicy: 'Never' },
          validating: { failurePolicy: 'Fail', timeoutSeconds: 4 },
        },
      });
      expect(r.one('MutatingWebhookConfiguration').webhooks[0]).toMatchObject({
        failurePolicy: 'Ignore',
        timeoutSeconds: 2,
        reinvocationPolicy: 'Never',
      });
      for (const hook of r.one('ValidatingWebhookConfiguration').webhooks) {
        expect(hook).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 4 });
      }
    });

    it('adds selectors and match conditions to every hook', async () => {
      const extra = { name: 'only-alb', expression: "object.spec.?ingressClassName.orValue('') == 'alb'" };
      const r = await render({
        webhooks: {
          excludeNamespaces: ['monitoring'],
          namespaceSelector: { matchLabels: { team: 'shop' } },
          objectSelector: { matchLabels: { 'rollouts-traffic-webhook/enabled': 'true' } },
          matchConditions: [extra],
          skipMetadataOnlyUpdates: false,
        },
      });
      for (const hook of r.webhooks()) {
        expect(hook.namespaceSelector.matchExpressions[0].values).toEqual([
          NAMESPACE,
          'kube-system',
          'monitoring',
        ]);
        expect(hook.namespaceSelector.matchLabels).toEqual({ team: 'shop' });
        expect(hook.objectSelector).toEqual({ matchLabels: { 'rollouts-traffic-webhook/enabled': 'true' } });
        expect(hook.matchConditions.map((c: { name: string }) => c.name)).toEqual([
          'skip-rollouts-controller',
          'only-alb',
        ]);
        expect(hook.matchConditions[1]).toEqual(extra);
      }
    });

    it('drops matchConditions entirely when nothing asks for one', async () => {
      const r = await render({ webhooks: { skipControllerRequests: false, skipMetadataOnlyUpdates: false } });
      for (const hook of r.webhooks()) expect(hook.matchConditions).toBeUndefined();
    });

    it('refuses a CA renewal window as long as the CA lifetime', async () => {
      const result = await templateRaw({
        certificates: { generate: { caValidityDays: 365, caRenewBeforeDays: 365 } },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('caRenewBeforeDays must be less than caValidityDays');
    });

    it('refuses a matchCondition name the chart already uses', async () => {
      const result = await templateRaw({
        webhooks: { matchConditions: [{ name: 'skip-rollouts-controller', expression: 'true' }] },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('the name "skip-rollouts-controller" is used twice');
    });

    it('points every hook at an outside URL instead of the Service', async () => {
      const r = await render({ ...SECRET_MODE, webhooks: { url: 'https://127.0.0.1:9443/' } });
      const urls = r.webhooks().map((hook) => hook.clientConfig.url);
      expect(urls).toEqual([
        'https://127.0.0.1:9443/mutate',
        'https://127.0.0.1:9443/mutate',
        'https://127.0.0.1:9443/validate',
        'https://127.0.0.1:9443/validate',
        'https://127.0.0.1:9443/validate',
      ]);
      for (const hook of r.webhooks()) {
        expect(hook.clientConfig.service).toBeUndefined();
        expect(hook.clientConfig.caBundle).toBe(USER_CA_BUNDLE);
      }
    });

    // The RBAC granted in watched namespaces: test/chart/rbac.test.ts.
    it('scopes hooks and flags to watched namespaces', async () => {
      const r = await render({ server: { watchNamespaces: ['shop', 'payments'] } });
      for (const hook of r.webhooks()) {
        expect(hook.namespaceSelector.matchExpressions).toContainEqual({
          key: 'kubernetes.io/metadata.name',
          operator: 'In',
          values: ['shop', 'payments'],
        });
      }
      const args: string[] = r.container().args;
      expect(args[args.indexOf('--namespaces') + 1]).toBe('shop,payments');
    });

    it('refuses to watch a namespace the hooks always exclude', async () => {
      const result = await templateRaw({ server: { watchNamespaces: ['kube-system'] } });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('server.watchNamespaces contains "kube-system"');
    });

    it('passes enforcement, log level, identities and client CA to the server', async () => {
      const r = await render({
        server: {
          enforcement: 'warn',
          logLevel: 'debug',
          controllerIdentities: [CONTROLLER, 'system:serviceaccount:rollouts:custom'],
          extraArgs: ['--some-flag'],
        },
        clientAuth: { enabled: true, caConfigMap: 'apiserver-client-ca' },
      });
      const c = r.container();
      const args: string[] = c.args;
      const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
      expect(flag('--enforcement')).toBe('warn');
      expect(flag('--log-level')).toBe('debug');
      expect(flag('--controller-identities')).toBe(`${CONTROLLER},system:serviceaccount:rollouts:custom`);
      expect(flag('--client-ca')).toBe('/etc/rollouts-traffic-webhook/client-ca/ca.crt');
      expect(args.at(-1)).toBe('--some-flag');
      const volume = r
        .deployment()
        .spec.template.spec.volumes.find((v: { name: string }) => v.name === 'client-ca');
      expect(volume.configMap.name).toBe('apiserver-client-ca');
      for (const hook of r.webhooks()) {
        expect(hook.matchConditions[0].expression).toBe(
          `!(request.userInfo.username in ["${CONTROLLER}","system:serviceaccount:rollouts:custom"])`,
        );
      }
    });

    it('renders the per-rule policy into a ConfigMap the server reads, rolling the pods when it changes', async () => {
      const policy = {
        defaultAction: 'deny',
        rules: [{ match: ['alb-*'], action: 'audit' }],
        exemptions: [{ namespaces: ['legacy'] }],
      };
      const r = await render({
        server: {
          policy,
          auditIntervalSeconds: 60,
          auditCpuShare: 0.25,
          auditRejudgeEvery: 1,
          eventQueueSize: 0,
        },
      });
      // The audit flags go to the audit's own Deployment (audit.separate), Events to the webhook's;
      // both read the policy.
      const AUDIT = `${FULLNAME}-audit`;
      const argsOf = (x: Rendered, name: string): string[] =>
        x.one('Deployment', name).spec.template.spec.containers[0].args;
      const flagOf = (args: string[], name: string): string | undefined =>
        args.includes(name) ? args[args.indexOf(name) + 1] : undefined;
      const webhookArgs = argsOf(r, FULLNAME);
      const auditArgs = argsOf(r, AUDIT);
      for (const args of [webhookArgs, auditArgs]) {
        expect(flagOf(args, '--policy')).toBe('/etc/rollouts-traffic-webhook/policy/policy.yaml');
      }
      expect(flagOf(webhookArgs, '--event-queue-size')).toBe('0');
      expect(flagOf(auditArgs, '--audit-interval-seconds')).toBe('60');
      expect(flagOf(auditArgs, '--audit-cpu-share')).toBe('0.25');
      expect(flagOf(auditArgs, '--audit-rejudge-every')).toBe('1');
      const configMap = r.one('ConfigMap', `${FULLNAME}-policy`);
      expect(parse(configMap.data['policy.yaml'])).toEqual(policy);
      const other = await render({ server: { policy: { ...policy, defaultAction: 'warn' } } });
      for (const name of [FULLNAME, AUDIT]) {
        const template = r.one('Deployment', name).spec.template;
        expect(template.spec.volumes.find((v: { name: string }) => v.name === 'policy').configMap.name).toBe(
          `${FULLNAME}-policy`,
        );
        const checksum = (x: typeof r) =>
          x.one('Deployment', name).spec.template.metadata.annotations['checksum/policy'];
        expect(checksum(r)).toMatch(/^[0-9a-f]{64}$/);
        expect(checksum(other)).not.toBe(checksum(r));
      }
      // Without a policy: no flag, no ConfigMap, today's behaviour; audit and Events on by default.
      const plain = await render({});
      expect(argsOf(plain, FULLNAME)).not.toContain('--policy');
      const plainAuditArgs = argsOf(plain, AUDIT);
      expect(plainAuditArgs).not.toContain('--policy');
      expect(flagOf(plainAuditArgs, '--audit-interval-seconds')).toBe('300');
      expect(flagOf(plainAuditArgs, '--audit-cpu-share')).toBe('0.1');
      expect(flagOf(plainAuditArgs, '--audit-rejudge-every')).toBe('12');
      expect(flagOf(argsOf(plain, FULLNAME), '--event-queue-size')).toBe('1000');
      expect(plain.all('ConfigMap')).toEqual([]);
    });

    it('sets priority class, host network and replica count, and turns the PDB off', async () => {
      const r = await render({
        priorityClassName: 'system-cluster-critical',
        hostNetwork: true,
        replicas: 3,
        podDisruptionBudget: { enabled: false },
      });
      const pod = r.deployment().spec.template.spec;
      expect(pod.priorityClassName).toBe('system-cluster-critical');
      expect(pod.hostNetwork).toBe(true);
      expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
      expect(r.deployment().spec.replicas).toBe(3);
      expect(r.maybe('PodDisruptionBudget')).toBeUndefined();
    });

    it('derives the heap cap from a Gi memory limit and leaves it out for other spellings', async () => {
      const gi = await render({ resources: { limits: { memory: '1Gi' } } });
      expect(gi.container().env).toContainEqual({
        name: 'NODE_OPTIONS',
        value: '--max-semi-space-size=8 --max-old-space-size=768',
      });
      const bytes = await render({ resources: { limits: { memory: '500000000' } } });
      expect(bytes.container().env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' }]);
    });

    it('leaves NODE_OPTIONS out when both memory settings are off', async () => {
      const r = await render({ server: { semiSpaceMiB: 0, heapPercentOfMemoryLimit: 0 } });
      expect(r.container().env).toBeUndefined();
    });

    it('can turn either configuration off, and Rollout validation alone', async () => {
      const r = await render({ webhooks: { mutating: { enabled: false }, validating: { rollouts: false } } });
      expect(r.maybe('MutatingWebhookConfiguration')).toBeUndefined();
      expect(r.one('ValidatingWebhookConfiguration').webhooks).toHaveLength(2);
    });

    it('can leave Gateway API routes out', async () => {
      const r = await render({ webhooks: { gatewayApiRoutes: false } });
      expect(r.one('MutatingWebhookConfiguration').webhooks).toHaveLength(1);
      expect(r.one('ValidatingWebhookConfiguration').webhooks).toHaveLength(2);
    });

    it('restricts pod traffic with a NetworkPolicy', async () => {
      const r = await render({ networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.0/16'] } } });
      const policy = r.one('NetworkPolicy', FULLNAME);
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.podSelector.matchLabels).toEqual(r.deployment().spec.selector.matchLabels);
      expect(policy.spec.ingress).toEqual([{ ports: [{ port: 8443, protocol: 'TCP' }] }]);
      expect(policy.spec.egress).toEqual([
        {
          ports: [
            { port: 443, protocol: 'TCP' },
            { port: 6443, protocol: 'TCP' },
          ],
          to: [{ ipBlock: { cidr: '10.0.0.0/16' } }],
        },
      ]);
    });
  });

  describe.concurrent('monitoring', () => {
    const monitoring = { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } };

    it('scrapes /metrics over HTTPS, verifying against the chart CA', async () => {
      const r = await render(monitoring);
      const endpoint = r.one('ServiceMonitor').spec.endpoints[0];
      expect(endpoint).toMatchObject({ port: 'https', scheme: 'https', path: '/metrics' });
      expect(endpoint.tlsConfig).toEqual({
        serverName: SERVICE_HOST,
        ca: { secret: { name: `${FULLNAME}-tls`, key: 'ca.crt' } },
      });
      const serviceLabels = r.one('Service', FULLNAME).metadata.labels;
      const selector = r.one('ServiceMonitor').spec.selector.matchLabels;
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(selector)) expect(serviceLabels[key]).toBe(value);
    });

    it('skips verification only in secret mode, where ca.crt may be missing', async () => {
      const r = await render({ ...monitoring, ...SECRET_MODE });
      expect(r.one('ServiceMonitor').spec.endpoints[0].tlsConfig).toEqual({
        serverName: SERVICE_HOST,
        insecureSkipVerify: true,
      });
    });

    it('alerts on latency, errors, certificate expiry, stale caches and live API calls', async () => {
      const r = await render(monitoring);
      const rules = r.one('PrometheusRule').spec.groups[0].rules as {
        alert: string;
        expr: string;
        labels: { severity: string };
      }[];
      const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
      const selector = `job="${FULLNAME}",namespace="${NAMESPACE}"`;
      expect(byName.RolloutsTrafficWebhookLatencyHigh!.expr).toContain(
        `histogram_quantile(0.99, sum by (le, hook) (rate(rtw_admission_duration_seconds_bucket{${selector}}[5m]))) > 0.1`,
      );
      expect(byName.RolloutsTrafficWebhookErrors!.expr).toContain(
        `rtw_admission_requests_total{${selector},decision="error"}`,
      );
      expect(byName.RolloutsTrafficWebhookCertificateExpiringSoon!.expr).toBe(
        `min(rtw_certificate_expiry_timestamp_seconds{${selector}}) - time() < ${30 * 86400}`,
      );
      expect(byName.RolloutsTrafficWebhookCertificateExpiryCritical!.labels.severity).toBe('critical');
      // Both the webhook's pods and the audit's hold caches.
      const audit = `job="${FULLNAME}-audit",namespace="${NAMESPACE}"`;
      expect(byName.RolloutsTrafficWebhookCacheNotSynced!.expr).toBe(
        `max by (pod, resource) (rtw_cache_synced{${selector}} == 0 or rtw_cache_synced{${audit}} == 0)`,
      );
      expect(byName.RolloutsTrafficWebhookCacheStale!.expr).toBe(
        `max by (pod, resource) (rtw_cache_last_sync_age_seconds{${selector}} or rtw_cache_last_sync_age_seconds{${audit}}) > 900`,
      );
      expect(byName.RolloutsTrafficWebhookApiCallsOnRequestPath!.expr).toContain(
        'rtw_api_calls_on_request_path_total{',
      );
      expect(byName.RolloutsTrafficWebhookDown!.labels.severity).toBe('critical');
      expect(byName.RolloutsTrafficWebhookCertificateReloadFailing!.expr).toBe(
        `sum(increase(rtw_certificate_reloads_total{${selector},result="error"}[15m])) > 0`,
      );
      // Prometheus templates survive Helm rendering unexpanded.
      for (const rule of rules) {
        expect(JSON.stringify(rule)).not.toContain('<no value>');
      }
      expect(JSON.stringify(byName.RolloutsTrafficWebhookLatencyHigh)).toContain('{{ $labels.hook }}');
    });
  });

  describe('install notes', () => {
    // NOTES.txt is rendered by install only; a dry-run install needs an API server to talk to.
    const api = new HelmLookupApiServer();
    let kubeconfig: string;
    beforeAll(async () => {
      await api.start();
      kubeconfig = api.writeKubeconfig(scratch);
    });
    afterAll(() => api.stop());

    const notes = (values: object): Promise<string> => installNotes(kubeconfig, values);

    it("states each hook's failure policy, the exclusions and the emergency switch", async () => {
      const text = await notes({});
      expect(text).toContain('mutate Ingress   failurePolicy=Fail timeout=3s');
      expect(text).toContain('validate Ingress and Rollout  failurePolicy=Ignore timeout=5s');
      expect(text).toContain(`never called for namespaces: ${NAMESPACE}, kube-system`);
      expect(text).toContain(`never called for: ${CONTROLLER}`);
      expect(text).toContain(
        `kubectl delete mutatingwebhookconfiguration/${CLUSTER_NAME} validatingwebhookconfiguration/${CLUSTER_NAME}`,
      );
      expect(text).toContain('helm template, Argo CD');
      expect(text).not.toContain('WARNING');
    });

    it('warns when a fail-closed guard would also block the Rollouts controller', async () => {
      const text = await notes({
        webhooks: { skipControllerRequests: false },
        clientAuth: { enabled: true, caConfigMap: 'ca' },
      });
      expect(text).toContain(
        'WARNING: the mutating hook fails closed and webhooks.skipControllerRequests is off',
      );
      expect(text).toContain('NOTE: clientAuth is on: /mutate and /validate answer 401');
      expect(text).not.toContain('never called for: system:');
    });

    it("name the audit's Deployment when it has one, and say where the audit runs otherwise", async () => {
      const separate = await notes({});
      expect(separate).toContain(`kubectl -n ${NAMESPACE} rollout status deployment/${FULLNAME}-audit`);
      const together = await notes({ audit: { separate: false } });
      expect(together).not.toContain(`${FULLNAME}-audit`);
      expect(together).toContain('runs in every webhook replica');
      const off = await notes({ server: { auditIntervalSeconds: 0 } });
      expect(off).not.toContain('background audit');
    });
  });

  describe.concurrent('values.schema.json rejects bad values', () => {
    const bad: [string, object, RegExp][] = [
      ['a mutating timeout over 3 s', { webhooks: { mutating: { timeoutSeconds: 10 } } }, /timeoutSeconds/],
      [
        'a validating timeout over 5 s',
        { webhooks: { validating: { timeoutSeconds: 6 } } },
        /timeoutSeconds/,
      ],
      [
        'an unknown failure policy',
        { webhooks: { validating: { failurePolicy: 'Maybe' } } },
        /failurePolicy/,
      ],
      ['an unknown certificate mode', { certificates: { mode: 'vault' } }, /mode/],
      [
        'secret mode without a Secret name',
        { certificates: { mode: 'secret', secret: { caBundle: USER_CA_BUNDLE } } },
        /name/,
      ],
      ['a misspelt top-level key', { replica: 3 }, /replica/],
      ['zero replicas', { replicas: 0 }, /replicas/],
      [
        'a controller identity containing a comma',
        { server: { controllerIdentities: ['a,b'] } },
        /controllerIdentities/,
      ],
      ['a privileged port', { server: { port: 443 } }, /port/],
      ['an invalid enforcement mode', { server: { enforcement: 'audit' } }, /enforcement/],
      ['an audit CPU share over 1', { server: { auditCpuShare: 1.5 } }, /auditCpuShare/],
      ['an audit CPU share of 0', { server: { auditCpuShare: 0 } }, /auditCpuShare/],
      ['a negative audit rejudge period', { server: { auditRejudgeEvery: -1 } }, /auditRejudgeEvery/],
      ['a malformed image digest', { image: { digest: 'latest' } }, /digest/],
      ['a plain-http webhook URL', { webhooks: { url: 'http://127.0.0.1:9443' } }, /url/],
      ['audit.separate that is not a boolean', { audit: { separate: 'always' } }, /separate/],
      ['an unknown key under audit', { audit: { replicas: 2 } }, /replicas/],
      ['audit resources in a wrong unit', { audit: { resources: { limits: { memory: '1 GB' } } } }, /memory/],
    ];
    for (const [what, values, mentions] of bad) {
      it(`rejects ${what}`, async () => {
        const result = await templateRaw(values);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/schema/i);
        expect(result.stderr).toMatch(mentions);
      });
    }
  });
});
