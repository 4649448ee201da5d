import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests too heavy for `npm test` (`npm run test:heavy`, also run by .ci/run, after `npm test` has
 * built dist/): the connection lock-out test holds 1,100 raw sockets against the production caps
 * for about a minute and a half; the packed-CLI test packs dist/ and installs it offline in
 * another folder (about 20 s). `npm test` stays under about 3 minutes without them.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/heavy/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
