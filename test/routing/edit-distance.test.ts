import { describe, expect, it } from 'vitest';
import { boundedEditDistance, MAX_CANDIDATES, nearestName } from '../../src/routing/edit-distance.js';
import { scalingTest } from './gateway-api/scaling.js';

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
