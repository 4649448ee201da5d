import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { mergePatch } from './cluster.js';
import { waitForState } from './wait.js';

const ROLLOUTS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

/** The parts of a Rollout's status the scenarios look at. */
export interface RolloutState {
  readonly metadata: { name: string; generation?: number };
  readonly status?: {
    phase?: string;
    currentStepIndex?: number;
    stableRS?: string;
    currentPodHash?: string;
    pauseConditions?: { reason: string }[] | null;
    canary?: {
      weights?: {
        canary?: { weight?: number };
        stable?: { weight?: number };
        /** Experiment Services with their weights, while a weighted experiment step runs. */
        additional?: { serviceName?: string; weight?: number }[];
      };
    };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Creates objects in order, in one namespace, with client-node's generic object API. */
export async function createAll(
  cluster: Cluster,
  namespace: string,
  objects: readonly KubernetesObject[],
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(cluster.config);
  for (const object of objects) {
    await api.create({ ...object, metadata: { ...object.metadata, namespace } });
  }
}

export async function readRollout(cluster: Cluster, namespace: string, name: string): Promise<RolloutState> {
  return (await cluster.custom.getNamespacedCustomObject({ ...ROLLOUTS, namespace, name })) as RolloutState;
}

/** Waits until the Rollout satisfies `ready`; the timeout error shows its last status. */
export async function waitForRollout(
  cluster: Cluster,
  namespace: string,
  name: string,
  what: string,
  ready: (rollout: RolloutState) => boolean,
  timeoutMs = 60_000,
): Promise<RolloutState> {
  return waitForState(
    `Rollout ${namespace}/${name} ${what}`,
    () => readRollout(cluster, namespace, name),
    ready,
    (rollout) => rollout.status,
    timeoutMs,
  );
}

/** Merge-patches a Rollout's spec (a new pod template starts a new canary revision). */
export async function patchRolloutSpec(
  cluster: Cluster,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await cluster.custom.patchNamespacedCustomObject(
    { ...ROLLOUTS, namespace, name, body: { spec } },
    mergePatch(),
  );
}

/** Starts a new revision by changing the only container's image. */
export async function setRolloutImage(
  cluster: Cluster,
  namespace: string,
  name: string,
  image: string,
): Promise<void> {
  await patchRolloutSpec(cluster, namespace, name, {
    template: { spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] } },
  });
}

/** What `kubectl argo rollouts promote` does for an indefinite pause: clear the pause conditions. */
export async function promote(cluster: Cluster, namespace: string, name: string): Promise<void> {
  await cluster.custom.patchNamespacedCustomObjectStatus(
    { ...ROLLOUTS, namespace, name, body: { status: { pauseConditions: null } } },
    mergePatch(),
  );
}

/**
 * What `kubectl argo rollouts promote` does at a step that is not a pause, such as a running
 * experiment: clear the pause conditions and move the step index on by one (argo-rollouts
 * v1.10.2, pkg/kubectl-argo-rollouts/cmd/promote/promote.go `getPatches`).
 */
export async function promoteFromStep(
  cluster: Cluster,
  namespace: string,
  name: string,
  currentStep: number,
): Promise<void> {
  await cluster.custom.patchNamespacedCustomObjectStatus(
    {
      ...ROLLOUTS,
      namespace,
      name,
      body: { status: { pauseConditions: null, currentStepIndex: currentStep + 1 } },
    },
    mergePatch(),
  );
}

/** What `kubectl argo rollouts promote --full` does for a Rollout that is not paused by spec. */
export async function promoteFull(cluster: Cluster, namespace: string, name: string): Promise<void> {
  await cluster.custom.patchNamespacedCustomObjectStatus(
    { ...ROLLOUTS, namespace, name, body: { status: { promoteFull: true } } },
    mergePatch(),
  );
}

/** What `kubectl argo rollouts abort` does: set status.abort through the status subresource. */
export async function abort(cluster: Cluster, namespace: string, name: string): Promise<void> {
  await cluster.custom.patchNamespacedCustomObjectStatus(
    { ...ROLLOUTS, namespace, name, body: { status: { abort: true } } },
    mergePatch(),
  );
}

/** True when the Rollout is paused at step `index` (an indefinite `pause: {}` step). */
export function pausedAtStep(index: number): (rollout: RolloutState) => boolean {
  return (rollout) =>
    rollout.status?.currentStepIndex === index &&
    (rollout.status.pauseConditions ?? []).some((condition) => condition.reason === 'CanaryPauseStep');
}

export const isHealthy = (rollout: RolloutState): boolean => rollout.status?.phase === 'Healthy';

/**
 * The usual way into the middle of a canary: wait for the first revision to be Healthy,
 * start a second one with a new image, and wait at the indefinite pause at `pauseStep`.
 */
export async function runCanaryToPause(
  cluster: Cluster,
  namespace: string,
  name: string,
  pauseStep = 1,
): Promise<RolloutState> {
  await waitForRollout(cluster, namespace, name, 'to be Healthy', isHealthy);
  return startCanaryToPause(cluster, namespace, name, 'registry.invalid/demo:2', pauseStep);
}

/** Starts a new revision with `image` (after a promotion or an abort) and waits at the pause at `pauseStep`. */
export async function startCanaryToPause(
  cluster: Cluster,
  namespace: string,
  name: string,
  image: string,
  pauseStep = 1,
): Promise<RolloutState> {
  await setRolloutImage(cluster, namespace, name, image);
  return waitForRollout(cluster, namespace, name, `to pause at step ${pauseStep}`, pausedAtStep(pauseStep));
}
