/**
 * Marks the code that serves an admission request, so any apiserver call made from it
 * can be counted. The cluster lookups are memory reads and must never call the API; the
 * counter (exported as a metric) is how that is shown in production, not just assumed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const requestPath = new AsyncLocalStorage<true>();

/** Runs `fn` (and everything it awaits) as part of serving a request. */
export function runOnRequestPath<T>(fn: () => T): T {
  return requestPath.run(true, fn);
}

export function isOnRequestPath(): boolean {
  return requestPath.getStore() === true;
}

/**
 * Runs `fn` outside the request path: background work started from a handler (a timer that
 * sends queued Events) would otherwise inherit the marker and count as a request-path call.
 */
export function offRequestPath<T>(fn: () => T): T {
  return requestPath.exit(fn);
}
