/**
 * The apiserver appends `?timeout=<duration>` (Go duration syntax, e.g. `10s`) to the hook URL:
 * the time it will wait for the answer. It becomes the review's deadline.
 */
import { goParseDurationSeconds } from '../routing/go/index.js';

/** The apiserver's default webhook timeout, used when the query has none. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The largest timeout the apiserver accepts for a webhook. */
export const MAX_TIMEOUT_MS = 30_000;

/**
 * A Go duration (`10s`, `1m30s`, `500ms`) in milliseconds, read by the routing core's Go
 * `time.ParseDuration`; undefined when it is not one, or is negative.
 */
export function parseGoDuration(text: string): number | undefined {
  const seconds = goParseDurationSeconds(text);
  return seconds === undefined || seconds < 0 ? undefined : seconds * 1000;
}

/** Deadline (epoch ms) for a review that started at `now`. Bad or missing values use the default. */
export function budgetFromTimeout(timeout: unknown, now: number): number {
  const parsed = typeof timeout === 'string' ? parseGoDuration(timeout) : undefined;
  const ms = parsed === undefined || parsed <= 0 ? DEFAULT_TIMEOUT_MS : Math.min(parsed, MAX_TIMEOUT_MS);
  return now + ms;
}
