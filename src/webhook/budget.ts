/**
 * The apiserver appends `?timeout=<duration>` (Go duration syntax, e.g. `10s`) to the hook URL:
 * the time it will wait for the answer. It becomes the review's deadline.
 */

/** The apiserver's default webhook timeout, used when the query has none. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The largest timeout the apiserver accepts for a webhook. */
export const MAX_TIMEOUT_MS = 30_000;

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};

/** Parses a Go duration (`10s`, `1m30s`, `500ms`); undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
  }
  return total;
}

/** Deadline (epoch ms) for a review that started at `now`. Bad or missing values use the default. */
export function budgetFromTimeout(timeout: unknown, now: number): number {
  const parsed = typeof timeout === 'string' ? parseGoDuration(timeout) : undefined;
  const ms = parsed === undefined || parsed <= 0 ? DEFAULT_TIMEOUT_MS : Math.min(parsed, MAX_TIMEOUT_MS);
  return now + ms;
}
