// Findings people see outside kubectl's warnings: Events on the Ingress and the Rollout when
// a GitOps re-apply is overridden (one Event, its count growing; none for dry runs), and the
// background audit's policy reports for objects that were wrong before the webhook started,
// with a rule set to `audit` admitted and reported instead of denied.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { httpsRequest } from '../support/https.js';
import {
  canaryRollout,
  canaryServices,
  gitAlbIngress,
  miswiredApp,
  REFERENCE_EXAMPLE_NAMES as names,
  type CanaryNames,
} from '../support/manifests.js';
import { runCanaryToPause } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albCanaryWeight, ARGO_CD_IDENTITY } from '../support/traffic.js';
import { sleep, waitFor } from '../support/wait.js';
import type { WebhookUnderTest } from '../support/webhook.js';
import type { RunningWebhook } from '../support/webhook-server.js';

interface EventObject {
  metadata: { name: string };
  reason: string;
  note: string;
  regarding: { kind: string; name: string };
  related?: { kind: string; name: string };
  series?: { count: number };
  reportingController: string;
}

interface ReportResult {
  rule: string;
  result: string;
  properties: Record<string, string>;
  resources: { kind: string; name: string }[];
}

const REPORT = 'rollouts-traffic-webhook';

/** The Events of one reason on one object about the stable Service's ALB action key. */
async function eventsOf(s: Scenario, kind: string, name: string, reason: string): Promise<EventObject[]> {
  const list = JSON.parse(await s.kubectlOk(['get', 'events.v1.events.k8s.io', '-o', 'json'])) as {
    items: EventObject[];
  };
  return list.items.filter(
    (e) =>
      e.regarding.kind === kind &&
      e.regarding.name === name &&
      e.reason === reason &&
      e.note.includes(`alb.ingress.kubernetes.io/actions.${names.stableService}`),
  );
}

/** The occurrences an Event stands for: its series count, or 1 without a series. */
const occurrences = (event: EventObject | undefined) => (event ? (event.series?.count ?? 1) : 0);

async function metrics(s: Scenario, webhook: RunningWebhook): Promise<string> {
  return (await httpsRequest(`${webhook.baseUrl}/metrics`, { ca: s.env.controlPlane.pki.caCert })).body;
}

describe('findings: Events when a GitOps re-apply mid-canary is overridden', () => {
  let s: Scenario;
  let webhook: WebhookUnderTest;
  const asArgoCd = { as: ARGO_CD_IDENTITY };
  const manifest = stringify(gitAlbIngress(names));
  const ingressEvent = async () =>
    (await eventsOf(s, 'Ingress', names.ingress, 'TrafficStateRestored')).at(0);

  beforeAll(async () => {
    s = await openScenario('events');
    await s.grant(ARGO_CD_IDENTITY);
    webhook = await s.startWebhook({ extraArgs: ['--audit-interval-seconds=0'] });
    await s.create(canaryServices(names));
    await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
    await s.create([canaryRollout(names, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] })]);
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    await s.waitForIngress(
      names.ingress,
      'to route 20% to the canary',
      (i) => albCanaryWeight(i, names) === '20',
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  it('records one Event on the Ingress whose count grows with every re-apply', async () => {
    for (let apply = 1; apply <= 3; apply++) {
      const result = await s.kubectl(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
      expect(result.code, result.stderr).toBe(0);
      await waitFor(`the Ingress Event to count ${apply}`, async () =>
        occurrences(await ingressEvent()) === apply ? true : undefined,
      );
    }
    const events = await eventsOf(s, 'Ingress', names.ingress, 'TrafficStateRestored');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      reportingController: 'rollouts-traffic-webhook',
      related: { kind: 'Rollout', name: names.rollout },
      series: { count: 3 },
    });
    expect(events[0]!.note).toContain(
      `[rollout-owned-key-restored] alb.ingress.kubernetes.io/actions.${names.stableService}`,
    );
    expect(albCanaryWeight((await s.ingress(names.ingress)) as V1Ingress, names)).toBe('20');
  });

  it('records the same on the Rollout that owns the keys', async () => {
    const events = await waitFor('the Rollout Event', async () => {
      const found = await eventsOf(s, 'Rollout', names.rollout, 'TrafficStateRestored');
      return occurrences(found[0]) === 3 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.related).toMatchObject({ kind: 'Ingress', name: names.ingress });
  });

  it('records nothing for dry runs, which are counted apart', async () => {
    const before = occurrences(await ingressEvent());
    for (let i = 0; i < 3; i++) {
      await s.kubectlOk(['apply', '--dry-run=server', '-f', '-'], { ...asArgoCd, stdin: manifest });
      await s.kubectlOk(
        [
          'apply',
          '--server-side',
          '--field-manager=argocd-controller',
          '--force-conflicts',
          '--dry-run=server',
          '-f',
          '-',
        ],
        { ...asArgoCd, stdin: manifest },
      );
    }
    // The dry runs reached the webhook and were overridden there, as dry runs.
    expect(await metrics(s, webhook)).toMatch(
      /rtw_ingress_overrides_total\{provider="alb",dry_run="true"\} [1-9]/,
    );
    // Events are written within milliseconds of a review; give them ample time to show up.
    await sleep(3000);
    expect(occurrences(await ingressEvent())).toBe(before);
    expect(await eventsOf(s, 'Ingress', names.ingress, 'TrafficStateRestored')).toHaveLength(1);
  });
});

function yaml(objects: readonly KubernetesObject[]): string {
  return objects.map((o) => `---\n${stringify(o)}`).join('');
}

describe('findings: the background audit into policy reports, and a rule set to audit', () => {
  let s: Scenario;
  let webhook: WebhookUnderTest;
  const second: CanaryNames = {
    rollout: 'second',
    stableService: 'second-stable',
    canaryService: 'second-canary',
    ingress: 'second',
    servicePort: 443,
  };
  const report = async (resource: string): Promise<{ results?: ReportResult[] } | undefined> => {
    const result = await s.kubectl(['get', resource, REPORT, '-o', 'json']);
    if (result.code !== 0) {
      if (result.stderr.includes('NotFound')) return undefined;
      throw new Error(result.stderr);
    }
    return JSON.parse(result.stdout) as { results?: ReportResult[] };
  };
  const reported = (r: { results?: ReportResult[] } | undefined, kind: string, name: string) =>
    r?.results?.find((x) => x.resources[0]?.kind === kind && x.resources[0]?.name === name);

  beforeAll(async () => {
    s = await openScenario('audit');
    // Created while no webhook runs: only the audit can find it.
    await s.kubectlOk(['apply', '-f', '-'], {
      stdin: yaml(miswiredApp(names)),
    });
    const dir = mkdtempSync(join(tmpdir(), 'rtw-policy-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, stringify({ rules: [{ match: ['alb-backend-port-number'], action: 'audit' }] }));
    webhook = await s.startWebhook({
      enforcement: 'deny',
      // Only the first audit is full: the later findings and the fix are seen by incremental
      // audits, which judge the namespaces the watch saw change.
      extraArgs: [`--policy=${policy}`, '--audit-interval-seconds=2', '--audit-rejudge-every=0'],
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finds the Rollout miswired before the webhook started and writes both report formats', async () => {
    for (const resource of ['policyreports.wgpolicyk8s.io', 'reports.openreports.io']) {
      const found = await waitFor(`${resource} to report Rollout ${names.rollout}`, async () =>
        reported(await report(resource), 'Rollout', names.rollout),
      );
      expect(found).toMatchObject({
        rule: 'alb-backend-port-number',
        result: 'fail',
        properties: { action: 'audit' },
      });
      // The Ingress has more than one finding (its action is unused too); the port is among them.
      const ingressRules = ((await report(resource))?.results ?? [])
        .filter((x) => x.resources[0]?.kind === 'Ingress' && x.resources[0]?.name === names.ingress)
        .map((x) => x.rule);
      expect(ingressRules).toContain('alb-backend-port-number');
    }
    expect(await metrics(s, webhook)).toMatch(/rtw_audit_violations\{rule="alb-backend-port-number"\} [1-9]/);
  });

  it('admits a new miswiring of a rule set to audit, without a warning, and reports it', async () => {
    const result = await s.kubectl(['apply', '-f', '-'], {
      stdin: yaml(miswiredApp(second)),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('port.number');
    await waitFor(`the report to list Rollout ${second.rollout}`, async () =>
      reported(await report('policyreports.wgpolicyk8s.io'), 'Rollout', second.rollout),
    );
  });

  it('removes the reports once every finding is fixed', async () => {
    await s.kubectlOk(['apply', '-f', '-'], { stdin: yaml([gitAlbIngress(names), gitAlbIngress(second)]) });
    for (const resource of ['policyreports.wgpolicyk8s.io', 'reports.openreports.io']) {
      await waitFor(`${resource} to be deleted`, async () => ((await report(resource)) ? undefined : true));
    }
    const text = await metrics(s, webhook);
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('rtw_audit_last_full_run_timestamp_seconds')).toBeGreaterThan(0);
    expect(gauge('rtw_audit_last_run_timestamp_seconds')).toBeGreaterThan(
      gauge('rtw_audit_last_full_run_timestamp_seconds'),
    );
  });
});

describe('findings: the audit in a process of its own, as the chart runs it', () => {
  let s: Scenario;
  let webhook: WebhookUnderTest;
  let auditor: RunningWebhook;
  const report = async () => {
    const result = await s.kubectl(['get', 'policyreports.wgpolicyk8s.io', REPORT, '-o', 'json']);
    return result.code === 0 ? (JSON.parse(result.stdout) as { results?: ReportResult[] }) : undefined;
  };

  beforeAll(async () => {
    s = await openScenario('audit-apart');
    await s.kubectlOk(['apply', '-f', '-'], {
      stdin: yaml(miswiredApp(names)),
    });
    webhook = await s.startWebhook({ extraArgs: ['--operation=webhook'] });
    auditor = await s.startAuditor({ extraArgs: ['--audit-interval-seconds=2'] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the auditor writes the report of the Rollout miswired before it started; the webhook audits nothing', async () => {
    // Waited for: a first audit that meets a report CRD installed moments before (429,
    // storage initializing) leaves it to the next audit, 2 s later.
    const found = await waitFor(`the auditor to report Rollout ${names.rollout}`, async () =>
      (await report())?.results?.find(
        (x) => x.resources[0]?.kind === 'Rollout' && x.resources[0]?.name === names.rollout,
      ),
    );
    expect(found).toMatchObject({
      rule: 'alb-backend-port-number',
      result: 'fail',
      properties: { action: 'deny' },
    });
    // A run counts as a success once both report formats could be written.
    await waitFor('an audit that wrote both report formats', async () =>
      /^rtw_audit_runs_total\{result="success"\} [1-9]/m.test(await metrics(s, auditor)) ? true : undefined,
    );
    expect(await metrics(s, webhook)).not.toMatch(/^rtw_audit_runs_total\{/m);
  });

  it('the webhook denies a new miswiring; the auditor answers no reviews', async () => {
    const other: CanaryNames = {
      rollout: 'other',
      stableService: 'other-stable',
      canaryService: 'other-canary',
      ingress: 'other',
      servicePort: 443,
    };
    await s.kubectlOk(['apply', '-f', '-'], {
      stdin: yaml(miswiredApp(other).filter((o) => o.kind !== 'Rollout')),
    });
    // The webhook judges the Rollout against its watch cache, which sees the Ingress a moment
    // after it is written: dry runs until it does.
    const denial = await waitFor('the webhook to deny the Rollout of a miswired Ingress', async () => {
      const result = await s.kubectl(['apply', '--dry-run=server', '-f', '-'], {
        stdin: yaml(miswiredApp(other).filter((o) => o.kind === 'Rollout')),
      });
      return result.code !== 0 && result.stderr.includes('port.number') ? result.stderr : undefined;
    });
    expect(denial).toContain('denied the request');
    const res = await httpsRequest(
      `${auditor.baseUrl}/validate`,
      { ca: s.env.controlPlane.pki.caCert },
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
    );
    expect(res.status).toBe(404);
  });
});
