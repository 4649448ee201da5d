import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
  QUIET_PERIOD_MS,
  backendWeights,
  gatewayApiRollout,
  quietPeriod,
  gitRoute,
  readRoute,
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
  readRollout,
  isHealthy,
  setRolloutImage,
  waitForRollout,
  type RolloutState,
} from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { ARGO_CD_IDENTITY } from '../support/traffic.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';
import { sleep } from '../support/wait.js';

/**
 * An experiment step with a traffic weight, on an HTTPRoute: the controller passes the
 * experiment's Service to the plugin as an additional destination, and the plugin appends it
 * as a backendRef of the first rule holding the stable or canary Service, with the Rollout's
 * namespace, a port from the Service, its weight, and the stable weight lowered to 100 minus
 * the experiments' total (rollouts-plugin-trafficrouter-gatewayapi v0.15.0,
 * pkg/plugin/experiment.go `HandleExperiment`). Git has none of that; Argo CD re-applies it.
 * The experiment has no duration, so the Rollout stays at the step until it is aborted.
 */
const ROUTE: RouteRef = { kind: 'HTTPRoute', name: 'route' };
const EXPERIMENT_WEIGHT = 10;
const EXPERIMENT_STEP = 1;
const STEPS = [
  { setWeight: 20 },
  { experiment: { templates: [{ name: 'exp', specRef: 'canary', weight: EXPERIMENT_WEIGHT }] } },
];
const manifest = stringify(gitRoute(names, ROUTE));

/** The experiment's Service, from the weights the controller recorded once the experiment runs. */
const experimentServiceOf = (rollout: RolloutState): string | undefined =>
  rollout.status?.canary?.weights?.additional?.[0]?.serviceName;
const atExperimentStep = (rollout: RolloutState) =>
  rollout.status?.currentStepIndex === EXPERIMENT_STEP && experimentServiceOf(rollout) !== undefined;

describe.skipIf(!GATEWAY_API_SCENARIO)(
  'Gateway API: an experiment step with a weight, on an HTTPRoute that Argo CD re-applies',
  () => {
    let s: Scenario;
    let experimentService: string;
    /** What the plugin writes during the experiment: stable 100 − 10, canary 20, the experiment 10. */
    let duringExperiment: string;
    const asArgoCd = { as: ARGO_CD_IDENTITY };
    const writes = (user?: string) => routeWrites(s.env.controlPlane.auditLog, s.namespace, ROUTE, user);
    const route = () => readRoute(s.admin, s.namespace, ROUTE);
    const backends = (r: Route) => backendWeights(r, names);

    /** Starts a canary with `image` and waits until the plugin wrote the experiment backend. */
    async function runToExperiment(image: string): Promise<void> {
      await setRolloutImage(s.admin, s.namespace, names.rollout, image);
      const rollout = await waitForRollout(
        s.admin,
        s.namespace,
        names.rollout,
        'to run the experiment with its weight',
        atExperimentStep,
      );
      experimentService = experimentServiceOf(rollout)!;
      duringExperiment = `${names.stableService}=${100 - EXPERIMENT_WEIGHT},${names.canaryService}=20,${experimentService}=${EXPERIMENT_WEIGHT}`;
      await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to carry the experiment backend',
        (r) => backends(r) === duringExperiment,
      );
    }

    beforeAll(async () => {
      s = await openScenario('gateway-api-experiment');
      await s.grant(ARGO_CD_IDENTITY);
      await s.startWebhook();
      await s.create(canaryServices(names));
      await s.kubectlOk(['apply', '-f', '-'], { ...asArgoCd, stdin: manifest });
      await s.create([gatewayApiRollout(names, { routes: [ROUTE], namespace: s.namespace, steps: STEPS })]);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy', isHealthy);
      await runToExperiment('registry.invalid/demo:2');
    });
    afterAll(async () => {
      await s?.close();
    });

    it('stores the plugin writes as sent; the experiment backend carries the Rollout namespace and a port of its Service', async () => {
      const controller = writes(s.env.rolloutsController.user);
      process.stderr.write(
        `[observed] controller HTTPRoute writes up to the experiment: ${controller.length}\n`,
      );
      expect(controller.every((w) => w.code === 200 && w.verb === 'update')).toBe(true);
      const live = await route();
      expect(live.spec).toEqual(specOf(controller.at(-1)!));
      const ref = live.spec.rules?.[0]?.backendRefs?.find((r) => r.name === experimentService);
      process.stderr.write(`[observed] experiment backendRef: ${JSON.stringify(ref)}\n`);
      expect(ref).toMatchObject({ namespace: s.namespace, weight: EXPERIMENT_WEIGHT });
    });

    it('keeps the experiment backend and every weight on an Argo CD client-side re-apply and a server-side apply', async () => {
      const clientSide = await s.kubectl(['apply', '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(clientSide.code, clientSide.stderr).toBe(0);
      expect(backends(JSON.parse(clientSide.stdout) as Route)).toBe(duringExperiment);
      expect(clientSide.stderr).toContain(
        `[name=${experimentService}]: kept Rollout ${names.rollout}'s experiment backend`,
      );
      const serverSide = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(serverSide.code, serverSide.stderr).toBe(0);
      expect(backends(JSON.parse(serverSide.stdout) as Route)).toBe(duringExperiment);
    });

    it('has no write fight: after the re-applies nobody writes the route during a quiet period', async () => {
      const quiet = await quietPeriod(route, writes);
      expect(quiet.writes).toEqual([]);
      expect(quiet.after).toBe(quiet.before);
    });

    it('ends on stable after an abort; the plugin leaves the experiment backend, which a re-apply from Git removes for good', async () => {
      await abort(s.admin, s.namespace, names.rollout);
      const onStable = `${names.stableService}=100,${names.canaryService}=0`;
      const leftOver = `${onStable},${experimentService}=${EXPERIMENT_WEIGHT}`;
      await waitForRoute(s.admin, s.namespace, ROUTE, 'to send everything to stable', (r) =>
        backends(r).startsWith(onStable),
      );
      // The plugin removes only the experiment Services of status.canary.weights.additional
      // (pkg/plugin/experiment.go at v0.15.0, since its PR #204). On the abort it is still
      // told the experiment is current, with no destinations, so it keeps the backend; the
      // controller then records weights without it, and later reconciles never remove it.
      await sleep(QUIET_PERIOD_MS);
      const rollout = await readRollout(s.admin, s.namespace, names.rollout);
      expect(experimentServiceOf(rollout)).toBeUndefined();
      expect(backends(await route())).toBe(leftOver);

      // No Rollout owns that backend any more, so the webhook lets Git's route drop it (no
      // warning for it), keeps the weights on stable, and the plugin does not put it back.
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(backends(JSON.parse(result.stdout) as Route)).toBe(onStable);
      expect(result.stderr).not.toContain(experimentService);
      const stored = JSON.parse(result.stdout) as Route;
      await sleep(QUIET_PERIOD_MS);
      // The plugin's reconciles of the aborted Rollout may update the route, but change nothing.
      expect((await route()).metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
    });

    it('(control) unguarded, a re-apply during the next experiment drops its backend and splits stable and canary 1:1', async () => {
      await unregisterWebhooks(s.admin);
      await runToExperiment('registry.invalid/demo:3');
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(backends(JSON.parse(result.stdout) as Route)).toBe(
        `${names.stableService}=1,${names.canaryService}=1`,
      );
    });
  },
);
