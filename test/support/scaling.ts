import { threadCpuMs } from './cpu-time.js';

/**
 * How much longer `work(8n)` takes than `work(n)`: the scaling check every loop over user
 * data gets. Each size is timed in CPU time of the test's thread (cpu-time.ts), which other
 * processes on a busy machine do not inflate, twice after a warm-up, and the faster run counts. Linear work gives about 8; the callers
 * allow 3× that before calling it worse than linear (quadratic work gives about 64).
 */
export function growthOver8x(work: (n: number) => void, n: number): number {
  const time = (size: number) => {
    const start = threadCpuMs();
    work(size);
    return threadCpuMs() - start;
  };
  time(n);
  const small = Math.min(time(n), time(n));
  const large = Math.min(time(8 * n), time(8 * n));
  return large / Math.max(small, 0.001);
}

/** The bound the scaling tests use: 8× the input may cost at most 24× the time. */
export const LINEAR_BOUND = 8 * 3;
