import type { Cluster } from './cluster.js';
import { mergePatch } from './cluster.js';

/**
 * Plays the ReplicaSet controller that this control plane does not run: every tick it
 * marks each ReplicaSet of the namespace as fully available, through the /status
 * subresource. Argo Rollouts decides step completion from exactly these fields, and
 * nothing else writes them here, so the patches stick.
 */
export class FakeReplicaSetStatus {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private ticking = false;
  private lastError: Error | undefined;
  /** How many status patches were sent (a test can check the loop really ran). */
  patches = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly namespace: string,
    private readonly intervalMs = 150,
  ) {}

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => {
      // One tick at a time, and none queued behind a slow one: on a loaded machine ticks
      // chained every interval piled up faster than they ran, and stop() then waited out the
      // whole backlog (minutes, with a dozen loops in one scenario).
      if (this.ticking) return;
      this.ticking = true;
      // Only the latest tick's error counts: a tick that fails while the apiserver restarts
      // is retried by the next one, so an error that persists is the loop's failure.
      this.tick = this.markAllAvailable()
        .finally(() => {
          this.ticking = false;
        })
        .then(
          () => {
            this.lastError = undefined;
          },
          (err: Error) => {
            this.lastError = err;
          },
        );
    }, this.intervalMs);
    return this;
  }

  /** Stops the loop; throws if its last tick failed, so a silently failing loop cannot pass a test. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.tick;
    if (this.lastError) throw new Error(`fake ReplicaSet status loop failed: ${this.lastError.message}`);
  }

  private async markAllAvailable(): Promise<void> {
    const list = await this.cluster.apps.listNamespacedReplicaSet({ namespace: this.namespace });
    for (const rs of list.items) {
      const replicas = rs.spec?.replicas ?? 1;
      const status = rs.status;
      const generation = rs.metadata?.generation;
      // Zero counts are omitted on the wire, so a missing field reads as 0.
      if (
        (status?.availableReplicas ?? 0) === replicas &&
        (status?.readyReplicas ?? 0) === replicas &&
        (status?.replicas ?? 0) === replicas &&
        status?.observedGeneration === generation
      ) {
        continue;
      }
      await this.cluster.apps.patchNamespacedReplicaSetStatus(
        {
          name: rs.metadata!.name!,
          namespace: this.namespace,
          body: {
            status: {
              replicas,
              readyReplicas: replicas,
              availableReplicas: replicas,
              fullyLabeledReplicas: replicas,
              observedGeneration: generation,
            },
          },
        },
        mergePatch(),
      );
      this.patches++;
    }
  }
}
