import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AuditedWrite } from '../support/audit.js';
import {
  canaryRollout,
  canaryServices,
  gitAlbIngress,
  REFERENCE_EXAMPLE_NAMES as names,
} from '../support/manifests.js';
import { isHealthy, promote, runCanaryToPause, waitForRollout } from '../support/rollouts.js';
import { RECORDING, writeFixture } from '../support/observed-fixtures.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albActionKey } from '../support/traffic.js';
import { sleep } from '../support/wait.js';

const ROUTE = 'canary-by-header';
const ACTION_KEY = albActionKey(names);
const STEPS = [
  { setWeight: 20 },
  { setHeaderRoute: { name: ROUTE, match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }] } },
  { setWeight: 50 },
  { pause: {} },
];
/** Long enough for several controller resyncs of a loop to show; short enough for CI. */
const QUIET_PERIOD_MS = 5_000;

const annotationsPatched = (write: AuditedWrite) =>
  (write.requestObject as { metadata?: { annotations?: Record<string, string | null> } }).metadata
    ?.annotations ?? {};

describe('scenario 2: the real controller drives setWeight and a header route through the webhook', () => {
  let s: Scenario;
  const controllerWrites = () => s.ingressWrites(s.env.rolloutsController.user);

  beforeAll(async () => {
    s = await openScenario('controller-through-webhook');
    await s.startWebhook();
    await s.create(canaryServices(names));
    await s.kubectlOk(['apply', '-f', '-'], { stdin: stringify(gitAlbIngress(names)) });
    await s.create([canaryRollout(names, { router: 'alb', steps: STEPS, managedRoutes: [ROUTE] })]);
    await runCanaryToPause(s.admin, s.namespace, names.rollout, 3);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('stores every controller write exactly as sent (the webhook leaves them untouched)', async () => {
    const writes = controllerWrites();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.code === 200)).toBe(true);
    const last = annotationsPatched(writes.at(-1)!);
    const stored = (await s.ingress(names.ingress)).metadata?.annotations ?? {};
    for (const [key, value] of Object.entries(last)) expect(stored[key] ?? null).toBe(value);
    expect(stored[ACTION_KEY]).toContain('"ServiceName":"canary-svc","ServicePort":"443","Weight":50}');
    expect(stored[`alb.ingress.kubernetes.io/conditions.${ROUTE}`]).toContain('"X-Canary"');
  });

  it('writes each traffic state once, with no update loop between the controller and the webhook', async () => {
    const bodies = controllerWrites().map((w) => JSON.stringify(w.requestObject));
    process.stderr.write(`[observed] controller Ingress writes up to the pause: ${bodies.length}\n`);
    expect(new Set(bodies).size).toBe(bodies.length);
    await sleep(QUIET_PERIOD_MS);
    expect(controllerWrites().length).toBe(bodies.length);
    expect(
      s.ingressWrites().filter((w) => w.user !== s.env.rolloutsController.user && w.verb !== 'create'),
    ).toEqual([]);
  });

  it('removes the header route and ends Healthy after promotion', async () => {
    await promote(s.admin, s.namespace, names.rollout);
    await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
    const ingress = await s.waitForIngress(
      names.ingress,
      'to drop the header route',
      (i) => i.metadata?.annotations?.[`alb.ingress.kubernetes.io/actions.${ROUTE}`] === undefined,
    );
    expect(ingress.spec?.rules?.[0]?.http?.paths.map((p) => p.backend.service?.name)).toEqual([
      names.stableService,
    ]);
    if (RECORDING) {
      // Reference data (not compared: how many reconciles a run takes depends on timing).
      await writeFixture('alb-header-route-controller-patches', {
        controllerVersion: s.env.rolloutsController.version,
        names,
        steps: STEPS,
        managedRoutes: [ROUTE],
        patches: controllerWrites().map((w) => w.requestObject),
      });
    }
  });
});
