/**
 * Scaling checks, the one way this suite tells linear work from worse: run the same work on an
 * input of size n and of size 8n in one process and compare the times. Linear work gives a
 * ratio near 8, quadratic work 64; the bound (24) leaves room for garbage collection and caches
 * and still tells the two apart. Every loop over user data has such a check (README,
 * Development).
 *
 * How the times are taken, and why:
 * - CPU time of the test's thread (cpu-time.ts), which other processes on a busy machine do
 *   not inflate.
 * - That clock advances in scheduler ticks (4 ms on the machines here), so one short run reads
 *   0 or 4 ms. Each sample repeats the work until at least {@link SAMPLE_MS} of CPU time has
 *   passed and divides by the runs: the tick then costs at most a tenth of the sample.
 * - The heap is collected before each sample, so that no sample pays for the garbage of the
 *   one before (a major collection once tripled the 8n time of a linear loop in CI).
 * - Inputs are built before timing; the work is warmed up (JIT) first.
 * - Noise only ever slows a sample down. A ratio over the bound is measured again, twice at
 *   most, each size keeping its fastest sample: work that is truly worse than linear fails
 *   every time, while linear work pays for one sample per size.
 */
import { expect, it } from 'vitest';
import { fullGarbageCollection } from '../../src/commands/settle.js';
import { threadCpuMs } from './cpu-time.js';

export const SCALE = 8;
/** 8× the input may cost at most 24× the time. */
export const LINEAR_BOUND = SCALE * 3;
/** CPU time one sample runs for at least: ten ticks of a 250 Hz scheduler clock. */
export const SAMPLE_MS = 40;

/**
 * `it` for a scaling test, skipped in mutation runs (vitest.mutation.config.ts sets
 * MUTATION_RUN): Stryker instruments every expression with mutant switches and coverage
 * counters, which makes the timed inputs many times slower and the ratio noise; a mutant that
 * makes a loop slower is caught there by Stryker's own timeout. `npm test` runs them.
 */
export const scalingTest = it.skipIf(process.env.MUTATION_RUN === '1');

/** V8's full collection, exposed on first use: a file whose scaling tests are skipped sets no V8 flag. */
let collectGarbage: (() => void) | undefined;

/** CPU milliseconds one `run()` takes, averaged over a sample of at least SAMPLE_MS. */
function sampleMs(run: () => void): number {
  collectGarbage ??= fullGarbageCollection();
  collectGarbage();
  const started = threadCpuMs();
  let runs = 0;
  let elapsed: number;
  do {
    run();
    runs++;
    elapsed = threadCpuMs() - started;
  } while (elapsed < SAMPLE_MS);
  return elapsed / runs;
}

export interface Scaling {
  smallMs: number;
  largeMs: number;
  ratio: number;
}

/**
 * Times `work(build(n))` against `work(build(8n))`. `work` may run many times on the same
 * input, so it must not consume or change it.
 */
export function measureScaling<T>(build: (n: number) => T, work: (input: T) => void, n: number): Scaling {
  const small = build(n);
  const large = build(n * SCALE);
  work(small);
  work(large);
  let smallMs = sampleMs(() => work(small));
  let largeMs = sampleMs(() => work(large));
  for (let again = 0; again < 2 && largeMs / smallMs >= LINEAR_BOUND; again++) {
    smallMs = Math.min(
      smallMs,
      sampleMs(() => work(small)),
    );
    largeMs = Math.min(
      largeMs,
      sampleMs(() => work(large)),
    );
  }
  return { smallMs, largeMs, ratio: largeMs / smallMs };
}

export function expectLinear(scaling: Scaling, what: string): void {
  const { smallMs, largeMs, ratio } = scaling;
  expect(ratio, `${what}: ${smallMs.toFixed(3)} ms at n, ${largeMs.toFixed(3)} ms at ${SCALE}n`).toBeLessThan(
    LINEAR_BOUND,
  );
}
