import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
  DEFAULT_IN_PROGRESS_LABEL,
  abortNextCanary,
  controllerWritesStoredAsSent,
  expectNoWriteFight,
  expectedHeaderRule,
  gitRoute,
  openHeaderRouteCanary,
  pluginStateOf,
  promoteToStable,
  reapplyOneRoute,
  startNextCanary,
  type HeaderRouteCanaryStates,
  type Route,
  type RouteRef,
} from '../support/gateway-api.js';
import { GATEWAY_API_SCENARIO } from '../support/components.js';
import { REFERENCE_EXAMPLE_NAMES as names } from '../support/manifests.js';
import type { Scenario } from '../support/scenario.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';

/**
 * One Rollout on an HTTPRoute and a GRPCRoute together (`httpRoutes` and `grpcRoutes` of one
 * plugin configuration, both with header routes), with `disableInProgressLabel: true`. The
 * plugin's SetWeight, SetHeaderRoute and RemoveManagedRoutes go through the HTTPRoutes, then
 * the GRPCRoutes (rollouts-plugin-trafficrouter-gatewayapi v0.15.0, pkg/plugin/plugin.go), and
 * with the label disabled `ensureInProgressLabel` leaves the labels alone (labels.go). Argo CD
 * re-applies each route from Git in turn: each re-apply must keep that route's weights and
 * header rule, leave the other route alone, and add no label the plugin would not write.
 */
const HTTP: RouteRef = { kind: 'HTTPRoute', name: 'web', useHeaderRoutes: true };
const GRPC: RouteRef = { kind: 'GRPCRoute', name: 'api', useHeaderRoutes: true };
const ROUTES = [HTTP, GRPC];
/** The GRPCRoute's rule matches a gRPC service, as a real one would. */
const manifestOf = (route: RouteRef) =>
  stringify(gitRoute(names, route, route === GRPC ? { method: { service: 'demo.Greeter' } } : undefined));
const LABEL_KEY = DEFAULT_IN_PROGRESS_LABEL.key;

/** The whole state the plugin owns on one route, in one line; the label must stay absent. */
const stateOf = (route: Route) => pluginStateOf(route, names, LABEL_KEY);
const AT_20 = `80/20 header:${expectedHeaderRule(names)} label:-`;
const ON_STABLE = '100/0 header:- label:-';
const both = (state: string) => ROUTES.map((route) => [route, state] as const);
const STATES: HeaderRouteCanaryStates = { stateOf, atPause: both(AT_20), onStable: both(ON_STABLE) };

describe.skipIf(!GATEWAY_API_SCENARIO)(
  'Gateway API: one Rollout on an HTTPRoute and a GRPCRoute, with the in-progress label disabled',
  () => {
    let s: Scenario;
    /** Argo CD re-applies one route from Git; the other must not change. */
    const reapply = (target: RouteRef, args: readonly string[]) =>
      reapplyOneRoute(s, ROUTES, target, manifestOf(target), args);

    beforeAll(async () => {
      s = await openHeaderRouteCanary(
        'gateway-api-http-and-grpc',
        names,
        ROUTES,
        manifestOf,
        { disableInProgressLabel: true },
        STATES,
      );
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores every write of the controller (the plugin) to either route as sent, and none of them carries a label', async () => {
      for (const route of ROUTES) {
        const controller = await controllerWritesStoredAsSent(s, route, 'the pause');
        const labelsSent = controller.map(
          (w) => (w.requestObject as { metadata?: { labels?: unknown } }).metadata?.labels,
        );
        expect(labelsSent.filter((labels) => labels !== undefined)).toEqual([]);
      }
    });

    it.each([
      ['HTTPRoute', 'a client-side re-apply', HTTP, ['apply']],
      ['HTTPRoute', 'a server-side apply', HTTP, ARGO_CD_SERVER_SIDE_APPLY],
      ['GRPCRoute', 'a client-side re-apply', GRPC, ['apply']],
      ['GRPCRoute', 'a server-side apply', GRPC, ARGO_CD_SERVER_SIDE_APPLY],
    ] as const)(
      'keeps the %s at 80/20 with its header rule and without a label on %s; the other route is not written',
      async (_kind, _how, route, args) => {
        const { stored, stderr } = await reapply(route, args);
        expect(stateOf(stored)).toBe(AT_20);
        expect(stderr).toContain(`kept Rollout ${names.rollout}'s`);
        expect(stderr).not.toContain('metadata.labels');
      },
    );

    it('has no write fight: after the re-applies nobody writes either route during a quiet period', async () => {
      await expectNoWriteFight(s, ROUTES);
    });

    it('ends on stable on both routes after promotion, without header rules', async () => {
      await promoteToStable(s, names.rollout, STATES);
    });

    it('ends on stable on both routes after an abort of the next canary, and a re-apply of each keeps them there', async () => {
      await abortNextCanary(s, names.rollout, 'registry.invalid/demo:3', STATES);
      for (const route of ROUTES) {
        const { stored } = await reapply(route, ARGO_CD_SERVER_SIDE_APPLY);
        expect(stateOf(stored)).toBe(ON_STABLE);
      }
    });

    it('(control) unguarded, a server-side apply of the GRPCRoute mid-canary splits 1:1 and drops the header rule', async () => {
      // Proves the checks above can fail: the controller still drives the canary, and the
      // same apply, unguarded, stores Git's route with the CRD's default weights.
      await unregisterWebhooks(s.admin);
      await startNextCanary(s, names.rollout, 'registry.invalid/demo:4', STATES);
      const { stored } = await reapply(GRPC, ARGO_CD_SERVER_SIDE_APPLY);
      expect(stateOf(stored)).toBe('1/1 header:- label:-');
    });
  },
);
