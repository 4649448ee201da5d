import type { V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canarySetup, REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import { runCanaryToPause } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { ARGO_CD_IDENTITY } from '../support/traffic.js';
import { sleep, waitFor } from '../support/wait.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';

/**
 * Issue 13, difference 5: besides the weight, the controller owns the canary Ingress's header
 * routing (from `additionalIngressAnnotations`) and the keys of `canaryIngressAnnotations`; it
 * merges them over the live annotations on every reconcile (argoproj/argo-rollouts v1.10.2,
 * rollout/trafficrouting/nginx/nginx.go, getDesiredAnnotations), and an edit of the canary
 * Ingress makes it reconcile (it indexes the canary Ingress by name, utils/ingress/ingress.go
 * GetRolloutIngressKeys). A GitOps tool whose manifest lacks those keys would fight it.
 */
const CANARY = `${names.rollout}-${names.ingress}-canary`;
const PREFIX = 'nginx.ingress.kubernetes.io';
const BY_HEADER = `${PREFIX}/canary-by-header`;
const BY_HEADER_VALUE = `${PREFIX}/canary-by-header-value`;
const TEAM = 'example.com/canary-team';
const ROUTING = { [BY_HEADER]: 'X-Canary', [BY_HEADER_VALUE]: 'yes', [TEAM]: 'payments' };
const ROUTING_KEYS = Object.keys(ROUTING);
const QUIET_PERIOD_MS = 5_000;

const nginx = {
  stableIngress: names.ingress,
  additionalIngressAnnotations: { 'canary-by-header': 'X-Canary', 'canary-by-header-value': 'yes' },
  canaryIngressAnnotations: { [TEAM]: 'payments' },
};

/**
 * The canary Ingress as a team that keeps it in Git would hold it: name, annotations, spec. As
 * JSON: kubectl reads YAML 1.1, where an unquoted `yes` is a boolean.
 */
function gitManifest(live: V1Ingress, annotations: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: CANARY, annotations },
    spec: live.spec,
  });
}

const routingOf = (ingress: V1Ingress) =>
  Object.fromEntries(ROUTING_KEYS.map((key) => [key, ingress.metadata?.annotations?.[key]]));

describe("issue 13, difference 5: a GitOps re-apply without the controller's canary routing keys", () => {
  let s: Scenario;
  let adopted: string;
  let withoutRouting: string;
  const asArgoCd = { as: ARGO_CD_IDENTITY };
  const controllerWrites = () =>
    s.ingressWrites(s.env.rolloutsController.user).filter((w) => w.name === CANARY);
  const canaryWrites = () => s.ingressWrites().filter((w) => w.name === CANARY);

  beforeAll(async () => {
    s = await openScenario('parity-canary-routing');
    await s.grant(ARGO_CD_IDENTITY);
    await s.startWebhook();
    await s.create(
      canarySetup(names, {
        router: 'nginx',
        trafficRouting: { nginx },
        steps: [{ setWeight: 20 }, { pause: {} }],
      }),
    );
    await runCanaryToPause(s.admin, s.namespace, names.rollout);
    const live = await s.waitForIngress(
      CANARY,
      'to carry weight 20 and the header route',
      (i) =>
        i.metadata?.annotations?.[`${PREFIX}/canary-weight`] === '20' &&
        i.metadata.annotations[BY_HEADER] === 'X-Canary',
    );
    const weight = { [`${PREFIX}/canary`]: 'true', [`${PREFIX}/canary-weight`]: '20' };
    adopted = gitManifest(live, { ...weight, ...ROUTING });
    withoutRouting = gitManifest(live, weight);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('keeps the header route and the canaryIngressAnnotations key, with a warning per key', async () => {
    // Git first holds the keys (the apply records them as last applied), then drops them:
    // the second client-side apply sends a patch that deletes them.
    await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: adopted });
    const result = await s.kubectl(['apply', '-o', 'json', '-f', '-'], {
      ...asArgoCd,
      stdin: withoutRouting,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(routingOf(JSON.parse(result.stdout) as V1Ingress)).toEqual(ROUTING);
    // The apiserver cuts each warning at 120 characters; the key and what was restored come first.
    for (const key of ROUTING_KEYS) {
      expect(result.stderr).toContain(
        `Warning: ${key}: restored Rollout ${names.rollout}'s canary routing from the Rollout`,
      );
    }
    expect(routingOf(await s.ingress(CANARY))).toEqual(ROUTING);
  });

  it('leaves the controller nothing to write: each state written once, then a quiet period', async () => {
    const bodies = controllerWrites().map((w) => JSON.stringify(w.requestObject));
    process.stderr.write(`[observed] controller writes to the canary Ingress: ${bodies.length}\n`);
    expect(bodies.length).toBeGreaterThan(0);
    expect(new Set(bodies).size).toBe(bodies.length);
    const before = canaryWrites().length;
    await sleep(QUIET_PERIOD_MS);
    expect(canaryWrites().length).toBe(before);
    expect(controllerWrites().length).toBe(bodies.length);
  });

  it('leaves labels and spec to the controller, which removes a label and reverts a spec edit at once', async () => {
    // Not guarded (docs/routing.md says why): the controller's patch carries its whole desired
    // labels (none) and spec (the stable Ingress's rules, on the canary Service).
    const specBefore = (await s.ingress(CANARY)).spec;
    await s.kubectlOk(['label', 'ingress', CANARY, 'example.com/owner=payments']);
    await s.waitForIngress(
      CANARY,
      'to lose the label again',
      (i) => i.metadata?.labels?.['example.com/owner'] === undefined,
    );
    const edited = await s.kubectl([
      'patch',
      'ingress',
      CANARY,
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/rules/0/host","value":"edited.example.com"}]',
      '-o',
      'json',
    ]);
    expect(edited.code, edited.stderr).toBe(0);
    expect((JSON.parse(edited.stdout) as V1Ingress).spec?.rules?.[0]?.host).toBe('edited.example.com');
    const reverted = await s.waitForIngress(
      CANARY,
      'to get its spec back',
      (i) => i.spec?.rules?.[0]?.host === undefined,
    );
    expect(reverted.spec).toEqual(specBefore);
    expect(routingOf(reverted)).toEqual(ROUTING);
  });

  it('(control, unguarded) loses the keys, and the controller writes them back: the fight', async () => {
    await unregisterWebhooks(s.admin);
    const controllerBefore = controllerWrites().length;
    // Until the apiserver's informer drops the configuration the webhook still restores the
    // keys; the stored object the apply returns shows when a write went through unguarded.
    await waitFor('an unguarded apply that drops the routing keys', async () => {
      await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: adopted });
      const stored = JSON.parse(
        await s.kubectlOk(['apply', '-o', 'json', '-f', '-'], { ...asArgoCd, stdin: withoutRouting }),
      ) as V1Ingress;
      return routingOf(stored)[BY_HEADER] === undefined ? true : undefined;
    });
    await s.waitForIngress(CANARY, 'to get the routing keys back from the controller', (i) =>
      ROUTING_KEYS.every((key) => i.metadata?.annotations?.[key] === ROUTING[key as keyof typeof ROUTING]),
    );
    expect(controllerWrites().length).toBeGreaterThan(controllerBefore);
  });
});
