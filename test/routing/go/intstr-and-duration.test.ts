import { describe, expect, it } from 'vitest';
import { goParseDurationSeconds } from '../../../src/routing/go/intstr-and-duration.js';
import { intOrPercentValue, pauseDurationSeconds } from '../../../src/routing/go/index.js';

describe('IntOrString values as Argo Rollouts reads them (argo validation.go.4)', () => {
  it.each([
    [undefined, 25],
    [3, 3],
    ['40%', 40],
    ['0%', 0],
    ['7', 7],
    ['-2', -2],
    ['abc', 0],
    ['10.5%', 0],
  ] as const)('intOrPercentValue(%j) = %d', (value, expected) => {
    expect(intOrPercentValue(value)).toBe(expected);
  });

  it.each([
    ['0', 0],
    ['-0', 0],
    ['30s', 30],
    ['1h30m', 5400],
    ['1.5m', 90],
    ['.5h', 1800],
    ['+2m', 120],
    ['-1s', -1],
    ['500ms', 0.5],
    ['2µs', 2e-6],
    ['2μs', 2e-6],
    ['10us', 1e-5],
    ['3ns', 3e-9],
    // Checked with Go 1.26's time.ParseDuration:
    ['9s', 9],
    ['0.5s', 0.5],
    ['1s.5s', 1.5],
  ] as const)('goParseDurationSeconds(%j) = %d', (text, seconds) => {
    expect(goParseDurationSeconds(text)).toBeCloseTo(seconds, 12);
  });

  // Go 1.26: `time: unknown unit "x" in duration "0x"`, `time: invalid duration "1s.s"`.
  it.each(['', '-', 's', '1', '1x', '.s', '1s ', '1 s', 'abc', '0x', '1s.s', '1s.'])(
    'goParseDurationSeconds(%j) is an error',
    (text) => {
      expect(goParseDurationSeconds(text)).toBeUndefined();
    },
  );

  it.each([
    [undefined, 0],
    [45, 45],
    ['45', 45],
    ['-3', -3],
    ['1500ms', 1],
    ['-1500ms', -1],
    ['99999999999', -1],
    ['soon', -1],
    // An integer as is, even beyond int32 (where Argo's own decoding would have failed).
    [2 ** 31, 2 ** 31],
  ] as const)('pauseDurationSeconds(%j) = %d', (duration, expected) => {
    expect(pauseDurationSeconds(duration)).toBe(expected);
  });
});
