import { defineConfig } from 'vitest/config';
import { TIMED } from './test/support/timed-files.js';

/** Run by their own scripts: `npm run test:e2e` and `npm run test:heavy` (README, Development). */
const ELSEWHERE = ['test/e2e/**', 'test/heavy/**', 'node_modules/**'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...ELSEWHERE, ...TIMED],
          // Two files at a time even on two cores: most files spend much of their time waiting
          // on child processes, sockets and timers, which a second worker fills. (Vitest's
          // default is one worker fewer than the cores, one here.)
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timed',
          include: [...TIMED],
          exclude: ELSEWHERE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        'src/routing/**': { lines: 95 },
      },
    },
  },
});
