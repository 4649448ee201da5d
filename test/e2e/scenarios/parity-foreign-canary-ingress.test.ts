import type { CoreV1Event, V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryRollout, canarySetup, REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import { readRollout, runCanaryToPause } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { sleep, waitFor } from '../support/wait.js';

/**
 * Issue 13, difference 1: the controller touches a canary Ingress only while
 * `metav1.IsControlledBy` holds, which compares UIDs (argoproj/argo-rollouts v1.10.2,
 * rollout/trafficrouting/nginx/nginx.go, SetWeightPerIngress). A Rollout deleted and created
 * again under the same name does not own the canary Ingress its predecessor created.
 *
 * No garbage collector runs on this control plane (no kube-controller-manager), so after the
 * Rollout is deleted its canary Ingress keeps the controller reference with the old UID: the
 * state a cluster's garbage collector would act on later (it goes by UID too, so the new
 * Rollout does not save the Ingress).
 */
const CANARY = `${names.rollout}-${names.ingress}-canary`;
const CANARY_KEY = 'nginx.ingress.kubernetes.io/canary';
const WEIGHT_KEY = 'nginx.ingress.kubernetes.io/canary-weight';
const STEPS = [{ setWeight: 20 }, { pause: {} }];
/** Quiet period in which the controller must leave the foreign canary Ingress alone. */
const QUIET_PERIOD_MS = 5_000;

const controllerRef = (ingress: V1Ingress) => ingress.metadata?.ownerReferences?.find((r) => r.controller);

describe('issue 13, difference 1: a canary Ingress controlled by an earlier Rollout of the same name', () => {
  let s: Scenario;
  let oldUid: string;
  const controllerWrites = () =>
    s.ingressWrites(s.env.rolloutsController.user).filter((w) => w.name === CANARY);
  /** The editor's "manual fix": take the stale canary Ingress out of ingress-nginx's canary set. */
  const disableCanary = async () =>
    JSON.parse(
      await s.kubectlOk(['annotate', 'ingress', CANARY, `${CANARY_KEY}=false`, '--overwrite', '-o', 'json']),
    ) as V1Ingress;

  beforeAll(async () => {
    s = await openScenario('parity-foreign-canary');
    await s.startWebhook();
    await s.create(canarySetup(names, { router: 'nginx', steps: STEPS }));
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    const canary = await s.waitForIngress(
      CANARY,
      'to carry weight 20',
      (i) => i.metadata?.annotations?.[WEIGHT_KEY] === '20',
    );
    oldUid = controllerRef(canary)!.uid;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('(control) while its own Rollout controls it, the webhook keeps it a canary', async () => {
    const stored = await disableCanary();
    expect(stored.metadata?.annotations?.[CANARY_KEY]).toBe('true');
  });

  it('the Rollout, deleted and created again, gets a new UID; the canary Ingress still names the old one', async () => {
    await s.kubectlOk(['delete', 'rollout', names.rollout]);
    await s.create([canaryRollout(names, { router: 'nginx', steps: STEPS })]);
    const recreated = await readRollout(s.admin, s.namespace, names.rollout);
    const newUid = (recreated.metadata as { uid?: string }).uid;
    expect(newUid).toBeDefined();
    expect(newUid).not.toBe(oldUid);
    expect(controllerRef(await s.ingress(CANARY))).toMatchObject({
      kind: 'Rollout',
      name: names.rollout,
      uid: oldUid,
    });
  });

  it('the controller refuses to touch it and says so in a TrafficRoutingError event', async () => {
    const writesBefore = controllerWrites().length;
    const event = await waitFor('the controller to report the foreign canary Ingress', async () => {
      const list = JSON.parse(await s.kubectlOk(['get', 'events', '-o', 'json'])) as { items: CoreV1Event[] };
      return list.items.find(
        (e) => e.involvedObject.kind === 'Rollout' && e.reason === 'TrafficRoutingError',
      );
    });
    process.stderr.write(`[observed] controller event: ${event.type} ${event.reason}: ${event.message}\n`);
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(`canary ingress \`${CANARY}\` controlled by different object`);
    await sleep(QUIET_PERIOD_MS);
    expect(controllerWrites().length).toBe(writesBefore);
  });

  it('the webhook no longer forces it: the manual fix is stored as sent', async () => {
    const stored = await disableCanary();
    expect(stored.metadata?.annotations?.[CANARY_KEY]).toBe('false');
    expect(stored.metadata?.annotations?.[WEIGHT_KEY]).toBe('20');
    expect((await s.ingress(CANARY)).metadata?.annotations?.[CANARY_KEY]).toBe('false');
  });
});
