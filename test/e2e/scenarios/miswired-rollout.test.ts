import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  canaryRollout,
  canaryServices,
  gitAlbIngress,
  REFERENCE_EXAMPLE_NAMES as names,
} from '../support/manifests.js';
import { openScenario, type Scenario } from '../support/scenario.js';

/** A Rollout whose stableService is not the Service the Ingress routes to. */
const miswired = { ...names, stableService: 'stable' };

describe('scenario 3: a miswired Rollout is refused by kubectl apply, the fixed one accepted', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await openScenario('miswired-rollout');
    await s.startWebhook({ enforcement: 'deny' });
    await s.create([...canaryServices(names), ...canaryServices(miswired).slice(0, 1)]);
    await s.kubectlOk(['apply', '-f', '-'], { stdin: stringify(gitAlbIngress(names)) });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("refuses the miswired one with the webhook's message naming the Ingress and the Service", async () => {
    const rollout = canaryRollout(miswired, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] });
    const result = await s.kubectl(['apply', '-f', '-'], { stdin: stringify(rollout) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'admission webhook "validate-rollouts.rtw-e2e-rollouts-traffic-webhook.rtw-e2e-system.svc" denied the request',
    );
    expect(result.stderr).toContain(`ingress \`${names.ingress}\` has no rules using service stable backend`);
    await expect(s.kubectl(['get', 'rollout', names.rollout])).resolves.toMatchObject({ code: 1 });
  });

  it('accepts the fixed one', async () => {
    const rollout = canaryRollout(names, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] });
    const result = await s.kubectl(['apply', '-f', '-'], { stdin: stringify(rollout) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`rollout.argoproj.io/${names.rollout} created`);
  });
});
