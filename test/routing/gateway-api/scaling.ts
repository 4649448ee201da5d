/**
 * A scaling check: the work for an input of size 8n costs well under the 64× a quadratic
 * loop would. The bound is 40×, five times linear, because garbage collection of the larger
 * input and a machine shared with other jobs add 3-4× at times. Noise only ever inflates a
 * ratio, so the measurement is taken up to three times and the best ratio counts: a
 * quadratic loop fails every attempt. Inputs are built before timing; both sizes are warmed
 * up, then each takes the best of several runs.
 */
import { expect, it } from 'vitest';

/**
 * `it` for a scaling test, skipped in mutation runs (vitest.mutation.config.ts sets
 * MUTATION_RUN): Stryker instruments every expression with mutant switches and coverage
 * counters, which makes the timed inputs many times slower and the ratio noise; a mutant that
 * makes a loop slower is caught there by Stryker's own timeout. `npm test` runs them.
 */
export const scalingTest = it.skipIf(process.env.MUTATION_RUN === '1');

function best(run: () => void, repeat: number): number {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    run();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

export const LINEAR_BOUND = 40;

export function expectLinear<T>(
  n: number,
  build: (n: number) => T,
  work: (input: T) => void,
  repeat = 7,
): void {
  const small = build(n);
  const large = build(8 * n);
  best(() => work(small), 2);
  best(() => work(large), 1);
  let ratio = Infinity;
  for (let attempt = 0; attempt < 3 && ratio >= LINEAR_BOUND; attempt++) {
    const tSmall = best(() => work(small), repeat);
    const tLarge = best(() => work(large), repeat);
    ratio = Math.min(ratio, tLarge / Math.max(tSmall, 0.05));
  }
  expect(ratio).toBeLessThan(LINEAR_BOUND);
}
