/**
 * Exponential backoff with jitter. Every failure doubles the ceiling up to `maxMs`; the
 * delay is drawn from the upper half of the ceiling ("equal jitter"), so replicas that
 * lost the apiserver at the same moment do not come back in lockstep, and no delay
 * collapses to zero the way full jitter can.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
