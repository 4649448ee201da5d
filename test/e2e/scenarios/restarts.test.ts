import type { V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { restartComponent } from '../support/control-channel.js';
import { httpsRequest } from '../support/https.js';
import {
  canaryRollout,
  canaryServices,
  gitAlbIngress,
  REFERENCE_EXAMPLE_NAMES as names,
} from '../support/manifests.js';
import { pausedAtStep, promote, runCanaryToPause, waitForRollout } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albCanaryWeight, ARGO_CD_IDENTITY } from '../support/traffic.js';
import { waitForState } from '../support/wait.js';
import type { WebhookUnderTest } from '../support/webhook.js';

const manifest = stringify(gitAlbIngress(names));
const STEPS = [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }];
const canaryWeight = (ingress: V1Ingress) => albCanaryWeight(ingress, names);

/** `metric{resource="x"} value` lines of the webhook's /metrics, by resource. */
function gauge(metricsText: string, metric: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const match of metricsText.matchAll(new RegExp(`^${metric}\\{resource="([^"]+)"\\} (\\S+)$`, 'gm'))) {
    values[match[1]!] = Number(match[2]);
  }
  return values;
}

describe('scenario 5: restarts of the webhook and of the apiserver', () => {
  let s: Scenario;
  let webhook: WebhookUnderTest;
  const caOnly = () => s.env.controlPlane.pki.caCert;
  const metrics = async () => (await httpsRequest(`${webhook.baseUrl}/metrics`, { ca: caOnly() })).body;
  /** Argo CD re-applies Git's Ingress; returns kubectl's result and the stored weight. */
  const reapply = async () => {
    const result = await s.kubectl(['apply', '-o', 'json', '-f', '-'], {
      as: ARGO_CD_IDENTITY,
      stdin: manifest,
    });
    return {
      result,
      weight: result.code === 0 ? canaryWeight(JSON.parse(result.stdout) as V1Ingress) : undefined,
    };
  };

  beforeAll(async () => {
    s = await openScenario('restarts');
    await s.grant(ARGO_CD_IDENTITY);
    webhook = await s.startWebhook();
    await s.create(canaryServices(names));
    await s.kubectlOk(['apply', '-f', '-'], { as: ARGO_CD_IDENTITY, stdin: manifest });
    await s.create([canaryRollout(names, { router: 'alb', steps: STEPS })]);
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    await s.waitForIngress(names.ingress, 'to route 20% to the canary', (i) => canaryWeight(i) === '20');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a restarted webhook is ready only with synced caches, and its first decision keeps the weights', async () => {
    webhook = await webhook.restart(); // resolves once /readyz answers 200
    const synced = gauge(await metrics(), 'rtw_cache_synced');
    expect(Object.keys(synced).length).toBeGreaterThan(0);
    expect(Object.values(synced).every((v) => v === 1)).toBe(true);
    const { result, weight } = await reapply();
    expect(result.code, result.stderr).toBe(0);
    expect(weight).toBe('20');
  });

  it('across an apiserver restart the webhook stays ready and never admits a weight reset', async () => {
    const restartBegan = Date.now();
    const restartMs = await restartComponent(s.env.controlUrl, 'kube-apiserver');
    process.stderr.write(`[observed] kube-apiserver restart took ${restartMs} ms\n`);
    // Right after the apiserver is back, the webhook's watches are reconnecting. Each re-apply
    // may be refused (failurePolicy Fail) but must never store Git's weights.
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 20 && outcomes.at(-1) !== 'kept'; attempt++) {
      const { result, weight } = await reapply();
      outcomes.push(result.code !== 0 ? 'refused' : weight === '20' ? 'kept' : `reset to ${weight}`);
    }
    process.stderr.write(`[observed] re-applies after the apiserver restart: ${outcomes.join(', ')}\n`);
    expect(outcomes.filter((o) => o.startsWith('reset'))).toEqual([]);
    expect(outcomes.at(-1)).toBe('kept');
    expect((await httpsRequest(`${webhook.baseUrl}/readyz`, { ca: caOnly() })).status).toBe(200);
    // Every cache heard from the apiserver after the old process closed its watches (a relist).
    const ages = await waitForState(
      'every webhook cache to relist from the restarted apiserver',
      async () => ({ ages: gauge(await metrics(), 'rtw_cache_last_sync_age_seconds'), at: Date.now() }),
      ({ ages, at }) => Object.values(ages).every((age) => age < (at - restartBegan) / 1000),
      ({ ages, at }) => ({ ages, secondsSinceRestartBegan: (at - restartBegan) / 1000 }),
    );
    process.stderr.write(`[observed] cache ages after the restart: ${JSON.stringify(ages.ages)}\n`);
  });

  it('decides from post-restart state: after promotion to 40%, a re-apply keeps 40', async () => {
    await promote(s.admin, s.namespace, names.rollout);
    await waitForRollout(s.admin, s.namespace, names.rollout, 'to pause after setWeight 40', pausedAtStep(3));
    await s.waitForIngress(names.ingress, 'to route 40% to the canary', (i) => canaryWeight(i) === '40');
    const { result, weight } = await reapply();
    expect(result.code, result.stderr).toBe(0);
    expect(weight).toBe('40');
  });
});
