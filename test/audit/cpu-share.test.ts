import { describe, expect, it } from 'vitest';
import { CpuShareScheduler, MONOTONIC_CLOCK, type PacingClock } from '../../src/audit/cpu-share.js';

/**
 * A clock that moves only when told: work advances it, a rest advances it by the rest asked
 * for, during which the event loop is idle for `idleShare` of the time (the reviews the rest).
 */
class FakeClock implements PacingClock {
  time = 1000;
  idle = 0;
  idleShare = 1;
  /** How long the reviews let in by a wait of 0 (a yield) take. */
  reviewsPerYieldMs = 0;
  readonly rests: number[] = [];
  now(): number {
    return this.time;
  }
  idleMs(): number {
    return this.idle;
  }
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.rests.push(ms);
    this.time += ms === 0 ? this.reviewsPerYieldMs : ms;
    this.idle += ms * this.idleShare;
  }
  work(ms: number): void {
    this.time += ms;
  }
}

function scheduler(share: number, clock: FakeClock, signal = new AbortController().signal) {
  return new CpuShareScheduler({ share, sliceMs: 1, clock, signal });
}

describe('CpuShareScheduler', () => {
  it('rests after each slice of 1 ms so that the work takes its share of the time', async () => {
    const clock = new FakeClock();
    const pacer = scheduler(0.2, clock);
    const started = clock.now();
    // 1,000 units of 0.25 ms: slices of 4 units (1 ms), each followed by 1 × 0.8 / 0.2 = 4 ms of rest.
    for (let i = 0; i < 1000; i++) {
      clock.work(0.25);
      await pacer.checkpoint();
    }
    expect(clock.rests).toHaveLength(250);
    for (const rest of clock.rests) expect(rest).toBeCloseTo(4, 9);
    expect(pacer.totals.workMs).toBeCloseTo(250, 9);
    expect(pacer.totals.restMs).toBeCloseTo(1000, 9);
    expect(pacer.totals.longestSliceMs).toBeCloseTo(1, 9);
    expect(pacer.totals.workMs / (clock.now() - started)).toBeCloseTo(0.2, 9);
  });

  it('ends a slice at the first checkpoint past 1 ms, and rests in proportion to the whole slice', async () => {
    const clock = new FakeClock();
    const pacer = scheduler(0.1, clock);
    clock.work(0.6);
    await pacer.checkpoint();
    expect(clock.rests).toEqual([]);
    clock.work(0.9); // the slice is now 1.5 ms: rest 1.5 × 0.9 / 0.1 = 13.5 ms
    await pacer.checkpoint();
    expect(clock.rests).toHaveLength(1);
    expect(clock.rests[0]).toBeCloseTo(13.5, 9);
    expect(pacer.totals.longestSliceMs).toBeCloseTo(1.5, 9);
  });

  it('does not count the wait for I/O as work, but counts its synchronous part and charged work', async () => {
    const clock = new FakeClock();
    const pacer = scheduler(0.5, clock);
    clock.work(0.3);
    const answer = await pacer.io(() => {
      clock.work(0.2); // serialising the request, before the first await
      return Promise.resolve().then(() => {
        clock.work(40); // the apiserver's time, after the call returned: not the audit's
        return 'page';
      });
    });
    expect(answer).toBe('page');
    await pacer.checkpoint();
    expect(clock.rests).toEqual([]); // 0.3 + 0.2 ms so far: still inside the slice
    pacer.charge(3); // a page's parse measured inside the client
    await pacer.checkpoint();
    expect(clock.rests).toHaveLength(1);
    expect(clock.rests[0]).toBeCloseTo(3.5, 9); // (0.3 + 0.2 + 3) × 0.5 / 0.5
    expect(pacer.totals.workMs).toBeCloseTo(3.5, 9);
  });

  it('lets the reviews in between steps without a rest: their time is not work, and the slice goes on', async () => {
    const clock = new FakeClock();
    clock.reviewsPerYieldMs = 5;
    const pacer = scheduler(0.1, clock);
    clock.work(0.3);
    await pacer.yieldToReviews();
    clock.work(0.4);
    await pacer.checkpoint(); // 0.7 ms of work in the slice: no rest yet
    clock.work(0.5);
    await pacer.checkpoint(); // 1.2 ms: a rest of 1.2 × 0.9 / 0.1 = 10.8 ms
    expect(clock.rests).toHaveLength(2);
    expect(clock.rests[0]).toBe(0); // the yield
    expect(clock.rests[1]).toBeCloseTo(10.8, 9);
    expect(pacer.totals.workMs).toBeCloseTo(1.2, 9);
    expect(pacer.totals.restMs).toBeCloseTo(10.8, 9);
    expect(pacer.totals.slices).toBe(1);
    expect(pacer.totals.longestSliceMs).toBeCloseTo(1.2, 9);
    // Steps: 0.3 ms before the yield, then 0.4 + 0.5 ms (a checkpoint that does not rest
    // does not let the reviews in).
    expect(pacer.totals.longestStepMs).toBeCloseTo(0.9, 9);
  });

  it('measures a step from one yield, rest or I/O wait to the next, with the work charged to it', async () => {
    const clock = new FakeClock();
    clock.reviewsPerYieldMs = 2;
    const pacer = scheduler(0.5, clock);
    clock.work(0.75);
    await pacer.io(() => Promise.resolve('page'));
    expect(pacer.totals.longestStepMs).toBeCloseTo(0.75, 9);
    pacer.charge(-2); // no parse is negative: a clock that went back is not work returned
    pacer.charge(3); // the page's parse, just before this step
    clock.work(0.25);
    await pacer.yieldToReviews();
    expect(pacer.totals.longestStepMs).toBeCloseTo(3.25, 9);
    clock.work(0.5);
    await pacer.yieldToReviews();
    clock.work(1);
    await pacer.checkpoint(); // 0.75 + 3 + 0.25 + 0.5 + 1 = 5.5 ms of work: a rest of 5.5 ms
    expect(clock.rests.slice(-1)[0]).toBeCloseTo(5.5, 9);
    expect(pacer.totals.longestStepMs).toBeCloseTo(3.25, 9);
    expect(pacer.totals.longestSliceMs).toBeCloseTo(5.5, 9);
    clock.work(1.5); // a shorter slice after it: the longest stay
    await pacer.checkpoint();
    expect(clock.rests.slice(-1)[0]).toBeCloseTo(1.5, 9);
    expect(pacer.totals.longestStepMs).toBeCloseTo(3.25, 9);
    expect(pacer.totals.longestSliceMs).toBeCloseTo(5.5, 9);
  });

  it('rests on while reviews keep the event loop busy, until it was idle for a slice', async () => {
    const clock = new FakeClock();
    clock.idleShare = 0.1; // reviews take 90 % of the loop during the rest
    const pacer = scheduler(0.2, clock);
    clock.work(1);
    await pacer.checkpoint();
    // 4 ms rests: idle 0.4, 0.8, 1.2 ms; the third reaches the 1 ms slice.
    expect(clock.rests).toEqual([4, 4, 4]);
    expect(pacer.totals.backoffMs).toBeCloseTo(8, 9);
    expect(pacer.totals.restMs).toBeCloseTo(12, 9);
    // The next slice's rest counts the idle time from its own start, not since the process began.
    clock.work(1);
    await pacer.checkpoint();
    expect(clock.rests).toEqual([4, 4, 4, 4, 4, 4]);
    expect(pacer.totals.backoffMs).toBeCloseTo(16, 9);
  });

  it('rests at most ten times its share while reviews take the whole loop, so the audit still finishes', async () => {
    const clock = new FakeClock();
    clock.idleShare = 0;
    const pacer = scheduler(0.2, clock);
    for (let i = 0; i < 3; i++) {
      clock.work(1);
      await pacer.checkpoint();
    }
    expect(clock.rests).toEqual(Array.from({ length: 30 }, () => 4));
    expect(pacer.totals.restMs).toBeCloseTo(120, 9);
    expect(pacer.totals.backoffMs).toBeCloseTo(108, 9);
  });

  it('still hands the event loop back between slices at a share of 1', async () => {
    const clock = new FakeClock();
    const pacer = scheduler(1, clock);
    for (let i = 0; i < 10; i++) {
      clock.work(0.5);
      await pacer.checkpoint();
    }
    clock.idleShare = 0; // nothing to extend: a share of 1 asked for no rest
    for (let i = 0; i < 4; i++) {
      clock.work(0.5);
      await pacer.checkpoint();
    }
    expect(clock.rests).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('stops resting when the audit is stopped', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const pacer = scheduler(0.1, clock, stop.signal);
    stop.abort(new Error('audit stopped'));
    clock.work(2);
    await expect(pacer.checkpoint()).rejects.toThrow('audit stopped');
  });

  it("the real clock's yield takes no abort listener; its rests end when the audit stops", async () => {
    const stop = new AbortController();
    stop.abort(new Error('audit stopped'));
    // A yield is over within a turn of the loop: the next checkpoint sees the stop.
    await expect(MONOTONIC_CLOCK.sleep(0, stop.signal)).resolves.toBeUndefined();
    await expect(MONOTONIC_CLOCK.sleep(60_000, stop.signal)).rejects.toThrow();
  });

  it('refuses a share outside (0, 1]', () => {
    const signal = new AbortController().signal;
    for (const share of [0, -0.1, 1.01, Number.NaN])
      expect(() => new CpuShareScheduler({ share, signal })).toThrow(/CPU share must be in \(0, 1\]/);
  });

  it('costs checkpoints and rests in proportion to the work (n vs 8n units)', async () => {
    const counts = async (units: number) => {
      const clock = new FakeClock();
      const pacer = scheduler(0.25, clock);
      for (let i = 0; i < units; i++) {
        clock.work(0.125);
        await pacer.checkpoint();
      }
      return { rests: clock.rests.length, restMs: pacer.totals.restMs };
    };
    const small = await counts(1000);
    const large = await counts(8000);
    expect(small.rests).toBe(125);
    expect(large.rests).toBe(1000);
    expect(large.restMs).toBeCloseTo(8 * small.restMs, 6);
  });
});
