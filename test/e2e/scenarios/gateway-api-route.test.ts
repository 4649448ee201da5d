import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
  DEFAULT_IN_PROGRESS_LABEL,
  HEADER_ROUTE,
  HEADER_ROUTE_PAUSE_STEP,
  HEADER_ROUTE_STEPS,
  expectedHeaderRule,
  gatewayApiRollout,
  controllerWritesStoredAsSent,
  expectNoWriteFight,
  gitRoute,
  headerRuleOf,
  labelOf,
  readRoute,
  routeWeights,
  ruleNamed,
  waitForRoute,
  type Route,
  type RouteKind,
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
 * The real Argo Rollouts controller with the real Gateway API plugin
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi, loaded from a file:// location)
 * drives a canary on an HTTPRoute, and on a GRPCRoute, while Argo CD re-applies the route
 * from Git, where it has no weights: unguarded, every re-apply would put half the traffic on
 * the canary. The story is the same for both kinds; the plugin has one function of each
 * operation per kind (pkg/plugin/httproute.go, grpcroute.go at v0.15.0), and so does the
 * CRD (the gRPC rule's match is a method, which the plugin copies into its header rule).
 */
const weights = (route: Route) => routeWeights(route, names);
/** The plugin's header rule: its match on X-Canary, the canary Service alone. */
const headerRule = (route: Route) => headerRuleOf(route, HEADER_ROUTE);
const HEADER_RULE = expectedHeaderRule(names);
const IN_PROGRESS = DEFAULT_IN_PROGRESS_LABEL;
const inProgress = (route: Route) => labelOf(route, IN_PROGRESS.key);

/** Per kind: the rule's own match in Git, and the first match of the header rule the plugin derives. */
const KINDS: {
  kind: RouteKind;
  match?: Record<string, unknown>;
  headerRuleMatch: Record<string, unknown>;
}[] = [
  {
    kind: 'HTTPRoute',
    // No match in Git: the CRD defaults it to the path prefix /, which the plugin copies.
    headerRuleMatch: {
      path: { type: 'PathPrefix', value: '/' },
      headers: [{ type: 'Exact', name: 'X-Canary', value: 'yes' }],
    },
  },
  {
    kind: 'GRPCRoute',
    match: { method: { service: 'demo.Greeter' } },
    headerRuleMatch: {
      method: { type: 'Exact', service: 'demo.Greeter' },
      headers: [{ type: 'Exact', name: 'X-Canary', value: 'yes' }],
    },
  },
];

describe.skipIf(!GATEWAY_API_SCENARIO).each(KINDS)(
  'Gateway API: the real controller and plugin drive a $kind that Argo CD re-applies',
  ({ kind, match, headerRuleMatch }) => {
    const ROUTE = { kind, name: 'route' } as const;
    const manifest = stringify(gitRoute(names, ROUTE, match));
    let s: Scenario;
    const asArgoCd = { as: ARGO_CD_IDENTITY };
    const route = () => readRoute(s.admin, s.namespace, ROUTE);

    beforeAll(async () => {
      s = await openScenario(`gateway-api-${kind.toLowerCase()}`);
      await s.grant(ARGO_CD_IDENTITY);
      await s.startWebhook();
      await s.create(canaryServices(names));
      await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
      await s.create([
        gatewayApiRollout(names, {
          routes: [ROUTE],
          namespace: s.namespace,
          steps: HEADER_ROUTE_STEPS,
          managedRoutes: [HEADER_ROUTE],
        }),
      ]);
      await runCanaryToPause(s.admin, s.namespace, names.rollout, HEADER_ROUTE_PAUSE_STEP);
      await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to route 20% to the canary, with the header rule',
        (r) => weights(r) === '80/20' && headerRule(r) === HEADER_RULE,
      );
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores every write of the controller (the plugin) exactly as sent', async () => {
      await controllerWritesStoredAsSent(s, ROUTE, 'the pause');
      const live = await route();
      // What the plugin wrote: the header rule from the source rule's match, and its label.
      expect(ruleNamed(live, HEADER_ROUTE)?.matches).toEqual([headerRuleMatch]);
      expect(inProgress(live)).toBe(IN_PROGRESS.value);
    });

    it('keeps the weights and the header rule on an Argo CD client-side re-apply, with a warning', async () => {
      const result = await s.kubectl(['apply', '-o', 'json', '-f', '-'], { ...asArgoCd, stdin: manifest });
      expect(result.code, result.stderr).toBe(0);
      const applied = JSON.parse(result.stdout) as Route;
      expect(weights(applied)).toBe('80/20');
      expect(headerRule(applied)).toBe(HEADER_RULE);
      expect(result.stderr).toContain(`kept Rollout ${names.rollout}'s`);
      expect(weights(await route())).toBe('80/20');
    });

    it('keeps them on a server-side apply of the route without weights by another field manager', async () => {
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      const applied = JSON.parse(result.stdout) as Route;
      expect(weights(applied)).toBe('80/20');
      expect(headerRule(applied)).toBe(HEADER_RULE);
      expect(inProgress(applied)).toBe(IN_PROGRESS.value);
    });

    it('has no write fight: after the re-applies nobody writes the route during a quiet period', async () => {
      await expectNoWriteFight(s, [ROUTE]);
    });

    it('ends on stable after promotion, with the header rule and the in-progress label removed', async () => {
      await promote(s.admin, s.namespace, names.rollout);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
      const promoted = await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to send everything to stable',
        (r) => weights(r) === '100/0' && headerRule(r) === undefined,
      );
      expect(promoted.spec.rules).toHaveLength(1);
      expect(inProgress(promoted)).toBeUndefined();
    });

    it('ends on stable after an abort of the next canary', async () => {
      await startCanaryToPause(
        s.admin,
        s.namespace,
        names.rollout,
        'registry.invalid/demo:3',
        HEADER_ROUTE_PAUSE_STEP,
      );
      await waitForRoute(s.admin, s.namespace, ROUTE, 'to be at 20% again', (r) => weights(r) === '80/20');
      await abort(s.admin, s.namespace, names.rollout);
      const aborted = await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to send everything to stable after the abort',
        (r) => weights(r) === '100/0' && headerRule(r) === undefined,
      );
      expect(aborted.spec.rules).toHaveLength(1);
      expect(inProgress(aborted)).toBeUndefined();
      // A re-apply while aborted keeps everything on stable.
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(weights(JSON.parse(result.stdout) as Route)).toBe('100/0');
    });

    it('(control) splits traffic 1:1 when no webhook guards the route', async () => {
      // Proves the checks above can fail: the same apply, unguarded, stores Git's route, whose
      // backendRefs get the CRD's default weight of 1 each: half the traffic on the canary.
      await unregisterWebhooks(s.admin);
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(weights(JSON.parse(result.stdout) as Route)).toBe('1/1');
    });
  },
);
