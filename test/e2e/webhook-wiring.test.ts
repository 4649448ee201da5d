import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canarySetup, REFERENCE_EXAMPLE_NAMES as names, stableIngress } from './support/manifests.js';
import { RECORDING, writeFixture } from './support/observed-fixtures.js';
import { RecordingWebhook } from './support/recording-webhook.js';
import { runCanaryToPause } from './support/rollouts.js';
import { openScenario, type Scenario } from './support/scenario.js';
import {
  registerWebhooks,
  unregisterWebhooks,
  waitForWebhooksInForce,
} from './support/webhook-registration.js';

/**
 * Proves the harness's webhook wiring before any product server is involved: the
 * apiserver trusts the test CA, calls the registered url for Ingresses and Rollouts in
 * labelled namespaces only, and the Rollouts controller's own Ingress writes pass through.
 */
describe('webhook registration wiring (harness self-check)', () => {
  let scenario: Scenario;
  const recorder = new RecordingWebhook();

  beforeAll(async () => {
    scenario = await openScenario('harness-wiring');
    const { pki } = scenario.env.controlPlane;
    const baseUrl = await recorder.listen(pki.webhookCertDir);
    // The chart's matchCondition that skips the controller is turned off here, so the
    // recorder sees (and this self-check proves) the controller's own writes reaching a webhook.
    await registerWebhooks(scenario.admin, {
      caBundle: readFileSync(pki.caCert, 'utf8'),
      baseUrl,
      controllerIdentities: [scenario.env.rolloutsController.user],
      skipControllerRequests: false,
    });
    await waitForWebhooksInForce(
      scenario.admin,
      { ca: pki.caCert, cert: pki.clients.admin.cert, key: pki.clients.admin.key },
      scenario.namespace,
    );
  });
  afterAll(async () => {
    await unregisterWebhooks(scenario.admin);
    await scenario?.close();
    await recorder.close();
  });

  it('sends dry-run probes from the labelled namespace to both paths', () => {
    const paths = new Set(recorder.reviews.filter((r) => r.review.request.dryRun).map((r) => r.path));
    expect([...paths].sort()).toEqual(['/mutate', '/validate']);
    // Worth knowing for the server's routing: the apiserver adds the timeout as a query.
    // The chart's timeouts: 3 s for the mutating hook, 5 s for the validating ones.
    const queries = new Set(
      recorder.reviews.filter((r) => r.review.request.dryRun).map((r) => `${r.path}${r.query}`),
    );
    expect([...queries].sort()).toEqual(['/mutate?timeout=3s', '/validate?timeout=5s']);
  });

  it('never sends objects of an unlabelled namespace', async () => {
    await scenario.admin.core.createNamespace({ body: { metadata: { name: 'e2e-harness-unlabelled' } } });
    await scenario.admin.networking.createNamespacedIngress({
      namespace: 'e2e-harness-unlabelled',
      body: stableIngress(names, 'alb'),
    });
    expect(recorder.reviews.some((r) => r.review.request.namespace === 'e2e-harness-unlabelled')).toBe(false);
  });

  it("passes the Rollouts controller's Ingress patches through the webhook", async () => {
    await scenario.create(canarySetup(names, { router: 'alb', steps: [{ setWeight: 20 }, { pause: {} }] }));
    await runCanaryToPause(scenario.admin, scenario.namespace, names.rollout);
    const controllerIngressUpdates = recorder.reviews.filter(
      (r) =>
        r.review.request.resource.resource === 'ingresses' &&
        r.review.request.operation === 'UPDATE' &&
        r.review.request.userInfo.username === scenario.env.rolloutsController.user,
    );
    expect(controllerIngressUpdates.map((r) => r.path)).toContain('/mutate');
    expect(controllerIngressUpdates.map((r) => r.path)).toContain('/validate');
    // The controller sends merge patches (see the audit log), yet admission sees an UPDATE with
    // UpdateOptions: the apiserver converts patch options, so a webhook cannot tell them apart.
    expect(controllerIngressUpdates.every((r) => r.review.request.options?.kind === 'UpdateOptions')).toBe(
      true,
    );
    expect(scenario.ingressWrites(scenario.env.rolloutsController.user).map((w) => w.verb)).toEqual([
      'patch',
      'patch',
    ]);
    if (RECORDING) {
      // Reference data for the server's unit tests: a real apiserver's review of a controller patch.
      const review = controllerIngressUpdates.find((r) => r.path === '/mutate')!.review;
      await writeFixture('admission-review-controller-alb-patch', review);
    }
  });
});
