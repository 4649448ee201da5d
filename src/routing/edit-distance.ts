/**
 * "Did you mean": the nearest of a set of known names, by Levenshtein distance, for names one
 * or two edits from a known one. Costs are bounded whatever the input: the distance is
 * computed only inside a band of width 2·max+1 (O(max · length) time, two rows of memory),
 * and at most `MAX_CANDIDATES` candidates are compared.
 */

/** Candidates compared per lookup; a larger set is cut (its first entries are compared). */
export const MAX_CANDIDATES = 2000;

/**
 * Levenshtein distance of `a` and `b` when it is at most `max`, else `max + 1`. Banded: lengths
 * that differ by more than `max` return at once, and each row costs O(max).
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  const over = max + 1;
  // Equivalent survivor: Math.abs(a.length - b.length) > max → false: cost only: the band then never reaches cell (a.length, b.length), which keeps the fill value over, or the rows run out of band and return over below
  if (Math.abs(a.length - b.length) > max) return over;
  const m = b.length;
  // Two rows, allocated once; every cell holds min(distance, over). Each row writes only its
  // band and the cell left of it (set to `over`): the band moves right by one cell a row, so
  // the cell right of a band was never written since the fill and still holds `over`.
  let prev = Array.from({ length: m + 1 }, (_, j) => Math.min(j, over));
  let row = new Array<number>(m + 1).fill(over);
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    // Stryker disable next-line MethodExpression: equivalent, cost only: cells right of i + max hold distances above max, which the min(…, over) below stores as over anyway (the scaling test of npm test catches the quadratic time)
    const to = Math.min(m, i + max);
    row[0] = Math.min(i, over);
    if (from > 1) row[from - 1] = over;
    let best = row[0]!;
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost, over);
      row[j] = value;
      best = Math.min(best, value);
    }
    // Every later cell is at least the least cell of this row, so the answer is over already.
    // Equivalent survivor: best > max → false: cost only: the later rows then compute over in every cell, and over is returned at the end
    if (best > max) return over;
    [prev, row] = [row, prev];
  }
  return Math.min(prev[m]!, over);
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
    // Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent, cost only: the bound only caps the work; with any bound >= bestDistance - 1 the result is below bestDistance exactly when the true distance is
    const distance = boundedEditDistance(name, candidate, Math.min(max, bestDistance - 1));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      // Distance 0 is only the name itself, skipped above: nothing later can be nearer.
      // Equivalent survivor: distance === 1 → false: cost only: the later candidates are compared, and none can be nearer
      if (distance === 1) break;
    }
  }
  return best;
}
