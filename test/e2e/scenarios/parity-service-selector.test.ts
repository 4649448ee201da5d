import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KubectlResult } from '../support/kubectl.js';
import {
  canaryRollout,
  canaryServices,
  stableIngress,
  REFERENCE_EXAMPLE_NAMES as names,
} from '../support/manifests.js';
import { waitForRollout, type RolloutState } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';
import { waitFor } from '../support/wait.js';

/**
 * Issue 13, difference 3: a Service whose selector does not match the Rollout's pods gives an
 * empty target group. The controller calls it InvalidSpec (argoproj/argo-rollouts v1.10.2,
 * pkg/apis/rollouts/validation/validation_references.go, ValidateService); the webhook now
 * refuses it at admission with the same field error, so the two say the same thing.
 */
const [stableService, canaryService] = canaryServices(names);
/** The stable Service selects `tier: web` as well; the Rollout's pods carry only `app`. */
const mismatchedStable = {
  ...stableService!,
  spec: { ...stableService!.spec, selector: { app: names.rollout, tier: 'web' } },
};
/** The controller's field error, written out here (not built from our code). */
const FIELD_ERROR =
  'spec.strategy.canary.stableService: Invalid value: "stable-svc": Service "stable-svc" has unmatch label "tier" in rollout';
const rollout = stringify(
  canaryRollout(names, { router: 'nginx', steps: [{ setWeight: 20 }, { pause: {} }] }),
);

const invalidSpec = (r: RolloutState) => r.status?.conditions?.find((c) => c.type === 'InvalidSpec');

describe("issue 13, difference 3: a Service that does not select the Rollout's pods", () => {
  let s: Scenario;
  let denied: KubectlResult;

  beforeAll(async () => {
    s = await openScenario('parity-service-selector');
    await s.startWebhook({ enforcement: 'deny' });
    await s.create([mismatchedStable, canaryService!, stableIngress(names, 'nginx')]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it("is refused by the webhook with the controller's field error", async () => {
    denied = await s.kubectl(['apply', '-f', '-'], { stdin: rollout });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'admission webhook "validate-rollouts.rtw-e2e-rollouts-traffic-webhook.rtw-e2e-system.svc" denied the request',
    );
    expect(denied.stderr).toContain(FIELD_ERROR);
    expect(denied.stderr).toContain('the pods have no label tier');
    await expect(s.kubectl(['get', 'rollout', names.rollout])).resolves.toMatchObject({ code: 1 });
  });

  it('(control, unguarded) is admitted, and the controller reports the same error as InvalidSpec', async () => {
    await unregisterWebhooks(s.admin);
    // The apiserver drops the configuration through an informer: until then, the webhook still refuses.
    await waitFor('the apply to be admitted without the webhook', async () =>
      (await s.kubectl(['apply', '-f', '-'], { stdin: rollout })).code === 0 ? true : undefined,
    );
    const reported = await waitForRollout(
      s.admin,
      s.namespace,
      names.rollout,
      'to report InvalidSpec',
      (r) => invalidSpec(r)?.status === 'True',
    );
    const condition = invalidSpec(reported)!;
    process.stderr.write(`[observed] controller condition: ${JSON.stringify(condition)}\n`);
    expect(condition.reason).toBe('InvalidSpec');
    expect(condition.message).toBe(`The Rollout "${names.rollout}" is invalid: ${FIELD_ERROR}`);
  });

  it('clears once the Service selects the pods (the fix the webhook names)', async () => {
    await s.kubectlOk([
      'patch',
      'service',
      names.stableService,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/selector/tier"}]',
    ]);
    await waitForRollout(
      s.admin,
      s.namespace,
      names.rollout,
      'to drop InvalidSpec',
      (r) => invalidSpec(r) === undefined || invalidSpec(r)?.status === 'False',
    );
  });
});
