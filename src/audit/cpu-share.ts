/**
 * A cap on the share of the event loop that the background audit takes, so that admission
 * reviews always come first. The caller works in units with a `checkpoint` between them (the
 * audit's units: one list page, parsed and all its objects judged; one report, built and
 * sent). A slice is whole units: at the first checkpoint after `sliceMs` of work, it rests
 * for as long as keeps its work at `share` of the time: rest = work × (1 − share) / share.
 * The caller decides where a rest may fall (the audit never rests while it holds a page, see
 * auditor.ts). Inside a unit it lets the reviews in with `yieldToReviews` (between the
 * objects of a page): a review that arrives meanwhile waits for one step (one object judged,
 * or a page's parse), not for the slice, and never for the whole audit.
 *
 * Why wall time and not process.cpuUsage(): the process's CPU counter also counts the
 * reviews. Inside a slice the audit holds the only JavaScript thread, so the slice's wall
 * time is exactly the time the reviews could not have. Waits for I/O are not work (`io`),
 * and work done where the slice's clock cannot see it (a page parsed inside the apiserver
 * client) is added with `charge`.
 *
 * The share is a ceiling, and reviews come first: a rest lasts until the event loop has been
 * idle (the reviews had nothing more to do) for at least as long as the slice to come, read
 * from performance.eventLoopUtilization(). When reviews keep the loop busy, the audit rests
 * longer, up to MAX_REST_FACTOR times its rest: it then gets about a tenth of its share, so it
 * still finishes. A pod limited to one CPU has nothing to spare when admission traffic peaks;
 * the audit then just takes longer.
 */
import { setImmediate, setTimeout } from 'node:timers/promises';

/** The audit's share of the event loop unless configured (`--audit-cpu-share`). */
export const DEFAULT_AUDIT_CPU_SHARE = 0.1;
/**
 * Work after which the next checkpoint rests. A slice ends at the first checkpoint past it:
 * what a review arriving during the audit waits at most for it, plus one step.
 */
export const DEFAULT_SLICE_MS = 1;
/** A rest lasts at most this many times work × (1 − share) / share, however busy the reviews. */
export const MAX_REST_FACTOR = 10;

/** Where the scheduler reads the time and waits (a fake in tests). */
export interface PacingClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /**
   * Resolves after `ms` (0: after the event loop's pending I/O); a wait of `ms` > 0 rejects
   * when `signal` aborts.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Milliseconds the event loop has spent idle, waiting for I/O, since the process started. */
  idleMs(): number;
}

export const MONOTONIC_CLOCK: PacingClock = {
  now: () => performance.now(),
  idleMs: () => performance.eventLoopUtilization().idle,
  // A yield (0) is over within one turn of the loop, so it takes no abort listener: the
  // audit sees a stop at its next checkpoint, and adding and removing a listener on the
  // audit's long-lived signal for every object judged left garbage in the old generation.
  sleep: (ms, signal) => (ms > 0 ? setTimeout(ms, undefined, { signal }) : setImmediate()),
};

export interface CpuShareOptions {
  /** Fraction of the time the work may take, in (0, 1]; 1 still yields between slices. */
  share: number;
  sliceMs?: number;
  clock?: PacingClock;
  /** Aborts a rest (the audit is stopping). */
  signal: AbortSignal;
}

/** What the scheduler measured since it was made. */
export interface PacingTotals {
  workMs: number;
  /** As rested: work × (1 − share) / share, plus however late the timers fired, plus backoff. */
  restMs: number;
  /** Rest beyond the share's because reviews kept the event loop busy. */
  backoffMs: number;
  slices: number;
  /** The longest slice: the most work between two rests. */
  longestSliceMs: number;
  /**
   * The longest step: the most work with no yield, rest or I/O wait in it, so the longest a
   * review waited for the audit (plus its own queue).
   */
  longestStepMs: number;
}

export class CpuShareScheduler {
  readonly share: number;
  readonly sliceMs: number;
  private readonly clock: PacingClock;
  private readonly signal: AbortSignal;
  /** When the running stretch of work began (after the last rest or I/O wait). */
  private stretchStarted: number;
  /** Work of the current slice from before an I/O wait or yield, and charged work. */
  private counted = 0;
  /** Work charged since the running step began (it ran just before the step, unseen). */
  private stepCharged = 0;
  private readonly measured: PacingTotals = {
    workMs: 0,
    restMs: 0,
    backoffMs: 0,
    slices: 0,
    longestSliceMs: 0,
    longestStepMs: 0,
  };

  constructor(options: CpuShareOptions) {
    if (!(options.share > 0 && options.share <= 1))
      throw new RangeError(`the CPU share must be in (0, 1], got ${options.share}`);
    this.share = options.share;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.clock = options.clock ?? MONOTONIC_CLOCK;
    this.signal = options.signal;
    this.stretchStarted = this.clock.now();
  }

  get totals(): Readonly<PacingTotals> {
    return this.measured;
  }

  /** Between two units of work: once the slice has run `sliceMs`, rests for its share. */
  async checkpoint(): Promise<void> {
    const work = this.sliceWork();
    if (work < this.sliceMs) return;
    await this.rest(work);
  }

  /**
   * Between two steps of one unit of work, where no rest may fall (the objects of one page):
   * lets the reviews that arrived meanwhile run (the event loop's pending I/O), then goes on
   * with the same slice. The wait is theirs, not the audit's work.
   */
  async yieldToReviews(): Promise<void> {
    this.counted += this.endStep();
    await this.clock.sleep(0, this.signal);
    this.stretchStarted = this.clock.now();
  }

  /** Adds work the slice's clock did not see, measured where it ran (a page's JSON.parse). */
  charge(ms: number): void {
    if (ms > 0) {
      this.counted += ms;
      this.stepCharged += ms;
    }
  }

  /**
   * Runs `start` and waits for its promise without counting the wait as work. Its
   * synchronous part (building a request, serialising a body) counts.
   */
  async io<T>(start: () => Promise<T>): Promise<T> {
    const pending = start();
    this.counted += this.endStep();
    try {
      return await pending;
    } finally {
      this.stretchStarted = this.clock.now();
    }
  }

  private sliceWork(): number {
    return this.counted + (this.clock.now() - this.stretchStarted);
  }

  /** Ends the running step; returns its work as the slice's clock saw it (charges aside). */
  private endStep(): number {
    const seen = this.clock.now() - this.stretchStarted;
    const step = seen + this.stepCharged;
    if (step > this.measured.longestStepMs) this.measured.longestStepMs = step;
    this.stepCharged = 0;
    return seen;
  }

  private async rest(work: number): Promise<void> {
    this.endStep();
    const restMs = (work * (1 - this.share)) / this.share;
    const m = this.measured;
    m.workMs += work;
    m.slices++;
    if (work > m.longestSliceMs) m.longestSliceMs = work;
    this.counted = 0;
    const { clock } = this;
    const restStarted = clock.now();
    const idleAtStart = clock.idleMs();
    await clock.sleep(restMs, this.signal);
    // Reviews first: rest on while they left the loop idle for less than the slice to come.
    // (At a share of 1 there is no rest to extend: the audit only yields between slices.)
    const longest = restMs * MAX_REST_FACTOR;
    while (restMs > 0 && clock.idleMs() - idleAtStart < work && clock.now() - restStarted < longest) {
      const before = clock.now();
      await clock.sleep(restMs, this.signal);
      m.backoffMs += clock.now() - before;
    }
    this.stretchStarted = clock.now();
    // As rested (a timer fires when the loop gets to it): the share actually taken.
    m.restMs += this.stretchStarted - restStarted;
  }
}
