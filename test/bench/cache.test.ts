/**
 * The audit-under-load rows are only honest if their periodic audit runs during the load's
 * measured part: the incremental audit, short as it is, must start inside it; the full one
 * about when it begins. The intervals they give serve, worked out by hand for the quick and the
 * full load settings.
 */
import { describe, expect, it } from 'vitest';
import { fullIntervalS, incrementalIntervalS } from '../../bench/cache.js';
import { FULL, QUICK } from '../../bench/load.js';

/** Settings unlike either preset, so that each term is seen to count. */
const SMALL = {
  connections: 4,
  saturationSeconds: 1,
  fixedRate: 100,
  fixedSeconds: 8,
  warmupSeconds: 1,
  settleSeconds: 3,
};

describe('incrementalIntervalS', () => {
  it('starts the quick run audit 0.4 to 3.6 s into its 8 s measured part', () => {
    // Measured part: 2 s lead + 6 s wrk + 4 s settling + 2 s warm-up = 14 s to 22 s after the
    // start-up audit. 16 s ± 10 % = 14.4 to 17.6 s.
    expect(incrementalIntervalS(QUICK)).toBe(16);
  });

  it('starts the full run audit 4.1 to 11.9 s into its 30 s measured part', () => {
    // Measured part: 2 s lead + 20 s wrk + 4 s settling + 5 s warm-up = 31 s to 61 s;
    // 31 + 7.5 rounds to 39 s; ± 10 % = 35.1 to 42.9 s.
    expect(incrementalIntervalS(FULL)).toBe(39);
  });

  it('follows the load settings', () => {
    // 2 + 1 + 3 + 1 = 7 s to 15 s; 7 + 8 / 4 = 9 s.
    expect(incrementalIntervalS(SMALL)).toBe(9);
  });
});

describe('fullIntervalS', () => {
  it('starts the audit when the measured part begins', () => {
    // 6 s wrk + 4 s settling + 2 s warm-up; 20 s + 4 s + 5 s.
    expect(fullIntervalS(QUICK)).toBe(12);
    expect(fullIntervalS(FULL)).toBe(29);
  });

  it('follows the load settings', () => {
    // 1 s wrk + 3 s settling + 1 s warm-up.
    expect(fullIntervalS(SMALL)).toBe(5);
  });
});
