/**
 * The incremental audit-under-load row is only honest if its periodic audit, short as it is,
 * starts inside the load's measured part: the interval it gives serve, worked out by hand for
 * the quick and the full load settings.
 */
import { describe, expect, it } from 'vitest';
import { incrementalIntervalS } from '../../bench/cache.js';
import { FULL, QUICK } from '../../bench/load.js';

describe('incrementalIntervalS', () => {
  it('starts the quick run audit 0.8 to 3.2 s into its 8 s measured part', () => {
    // Measured part: 2 s lead + 6 s wrk + 2 s warm-up = 10 s to 18 s after the start-up audit.
    // 12 s ± 10 % = 10.8 to 13.2 s.
    expect(incrementalIntervalS(QUICK)).toBe(12);
  });

  it('starts the full run audit 4.5 to 11.5 s into its 30 s measured part', () => {
    // Measured part: 2 s lead + 20 s wrk + 5 s warm-up = 27 s to 57 s; 35 s ± 10 % = 31.5 to 38.5 s.
    expect(incrementalIntervalS(FULL)).toBe(35);
  });

  it('follows the load settings', () => {
    // 2 + 1 + 1 = 4 s to 12 s; 4 + 8 / 4 = 6 s.
    const settings = {
      connections: 4,
      saturationSeconds: 1,
      fixedRate: 100,
      fixedSeconds: 8,
      warmupSeconds: 1,
    };
    expect(incrementalIntervalS(settings)).toBe(6);
  });
});
