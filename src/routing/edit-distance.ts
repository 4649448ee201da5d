/**
 * "Did you mean": the nearest of a set of known names, by Levenshtein distance, for names one
 * or two edits from a known one. Costs are bounded whatever the input: the distance is
 * computed only inside a band of width 2·max+1 (O(max · length)), and at most
 * `MAX_CANDIDATES` candidates are compared.
 */

/** Candidates compared per lookup; a larger set is cut (its first entries are compared). */
export const MAX_CANDIDATES = 2000;

/**
 * Levenshtein distance of `a` and `b` when it is at most `max`, else `max + 1`. Banded, so a
 * 100 KiB key against a 20-character field name costs about as much as two short names.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  // prev[j] holds the distance of a[0..i) and b[0..j); cells outside the band count as `over`.
  let prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j <= max ? j : over;
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(over);
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    if (i <= max) row[0] = i;
    let best = row[0]!;
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row[j] = value > over ? over : value;
      if (row[j]! < best) best = row[j]!;
    }
    if (best > max) return over;
    prev = row;
  }
  return Math.min(prev[b.length]!, over);
}

/**
 * The candidate nearest to `name` (ties: the first in the given order), when it is at most
 * `max` edits away and not `name` itself; undefined otherwise.
 */
export function nearestName(name: string, candidates: Iterable<string>, max = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = max + 1;
  let compared = 0;
  for (const candidate of candidates) {
    if (compared++ >= MAX_CANDIDATES) break;
    if (candidate === name) continue;
    const distance = boundedEditDistance(name, candidate, Math.min(max, bestDistance - 1));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      if (distance === 1) break;
    }
  }
  return best;
}
