import type { V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  allToStableAction,
  canaryRollout,
  canaryServices,
  gitAlbIngress,
  REFERENCE_EXAMPLE_NAMES as names,
} from '../support/manifests.js';
import { runCanaryToPause } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albActionKey, albCanaryWeight, ARGO_CD_IDENTITY } from '../support/traffic.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';
import type { WebhookUnderTest } from '../support/webhook.js';
import { apiserverConnection } from '../support/webhook-server.js';

const ACTION_KEY = albActionKey(names);
const weightOf = (ingress: V1Ingress) => albCanaryWeight(ingress, names);

const SERVER_SIDE_APPLY = [
  'apply',
  '--server-side',
  '--field-manager=argocd-controller',
  '--force-conflicts',
  '-f',
  '-',
];
/**
 * The Ingress manifest in Git carries the ALB action with all traffic on stable (so the
 * load balancer routes before any Rollout exists). Every Argo CD sync re-applies it. Mid
 * canary, that must not reset the controller's weights.
 */
const GIT_ACTION = allToStableAction(names);
const manifest = stringify(gitAlbIngress(names));

describe('scenario 1: Argo CD re-applies the Ingress mid-canary', () => {
  let s: Scenario;
  let webhook: WebhookUnderTest;
  const asArgoCd = { as: ARGO_CD_IDENTITY };

  beforeAll(async () => {
    s = await openScenario('gitops-reapply');
    await s.grant(ARGO_CD_IDENTITY);
    webhook = await s.startWebhook();
    await s.create(canaryServices(names));
    await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
    await s.create([canaryRollout(names, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] })]);
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    await s.waitForIngress(names.ingress, 'to route 20% to the canary', (i) => weightOf(i) === '20');
  });
  afterAll(async () => {
    await s?.close();
  });

  it("watches with the harness's client-certificate kubeconfig through the built-in loader", () => {
    expect(apiserverConnection(webhook)).toMatchObject({
      loader: 'built-in',
      credentials: 'client certificate',
      server: s.env.controlPlane.apiServerUrl,
    });
  });

  it('keeps the weights on a client-side apply by the Argo CD identity, with a warning', async () => {
    const result = await s.kubectl(['apply', '-o', 'json', '-f', '-'], { ...asArgoCd, stdin: manifest });
    expect(result.code, result.stderr).toBe(0);
    expect(weightOf(JSON.parse(result.stdout) as V1Ingress)).toBe('20');
    // "kept" when the apply changed the live value, "restored" when it removed the key.
    expect(result.stderr).toMatch(
      new RegExp(
        `${ACTION_KEY.replaceAll('.', '\\.')}: (kept|restored) Rollout ${names.rollout}'s live traffic`,
      ),
    );
    expect(weightOf(await s.ingress(names.ingress))).toBe('20');
  });

  it('shows the same object on a server-side dry run', async () => {
    const dryRun = JSON.parse(
      await s.kubectlOk(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      }),
    ) as V1Ingress;
    const live = await s.ingress(names.ingress);
    expect(dryRun.metadata?.annotations).toEqual(live.metadata?.annotations);
    expect(dryRun.spec).toEqual(live.spec);
  });

  it('keeps the weights on a server-side apply by another field manager', async () => {
    await s.kubectlOk(SERVER_SIDE_APPLY, { ...asArgoCd, stdin: manifest });
    expect(weightOf(await s.ingress(names.ingress))).toBe('20');
  });

  it('(control) resets the weights when no webhook guards the Ingress', async () => {
    // Proves the checks above can fail: the same apply, unguarded, writes Git's 100% stable.
    await unregisterWebhooks(s.admin);
    const result = await s.kubectl([...SERVER_SIDE_APPLY, '-o', 'json'], { ...asArgoCd, stdin: manifest });
    expect(result.code, result.stderr).toBe(0);
    const applied = JSON.parse(result.stdout) as V1Ingress;
    expect(applied.metadata?.annotations?.[ACTION_KEY]).toBe(GIT_ACTION);
  });
});
