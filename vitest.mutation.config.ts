/**
 * The vitest configuration Stryker runs (`npm run mutation`): the unit tests of the code
 * under mutation, without coverage instrumentation (Stryker measures per-test coverage
 * itself) and without the suites that start servers, helm or fuzz loops, which cover the
 * routing core only through the tests listed here.
 * `MUTATION_TESTS` (comma-separated globs) narrows the set for a run on a few files.
 */
import { defineConfig } from 'vitest/config';

const DEFAULT_TESTS = ['test/routing/**/*.test.ts', 'test/webhook/patch*.test.ts'];

export default defineConfig({
  test: {
    include: process.env.MUTATION_TESTS?.split(',') ?? DEFAULT_TESTS,
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 20_000,
    // Read by `scalingTest` (test/support/scaling.ts): timing ratios are skipped.
    env: { MUTATION_RUN: '1' },
    // Caps each property test's time (see the file).
    setupFiles: ['test/support/mutation-setup.ts'],
  },
});
