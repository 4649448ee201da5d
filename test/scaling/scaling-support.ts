/**
 * Scaling checks: run the same work on an input of size n and of size 8n in one process and
 * compare the times. Linear work gives a ratio near 8; quadratic work gives 64. The bound
 * (24) leaves room for a busy machine, garbage collection and caches, and still tells the
 * two apart. Times are CPU time of the test's thread (test/support/cpu-time.ts), which other
 * processes on a busy machine do not inflate; each size is timed a few times and the fastest
 * run counts, which filters out garbage-collection pauses.
 */
import { expect } from 'vitest';
import { threadCpuMs } from '../support/cpu-time.js';

export const SCALE = 8;
export const MAX_LINEAR_RATIO = 24;

function fastest(run: () => void, repeats: number): number {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const started = threadCpuMs();
    run();
    best = Math.min(best, threadCpuMs() - started);
  }
  return best;
}

export interface Scaling {
  smallMs: number;
  largeMs: number;
  ratio: number;
}

/**
 * Times `work(input)` for `build(n)` and `build(8n)`; inputs are built outside the timing.
 * Floors the small time at 2 ms so that a tiny, noisy denominator cannot fail a linear case.
 */
export function measureScaling<T>(
  build: (n: number) => T,
  work: (input: T) => void,
  n: number,
  repeats = 3,
): Scaling {
  const small = build(n);
  const large = build(n * SCALE);
  work(small); // warm up the code paths (JIT) before timing
  const smallMs = fastest(() => work(small), repeats);
  const largeMs = fastest(() => work(large), repeats);
  return { smallMs, largeMs, ratio: largeMs / Math.max(smallMs, 2) };
}

export function expectLinear(scaling: Scaling, what: string): void {
  expect(
    scaling.ratio,
    `${what}: ${scaling.smallMs.toFixed(1)} ms at n, ${scaling.largeMs.toFixed(1)} ms at ${SCALE}n`,
  ).toBeLessThan(MAX_LINEAR_RATIO);
}
