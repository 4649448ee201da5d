import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
  HEADER_ROUTE,
  HEADER_ROUTE_PAUSE_STEP,
  HEADER_ROUTE_STEPS,
  expectedHeaderRule,
  gatewayApiRollout,
  quietPeriod,
  gitRoute,
  headerRuleOf,
  labelOf,
  readRoute,
  routeWeights,
  routeWrites,
  specOf,
  waitForRoute,
  type Route,
  type RouteRef,
} from '../support/gateway-api.js';
import { GATEWAY_API_SCENARIO } from '../support/components.js';
import { canaryServices, REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import {
  abort,
  isHealthy,
  promote,
  runCanaryToPause,
  startCanaryToPause,
  waitForRollout,
} from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { ARGO_CD_IDENTITY } from '../support/traffic.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';

/**
 * One Rollout, two HTTPRoutes in the plugin's `httpRoutes` (say, a public and an internal
 * listener): the plugin sets the weights of both, header rules only where `useHeaderRoutes` is
 * true, and its in-progress label (here under a key and value of the Rollout's own) on both
 * (rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/plugin.go `SetWeight`,
 * `SetHeaderRoute`, `RemoveManagedRoutes`; labels.go). Argo CD re-applies one route at a time;
 * each re-apply must keep that route's state and leave the other route alone. A sync with
 * Argo CD's `Replace=true` option (kubectl replace: the whole object, labels too) would also
 * drop the label Argo CD's own ignoreDifferences recipe for the plugin keys on.
 */
const PUBLIC: RouteRef = { kind: 'HTTPRoute', name: 'public', useHeaderRoutes: true };
const INTERNAL: RouteRef = { kind: 'HTTPRoute', name: 'internal', useHeaderRoutes: false };
const ROUTES = [PUBLIC, INTERNAL];
const LABEL = { key: 'example.com/canary', value: 'running' };
const HEADER_RULE = expectedHeaderRule(names);
const manifestOf = (route: RouteRef) => stringify(gitRoute(names, route));

const weights = (route: Route) => routeWeights(route, names);
const headerRule = (route: Route) => headerRuleOf(route, HEADER_ROUTE);
const label = (route: Route) => labelOf(route, LABEL.key);
/** The whole state the plugin owns on one route, in one line. */
const stateOf = (route: Route) =>
  `${weights(route)} header:${headerRule(route) ?? '-'} label:${label(route) ?? '-'}`;
const AT_20 = {
  public: `80/20 header:${HEADER_RULE} label:${LABEL.value}`,
  internal: `80/20 header:- label:${LABEL.value}`,
};
const ON_STABLE = '100/0 header:- label:-';

describe.skipIf(!GATEWAY_API_SCENARIO)(
  'Gateway API: one Rollout on two HTTPRoutes, re-applied one at a time',
  () => {
    let s: Scenario;
    const asArgoCd = { as: ARGO_CD_IDENTITY };
    const writes = (route: RouteRef, user?: string) =>
      routeWrites(s.env.controlPlane.auditLog, s.namespace, route, user);
    const read = (route: RouteRef) => readRoute(s.admin, s.namespace, route);
    const waitForBoth = (what: string, expected: { public: string; internal: string }) =>
      Promise.all([
        waitForRoute(s.admin, s.namespace, PUBLIC, what, (r) => stateOf(r) === expected.public),
        waitForRoute(s.admin, s.namespace, INTERNAL, what, (r) => stateOf(r) === expected.internal),
      ]);

    /**
     * Sends Git's `target` as Argo CD with kubectl `args`, and checks that the other route did
     * not change: nobody but the controller wrote it (the plugin updates a route even when
     * nothing changed, which the apiserver stores as a no-op) and its resourceVersion stayed.
     */
    async function reapply(
      target: RouteRef,
      args: readonly string[],
    ): Promise<{ stored: Route; stderr: string }> {
      const other = target === PUBLIC ? INTERNAL : PUBLIC;
      const otherBefore = await read(other);
      const notController = () => writes(other).filter((w) => w.user !== s.env.rolloutsController.user);
      const otherWrites = notController().length;
      const result = await s.kubectl([...args, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifestOf(target),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(notController().slice(otherWrites)).toEqual([]);
      expect((await read(other)).metadata.resourceVersion).toBe(otherBefore.metadata.resourceVersion);
      return { stored: JSON.parse(result.stdout) as Route, stderr: result.stderr };
    }

    beforeAll(async () => {
      s = await openScenario('gateway-api-two-routes');
      await s.grant(ARGO_CD_IDENTITY);
      await s.startWebhook();
      await s.create(canaryServices(names));
      for (const route of ROUTES)
        await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifestOf(route) });
      await s.create([
        gatewayApiRollout(names, {
          routes: ROUTES,
          namespace: s.namespace,
          steps: HEADER_ROUTE_STEPS,
          managedRoutes: [HEADER_ROUTE],
          inProgressLabel: LABEL,
        }),
      ]);
      await runCanaryToPause(s.admin, s.namespace, names.rollout, HEADER_ROUTE_PAUSE_STEP);
      await waitForBoth('to route 20% to the canary', AT_20);
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores every write of the controller (the plugin) to either route exactly as sent', async () => {
      for (const route of ROUTES) {
        const controller = writes(route, s.env.rolloutsController.user);
        process.stderr.write(
          `[observed] controller writes to HTTPRoute ${route.name} up to the pause: ${controller.length}\n`,
        );
        expect(controller.length).toBeGreaterThan(0);
        expect(controller.every((w) => w.code === 200 && w.verb === 'update')).toBe(true);
        expect((await read(route)).spec).toEqual(specOf(controller.at(-1)!));
      }
    });

    it('keeps the public route at 80/20 with its header rule on a client-side re-apply; the internal one is not written', async () => {
      const { stored, stderr } = await reapply(PUBLIC, ['apply']);
      expect(stateOf(stored)).toBe(AT_20.public);
      expect(stderr).toContain(`kept Rollout ${names.rollout}'s`);
    });

    it('keeps the internal route at 80/20 without a header rule on a server-side apply; the public one is not written', async () => {
      const { stored } = await reapply(INTERNAL, ARGO_CD_SERVER_SIDE_APPLY);
      expect(stateOf(stored)).toBe(AT_20.internal);
    });

    it('keeps the weights and the in-progress label through an Argo CD Replace=true sync of each route', async () => {
      for (const route of ROUTES) {
        const { stored, stderr } = await reapply(route, ['replace']);
        expect(stateOf(stored)).toBe(route === PUBLIC ? AT_20.public : AT_20.internal);
        expect(stderr).toContain(`metadata.labels[${JSON.stringify(LABEL.key)}]`);
      }
    });

    it('has no write fight: after the re-applies nobody writes either route during a quiet period', async () => {
      const quiet = await Promise.all(
        ROUTES.map((route) =>
          quietPeriod(
            () => read(route),
            () => writes(route),
          ),
        ),
      );
      expect(quiet.map((q) => q.writes)).toEqual([[], []]);
      expect(quiet.map((q) => q.after)).toEqual(quiet.map((q) => q.before));
      // Only Argo CD wrote besides the controller; the controller never had to repair a route.
      for (const route of ROUTES) {
        const others = writes(route).filter((w) => w.user !== s.env.rolloutsController.user);
        expect(new Set(others.map((w) => w.user))).toEqual(new Set([ARGO_CD_IDENTITY]));
      }
    });

    it('ends on stable on both routes after promotion, without header rule or label', async () => {
      await promote(s.admin, s.namespace, names.rollout);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
      const promoted = await waitForBoth('to send everything to stable', {
        public: ON_STABLE,
        internal: ON_STABLE,
      });
      expect(promoted.map((r) => r.spec.rules?.length)).toEqual([1, 1]);
    });

    it('ends on stable on both routes after an abort of the next canary, and a re-apply keeps them there', async () => {
      await startCanaryToPause(
        s.admin,
        s.namespace,
        names.rollout,
        'registry.invalid/demo:3',
        HEADER_ROUTE_PAUSE_STEP,
      );
      await waitForBoth('to be at 20% again', AT_20);
      await abort(s.admin, s.namespace, names.rollout);
      const aborted = await waitForBoth('to send everything to stable after the abort', {
        public: ON_STABLE,
        internal: ON_STABLE,
      });
      expect(aborted.map((r) => r.spec.rules?.length)).toEqual([1, 1]);
      for (const route of ROUTES) {
        const { stored } = await reapply(route, ARGO_CD_SERVER_SIDE_APPLY);
        expect(stateOf(stored)).toBe(ON_STABLE);
      }
    });

    it('(control) unguarded, a Replace=true sync mid-canary splits 1:1 and drops the header rule and the label', async () => {
      // Proves the checks above can fail. The controller still drives the canary (it never
      // depended on the webhook); the same replace, unguarded, stores Git's route as it is.
      await unregisterWebhooks(s.admin);
      await startCanaryToPause(
        s.admin,
        s.namespace,
        names.rollout,
        'registry.invalid/demo:4',
        HEADER_ROUTE_PAUSE_STEP,
      );
      await waitForBoth('to be at 20% again', AT_20);
      const { stored } = await reapply(PUBLIC, ['replace']);
      expect(stateOf(stored)).toBe('1/1 header:- label:-');
    });
  },
);
