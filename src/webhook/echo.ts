/**
 * Bounded echo: how much of a value a client sent may be repeated back in an error message
 * or a log line. A 1 MiB `operation` must not become a 1 MiB log line and response.
 */

/** Characters of any one user value that a message or log line quotes. */
export const MAX_ECHO_CHARS = 200;

/** Characters of a whole denial message (it may list many findings). */
export const MAX_MESSAGE_CHARS = 4096;

/** Cuts `text` to `max` characters, saying how many were left out. */
export function truncated(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A user value as JSON for a message, cut to MAX_ECHO_CHARS; `nothing` when absent. */
export function echo(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(truncated(value, MAX_ECHO_CHARS));
  if (typeof value !== 'object' || value === null) return String(value);
  // Objects and arrays are named, not printed: printing is recursive and unbounded.
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** A user string for a log field: cut to MAX_ECHO_CHARS, left alone when short. */
export function logValue(value: string | undefined): string | undefined {
  return value === undefined ? undefined : truncated(value, MAX_ECHO_CHARS);
}
