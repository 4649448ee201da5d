import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AuditedWrite } from '../support/audit.js';
import { auditedWrites } from '../support/audit.js';
import {
  gatewayApiRollout,
  gitHttpRoute,
  readHttpRoute,
  routeWeights,
  ruleNamed,
  waitForHttpRoute,
  type HttpRoute,
} from '../support/gateway-api.js';
import { GATEWAY_API_SCENARIO } from '../support/components.js';
import { canaryServices, REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import {
  abort,
  isHealthy,
  pausedAtStep,
  promote,
  runCanaryToPause,
  setRolloutImage,
  waitForRollout,
} from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { ARGO_CD_IDENTITY } from '../support/traffic.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';
import { sleep } from '../support/wait.js';

/**
 * The real Argo Rollouts controller with the real Gateway API plugin
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi, loaded from a file:// location)
 * drives a canary on an HTTPRoute while Argo CD re-applies the route from Git, where it has
 * no weights: unguarded, every re-apply would put half the traffic on the canary.
 */
const ROUTE = 'route';
const HEADER_ROUTE = 'canary-by-header';
const STEPS = [
  { setWeight: 20 },
  {
    setHeaderRoute: {
      name: HEADER_ROUTE,
      match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }],
    },
  },
  { pause: {} },
];
const PAUSE_STEP = 2;
/** Long enough for several controller resyncs of a loop to show; short enough for CI. */
const QUIET_PERIOD_MS = 5_000;
const SERVER_SIDE_APPLY = [
  'apply',
  '--server-side',
  '--field-manager=argocd-controller',
  '--force-conflicts',
];
const manifest = stringify(gitHttpRoute(names, ROUTE));

const weights = (route: HttpRoute) => routeWeights(route, names);
/** The plugin's header rule: its match on X-Canary, the canary Service alone. */
function headerRuleOf(route: HttpRoute): string | undefined {
  const rule = ruleNamed(route, HEADER_ROUTE);
  if (!rule) return undefined;
  const headers = (rule.matches ?? []).flatMap((m) => m.headers ?? []).map((h) => `${h.name}=${h.value}`);
  return `${headers.join(',')} -> ${(rule.backendRefs ?? []).map((ref) => ref.name).join(',')}`;
}
const HEADER_RULE = `X-Canary=yes -> ${names.canaryService}`;
const specOf = (write: AuditedWrite) => (write.requestObject as { spec?: unknown }).spec;

describe.skipIf(!GATEWAY_API_SCENARIO)(
  'Gateway API: the real controller and plugin drive an HTTPRoute that Argo CD re-applies',
  () => {
    let s: Scenario;
    const asArgoCd = { as: ARGO_CD_IDENTITY };
    const routeWrites = (user?: string) =>
      auditedWrites(s.env.controlPlane.auditLog, {
        resource: 'httproutes',
        namespace: s.namespace,
        ...(user ? { user } : {}),
      }).filter((write) => !write.dryRun);
    const controllerWrites = () => routeWrites(s.env.rolloutsController.user);
    const route = () => readHttpRoute(s.admin, s.namespace, ROUTE);

    beforeAll(async () => {
      s = await openScenario('gateway-api-route');
      await s.grant(ARGO_CD_IDENTITY);
      await s.startWebhook();
      await s.create(canaryServices(names));
      await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
      await s.create([
        gatewayApiRollout(names, {
          route: ROUTE,
          namespace: s.namespace,
          steps: STEPS,
          managedRoutes: [HEADER_ROUTE],
        }),
      ]);
      await runCanaryToPause(s.admin, s.namespace, names.rollout, PAUSE_STEP);
      await waitForHttpRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to route 20% to the canary, with the header rule',
        (r) => weights(r) === '80/20' && headerRuleOf(r) === HEADER_RULE,
      );
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores every write of the controller (the plugin) exactly as sent', async () => {
      const writes = controllerWrites();
      process.stderr.write(`[observed] controller HTTPRoute writes up to the pause: ${writes.length}\n`);
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((w) => w.code === 200 && w.verb === 'update')).toBe(true);
      expect((await route()).spec).toEqual(specOf(writes.at(-1)!));
    });

    it('keeps the weights and the header rule on an Argo CD client-side re-apply, with a warning', async () => {
      const result = await s.kubectl(['apply', '-o', 'json', '-f', '-'], { ...asArgoCd, stdin: manifest });
      expect(result.code, result.stderr).toBe(0);
      const applied = JSON.parse(result.stdout) as HttpRoute;
      expect(weights(applied)).toBe('80/20');
      expect(headerRuleOf(applied)).toBe(HEADER_RULE);
      expect(result.stderr).toContain(`kept Rollout ${names.rollout}'s`);
      expect(weights(await route())).toBe('80/20');
    });

    it('keeps them on a server-side apply of the route without weights by another field manager', async () => {
      const result = await s.kubectl([...SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      const applied = JSON.parse(result.stdout) as HttpRoute;
      expect(weights(applied)).toBe('80/20');
      expect(headerRuleOf(applied)).toBe(HEADER_RULE);
    });

    it('has no write fight: after the re-applies nobody writes the route during a quiet period', async () => {
      const before = await route();
      const count = routeWrites().length;
      await sleep(QUIET_PERIOD_MS);
      expect(routeWrites().slice(count)).toEqual([]);
      expect((await route()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      // Only Argo CD wrote besides the controller; the controller never had to repair the route.
      const others = routeWrites().filter((w) => w.user !== s.env.rolloutsController.user);
      expect(new Set(others.map((w) => w.user))).toEqual(new Set([ARGO_CD_IDENTITY]));
    });

    it('ends on stable after promotion, with the header rule removed', async () => {
      await promote(s.admin, s.namespace, names.rollout);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
      const promoted = await waitForHttpRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to send everything to stable',
        (r) => weights(r) === '100/0' && headerRuleOf(r) === undefined,
      );
      expect(promoted.spec.rules).toHaveLength(1);
    });

    it('ends on stable after an abort of the next canary', async () => {
      await setRolloutImage(s.admin, s.namespace, names.rollout, 'registry.invalid/demo:3');
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to pause again', pausedAtStep(PAUSE_STEP));
      await waitForHttpRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to be at 20% again',
        (r) => weights(r) === '80/20',
      );
      await abort(s.admin, s.namespace, names.rollout);
      const aborted = await waitForHttpRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to send everything to stable after the abort',
        (r) => weights(r) === '100/0' && headerRuleOf(r) === undefined,
      );
      expect(aborted.spec.rules).toHaveLength(1);
      // A re-apply while aborted keeps everything on stable.
      const result = await s.kubectl([...SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(weights(JSON.parse(result.stdout) as HttpRoute)).toBe('100/0');
    });

    it('(control) splits traffic 1:1 when no webhook guards the route', async () => {
      // Proves the checks above can fail: the same apply, unguarded, stores Git's route, whose
      // backendRefs get the CRD's default weight of 1 each: half the traffic on the canary.
      await unregisterWebhooks(s.admin);
      const result = await s.kubectl([...SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(weights(JSON.parse(result.stdout) as HttpRoute)).toBe('1/1');
    });
  },
);
