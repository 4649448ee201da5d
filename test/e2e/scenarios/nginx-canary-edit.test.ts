import type { V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canarySetup, REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import { runCanaryToPause } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';

const CANARY = `${names.rollout}-${names.ingress}-canary`;
const WEIGHT_KEY = 'nginx.ingress.kubernetes.io/canary-weight';

describe('scenario 6: the NGINX canary Ingress keeps its weight when someone else edits it', () => {
  let s: Scenario;
  const canaryAnnotations = async () => (await s.ingress(CANARY)).metadata?.annotations ?? {};

  beforeAll(async () => {
    s = await openScenario('nginx-canary-edit');
    await s.startWebhook();
    await s.create(canarySetup(names, { router: 'nginx', steps: [{ setWeight: 20 }, { pause: {} }] }));
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    await s.waitForIngress(
      CANARY,
      'to carry weight 20',
      (i) => i.metadata?.annotations?.[WEIGHT_KEY] === '20',
    );
  });
  afterAll(async () => {
    await s?.close();
  });

  it("keeps canary-weight 20 and the editor's own annotation", async () => {
    const result = await s.kubectl([
      'annotate',
      'ingress',
      CANARY,
      `${WEIGHT_KEY}=0`,
      'example.com/owner=payments',
      '--overwrite',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const annotations = await canaryAnnotations();
    expect(annotations[WEIGHT_KEY]).toBe('20');
    expect(annotations['example.com/owner']).toBe('payments');
  });

  it('(control) loses the weight when no webhook guards it', async () => {
    await unregisterWebhooks(s.admin);
    // The stored object as the write returned it: the controller may restore 20 right after.
    const stored = JSON.parse(
      await s.kubectlOk(['annotate', 'ingress', CANARY, `${WEIGHT_KEY}=0`, '--overwrite', '-o', 'json']),
    ) as V1Ingress;
    expect(stored.metadata?.annotations?.[WEIGHT_KEY]).toBe('0');
  });
});
