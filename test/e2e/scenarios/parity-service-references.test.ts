import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
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
 * Issue 13, differences 3 and 4: a Service whose selector does not match the Rollout's pods
 * (an empty target group), and a Service another Rollout already manages. The controller calls
 * both InvalidSpec (argoproj/argo-rollouts v1.10.2,
 * pkg/apis/rollouts/validation/validation_references.go, ValidateService); the webhook now
 * refuses them at admission with the same field errors, so the two say the same thing.
 */
const [stableService, canaryService] = canaryServices(names);
/** The stable Service selects `tier: web` as well; the Rollout's pods carry only `app`. */
const mismatchedStable = {
  ...stableService!,
  spec: { ...stableService!.spec, selector: { app: names.rollout, tier: 'web' } },
};
/** The controller's field errors, written out here (not built from our code). */
const FIELD_ERROR =
  'spec.strategy.canary.stableService: Invalid value: "stable-svc": Service "stable-svc" has unmatch label "tier" in rollout';
const rollout = stringify(
  canaryRollout(names, { router: 'nginx', steps: [{ setWeight: 20 }, { pause: {} }] }),
);

const MANAGED_ERRORS = [
  'spec.strategy.canary.stableService: Invalid value: "stable-svc": Service "stable-svc" is managed by another Rollout',
  'spec.strategy.canary.canaryService: Invalid value: "canary-svc": Service "canary-svc" is managed by another Rollout',
];
const MANAGED_BY = 'argo-rollouts.argoproj.io/managed-by-rollouts';
/** A second Rollout on the same Services and pods (only its name differs). */
const second = canaryRollout(names, { router: 'nginx', steps: [{ setWeight: 20 }, { pause: {} }] });
second.metadata = { name: 'second' };

const invalidSpec = (r: RolloutState) => r.status?.conditions?.find((c) => c.type === 'InvalidSpec');

describe('issue 13, differences 3 and 4: the Services a Rollout references', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await openScenario('parity-service-selector');
    await s.startWebhook({ enforcement: 'deny' });
    await s.create([mismatchedStable, canaryService!, stableIngress(names, 'nginx')]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it("3: a Service that does not select the pods is refused with the controller's field error", async () => {
    const denied = await s.kubectl(['apply', '-f', '-'], { stdin: rollout });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'admission webhook "validate-rollouts.rtw-e2e-rollouts-traffic-webhook.rtw-e2e-system.svc" denied the request',
    );
    expect(denied.stderr).toContain(FIELD_ERROR);
    expect(denied.stderr).toContain('the pods have no label tier');
    await expect(s.kubectl(['get', 'rollout', names.rollout])).resolves.toMatchObject({ code: 1 });
  });

  it('3 (control, unguarded): admitted, the controller reports the same error as InvalidSpec', async () => {
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

  it('3: clears once the Service selects the pods (the fix the webhook names)', async () => {
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

  it("4: a second Rollout on Services the first one manages is refused with the controller's field errors", async () => {
    // The controller marks the Services of the now valid first Rollout as its own.
    await waitFor('the controller to mark the stable Service as managed', async () => {
      const svc = await s.admin.core.readNamespacedService({
        name: names.stableService,
        namespace: s.namespace,
      });
      return svc.metadata?.annotations?.[MANAGED_BY] === names.rollout ? true : undefined;
    });
    await s.startWebhook({ enforcement: 'deny' });
    const denied = await s.kubectl(['apply', '-f', '-'], { stdin: stringify(second) });
    expect(denied.code).not.toBe(0);
    for (const error of MANAGED_ERRORS) expect(denied.stderr).toContain(error);
    expect(denied.stderr).toContain(`names Rollout "${names.rollout}"`);
    await expect(s.kubectl(['get', 'rollout', 'second'])).resolves.toMatchObject({ code: 1 });
  });

  it('4 (control, unguarded): admitted, the controller reports the first of the same errors as InvalidSpec', async () => {
    await unregisterWebhooks(s.admin);
    await waitFor('the apply to be admitted without the webhook', async () =>
      (await s.kubectl(['apply', '-f', '-'], { stdin: stringify(second) })).code === 0 ? true : undefined,
    );
    const reported = await waitForRollout(
      s.admin,
      s.namespace,
      'second',
      'to report InvalidSpec',
      (r) => invalidSpec(r)?.status === 'True',
    );
    const message = invalidSpec(reported)!.message ?? '';
    process.stderr.write(`[observed] controller condition of the second Rollout: ${message}\n`);
    // The controller puts only the first of its reference errors into the condition
    // (rollout/controller.go getRolloutValidationErrors), stable before canary; the webhook
    // lists both.
    expect(message).toBe(`The Rollout "second" is invalid: ${MANAGED_ERRORS[0]}`);
  });
});
