/**
 * The text of a Kubernetes field error as the current Argo Rollouts release prints it
 * (k8s.io/apimachinery v0.34 `field.Error`), so that a user who greps the Rollout's
 * InvalidSpec condition for our message finds the same words:
 *
 *   `<path>: Invalid value: <value>: <detail>`
 *   `<path>: Required value: <detail>`
 *   `<path>: Internal error: <detail>`
 *
 * A bad value prints as: a Go-quoted string, a plain number or boolean, `null` for a nil
 * pointer, and compact Go JSON for anything else (argo validation.go).
 */
import type { GoJsonValue } from '../go/index.js';
import type { FieldPath } from './field-path.js';
import { goJson } from '../go/index.js';
import { goQuote } from '../go/index.js';

/** How apimachinery prints the bad value of an `Invalid` error. */
export function badValue(value: unknown): string {
  // A nil pointer; null and booleans print as Go JSON does (`null`, `true`) below.
  if (value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  // %v of an int: JSON.parse gives -0 for `-0`, which Go's int holds as 0.
  if (typeof value === 'number') return String(value);
  return goJson(value as GoJsonValue);
}

/**
 * `maxValueChars` cuts a long structured (JSON) bad value, ending it with `...`, so the
 * detail stays visible; strings are Argo's own fixed texts and are never cut.
 */
export function invalidText(
  path: FieldPath | string,
  value: unknown,
  detail: string,
  maxValueChars = Infinity,
): string {
  let text = badValue(value);
  if (typeof value === 'object' && value !== null && text.length > maxValueChars) {
    text = `${text.slice(0, Math.max(0, maxValueChars - 3))}...`;
  }
  return `${path}: Invalid value: ${text}: ${detail}`;
}

export function requiredText(path: FieldPath | string, detail: string): string {
  return `${path}: Required value: ${detail}`;
}

export function internalErrorText(path: FieldPath | string, detail: string): string {
  return `${path}: Internal error: ${detail}`;
}
