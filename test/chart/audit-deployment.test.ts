// The background audit in a Deployment of its own (audit.separate, the default): what the chart
// renders for it, what the webhook's Deployment loses, and that no webhook selector picks up the
// audit's pod. Real `helm template` (test/chart/helm.ts); the expected values are written out.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FULLNAME,
  HELM_VERSION,
  NAMESPACE,
  TEST_IMAGE_REPOSITORY,
  describeWithHelm,
  render,
  type Field,
  type K8sObject,
  type Rendered,
} from './helm.js';

const AUDIT = `${FULLNAME}-audit`;
const CONTROLLER = 'system:serviceaccount:argo-rollouts:argo-rollouts';
const CERT_DIR = '/etc/rollouts-traffic-webhook/tls';
const AUDIT_FLAGS = ['--audit-interval-seconds', '--audit-cpu-share', '--audit-rejudge-every'];
/** `serve`'s flags at the defaults, in the chart's order: the ones before the audit flags ... */
const LEADING_ARGS = ['--port', '8443', '--cert-dir', CERT_DIR, '--enforcement', 'deny'];
/** ... the audit flags ... */
const AUDIT_ARGS = [
  '--audit-interval-seconds',
  '300',
  '--audit-cpu-share',
  '0.1',
  '--audit-rejudge-every',
  '12',
];
/** ... the Events queue (admission only) and the flags after it. */
const EVENT_ARGS = ['--event-queue-size', '1000'];
const TRAILING_ARGS = [
  '--log-level',
  'info',
  '--controller-identities',
  CONTROLLER,
  '--shutdown-delay-seconds',
  '5',
];
const WEBHOOK_POD_LABELS = {
  'app.kubernetes.io/name': 'rollouts-traffic-webhook',
  'app.kubernetes.io/instance': 'rtw',
  'app.kubernetes.io/component': 'webhook',
};
const AUDIT_POD_LABELS = {
  'app.kubernetes.io/name': 'rollouts-traffic-webhook-audit',
  'app.kubernetes.io/instance': 'rtw',
  'app.kubernetes.io/component': 'audit',
};
const MONITORING = { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } };

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector (or a Service's plain selector map) selects these labels. */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return e.values!.includes(labels[e.key]!);
    throw new Error(`operator ${e.operator} is not evaluated here`);
  });
  return byLabels && byExpressions;
}
const serviceSelects = (service: K8sObject, labels: Record<string, string>): boolean =>
  selects({ matchLabels: service.spec.selector }, labels);

const podOf = (r: Rendered, name: string): Field => r.one('Deployment', name).spec.template;
const containerOf = (r: Rendered, name: string): Field => podOf(r, name).spec.containers[0];
const argsOf = (r: Rendered, name: string): string[] => containerOf(r, name).args;

describeWithHelm(`the audit's own Deployment with helm ${HELM_VERSION}`, () => {
  describe('audit.separate (the default)', () => {
    let r: Rendered;
    beforeAll(async () => {
      r = await render();
    });

    it('renders two Deployments: the webhook and <fullname>-audit, one pod replaced by Recreate', () => {
      expect(
        r
          .all('Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([FULLNAME, AUDIT]);
      const audit = r.one('Deployment', AUDIT);
      expect(audit.metadata.namespace).toBe(NAMESPACE);
      expect(audit.spec.replicas).toBe(1);
      expect(audit.spec.strategy).toEqual({ type: 'Recreate' });
      expect(audit.spec.selector.matchLabels).toEqual(AUDIT_POD_LABELS);
      expect(audit.spec.template.metadata.labels).toEqual(AUDIT_POD_LABELS);
      expect(audit.metadata.labels).toMatchObject({
        ...AUDIT_POD_LABELS,
        'helm.sh/chart': expect.stringMatching(/^rollouts-traffic-webhook-\d+\.\d+\.\d+$/),
        'app.kubernetes.io/part-of': 'rollouts-traffic-webhook',
      });
      const webhook = r.one('Deployment', FULLNAME);
      expect(webhook.spec.replicas).toBe(2);
      expect(webhook.spec.template.metadata.labels).toEqual(WEBHOOK_POD_LABELS);
      // The selector is immutable: it stays what charts before 0.5.0 rendered.
      expect(webhook.spec.selector.matchLabels).toEqual({
        'app.kubernetes.io/name': 'rollouts-traffic-webhook',
        'app.kubernetes.io/instance': 'rtw',
      });
    });

    it('runs `serve --operation webhook` without the audit flags in the webhook pods', () => {
      const args = argsOf(r, FULLNAME);
      expect(args).toEqual([
        'serve',
        '--operation',
        'webhook',
        ...LEADING_ARGS,
        ...EVENT_ARGS,
        ...TRAILING_ARGS,
      ]);
      for (const flag of AUDIT_FLAGS) expect(args).not.toContain(flag);
      expect(containerOf(r, FULLNAME).name).toBe('webhook');
    });

    it('runs `serve --operation audit` with the audit flags in the audit pod', () => {
      expect(argsOf(r, AUDIT)).toEqual([
        'serve',
        '--operation',
        'audit',
        ...LEADING_ARGS,
        ...AUDIT_ARGS,
        ...TRAILING_ARGS,
      ]);
      expect(containerOf(r, AUDIT).name).toBe('audit');
    });

    it("gives the audit's pod the webhook's image, security, certificate, probes and heap cap", () => {
      const pod = podOf(r, AUDIT).spec;
      const c = containerOf(r, AUDIT);
      expect(c.image).toBe(`${TEST_IMAGE_REPOSITORY}:0.1.0`);
      // A ServiceAccount of its own, which may write the reports (test/chart/rbac.test.ts).
      expect(pod.serviceAccountName).toBe(AUDIT);
      expect(pod.automountServiceAccountToken).toBe(true);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.volumes).toEqual([
        { name: 'tls', secret: { secretName: `${FULLNAME}-tls`, defaultMode: 0o440 } },
      ]);
      expect(c.volumeMounts).toEqual([{ name: 'tls', mountPath: CERT_DIR, readOnly: true }]);
      expect(c.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
      expect(c.readinessProbe).toEqual({
        httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' },
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 2,
      });
      expect(c.livenessProbe).toEqual({
        httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      });
      // The webhook has no startupProbe, so neither has the audit.
      expect(c.startupProbe).toBeUndefined();
      expect(c.resources).toEqual({
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { memory: '256Mi' },
      });
      expect(c.env).toEqual([
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=8 --max-old-space-size=192' },
      ]);
      // One pod: nothing to spread.
      expect(pod.topologySpreadConstraints).toBeUndefined();
      expect(pod.priorityClassName).toBeUndefined();
    });

    it("never matches the webhook's selectors: Deployment, Service, PDB, topology spread", () => {
      const webhook = r.one('Deployment', FULLNAME);
      const service = r.one('Service', FULLNAME);
      const pdb = r.one('PodDisruptionBudget');
      const webhookSelectors: [string, LabelSelector][] = [
        ['Deployment', webhook.spec.selector],
        ['Service', { matchLabels: service.spec.selector }],
        ['PodDisruptionBudget', pdb.spec.selector],
        ...webhook.spec.template.spec.topologySpreadConstraints.map(
          (c: { labelSelector: LabelSelector; topologyKey: string }): [string, LabelSelector] => [
            `topology spread over ${c.topologyKey}`,
            c.labelSelector,
          ],
        ),
      ];
      for (const [what, selector] of webhookSelectors) {
        expect(selects(selector, WEBHOOK_POD_LABELS), what).toBe(true);
        expect(selects(selector, AUDIT_POD_LABELS), what).toBe(false);
      }
      expect(selects(r.one('Deployment', AUDIT).spec.selector, WEBHOOK_POD_LABELS)).toBe(false);
    });

    it('serves its metrics through a headless Service of its own, published before it is Ready', () => {
      const service = r.one('Service', AUDIT);
      expect(service.spec).toEqual({
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: AUDIT_POD_LABELS,
        ports: [{ name: 'https', port: 8443, targetPort: 'https', protocol: 'TCP' }],
      });
      expect(serviceSelects(service, WEBHOOK_POD_LABELS)).toBe(false);
      expect(serviceSelects(service, AUDIT_POD_LABELS)).toBe(true);
    });
  });

  describe.concurrent('audit.separate with other values', () => {
    it('takes its own resources, heap cap and priority class, never host network or topology spread', async () => {
      const r = await render({
        audit: {
          resources: { requests: { cpu: '50m', memory: '512Mi' }, limits: { memory: '1Gi' } },
          priorityClassName: 'audit-low',
        },
        priorityClassName: 'system-cluster-critical',
        hostNetwork: true,
      });
      const c = containerOf(r, AUDIT);
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '512Mi' }, limits: { memory: '1Gi' } });
      expect(c.env).toEqual([
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=8 --max-old-space-size=768' },
      ]);
      const pod = podOf(r, AUDIT).spec;
      expect(pod.priorityClassName).toBe('audit-low');
      expect(pod.hostNetwork).toBeUndefined();
      expect(pod.dnsPolicy).toBeUndefined();
      expect(pod.topologySpreadConstraints).toBeUndefined();
      // The webhook keeps its own.
      const webhook = podOf(r, FULLNAME).spec;
      expect(webhook.priorityClassName).toBe('system-cluster-critical');
      expect(webhook.hostNetwork).toBe(true);
      expect(containerOf(r, FULLNAME).resources.limits).toEqual({ memory: '256Mi' });
    });

    it("shares the webhook's other flags, mounts, scheduling and pod metadata", async () => {
      const r = await render({
        server: {
          enforcement: 'warn',
          logLevel: 'debug',
          watchNamespaces: ['shop', 'payments'],
          policy: { defaultAction: 'warn' },
          extraArgs: ['--some-flag'],
        },
        clientAuth: { enabled: true, caConfigMap: 'apiserver-client-ca' },
        nodeSelector: { pool: 'system' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        podAnnotations: { team: 'platform' },
        podLabels: { cost: 'shared' },
      });
      expect(argsOf(r, AUDIT)).toEqual([
        'serve',
        '--operation',
        'audit',
        '--port',
        '8443',
        '--cert-dir',
        CERT_DIR,
        '--enforcement',
        'warn',
        '--policy',
        '/etc/rollouts-traffic-webhook/policy/policy.yaml',
        ...AUDIT_ARGS,
        '--log-level',
        'debug',
        '--controller-identities',
        CONTROLLER,
        '--shutdown-delay-seconds',
        '5',
        '--namespaces',
        'shop,payments',
        '--client-ca',
        '/etc/rollouts-traffic-webhook/client-ca/ca.crt',
        '--some-flag',
      ]);
      const template = podOf(r, AUDIT);
      expect(template.spec.volumes.map((v: { name: string }) => v.name)).toEqual([
        'tls',
        'client-ca',
        'policy',
      ]);
      expect(template.spec.nodeSelector).toEqual({ pool: 'system' });
      expect(template.spec.tolerations).toEqual([
        { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
      ]);
      expect(template.metadata.labels).toEqual({ ...AUDIT_POD_LABELS, cost: 'shared' });
      expect(template.metadata.annotations.team).toBe('platform');
      expect(template.metadata.annotations['checksum/policy']).toBe(
        podOf(r, FULLNAME).metadata.annotations['checksum/policy'],
      );
    });

    it('gets a NetworkPolicy of its own: the server port in, the apiserver out', async () => {
      const r = await render({ networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.0/16'] } } });
      const policy = r.one('NetworkPolicy', AUDIT);
      expect(policy.spec).toEqual({
        podSelector: { matchLabels: AUDIT_POD_LABELS },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: 8443, protocol: 'TCP' }] }],
        egress: [
          {
            ports: [
              { port: 443, protocol: 'TCP' },
              { port: 6443, protocol: 'TCP' },
            ],
            to: [{ ipBlock: { cidr: '10.0.0.0/16' } }],
          },
        ],
      });
      expect(selects(r.one('NetworkPolicy', FULLNAME).spec.podSelector, AUDIT_POD_LABELS)).toBe(false);
    });

    it('is scraped by the ServiceMonitor beside the webhook, each under its own job', async () => {
      const r = await render(MONITORING);
      const monitor = r.one('ServiceMonitor');
      expect(monitor.spec.selector).toEqual({
        matchLabels: { 'app.kubernetes.io/instance': 'rtw' },
        matchExpressions: [
          {
            key: 'app.kubernetes.io/name',
            operator: 'In',
            values: ['rollouts-traffic-webhook', 'rollouts-traffic-webhook-audit'],
          },
        ],
      });
      const scraped = r
        .all('Service')
        .filter((s) => selects(monitor.spec.selector, s.metadata.labels))
        .map((s) => s.metadata.name);
      expect(scraped.sort()).toEqual([FULLNAME, AUDIT]);
      // One endpoint fits both: same port name, and the audit serves the same certificate.
      expect(monitor.spec.endpoints).toHaveLength(1);
      expect(monitor.spec.endpoints[0].tlsConfig.serverName).toBe(`${FULLNAME}.${NAMESPACE}.svc`);
    });

    it("alerts on the audit's caches and on an audit that has not finished for three intervals", async () => {
      const r = await render(MONITORING);
      const rules = r.one('PrometheusRule').spec.groups[0].rules as Field[];
      const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
      const webhook = `job="${FULLNAME}",namespace="${NAMESPACE}"`;
      const audit = `job="${AUDIT}",namespace="${NAMESPACE}"`;
      expect(byName.RolloutsTrafficWebhookCacheNotSynced.expr).toBe(
        `max by (pod, resource) (rtw_cache_synced{${webhook}} == 0 or rtw_cache_synced{${audit}} == 0)`,
      );
      expect(byName.RolloutsTrafficWebhookAuditStale.expr).toBe(
        `time() - max(rtw_audit_last_run_timestamp_seconds{${audit}}) > 900\n` +
          `  or absent(rtw_audit_last_run_timestamp_seconds{${audit}})`,
      );
      expect(byName.RolloutsTrafficWebhookAuditStale.for).toBe('10m');
      expect(byName.RolloutsTrafficWebhookAuditStale.labels).toEqual({ severity: 'warning' });
      expect(byName.RolloutsTrafficWebhookAuditStale.annotations.description).toContain(
        `Deployment ${AUDIT}`,
      );
      // Admission alerts stay on the webhook's job.
      expect(byName.RolloutsTrafficWebhookDown.expr).toBe(
        `sum(up{${webhook}}) == 0 or absent(up{${webhook}})`,
      );
    });

    it('takes a selector for the audit series', async () => {
      const r = await render({
        metrics: {
          serviceMonitor: { enabled: true },
          prometheusRule: { enabled: true, selector: 'job="wh"', auditSelector: 'job="au"' },
        },
      });
      const rules = r.one('PrometheusRule').spec.groups[0].rules as Field[];
      const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
      expect(byName.RolloutsTrafficWebhookCacheStale.expr).toBe(
        'max by (pod, resource) (rtw_cache_last_sync_age_seconds{job="wh"} or rtw_cache_last_sync_age_seconds{job="au"}) > 900',
      );
      expect(byName.RolloutsTrafficWebhookAuditStale.expr).toContain(
        'rtw_audit_last_run_timestamp_seconds{job="au"}',
      );
    });

    it('keeps the suffix under a 63-character name', async () => {
      const r = await render({ nameOverride: 'n'.repeat(63), fullnameOverride: 'f'.repeat(63) });
      const audit = r.one('Deployment', `${'f'.repeat(57)}-audit`);
      expect(audit.spec.template.metadata.labels['app.kubernetes.io/name']).toBe(`${'n'.repeat(57)}-audit`);
      expect(r.one('Service', `${'f'.repeat(57)}-audit`).spec.clusterIP).toBe('None');
      expect(
        selects(r.one('Deployment', 'f'.repeat(63)).spec.selector, audit.spec.template.metadata.labels),
      ).toBe(false);
    });
  });

  describe.concurrent('without a separate audit', () => {
    const TODAY_ARGS = ['serve', ...LEADING_ARGS, ...AUDIT_ARGS, ...EVENT_ARGS, ...TRAILING_ARGS];

    it('audit.separate=false: one Deployment audits and admits, as before chart 0.5.0', async () => {
      const r = await render({ ...MONITORING, networkPolicy: { enabled: true }, audit: { separate: false } });
      expect(r.all('Deployment').map((d) => d.metadata.name)).toEqual([FULLNAME]);
      expect(r.all('Service').map((s) => s.metadata.name)).toEqual([FULLNAME]);
      expect(r.all('NetworkPolicy').map((p) => p.metadata.name)).toEqual([FULLNAME]);
      expect(argsOf(r, FULLNAME)).toEqual(TODAY_ARGS);
      expect(argsOf(r, FULLNAME)).not.toContain('--operation');
      expect(r.one('ServiceMonitor').spec.selector).toEqual({
        matchLabels: {
          'app.kubernetes.io/name': 'rollouts-traffic-webhook',
          'app.kubernetes.io/instance': 'rtw',
        },
      });
      const rules = r.one('PrometheusRule').spec.groups[0].rules as Field[];
      const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
      const webhook = `job="${FULLNAME}",namespace="${NAMESPACE}"`;
      expect(byName.RolloutsTrafficWebhookCacheNotSynced.expr).toBe(
        `max by (pod, resource) (rtw_cache_synced{${webhook}} == 0)`,
      );
      // The webhook's replicas audit, so the audit alert watches them.
      expect(byName.RolloutsTrafficWebhookAuditStale.expr).toBe(
        `time() - max(rtw_audit_last_run_timestamp_seconds{${webhook}}) > 900\n` +
          `  or absent(rtw_audit_last_run_timestamp_seconds{${webhook}})`,
      );
    });

    it('server.auditIntervalSeconds=0: no audit Deployment, no audit alert, the webhook told the audit is off', async () => {
      const r = await render({ ...MONITORING, server: { auditIntervalSeconds: 0 } });
      expect(r.all('Deployment').map((d) => d.metadata.name)).toEqual([FULLNAME]);
      expect(r.all('Service').map((s) => s.metadata.name)).toEqual([FULLNAME]);
      const args = argsOf(r, FULLNAME);
      expect(args).not.toContain('--operation');
      expect(args[args.indexOf('--audit-interval-seconds') + 1]).toBe('0');
      const alerts = r.one('PrometheusRule').spec.groups[0].rules.map((rule: Field) => rule.alert);
      expect(alerts).not.toContain('RolloutsTrafficWebhookAuditStale');
    });
  });
});
