import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
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

/** The whole state the plugin owns on one route, in one line. */
const stateOf = (route: Route) => pluginStateOf(route, names, LABEL.key);
const AT_20 = {
  public: `80/20 header:${HEADER_RULE} label:${LABEL.value}`,
  internal: `80/20 header:- label:${LABEL.value}`,
};
const ON_STABLE = '100/0 header:- label:-';
const STATES: HeaderRouteCanaryStates = {
  stateOf,
  atPause: [
    [PUBLIC, AT_20.public],
    [INTERNAL, AT_20.internal],
  ],
  onStable: ROUTES.map((route) => [route, ON_STABLE] as const),
};

describe.skipIf(!GATEWAY_API_SCENARIO)(
  'Gateway API: one Rollout on two HTTPRoutes, re-applied one at a time',
  () => {
    let s: Scenario;
    /** Argo CD re-applies one route from Git; the other must not change. */
    const reapply = (target: RouteRef, args: readonly string[]) =>
      reapplyOneRoute(s, ROUTES, target, manifestOf(target), args);

    beforeAll(async () => {
      s = await openHeaderRouteCanary(
        'gateway-api-two-routes',
        names,
        ROUTES,
        manifestOf,
        { inProgressLabel: LABEL },
        STATES,
      );
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores every write of the controller (the plugin) to either route exactly as sent', async () => {
      for (const route of ROUTES) await controllerWritesStoredAsSent(s, route, 'the pause');
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
      await expectNoWriteFight(s, ROUTES);
    });

    it('ends on stable on both routes after promotion, without header rule or label', async () => {
      await promoteToStable(s, names.rollout, STATES);
    });

    it('ends on stable on both routes after an abort of the next canary, and a re-apply keeps them there', async () => {
      await abortNextCanary(s, names.rollout, 'registry.invalid/demo:3', STATES);
      for (const route of ROUTES) {
        const { stored } = await reapply(route, ARGO_CD_SERVER_SIDE_APPLY);
        expect(stateOf(stored)).toBe(ON_STABLE);
      }
    });

    it('(control) unguarded, a Replace=true sync mid-canary splits 1:1 and drops the header rule and the label', async () => {
      // Proves the checks above can fail. The controller still drives the canary (it never
      // depended on the webhook); the same replace, unguarded, stores Git's route as it is.
      await unregisterWebhooks(s.admin);
      await startNextCanary(s, names.rollout, 'registry.invalid/demo:4', STATES);
      const { stored } = await reapply(PUBLIC, ['replace']);
      expect(stateOf(stored)).toBe('1/1 header:- label:-');
    });
  },
);
