/**
 * Histograms from kube-apiserver's Prometheus text (/metrics), for the apiserver-writes bench:
 * read one family, subtract a snapshot taken before the measured window, group the series by
 * some of their labels, and estimate quantiles from the buckets the way PromQL's
 * histogram_quantile does (linear inside the bucket the rank falls in, 0 as the first lower
 * bound). Pure; one pass over the text.
 */

/** One histogram series: cumulative bucket counts by upper bound, plus _sum and _count. */
export interface HistogramSeries {
  labels: Record<string, string>;
  /** Cumulative counts, ascending by upper bound; the +Inf bucket is `count`. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** Parses `{a="x",b="y"}`; the apiserver escapes `"` and `\` in values with a backslash. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('="', i);
    if (eq < 0) break;
    const key = text.slice(i, eq).replace(/^[,\s]+/, '');
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\' && j + 1 < text.length) j++;
      value += text[j];
    }
    labels[key] = value;
    i = j + 1;
  }
  return labels;
}

function seriesKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Every series of histogram `family` in `text` (series without a bucket line are dropped). */
export function parseHistogram(text: string, family: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  const get = (labels: Record<string, string>) => {
    const key = seriesKey(labels);
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels, buckets: [], sum: 0, count: 0 }));
    return s;
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith(family + '_')) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const suffix = line.slice(family.length + 1, open < 0 ? line.indexOf(' ') : open);
    const labels = open < 0 || close < open ? {} : parseLabels(line.slice(open + 1, close));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (suffix === 'bucket') {
      const le = labels['le'];
      delete labels['le'];
      if (le === undefined || le === '+Inf') continue;
      get(labels).buckets.push({ le: Number(le), count: value });
    } else if (suffix === 'sum') get(labels).sum = value;
    else if (suffix === 'count') get(labels).count = value;
  }
  const all = [...series.values()].filter((s) => s.buckets.length > 0);
  for (const s of all) s.buckets.sort((a, b) => a.le - b.le);
  return all;
}

/** Every sample of counter or gauge `name` (no suffix) in `text`, with its labels. */
export function parseSamples(
  text: string,
  name: string,
): { labels: Record<string, string>; value: number }[] {
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.charAt(name.length);
    if (rest !== '{' && rest !== ' ') continue;
    const close = line.lastIndexOf('}');
    const labels = rest === '{' && close > name.length ? parseLabels(line.slice(name.length + 1, close)) : {};
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) samples.push({ labels, value });
  }
  return samples;
}

/** `after` minus `before`, series by series (a series new in `after` counts in full). */
export function subtractHistograms(after: HistogramSeries[], before: HistogramSeries[]): HistogramSeries[] {
  const earlier = new Map(before.map((s) => [seriesKey(s.labels), s]));
  return after.map((s) => {
    const b = earlier.get(seriesKey(s.labels));
    if (!b) return s;
    const bucketBefore = new Map(b.buckets.map((x) => [x.le, x.count]));
    return {
      labels: s.labels,
      buckets: s.buckets.map((x) => ({ le: x.le, count: x.count - (bucketBefore.get(x.le) ?? 0) })),
      sum: s.sum - b.sum,
      count: s.count - b.count,
    };
  });
}

/** Adds up the series that agree on `by`, one merged series per distinct combination. */
export function mergeHistograms(series: HistogramSeries[], by: string[]): HistogramSeries[] {
  const merged = new Map<string, HistogramSeries>();
  for (const s of series) {
    const labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']));
    const key = seriesKey(labels);
    const m = merged.get(key);
    if (!m) {
      merged.set(key, { labels, buckets: s.buckets.map((b) => ({ ...b })), sum: s.sum, count: s.count });
      continue;
    }
    const counts = new Map(s.buckets.map((b) => [b.le, b.count]));
    for (const b of m.buckets) b.count += counts.get(b.le) ?? 0;
    m.sum += s.sum;
    m.count += s.count;
  }
  return [...merged.values()];
}

/**
 * The q-quantile (0 < q < 1) estimated as PromQL's histogram_quantile does. When the rank
 * falls beyond the last finite bucket the answer is that bucket's bound (a lower bound of the
 * truth). Null for an empty histogram.
 */
export function histogramQuantile(series: HistogramSeries, q: number): number | null {
  if (series.count <= 0) return null;
  const rank = q * series.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of series.buckets) {
    if (b.count >= rank) {
      const inBucket = b.count - lowerCount;
      if (inBucket <= 0) return b.le;
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

/** Fraction of the observations at or under `le` (which must be one of the bucket bounds). */
export function fractionAtOrUnder(series: HistogramSeries, le: number): number | null {
  if (series.count <= 0) return null;
  const bucket = series.buckets.find((b) => b.le === le);
  return bucket ? bucket.count / series.count : null;
}

/** The smallest bucket bound that holds at least fraction q of the observations (p99 <= this). */
export function quantileUpperBound(series: HistogramSeries, q: number): number | null {
  if (series.count <= 0) return null;
  const bucket = series.buckets.find((b) => b.count >= q * series.count);
  return bucket ? bucket.le : Infinity;
}
