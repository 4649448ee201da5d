import { defineConfig } from 'vitest/config';

/**
 * Files whose checks compare times or count work done in a time window: scaling ratios (n
 * against 8n, timed), absolute bounds for the largest objects, requests served while clients
 * stall or the server shuts down. They run after the other files, one file at a time, so that
 * no other test file competes with them for the CPU. A new file that times its work belongs here.
 */
const TIMED = [
  'test/scaling/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/routing/edit-distance.test.ts',
  'test/routing/gateway-api/{guard,route-rules,traffic-state}.test.ts',
  'test/routing/wire/{gateway-api-config,json-shape}.test.ts',
  'test/webhook/{bounded-input,warning-text}.test.ts',
];

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
          include: TIMED,
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
