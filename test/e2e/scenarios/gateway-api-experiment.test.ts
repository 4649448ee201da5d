import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  ARGO_CD_SERVER_SIDE_APPLY,
  QUIET_PERIOD_MS,
  backendWeights,
  gatewayApiRollout,
  expectNoWriteFight,
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
  pausedAtStep,
  promote,
  promoteFromStep,
  promoteFull,
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
 * The experiment has no duration, so the Rollout stays at the step until it is aborted or
 * promoted; an indefinite pause follows it, so a promotion to the next step stays at 20 %.
 */
const ROUTE: RouteRef = { kind: 'HTTPRoute', name: 'route' };
const EXPERIMENT_WEIGHT = 10;
const EXPERIMENT_STEP = 1;
const PAUSE_AFTER_EXPERIMENT = 2;
const STEPS = [
  { setWeight: 20 },
  { experiment: { templates: [{ name: 'exp', specRef: 'canary', weight: EXPERIMENT_WEIGHT }] } },
  { pause: {} },
];
const manifest = stringify(gitRoute(names, ROUTE));
const AT_20 = `${names.stableService}=80,${names.canaryService}=20`;
const ON_STABLE = `${names.stableService}=100,${names.canaryService}=0`;

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
      await expectNoWriteFight(s, [ROUTE]);
    });

    /** The controller's writes since the `from`th, each as `backendWeights` shows what it sent. */
    function controllerWritesSince(from: number): string[] {
      return writes(s.env.rolloutsController.user)
        .slice(from)
        .map((w) => backends({ metadata: { name: ROUTE.name }, spec: specOf(w) } as Route));
    }
    const reportWrites = (what: string, sequence: readonly string[]) =>
      process.stderr.write(`[observed] controller writes ${what}:\n  ${sequence.join('\n  ')}\n`);

    /**
     * After the Rollout left the experiment for stable (an abort, a full promotion), the
     * backend stays: the plugin removes only the experiment Services listed in
     * status.canary.weights.additional (pkg/plugin/experiment.go `HandleExperiment` at
     * v0.15.0, since its PR #204). On the reconcile that leaves the step it is still told the
     * experiment is current, with no destinations, so it keeps the backend; the controller
     * then records weights without it, and no later reconcile removes it.
     */
    async function expectLeftOverBackend(): Promise<void> {
      await waitForRoute(s.admin, s.namespace, ROUTE, 'to send everything to stable', (r) =>
        backends(r).startsWith(ON_STABLE),
      );
      await sleep(QUIET_PERIOD_MS);
      const rollout = await readRollout(s.admin, s.namespace, names.rollout);
      expect(experimentServiceOf(rollout)).toBeUndefined();
      expect(backends(await route())).toBe(`${ON_STABLE},${experimentService}=${EXPERIMENT_WEIGHT}`);
      const service = await s.kubectl(['get', 'service', experimentService, '-o', 'name']);
      process.stderr.write(
        `[observed] the left-over backend's Service ${experimentService}: ${service.code === 0 ? 'still there' : service.stderr.trim()}\n`,
      );
    }
    /**
     * No Rollout owns the left-over backend, so the webhook lets Git's route drop it (no
     * warning for it) and keeps the weights on stable, and the plugin does not put it back.
     */
    async function expectGitReapplyDropsLeftOverBackend(): Promise<void> {
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      const stored = JSON.parse(result.stdout) as Route;
      expect(backends(stored)).toBe(ON_STABLE);
      expect(result.stderr).not.toContain(experimentService);
      await sleep(QUIET_PERIOD_MS);
      // The plugin's reconciles of the finished Rollout may update the route, but change nothing.
      expect((await route()).metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
    }

    it('ends on stable after an abort; the plugin leaves the experiment backend, which a re-apply from Git removes for good', async () => {
      await abort(s.admin, s.namespace, names.rollout);
      await expectLeftOverBackend();
      await expectGitReapplyDropsLeftOverBackend();
    });

    it('on a promotion to the next step the plugin removes the experiment backend, with one write at 100/0, and is back at 80/20 at the pause', async () => {
      await runToExperiment('registry.invalid/demo:3');
      const from = writes(s.env.rolloutsController.user).length;
      await promoteFromStep(s.admin, s.namespace, names.rollout, EXPERIMENT_STEP);
      await waitForRollout(
        s.admin,
        s.namespace,
        names.rollout,
        'to pause after the experiment',
        pausedAtStep(PAUSE_AFTER_EXPERIMENT),
      );
      await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to be at 80/20 without the experiment',
        (r) => backends(r) === AT_20,
      );
      const sequence = controllerWritesSince(from);
      reportWrites('from the promotion to the pause', sequence);
      // This time status.canary.weights.additional still lists the experiment when it stops
      // being current, so HandleExperiment takes the backend out, and in the same write sets
      // stable 100 and canary 0 over the 80/20 SetWeight had just set. The next reconcile
      // writes 80/20 again.
      const removal = sequence.findIndex((written) => !written.includes(experimentService));
      expect(sequence.slice(0, removal).every((written) => written === duringExperiment)).toBe(true);
      expect(sequence[removal]).toBe(ON_STABLE);
      expect(new Set(sequence.slice(removal + 1))).toEqual(new Set([AT_20]));
      const receivedAt = (i: number) =>
        Date.parse(writes(s.env.rolloutsController.user)[from + i]?.received ?? '');
      process.stderr.write(
        `[observed] the route was at 100/0 for ${receivedAt(removal + 1) - receivedAt(removal)} ms\n`,
      );
      await waitForRollout(
        s.admin,
        s.namespace,
        names.rollout,
        'to record weights without it',
        (r) => experimentServiceOf(r) === undefined,
      );
    });

    it('keeps 80/20 and does not bring the ended experiment back on a re-apply at the pause; quiet afterwards', async () => {
      const result = await s.kubectl([...ARGO_CD_SERVER_SIDE_APPLY, '-o', 'json', '-f', '-'], {
        ...asArgoCd,
        stdin: manifest,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(backends(JSON.parse(result.stdout) as Route)).toBe(AT_20);
      expect(result.stderr).toContain(`kept Rollout ${names.rollout}'s live traffic (canary 20%)`);
      expect(result.stderr).not.toContain(experimentService);
      await expectNoWriteFight(s, [ROUTE]);
    });

    it('ends on stable when the pause is promoted', async () => {
      await promote(s.admin, s.namespace, names.rollout);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
      await waitForRoute(
        s.admin,
        s.namespace,
        ROUTE,
        'to send everything to stable',
        (r) => backends(r) === ON_STABLE,
      );
    });

    it('ends on stable after a full promotion during the next experiment; like the abort, it leaves the experiment backend until a re-apply from Git', async () => {
      await runToExperiment('registry.invalid/demo:4');
      const from = writes(s.env.rolloutsController.user).length;
      await promoteFull(s.admin, s.namespace, names.rollout);
      await waitForRollout(s.admin, s.namespace, names.rollout, 'to be Healthy after promotion', isHealthy);
      await expectLeftOverBackend();
      const sequence = controllerWritesSince(from);
      reportWrites('from the full promotion', sequence);
      // No write of the plugin took the backend out.
      expect(sequence.every((written) => written.includes(experimentService))).toBe(true);
      await expectGitReapplyDropsLeftOverBackend();
    });

    it('(control) unguarded, a re-apply during the next experiment drops its backend and splits stable and canary 1:1', async () => {
      await unregisterWebhooks(s.admin);
      await runToExperiment('registry.invalid/demo:5');
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
