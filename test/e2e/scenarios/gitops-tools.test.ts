import { KubernetesObjectApi, type V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, statusCode } from '../support/cluster.js';
import { GITOPS_SCENARIO } from '../support/components.js';
import { FakeReplicaSetStatus } from '../support/fake-replicaset-status.js';
import { GitopsHarness, FLUX_IDENTITY, type ArgoCdDiffModeName } from '../support/gitops-harness.js';
import {
  headerRoutingApp,
  quickStartApp,
  renderGit,
  type GitApp,
  type GitVariant,
} from '../support/gitops-manifests.js';
import {
  APPLY_MODES,
  DIFF_VIEWS,
  gitopsTable,
  syncInstallDocTable,
  type ApplyMode,
  type CaseObservation,
  type DiffView,
  type Verdict,
} from '../support/gitops-table.js';
import { isHealthy, pausedAtStep, waitForRollout } from '../support/rollouts.js';
import { openScenario, type Scenario } from '../support/scenario.js';
import { albCanaryWeight, ARGO_CD_IDENTITY } from '../support/traffic.js';
import { sleep, waitFor } from '../support/wait.js';
import { unregisterWebhooks } from '../support/webhook-registration.js';

/** The Argo CD Application and the Flux Kustomization the example apps belong to. */
const GITOPS_NAME = 'shop';
/** How long nobody may write after a re-apply for the state to count as settled. */
const QUIET_MS = 3_000;
/** How long the control run gives the Rollouts controller to write its state back. */
const FIGHT_WINDOW_MS = 20_000;
/** Twelve apps brought to 20 %, four at a time, on a shared two-core machine. */
const SETUP_TIMEOUT_MS = 600_000;

interface GitopsCase {
  readonly mode: ApplyMode;
  readonly app: GitApp;
  readonly variant: GitVariant;
  readonly namespace: string;
}

const caseLabel = (c: GitopsCase) =>
  `${c.mode}, ${c.app.example}, Rollout-owned annotation ${c.variant} in git`;

const ALB_ACTIONS = 'alb.ingress.kubernetes.io/actions.';
const ALB_CONDITIONS = 'alb.ingress.kubernetes.io/conditions.';
const MANAGED_ANNOTATIONS = 'rollouts.argoproj.io/managed-alb-annotations';

/**
 * What the Rollouts controller owns on the Ingress: the action and condition annotations
 * (and its list of them) and the rules (a header route adds a path). Compared byte for byte before and after an apply.
 */
function ownedState(ingress: V1Ingress): string {
  const annotations = Object.entries(ingress.metadata?.annotations ?? {})
    .filter(
      ([key]) => key.startsWith(ALB_ACTIONS) || key.startsWith(ALB_CONDITIONS) || key === MANAGED_ANNOTATIONS,
    )
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ annotations, rules: ingress.spec?.rules });
}

/** True when the Ingress has the app's header route (its rule path and its conditions), or the app has none. */
function headerRouteInPlace(ingress: V1Ingress, app: GitApp): boolean {
  if (!app.headerRoute) return true;
  const paths = (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
  const annotations = ingress.metadata?.annotations ?? {};
  return (
    paths.some((path) => path.backend.service?.name === app.headerRoute) &&
    `${ALB_CONDITIONS}${app.headerRoute}` in annotations
  );
}

/** True when the Ingress routes 20 % to the canary and, for an app with one, has the header route. */
function midCanary(ingress: V1Ingress, app: GitApp): boolean {
  return albCanaryWeight(ingress, app) === '20' && headerRouteInPlace(ingress, app);
}

/** Runs `task` over `items`, at most `limit` at a time (the machine has two cores). */
async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe.skipIf(!GITOPS_SCENARIO)('GitOps tools, with their own code, mid-canary at 20 %', () => {
  let s: Scenario;
  let harness: GitopsHarness;
  // Built only when the scenario runs: vitest collects a skipped describe's body too.
  const apps = GITOPS_SCENARIO ? [quickStartApp(), headerRoutingApp()] : [];
  const cases: GitopsCase[] = [];
  const guarded = new Map<GitopsCase, CaseObservation>();
  const unguarded = new Map<GitopsCase, CaseObservation>();
  const replicaSets: FakeReplicaSetStatus[] = [];

  const controllerWrites = (c: GitopsCase) =>
    s.ingressWrites(s.env.rolloutsController.user, c.namespace).filter((w) => w.name === c.app.ingress);
  const toolWrites = (c: GitopsCase) =>
    s
      .ingressWrites(c.mode === 'flux' ? FLUX_IDENTITY : ARGO_CD_IDENTITY, c.namespace)
      .filter((w) => w.name === c.app.ingress);
  const readIngress = (c: GitopsCase) =>
    s.admin.networking.readNamespacedIngress({ name: c.app.ingress, namespace: c.namespace });

  /** One apply of git revision 1 or 2 by the case's tool; returns what the tool reported for the Ingress. */
  async function toolApply(c: GitopsCase, revision: 1 | 2): Promise<string> {
    const manifests = renderGit(c.app, c.namespace, c.variant, revision);
    if (c.mode === 'flux') {
      const report = await harness.fluxApply(manifests, GITOPS_NAME, FLUX_IDENTITY);
      return (
        report.entries.find((e) => e.subject === `Ingress/${c.namespace}/${c.app.ingress}`)?.action ??
        'missing'
      );
    }
    const serverSideApply = c.mode === 'argo-cd server-side apply';
    const report = await harness.argoCdSync(manifests, GITOPS_NAME, {
      serverSideApply,
      as: ARGO_CD_IDENTITY,
    });
    if (report.phase !== 'Succeeded')
      throw new Error(`${caseLabel(c)}: sync ${report.phase}: ${report.message}`);
    return report.resources.find((r) => r.kind === 'Ingress')?.message ?? 'missing';
  }

  /**
   * The tool's own verdict on the Ingress (the object the webhook guards) in every diff view
   * that applies to its apply mode. What the same diff says about the app's other objects is
   * kept beside it: the Rollouts controller's selector on the Services shows there, and how
   * depends on whether the controller has rewritten a selector the sync replaced (docs/e2e.md).
   */
  async function toolDiffs(c: GitopsCase): Promise<Partial<Record<DiffView, Verdict>>> {
    const manifests = renderGit(c.app, c.namespace, c.variant, 2);
    const ingressSubject = `Ingress/${c.namespace}/${c.app.ingress}`;
    if (c.mode === 'flux') {
      const report = await harness.fluxDiff(manifests, GITOPS_NAME, FLUX_IDENTITY);
      const ingress = report.entries.find((e) => e.subject === ingressSubject);
      if (!ingress) throw new Error(`${caseLabel(c)}: flux diff reported no ${ingressSubject}`);
      const drifted = ingress.action !== 'unchanged';
      return {
        'flux drift detection': {
          clean: !drifted,
          status: drifted ? 'drift' : 'no drift',
          differences: (ingress.differences ?? []).map((d) => `Ingress ${d}`),
          elsewhere: report.entries
            .filter((e) => e !== ingress && e.action !== 'unchanged')
            .flatMap((e) => (e.differences ?? []).map((d) => `${e.subject.split('/')[0]} ${d}`)),
        },
      };
    }
    const report = await harness.argoCdDiff(manifests, GITOPS_NAME, ARGO_CD_IDENTITY);
    const verdicts: Partial<Record<DiffView, Verdict>> = {};
    for (const mode of report.modes) {
      const ingress = mode.resources.find((r) => r.kind === 'Ingress' && r.name === c.app.ingress);
      if (!ingress) throw new Error(`${caseLabel(c)}: argocd diff ${mode.mode} reported no Ingress`);
      verdicts[argoCdView(mode.mode)] = {
        clean: !ingress.modified,
        status: ingress.modified ? 'OutOfSync' : 'Synced',
        differences: ingress.differences.map((d) => `Ingress ${d}`),
        elsewhere: mode.resources
          .filter((r) => r !== ingress)
          .flatMap((r) => r.differences.map((d) => `${r.kind} ${d}`)),
      };
    }
    return verdicts;
  }

  beforeAll(async () => {
    s = await openScenario('gitops-tools');
    harness = new GitopsHarness(s.env.gitopsHarness, s.env.controlPlane.kubeconfigs.admin);
    await s.grant(ARGO_CD_IDENTITY);
    await s.grant(FLUX_IDENTITY);
    await createAlbIngressClass(s);
    for (const mode of APPLY_MODES)
      for (const app of apps)
        for (const variant of ['absent', 'stale'] as const) {
          const namespace = await createTestNamespace(s.admin, `e2e-gitops-${cases.length}`);
          cases.push({ mode, app, variant, namespace });
        }
    await s.startWebhook({ namespaces: [s.namespace, ...cases.map((c) => c.namespace)] });
    for (const c of cases) replicaSets.push(new FakeReplicaSetStatus(s.admin, c.namespace, 300).start());

    await inPool(cases, 4, async (c) => {
      // The tool creates the app from git, then the commit that changes the image starts the canary.
      await toolApply(c, 1);
      await waitForRollout(s.admin, c.namespace, c.app.rollout, 'to be Healthy', isHealthy);
      await toolApply(c, 2);
      await waitForRollout(
        s.admin,
        c.namespace,
        c.app.rollout,
        'to pause at 20 %',
        pausedAtStep(c.app.pauseStep),
      );
      await waitFor(`${caseLabel(c)}: the Ingress mid-canary`, async () =>
        midCanary(await readIngress(c), c.app) ? true : undefined,
      );
    });

    // The tool applies git again (a resync, a self-heal, Flux's interval), then its own diff.
    await inPool(cases, 4, async (c) => {
      const before = await readIngress(c);
      const controllerBefore = controllerWrites(c).length;
      const toolBefore = toolWrites(c).length;
      const reapply = await toolApply(c, 2);
      await sleep(QUIET_MS);
      const after = await readIngress(c);
      guarded.set(c, {
        reapply,
        trafficKept: midCanary(after, c.app) && ownedState(after) === ownedState(before),
        headerRouteAfterSettling: headerRouteInPlace(after, c.app),
        controllerWritesAfterApply: controllerWrites(c).length - controllerBefore,
        toolWrites: toolWrites(c).length - toolBefore,
        views: await toolDiffs(c),
      });
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const loop of replicaSets) await loop.stop();
    await s?.close();
  });

  it('prints what each tool reported', () => {
    for (const c of cases)
      process.stderr.write(`[gitops] ${caseLabel(c)}: ${JSON.stringify(guarded.get(c))}\n`);
    expect(guarded.size).toBe(cases.length);
  });

  it('keeps the weights and header routes on every apply, and the controller never writes again', () => {
    for (const c of cases) {
      const seen = guarded.get(c)!;
      expect(seen.trafficKept, caseLabel(c)).toBe(true);
      expect(seen.headerRouteAfterSettling, caseLabel(c)).toBe(true);
      expect(seen.controllerWritesAfterApply, caseLabel(c)).toBe(0);
    }
  });

  it('has every controller state written once', () => {
    for (const c of cases) {
      const bodies = controllerWrites(c).map((w) => JSON.stringify(w.requestObject));
      expect(new Set(bodies).size, caseLabel(c)).toBe(bodies.length);
    }
  });

  it('shows what each tool diff reports, as expected', () => {
    for (const c of cases) {
      const views = guarded.get(c)!.views;
      for (const view of Object.keys(views) as DiffView[]) {
        expect(views[view]!.status, `${caseLabel(c)}: ${view}`).toBe(expectedFor(EXPECTED_GUARDED, c, view));
      }
    }
  });

  describe('(control) without the webhook', () => {
    beforeAll(async () => {
      await unregisterWebhooks(s.admin);
      await inPool(cases, 4, async (c) => {
        const before = await readIngress(c);
        const controllerBefore = controllerWrites(c).length;
        const toolBefore = toolWrites(c).length;
        const reapply = await toolApply(c, 2);
        const rightAfter = await readIngress(c);
        let rewrote = false;
        const deadline = Date.now() + FIGHT_WINDOW_MS;
        while (Date.now() < deadline && !rewrote) {
          rewrote = controllerWrites(c).length > controllerBefore;
          if (!rewrote) await sleep(250);
        }
        if (rewrote) await sleep(QUIET_MS);
        const settled = await readIngress(c);
        unguarded.set(c, {
          reapply,
          trafficKept:
            !rewrote && midCanary(rightAfter, c.app) && ownedState(rightAfter) === ownedState(before),
          headerRouteAfterSettling: headerRouteInPlace(settled, c.app),
          controllerWritesAfterApply: controllerWrites(c).length - controllerBefore,
          toolWrites: toolWrites(c).length - toolBefore,
          views: await toolDiffs(c),
        });
      });
    }, SETUP_TIMEOUT_MS);

    it('prints what each tool reported', () => {
      for (const c of cases)
        process.stderr.write(`[gitops control] ${caseLabel(c)}: ${JSON.stringify(unguarded.get(c))}\n`);
      expect(unguarded.size).toBe(cases.length);
    });

    it('loses the weights or the header route whenever git holds them or the rules; the controller restores the weights only', () => {
      for (const c of cases) {
        const seen = unguarded.get(c)!;
        const expectLoss = c.variant === 'stale' || c.app.headerRoute !== undefined;
        expect(seen.trafficKept, caseLabel(c)).toBe(!expectLoss);
        // Git's stale action is rewritten by the controller's next reconcile: a write fight.
        expect(seen.controllerWritesAfterApply > 0, caseLabel(c)).toBe(c.variant === 'stale');
        // A header route is set only at its own step (argo-rollouts rollout/trafficrouting.go),
        // so once a sync has replaced the rules it stays lost for the rest of the canary.
        expect(seen.headerRouteAfterSettling, caseLabel(c)).toBe(c.app.headerRoute === undefined);
      }
    });

    it('shows what each tool diff reports, as expected', () => {
      for (const c of cases) {
        const views = unguarded.get(c)!.views;
        for (const view of Object.keys(views) as DiffView[]) {
          expect(views[view]!.status, `${caseLabel(c)}: ${view}`).toBe(
            expectedFor(EXPECTED_UNGUARDED, c, view),
          );
        }
      }
    });

    it('matches the table in docs/install.md', async () => {
      const observed = cases.map((c) => ({
        mode: c.mode,
        example: c.app.example,
        variant: c.variant,
        guarded: guarded.get(c)!,
        unguarded: unguarded.get(c)!,
      }));
      await syncInstallDocTable(gitopsTable(observed));
    });
  });
});

function argoCdView(mode: ArgoCdDiffModeName): DiffView {
  switch (mode) {
    case 'legacy':
      return 'argo-cd legacy diff';
    case 'server-side':
      return 'argo-cd server-side diff';
    case 'server-side-include-mutation-webhook':
      return 'argo-cd server-side diff, IncludeMutationWebhook';
  }
}

/** The IngressClass of examples/quickstart/app.yaml, cluster-wide, so it is created once for all cases. */
async function createAlbIngressClass(s: Scenario): Promise<void> {
  try {
    await KubernetesObjectApi.makeApiClient(s.admin.config).create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'alb' },
      spec: { controller: 'ingress.k8s.aws/alb' },
    } as never);
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
}

/** Expected statuses in this order: quick start (absent, stale), header routing (absent, stale). */
type Expected = Record<ApplyMode, Partial<Record<DiffView, readonly [string, string, string, string]>>>;

const expectedFor = (expected: Expected, c: GitopsCase, view: DiffView): string | undefined =>
  expected[c.mode][view]?.[(c.app.example === 'header-routing' ? 2 : 0) + (c.variant === 'stale' ? 1 : 0)];

/** What each tool's diff shows for the Ingress while the webhook guards it. */
const EXPECTED_GUARDED: Expected = {
  'argo-cd client-side apply': {
    'argo-cd legacy diff': ['Synced', 'OutOfSync', 'OutOfSync', 'OutOfSync'],
    'argo-cd server-side diff': ['Synced', 'Synced', 'Synced', 'Synced'],
    'argo-cd server-side diff, IncludeMutationWebhook': ['Synced', 'Synced', 'Synced', 'Synced'],
  },
  'argo-cd server-side apply': {
    'argo-cd legacy diff': ['Synced', 'OutOfSync', 'OutOfSync', 'OutOfSync'],
    'argo-cd server-side diff': ['Synced', 'Synced', 'Synced', 'Synced'],
    'argo-cd server-side diff, IncludeMutationWebhook': ['Synced', 'Synced', 'Synced', 'Synced'],
  },
  flux: {
    'flux drift detection': ['no drift', 'no drift', 'no drift', 'no drift'],
  },
};

/**
 * What the same diffs show for the Ingress once the unguarded apply and the controller's
 * rewrite have settled. Not in git: the header route the sync removed is never written back,
 * so live equals git again and the diff is clean while the route is gone (the surprise of
 * the first recorded run). Stale in git: the controller writes its weights back over git's.
 */
const EXPECTED_UNGUARDED: Expected = {
  'argo-cd client-side apply': {
    'argo-cd legacy diff': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
    'argo-cd server-side diff': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
    'argo-cd server-side diff, IncludeMutationWebhook': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
  },
  'argo-cd server-side apply': {
    'argo-cd legacy diff': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
    'argo-cd server-side diff': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
    'argo-cd server-side diff, IncludeMutationWebhook': ['Synced', 'OutOfSync', 'Synced', 'OutOfSync'],
  },
  flux: {
    'flux drift detection': ['no drift', 'drift', 'no drift', 'drift'],
  },
};

// Every view of every mode has an expectation: a view the harness adds fails here, not silently.
for (const mode of APPLY_MODES)
  for (const view of DIFF_VIEWS[mode])
    if (!EXPECTED_GUARDED[mode][view] || !EXPECTED_UNGUARDED[mode][view])
      throw new Error(`no expectation for ${mode} / ${view}`);
