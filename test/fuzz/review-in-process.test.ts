/**
 * The bulk of the fuzzing: broken AdmissionReviews through `answerReview`, the one code
 * path the HTTPS server and the `review` command share, in-process for speed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FUZZ_RUNS,
  FUZZ_SEED,
  checkAnswer,
  checkNoPollution,
  loadState,
  monitorHealth,
  mutatedReview,
  reviewInProcess,
} from './fuzz-support.js';

const RUNS = Math.round(FUZZ_RUNS * 0.9);
const state = await loadState();
const health = monitorHealth();
const tally = { cases: 0, answered: 0, rejected: 0 };

afterAll(() => {
  const report = health.stop();
  console.log(
    `fuzz in-process answerReview: ${tally.cases} cases, ${tally.answered} AdmissionReviews, ` +
      `${tally.rejected} 4xx errors; RSS ${report.rssStartMb.toFixed(0)} -> peak ${report.rssPeakMb.toFixed(0)} MiB (seed ${FUZZ_SEED})`,
  );
});

describe('fuzz: answerReview', () => {
  it(
    `answers ${RUNS} broken reviews with an AdmissionReview or a 4xx error, never a 5xx`,
    { timeout: 20_000 + RUNS * 5 },
    () => {
      fc.assert(
        fc.property(mutatedReview, ({ hook, body }) => {
          tally.cases++;
          const outcome = reviewInProcess(state, hook, body);
          checkAnswer(hook, body, outcome.status, outcome.body);
          checkNoPollution();
          if (outcome.status === 200) tally.answered++;
          else tally.rejected++;
          if (tally.cases % 200 === 0) health.sample();
        }),
        { numRuns: RUNS, seed: FUZZ_SEED },
      );
      // Both outcomes must actually occur, or the generator is not testing what it claims.
      expect(tally.answered).toBeGreaterThan(RUNS / 10);
      expect(tally.rejected).toBeGreaterThan(RUNS / 10);
    },
  );

  it('stays healthy: no unhandled rejection or uncaught exception, bounded memory', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const report = health.stop();
    expect(report.unhandledRejections).toEqual([]);
    expect(report.uncaughtExceptions).toEqual([]);
    // Each case is at most a few hundred KiB and is dropped after its answer: growth means a leak.
    expect(report.rssPeakMb - report.rssStartMb).toBeLessThan(256);
  });
});
