/**
 * The apiserver-writes bench reads its headline latency from kube-apiserver's histograms:
 * the parser, the window subtraction and the quantile estimate must give the numbers
 * PromQL's histogram_quantile would, worked out by hand below.
 */
import { describe, expect, it } from 'vitest';
import {
  fractionAtOrUnder,
  histogramQuantile,
  mergeHistograms,
  parseHistogram,
  parseSamples,
  quantileUpperBound,
  subtractHistograms,
  type HistogramSeries,
} from '../../bench/apiserver-metrics.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

const FAMILY = 'apiserver_admission_webhook_admission_duration_seconds';

/** One series in the apiserver's exposition format, cumulative counts per bound. */
function series(name: string, type: string, operation: string, counts: number[], sum: number): string {
  const bounds = ['0.005', '0.025', '0.1', '0.5', '1', '2.5', '10', '25'];
  const labels = `name="${name}",operation="${operation}",rejected="false",type="${type}"`;
  return [
    ...bounds.map((le, i) => `${FAMILY}_bucket{${labels},le="${le}"} ${counts[i]}`),
    `${FAMILY}_bucket{${labels},le="+Inf"} ${counts.at(-1)}`,
    `${FAMILY}_sum{${labels}} ${sum}`,
    `${FAMILY}_count{${labels}} ${counts.at(-1)}`,
  ].join('\n');
}

const BEFORE = [
  `# HELP ${FAMILY} [STABLE] Admission webhook latency`,
  `# TYPE ${FAMILY} histogram`,
  series('ingresses.mutate.example.io', 'admit', 'UPDATE', [10, 10, 10, 10, 10, 10, 10, 10], 0.02),
  'apiserver_admission_webhook_request_total{code="200",name="x"} 3',
].join('\n');

const AFTER = [
  series('ingresses.mutate.example.io', 'admit', 'UPDATE', [100, 109, 110, 110, 110, 110, 110, 110], 0.5),
  series('ingresses.mutate.example.io', 'admit', 'CREATE', [5, 5, 5, 5, 5, 5, 5, 5], 0.01),
  series('ingresses.validate.example.io', 'validating', 'UPDATE', [40, 40, 40, 40, 40, 40, 40, 40], 0.08),
].join('\n');

describe('apiserver histogram figures', () => {
  it('parses every series of the family with its labels, buckets, sum and count', () => {
    const parsed = parseHistogram(AFTER, FAMILY);
    expect(parsed).toHaveLength(3);
    const [first] = parsed;
    expect(first!.labels).toEqual({
      name: 'ingresses.mutate.example.io',
      operation: 'UPDATE',
      rejected: 'false',
      type: 'admit',
    });
    expect(first!.buckets.map((b) => [b.le, b.count])).toEqual([
      [0.005, 100],
      [0.025, 109],
      [0.1, 110],
      [0.5, 110],
      [1, 110],
      [2.5, 110],
      [10, 110],
      [25, 110],
    ]);
    expect(first!.sum).toBe(0.5);
    expect(first!.count).toBe(110);
    expect(parseHistogram(BEFORE, 'apiserver_admission_webhook_request')).toEqual([]);
  });

  it('reads escaped quotes and backslashes in label values', () => {
    const text = 'm{a="say \\"hi\\"",b="c:\\\\d"} 2\nm 5\nmx{a="no"} 9';
    expect(parseSamples(text, 'm')).toEqual([
      { labels: { a: 'say "hi"', b: 'c:\\d' }, value: 2 },
      { labels: {}, value: 5 },
    ]);
  });

  it('subtracts the snapshot before the window, and counts a new series in full', () => {
    const window = subtractHistograms(parseHistogram(AFTER, FAMILY), parseHistogram(BEFORE, FAMILY));
    const update = window.find((s) => s.labels['type'] === 'admit' && s.labels['operation'] === 'UPDATE')!;
    expect(update.count).toBe(100);
    expect(update.sum).toBeCloseTo(0.48, 12);
    expect(update.buckets.slice(0, 3).map((b) => b.count)).toEqual([90, 99, 100]);
    const create = window.find((s) => s.labels['operation'] === 'CREATE')!;
    expect(create.count).toBe(5);
  });

  it('merges the series that share the chosen labels', () => {
    const merged = mergeHistograms(parseHistogram(AFTER, FAMILY), ['name', 'type']);
    expect(merged.map((s) => [s.labels['name'], s.labels['type'], s.count])).toEqual([
      ['ingresses.mutate.example.io', 'admit', 115],
      ['ingresses.validate.example.io', 'validating', 40],
    ]);
    expect(merged[0]!.buckets[0]!.count).toBe(105);
    expect(merged[0]!.sum).toBeCloseTo(0.51, 12);
  });

  it('estimates quantiles as histogram_quantile does', () => {
    // 90 at or under 5 ms, 9 more by 25 ms, the last by 100 ms.
    const h: HistogramSeries = {
      labels: {},
      buckets: [
        { le: 0.005, count: 90 },
        { le: 0.025, count: 99 },
        { le: 0.1, count: 100 },
      ],
      sum: 0.5,
      count: 100,
    };
    // rank 50 of the 90 in [0, 5 ms]: 5 ms x 50/90.
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.0027778, 6);
    // rank 99: the 9th of 9 in (5, 25 ms].
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(0.025, 12);
    // rank 95: the 5th of 9 in (5, 25 ms]: 5 + 20 x 5/9 ms.
    expect(histogramQuantile(h, 0.95)).toBeCloseTo(0.0161111, 6);
    expect(quantileUpperBound(h, 0.99)).toBe(0.025);
    expect(quantileUpperBound(h, 0.9)).toBe(0.005);
    expect(fractionAtOrUnder(h, 0.005)).toBe(0.9);
    expect(fractionAtOrUnder(h, 0.007)).toBeNull();
  });

  it('answers the last finite bound past it, and null for no observations', () => {
    const h: HistogramSeries = { labels: {}, buckets: [{ le: 0.005, count: 1 }], sum: 9, count: 4 };
    expect(histogramQuantile(h, 0.99)).toBe(0.005);
    expect(quantileUpperBound(h, 0.99)).toBe(Infinity);
    const empty: HistogramSeries = { labels: {}, buckets: [{ le: 0.005, count: 0 }], sum: 0, count: 0 };
    expect(histogramQuantile(empty, 0.5)).toBeNull();
    expect(quantileUpperBound(empty, 0.5)).toBeNull();
    expect(fractionAtOrUnder(empty, 0.005)).toBeNull();
  });

  scalingTest('costs time linear in the number of series', () => {
    const text = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        series(`hook-${i}`, 'admit', 'UPDATE', [1, 2, 3, 4, 5, 6, 7, 8], 1),
      ).join('\n');
    const parseAndMerge = (t: string) => {
      const parsed = parseHistogram(t, FAMILY);
      mergeHistograms(subtractHistograms(parsed, parsed), ['name']);
    };
    expectLinear(measureScaling(text, parseAndMerge, 100), 'parseHistogram and mergeHistograms');
  });
});
