import type { V1Ingress } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/cluster.js';
import { e2eEnvironment } from './support/environment.js';
import { httpGet, httpsRequest } from './support/https.js';
import { kubectlOk } from './support/kubectl.js';
import { canarySetup, REFERENCE_EXAMPLE_NAMES as names, type Router } from './support/manifests.js';
import { committedOrRecorded } from './support/observed-fixtures.js';
import { restartComponent } from './support/control-channel.js';
import {
  isHealthy,
  pausedAtStep,
  setRolloutImage,
  waitForRollout,
  type RolloutState,
} from './support/rollouts.js';
import { openScenario, type Scenario } from './support/scenario.js';
import { albActionKey, ARGO_CD_IDENTITY } from './support/traffic.js';

const env = e2eEnvironment();
const admin = connect(env.controlPlane.kubeconfigs.admin);
const adminTls = {
  ca: env.controlPlane.pki.caCert,
  cert: env.controlPlane.pki.clients.admin.cert,
  key: env.controlPlane.pki.clients.admin.key,
};
const STEPS = [{ setWeight: 20 }, { pause: {} }];

/** Expected ALB action bytes, built by the rules of argo alb.go (see docs/routing.md). */
const referenceAction = (canaryWeight: number) =>
  `{"Type":"forward","ForwardConfig":{"TargetGroups":[` +
  `{"ServiceName":"${names.canaryService}","ServicePort":"${names.servicePort}","Weight":${canaryWeight}},` +
  `{"ServiceName":"${names.stableService}","ServicePort":"${names.servicePort}","Weight":${100 - canaryWeight}}]}}`;
const ACTION_KEY = albActionKey(names);
const MANAGED_KEY = 'rollouts.argoproj.io/managed-alb-annotations';
const NGINX_CANARY = `${names.rollout}-${names.ingress}-canary`;

const show = (label: string, value: unknown) =>
  process.stderr.write(`[observed] ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);

describe('the control plane the e2e suite runs on', () => {
  it('kube-apiserver serves /version as the version it printed', async () => {
    const res = await httpsRequest(`${env.controlPlane.apiServerUrl}/version`, adminTls);
    expect(res.status).toBe(200);
    const version = JSON.parse(res.body) as { gitVersion: string; major: string; minor: string };
    expect(env.versions['kube-apiserver']).toContain(version.gitVersion);
    expect(Number(version.major)).toBe(1);
    expect(Number(version.minor)).toBeGreaterThanOrEqual(37);
  });

  it('has every Argo Rollouts CRD Established', async () => {
    const crds = (await admin.apiextensions.listCustomResourceDefinition()).items.filter(
      (crd) => crd.spec.group === 'argoproj.io',
    );
    const established = crds
      .filter((crd) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
      .map((crd) => crd.metadata!.name)
      .sort();
    expect(established).toEqual([
      'analysisruns.argoproj.io',
      'analysistemplates.argoproj.io',
      'clusteranalysistemplates.argoproj.io',
      'experiments.argoproj.io',
      'rollouts.argoproj.io',
    ]);
  });

  it('runs a healthy Argo Rollouts controller', async () => {
    expect((await httpGet(env.rolloutsController.healthzUrl)).status).toBe(200);
  });

  it('works with this kubectl for the apply forms the scenarios use', async () => {
    // kubectl is older than the apiserver (see the version banner); prove the verbs we rely on.
    const scenario = await openScenario('kubectl-compat');
    try {
      const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  a: "1"\n';
      await scenario.kubectlOk(['apply', '-f', '-'], { stdin: manifest });
      await scenario.kubectlOk(
        ['apply', '--server-side', '--field-manager=e2e-other', '--force-conflicts', '-f', '-'],
        {
          stdin: manifest.replace('"1"', '"2"'),
        },
      );
      const dryRun = await scenario.kubectlOk(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], {
        stdin: manifest.replace('"1"', '"3"'),
      });
      expect((JSON.parse(dryRun) as { data: { a: string } }).data.a).toBe('3');
      const stored = await scenario.admin.core.readNamespacedConfigMap({
        name: 'probe',
        namespace: scenario.namespace,
      });
      expect(stored.data?.a).toBe('2');
    } finally {
      await scenario.close();
    }
  });

  it('lets kubectl act as an Argo CD service account by impersonation', async () => {
    const review = JSON.parse(
      await kubectlOk(env.controlPlane.kubeconfigs.admin, ['auth', 'whoami', '-o', 'json'], {
        as: ARGO_CD_IDENTITY,
      }),
    ) as { status: { userInfo: { username: string } } };
    expect(review.status.userInfo.username).toBe(ARGO_CD_IDENTITY);
  });
});

/**
 * What the real controller writes onto Ingresses, with no webhook registered: the ground
 * truth the routing core must reproduce byte for byte. Each run compares with the
 * committed observation (E2E_RECORD_FIXTURES=1 re-records it).
 */
describe.each<Router>(['alb', 'nginx'])(
  'the real Rollouts controller on a %s canary, no webhook',
  (router) => {
    let scenario: Scenario;
    const observed: Record<string, unknown> = {};

    beforeAll(async () => {
      scenario = await openScenario(`observe-${router}`);
    });
    afterAll(async () => {
      await scenario?.close();
    });

    const rolloutReaches = (what: string, ready: (rollout: RolloutState) => boolean) =>
      waitForRollout(scenario.admin, scenario.namespace, names.rollout, what, ready);

    it('takes the first revision to Healthy with the canary at weight 0', async () => {
      await scenario.create(canarySetup(names, { router, steps: STEPS }));
      await rolloutReaches('to be Healthy', isHealthy);
      observed.atWeight0 = await ingressState(scenario, router, 0);
      expect(scenario.replicaSets.patches).toBeGreaterThan(0);
    });

    it('reaches setWeight 20 on a new revision', async () => {
      await setRolloutImage(scenario.admin, scenario.namespace, names.rollout, 'registry.invalid/demo:2');
      const rollout = await rolloutReaches('to pause after setWeight 20', pausedAtStep(1));
      expect(rollout.status?.canary?.weights?.canary?.weight).toBe(20);
      observed.atWeight20 = await ingressState(scenario, router, 20);
    });

    it('matches the reference bytes and the committed observation', async () => {
      const controllerWrites = scenario.ingressWrites(env.rolloutsController.user).map((write) => ({
        verb: write.verb,
        name: write.name,
        // Creates carry a whole object with uids and timestamps; patches are the exact bytes sent.
        body: write.verb === 'patch' ? write.requestObject : '(object create)',
      }));
      show(`${router} controller Ingress writes`, controllerWrites);
      const observation = {
        controllerVersion: env.rolloutsController.version,
        kubernetesVersion: env.versions['kube-apiserver'],
        names,
        steps: STEPS,
        ...observed,
        controllerIngressWrites: controllerWrites,
      };
      if (router === 'alb') {
        const at20 = observed.atWeight20 as { annotations: Record<string, string> };
        expect(at20.annotations[ACTION_KEY]).toBe(referenceAction(20));
        expect(at20.annotations[MANAGED_KEY]).toBe(`{"${names.rollout}":["${ACTION_KEY}"]}`);
      } else {
        const at20 = observed.atWeight20 as { name: string; annotations: Record<string, string> };
        expect(at20.name).toBe(NGINX_CANARY);
        expect(at20.annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('20');
      }
      expect(observation).toEqual(await committedOrRecorded(`${router}-canary`, observation));
    });
  },
);

/**
 * Waits for the controller to write `weight`, then returns the Ingress state that matters:
 * ALB, the stable Ingress's annotations; NGINX, the canary Ingress the controller owns.
 */
async function ingressState(
  scenario: Scenario,
  router: Router,
  weight: number,
): Promise<Record<string, unknown>> {
  if (router === 'alb') {
    const ingress = await scenario.waitForIngress(names.ingress, `to carry weight ${weight}`, (i) =>
      (i.metadata?.annotations?.[ACTION_KEY] ?? '').includes(`"Weight":${weight}}`),
    );
    const annotations = ingress.metadata?.annotations ?? {};
    show(`alb ${ACTION_KEY} at ${weight}`, annotations[ACTION_KEY]);
    show(`alb ${MANAGED_KEY} at ${weight}`, annotations[MANAGED_KEY]);
    return { annotations, spec: ingress.spec };
  }
  const canary = await scenario.waitForIngress(
    NGINX_CANARY,
    `to carry canary-weight ${weight}`,
    (i) => i.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] === String(weight),
  );
  show(`nginx canary ${NGINX_CANARY} at ${weight}`, canary.metadata?.annotations);
  return stableParts(canary);
}

/** The parts of a controller-made Ingress that do not change between runs (no uids, no timestamps). */
function stableParts(ingress: V1Ingress): Record<string, unknown> {
  const owners = (ingress.metadata?.ownerReferences ?? []).map(({ uid: _uid, ...owner }) => owner);
  return {
    name: ingress.metadata?.name,
    labels: ingress.metadata?.labels ?? {},
    annotations: ingress.metadata?.annotations ?? {},
    ownerReferences: owners,
    spec: ingress.spec,
  };
}

/** Scenario 5 restarts components; prove the control channel does it without losing state. */
describe('component restarts through the global setup', () => {
  it('restarts kube-apiserver with its data intact', async () => {
    const ms = await restartComponent(env.controlUrl, 'kube-apiserver');
    show('kube-apiserver restart (ms)', ms);
    const ingress = await admin.networking.readNamespacedIngress({
      name: names.ingress,
      namespace: 'e2e-observe-alb',
    });
    expect(ingress.metadata?.annotations?.[ACTION_KEY]).toBe(referenceAction(20));
  });

  it('restarts the Rollouts controller on the same healthz port', async () => {
    const ms = await restartComponent(env.controlUrl, 'rollouts-controller');
    show('rollouts-controller restart (ms)', ms);
    expect((await httpGet(env.rolloutsController.healthzUrl)).status).toBe(200);
  });
});
