/**
 * A process-wide budget of memory for request bodies in flight. Each request reserves the
 * bytes it is sending (its Content-Length up front, or chunk by chunk when it has none) and,
 * before its text is parsed, what decoding it may cost (`parseCostBytes`); it gives all of it
 * back when its response is finished or its connection closes. A request that does not fit
 * is answered 429 at once (the apiserver then applies failurePolicy) instead of the heap
 * running out under many large bodies at the same time.
 */
import { getHeapStatistics } from 'node:v8';

/**
 * The budget's share of V8's heap limit. The rest holds the cluster-state cache, the
 * server and the garbage of reviews in progress; docs/reliability.md has the measurements.
 */
export const BODY_BUDGET_HEAP_SHARE = 0.4;

/** The budget for this process: a share of the heap limit set by --max-old-space-size. */
export function bodyBudgetFromHeapLimit(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * BODY_BUDGET_HEAP_SHARE);
}

export class BodyBudget {
  private reserved = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes reserved by requests in flight. */
  inUse(): number {
    return this.reserved;
  }

  /** Reserves `bytes` if they fit; false (nothing reserved) otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.reserved + bytes > this.limitBytes) return false;
    this.reserved += bytes;
    return true;
  }

  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
  }
}
