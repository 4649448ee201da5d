import { describe, expect, it } from 'vitest';
import { boundedEditDistance, MAX_CANDIDATES, nearestName } from '../../src/routing/edit-distance.js';
import { scalingTest } from '../support/scaling.js';

describe('boundedEditDistance', () => {
  it.each([
    ['shop-stable', 'shop-stable', 0],
    ['shop-stabel', 'shop-stable', 2],
    ['shop-stble', 'shop-stable', 1],
    ['web', 'web-stable', 3],
    ['', 'ab', 2],
    ['MesageBody', 'MessageBody', 1],
    ['kitten', 'sitting', 3],
  ])('%s vs %s: min(distance, max + 1) with max 2', (a, b, full) => {
    expect(boundedEditDistance(a, b, 2)).toBe(Math.min(full, 3));
    expect(boundedEditDistance(b, a, 2)).toBe(Math.min(full, 3));
  });

  it('gives the true distance when the bound is large enough', () => {
    expect(boundedEditDistance('kitten', 'sitting', 5)).toBe(3);
  });

  it.each([
    // [a, b, max, expected]: written out by hand (distance, or max + 1 when above max).
    ['a', 'a', 2, 0],
    ['', '', 0, 0],
    ['ab', '', 2, 2],
    ['', 'abc', 2, 3],
    ['abc', 'abc', 0, 0],
    ['abc', 'abd', 0, 1],
    ['aaaa', 'aaaa', 1, 0],
    ['abcdef', 'abcdef', 1, 0],
    ['abcdef', 'abcdxf', 1, 1],
    // A band one wide: the cell left of each band must be reset, or the diagonal of two rows
    // back (0 here) leaks into the next row and "xbcd" would come out 1 from "bcde".
    ['xbcd', 'bcde', 1, 2],
    ['xbcd', 'bcde', 2, 2],
    ['abab', 'baba', 1, 2],
    ['abcdefgh', 'abcdefgz', 2, 1],
    ['abcdefgh', 'bcdefgha', 2, 2],
  ])('%s vs %s with max %i: %i', (a, b, max, expected) => {
    expect(boundedEditDistance(a, b, max)).toBe(expected);
    expect(boundedEditDistance(b, a, max)).toBe(expected);
  });

  it('agrees with the textbook full-matrix distance on every pair of short strings', () => {
    // Oracle: Wagner-Fischer over the whole matrix, no band and no bound.
    const full = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
      );
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          const cost = a[i - 1] === b[j - 1] ? 0 : 1;
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
        }
      }
      return d[a.length]![b.length]!;
    };
    const words = [''];
    for (let length = 1; length <= 6; length++) {
      for (let n = 0; n < 2 ** length; n++) words.push(n.toString(2).padStart(length, '0'));
    }
    words.push('0123', '1230', '01234567');
    const wrong: string[] = [];
    for (const a of words) {
      for (const b of words) {
        const distance = full(a, b);
        for (let max = 0; max <= 3; max++) {
          const got = boundedEditDistance(a, b, max);
          if (got !== Math.min(distance, max + 1)) wrong.push(`${a}/${b}/${max}: ${got}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe('nearestName', () => {
  it('suggests a name one or two edits away, never the name itself, and nothing farther', () => {
    expect(nearestName('shop-stabel', ['shop-canary', 'shop-stable', 'shop-root'])).toBe('shop-stable');
    expect(nearestName('shop-stable', ['shop-stable'])).toBeUndefined();
    expect(nearestName('billing', ['shop-stable', 'shop-canary'])).toBeUndefined();
    // The nearer of two candidates wins, whatever the order.
    expect(nearestName('abcd', ['abxy', 'abcx'])).toBe('abcx');
  });

  it('compares at most MAX_CANDIDATES names', () => {
    const names = Array.from({ length: MAX_CANDIDATES }, (_, i) => `service-${i}-far-away`);
    expect(nearestName('web-stabel', [...names, 'web-stable'])).toBeUndefined();
    expect(nearestName('web-stabel', ['web-stable', ...names])).toBe('web-stable');
  });

  scalingTest('costs linear time in the candidates and in the name length (n vs 8n)', () => {
    // Best of five runs, so a busy machine's pauses do not count; linear is 8x, quadratic 64x.
    const time = (work: () => void) => {
      let best = Infinity;
      for (let run = 0; run < 5; run++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < 3; i++) work();
        best = Math.min(best, Number(process.hrtime.bigint() - start));
      }
      return best;
    };
    const candidates = (n: number) =>
      Array.from({ length: n }, (_, i) => `svc-${i.toString(36).padStart(6, 'x')}`);
    const c1 = candidates(200);
    const c8 = candidates(1600);
    time(() => nearestName('web-stable', c8));
    const few = time(() => nearestName('web-stable', c1));
    const many = time(() => nearestName('web-stable', c8));
    expect(many / few).toBeLessThan(40);

    const long1 = 'a'.repeat(4_000);
    const long8 = 'a'.repeat(32_000);
    const short = time(() => boundedEditDistance(long1, `${long1}b`, 2));
    const long = time(() => boundedEditDistance(long8, `${long8}b`, 2));
    expect(long / short).toBeLessThan(40);
  });
});
