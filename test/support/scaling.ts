/**
 * How much longer `work(8n)` takes than `work(n)`: the scaling check every loop over user
 * data gets. Each size is timed twice after a warm-up and the faster run counts, so a
 * scheduling hiccup on a busy machine does not decide. Linear work gives about 8; the callers
 * allow 3× that before calling it worse than linear (quadratic work gives about 64).
 */
export function growthOver8x(work: (n: number) => void, n: number): number {
  const time = (size: number) => {
    const start = performance.now();
    work(size);
    return performance.now() - start;
  };
  time(n);
  const small = Math.min(time(n), time(n));
  const large = Math.min(time(8 * n), time(8 * n));
  return large / Math.max(small, 0.001);
}

/** The bound the scaling tests use: 8× the input may cost at most 24× the time. */
export const LINEAR_BOUND = 8 * 3;
