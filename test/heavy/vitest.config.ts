import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests too heavy for `npm test` (`npm run test:heavy`, also run by .ci/run): the connection
 * lock-out test holds 1,100 raw sockets against the production caps for about a minute and a half.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/heavy/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
