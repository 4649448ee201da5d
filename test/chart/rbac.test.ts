// Least privilege per Deployment (templates/rbac.yaml): the webhook's ServiceAccount reads what
// the caches hold and writes Events; the audit's own (audit.separate) reads the same and writes
// the policy reports. Where one ServiceAccount does both it gets both, and no reports while the
// audit is off. Real `helm template` (test/chart/helm.ts); the expected grants are written out per
// ServiceAccount and scope, as the bindings resolve them. test/e2e/rbac.test.ts shows the same on
// a real apiserver.
import { describe, expect, it } from 'vitest';
import {
  FULLNAME,
  HELM_VERSION,
  NAMESPACE,
  describeWithHelm,
  render,
  type K8sObject,
  type Rendered,
} from './helm.js';

const AUDIT = `${FULLNAME}-audit`;
/** Names of the webhook's cluster-scoped RBAC objects (as before chart 0.6.0) and the audit's. */
const CLUSTER_NAME = `${FULLNAME}.${NAMESPACE}`;
const AUDIT_CLUSTER_NAME = `${AUDIT}.${NAMESPACE}`;

const READ = ['get', 'list', 'watch'];
/** What the caches hold in namespaces ... */
const NAMESPACED_READS = [
  ...READ.map((v) => `argoproj.io/rollouts:${v}`),
  ...READ.map((v) => `networking.k8s.io/ingresses:${v}`),
  ...READ.map((v) => `/services:${v}`),
  ...READ.map((v) => `gateway.networking.k8s.io/httproutes:${v}`),
  ...READ.map((v) => `gateway.networking.k8s.io/grpcroutes:${v}`),
];
/** ... and cluster-wide. */
const CLUSTER_READS = READ.map((v) => `networking.k8s.io/ingressclasses:${v}`);
/** Admission's Events: create, and patch to raise the count of a repeat; nothing else. */
const EVENTS = ['events.k8s.io/events:create', 'events.k8s.io/events:patch'];
/** The background audit's reports, one per namespace. */
const REPORT_VERBS = ['get', 'list', 'create', 'update', 'delete'];
const REPORTS = [
  ...REPORT_VERBS.map((v) => `wgpolicyk8s.io/policyreports:${v}`),
  ...REPORT_VERBS.map((v) => `openreports.io/reports:${v}`),
];
const sorted = (triples: string[]): string[] => [...triples].sort();

const WEBHOOK_CLUSTER_WIDE = sorted([...NAMESPACED_READS, ...CLUSTER_READS, ...EVENTS]);
const AUDIT_CLUSTER_WIDE = sorted([...NAMESPACED_READS, ...CLUSTER_READS, ...REPORTS]);
const BOTH_CLUSTER_WIDE = sorted([...NAMESPACED_READS, ...CLUSTER_READS, ...EVENTS, ...REPORTS]);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
const triples = (rules: Rule[]): string[] =>
  rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
  );

/**
 * What each ServiceAccount of the release namespace is granted, by scope ("cluster", or the
 * namespace of a RoleBinding), as `<group>/<resource>:<verb>`, sorted: every binding followed to
 * the ClusterRole it names, which must be in the render.
 */
function grants(r: Rendered): Record<string, Record<string, string[]>> {
  const granted: Record<string, Record<string, string[]>> = {};
  const bindings = [...r.all('ClusterRoleBinding'), ...r.all('RoleBinding')];
  for (const binding of bindings) {
    expect(binding.roleRef.kind).toBe('ClusterRole');
    const role = r.one('ClusterRole', binding.roleRef.name);
    const scope = binding.kind === 'RoleBinding' ? binding.metadata.namespace! : 'cluster';
    for (const subject of binding.subjects as { kind: string; name: string; namespace: string }[]) {
      expect(subject.kind).toBe('ServiceAccount');
      expect(subject.namespace).toBe(NAMESPACE);
      const byScope = (granted[subject.name] ??= {});
      byScope[scope] = sorted([...(byScope[scope] ?? []), ...triples(role.rules)]);
    }
  }
  return granted;
}

const names = (objects: K8sObject[]): string[] => objects.map((o) => o.metadata.name).sort();
const serviceAccountOf = (r: Rendered, deployment: string): string =>
  r.one('Deployment', deployment).spec.template.spec.serviceAccountName;

describeWithHelm(`the chart's RBAC with helm ${HELM_VERSION}`, () => {
  describe.concurrent('the audit in a Deployment of its own (audit.separate, the default)', () => {
    it("splits it: Events for the webhook's ServiceAccount, the reports for the audit's", async () => {
      const r = await render();
      expect(grants(r)).toEqual({
        [FULLNAME]: { cluster: WEBHOOK_CLUSTER_WIDE },
        [AUDIT]: { cluster: AUDIT_CLUSTER_WIDE },
      });
      expect(serviceAccountOf(r, FULLNAME)).toBe(FULLNAME);
      expect(serviceAccountOf(r, AUDIT)).toBe(AUDIT);
      // Both created in the release namespace, the audit's labelled as its other objects.
      expect(names(r.all('ServiceAccount'))).toEqual([FULLNAME, AUDIT]);
      for (const sa of r.all('ServiceAccount')) expect(sa.metadata.namespace).toBe(NAMESPACE);
      expect(r.one('ServiceAccount', AUDIT).metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'rollouts-traffic-webhook-audit',
        'app.kubernetes.io/component': 'audit',
      });
      const webhookLabels = r.one('ServiceAccount', FULLNAME).metadata.labels;
      expect(webhookLabels['app.kubernetes.io/component']).toBeUndefined();
    });

    it("keeps the webhook's ClusterRole and binding names; the audit's are <fullname>-audit.<namespace>", async () => {
      const r = await render();
      expect(names(r.all('ClusterRole'))).toEqual([CLUSTER_NAME, AUDIT_CLUSTER_NAME].sort());
      expect(names(r.all('ClusterRoleBinding'))).toEqual([CLUSTER_NAME, AUDIT_CLUSTER_NAME].sort());
      for (const name of [CLUSTER_NAME, AUDIT_CLUSTER_NAME]) {
        expect(r.one('ClusterRoleBinding', name).roleRef).toEqual({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name,
        });
      }
      expect(r.one('ClusterRoleBinding', CLUSTER_NAME).subjects).toEqual([
        { kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE },
      ]);
      expect(r.one('ClusterRoleBinding', AUDIT_CLUSTER_NAME).subjects).toEqual([
        { kind: 'ServiceAccount', name: AUDIT, namespace: NAMESPACE },
      ]);
      const auditLabels = r.one('ClusterRole', AUDIT_CLUSTER_NAME).metadata.labels;
      expect(auditLabels['app.kubernetes.io/component']).toBe('audit');
    });

    it("names the audit's ServiceAccount after serviceAccount.name, or audit.serviceAccountName", async () => {
      const [named, both] = await Promise.all([
        render({ serviceAccount: { name: 'rtw' } }),
        render({ serviceAccount: { name: 'rtw' }, audit: { serviceAccountName: 'reports-writer' } }),
      ]);
      expect(grants(named)).toEqual({
        rtw: { cluster: WEBHOOK_CLUSTER_WIDE },
        'rtw-audit': { cluster: AUDIT_CLUSTER_WIDE },
      });
      expect(names(named.all('ServiceAccount'))).toEqual(['rtw', 'rtw-audit']);
      expect(serviceAccountOf(named, AUDIT)).toBe('rtw-audit');
      expect(grants(both)).toEqual({
        rtw: { cluster: WEBHOOK_CLUSTER_WIDE },
        'reports-writer': { cluster: AUDIT_CLUSTER_WIDE },
      });
      expect(names(both.all('ServiceAccount'))).toEqual(['reports-writer', 'rtw']);
      expect(serviceAccountOf(both, FULLNAME)).toBe('rtw');
      expect(serviceAccountOf(both, AUDIT)).toBe('reports-writer');
    });

    it('puts serviceAccount.annotations on both ServiceAccounts', async () => {
      const annotations = { 'example.com/owner': 'platform' };
      const r = await render({ serviceAccount: { annotations } });
      for (const sa of r.all('ServiceAccount')) expect(sa.metadata.annotations).toEqual(annotations);
    });

    it('with watchNamespaces: each ServiceAccount bound in each namespace to its own namespaced role', async () => {
      const r = await render({ server: { watchNamespaces: ['shop', 'payments'] } });
      const webhookNamespaced = sorted([...NAMESPACED_READS, ...EVENTS]);
      const auditNamespaced = sorted([...NAMESPACED_READS, ...REPORTS]);
      expect(grants(r)).toEqual({
        [FULLNAME]: { cluster: CLUSTER_READS, shop: webhookNamespaced, payments: webhookNamespaced },
        [AUDIT]: { cluster: CLUSTER_READS, shop: auditNamespaced, payments: auditNamespaced },
      });
      const roles = [CLUSTER_NAME, AUDIT_CLUSTER_NAME].flatMap((name) => [name, `${name}.namespaced`]);
      expect(names(r.all('ClusterRole'))).toEqual(roles.sort());
      const bindings = r.all('RoleBinding');
      expect(bindings.map((b) => [b.metadata.namespace, b.metadata.name, b.roleRef.name])).toEqual([
        ['shop', CLUSTER_NAME, `${CLUSTER_NAME}.namespaced`],
        ['payments', CLUSTER_NAME, `${CLUSTER_NAME}.namespaced`],
        ['shop', AUDIT_CLUSTER_NAME, `${AUDIT_CLUSTER_NAME}.namespaced`],
        ['payments', AUDIT_CLUSTER_NAME, `${AUDIT_CLUSTER_NAME}.namespaced`],
      ]);
    });
  });

  describe.concurrent('existing ServiceAccounts (serviceAccount.create=false)', () => {
    it("splits it when audit.serviceAccountName names the audit's", async () => {
      const r = await render({
        serviceAccount: { create: false, name: 'webhook-sa' },
        audit: { serviceAccountName: 'audit-sa' },
      });
      expect(r.all('ServiceAccount')).toEqual([]);
      expect(grants(r)).toEqual({
        'webhook-sa': { cluster: WEBHOOK_CLUSTER_WIDE },
        'audit-sa': { cluster: AUDIT_CLUSTER_WIDE },
      });
      expect(serviceAccountOf(r, FULLNAME)).toBe('webhook-sa');
      expect(serviceAccountOf(r, AUDIT)).toBe('audit-sa');
    });

    it("runs both Deployments on the webhook's without audit.serviceAccountName, which then gets both", async () => {
      const r = await render({ serviceAccount: { create: false, name: 'webhook-sa' } });
      expect(r.all('ServiceAccount')).toEqual([]);
      expect(grants(r)).toEqual({ 'webhook-sa': { cluster: BOTH_CLUSTER_WIDE } });
      expect(names(r.all('ClusterRole'))).toEqual([CLUSTER_NAME]);
      expect(serviceAccountOf(r, FULLNAME)).toBe('webhook-sa');
      expect(serviceAccountOf(r, AUDIT)).toBe('webhook-sa');
    });
  });

  describe.concurrent('one ServiceAccount', () => {
    it('audit.separate=false: the one Deployment admits and audits, so it gets Events and reports', async () => {
      const r = await render({ audit: { separate: false, serviceAccountName: 'ignored' } });
      expect(grants(r)).toEqual({ [FULLNAME]: { cluster: BOTH_CLUSTER_WIDE } });
      expect(names(r.all('ServiceAccount'))).toEqual([FULLNAME]);
      expect(names(r.all('ClusterRole'))).toEqual([CLUSTER_NAME]);
      expect(serviceAccountOf(r, FULLNAME)).toBe(FULLNAME);
    });

    it('audit.separate=false with watchNamespaces: Events and reports in each namespace', async () => {
      const r = await render({ audit: { separate: false }, server: { watchNamespaces: ['shop'] } });
      expect(grants(r)).toEqual({
        [FULLNAME]: { cluster: CLUSTER_READS, shop: sorted([...NAMESPACED_READS, ...EVENTS, ...REPORTS]) },
      });
    });

    it("audit.serviceAccountName equal to the webhook's: one ServiceAccount, created once, with both", async () => {
      const r = await render({ audit: { serviceAccountName: FULLNAME } });
      expect(names(r.all('ServiceAccount'))).toEqual([FULLNAME]);
      expect(grants(r)).toEqual({ [FULLNAME]: { cluster: BOTH_CLUSTER_WIDE } });
      expect(serviceAccountOf(r, AUDIT)).toBe(FULLNAME);
    });

    for (const separate of [true, false]) {
      it(`server.auditIntervalSeconds=0 (audit.separate=${separate}): no audit, so no reports either`, async () => {
        const r = await render({ server: { auditIntervalSeconds: 0 }, audit: { separate } });
        expect(grants(r)).toEqual({ [FULLNAME]: { cluster: WEBHOOK_CLUSTER_WIDE } });
        expect(names(r.all('ServiceAccount'))).toEqual([FULLNAME]);
        expect(names(r.all('ClusterRole'))).toEqual([CLUSTER_NAME]);
      });
    }

    it('server.auditIntervalSeconds=0 with watchNamespaces: Events and no reports in each namespace', async () => {
      const r = await render({ server: { auditIntervalSeconds: 0, watchNamespaces: ['shop'] } });
      expect(grants(r)).toEqual({
        [FULLNAME]: { cluster: CLUSTER_READS, shop: sorted([...NAMESPACED_READS, ...EVENTS]) },
      });
    });
  });

  it('rbac.create=false: no roles or bindings, the ServiceAccounts still split', async () => {
    const r = await render({ rbac: { create: false } });
    expect(r.objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
    expect(names(r.all('ServiceAccount'))).toEqual([FULLNAME, AUDIT]);
    expect(serviceAccountOf(r, AUDIT)).toBe(AUDIT);
  });
});
