/**
 * How Argo Rollouts turns two IntOrString fields into numbers, with the Go library
 * behaviour that decides its validation results:
 *
 * - `maxSurge` / `maxUnavailable` (`getIntOrPercentValue`): a valid percent `"N%"` gives N;
 *   any other string goes through `intstr.IntValue`, which is `strconv.Atoi` with the error
 *   dropped, so `"abc"` counts as 0.
 * - `pause.duration` (`RolloutPause.DurationSeconds`): an integer as is; a string that
 *   parses as a base-10 int32 as is; else Go's `time.ParseDuration` in whole seconds
 *   (truncated); a string that parses as neither gives -1.
 */

import { goAtoi, parseInt32Text } from './strconv.js';

const PERCENT = /^[0-9]+%$/;

/** `undefined` means the field is unset, which Argo defaults to 25%. */
export function intOrPercentValue(value: number | string | undefined): number {
  if (value === undefined) return 25;
  // A safe integer (all the parser passes) comes back the same through goAtoi (-0 as 0, which
  // callers compare and add alike), so this line only saves the round trip.
  // Stryker disable next-line StringLiteral: equivalent, `typeof value === ''` never holds, which only skips this shortcut
  // Equivalent survivor: ConditionalExpression → false: skips the shortcut; goAtoi gives the same number
  if (typeof value === 'number') return value;
  if (PERCENT.test(value)) return Number(value.slice(0, -1));
  return goAtoi(value) ?? 0;
}

const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-9],
  ['us', 1e-6],
  ['µs', 1e-6], // U+00B5 micro sign
  ['μs', 1e-6], // U+03BC Greek mu
  ['ms', 1e-3],
  ['s', 1],
  ['m', 60],
  ['h', 3600],
]);

function isDigit(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 0x30 && c <= 0x39;
}

/**
 * Go's time.ParseDuration in seconds, or undefined when Go would return an error. A scanner,
 * as Go's own is: each part is digits, an optional fraction, then a unit that runs up to the
 * next digit or `.`. One pass over the text (a regular expression with two optional digit runs
 * took time quadratic in the length of a unit-less number: 27 s for 100,000 digits).
 */
export function goParseDurationSeconds(text: string): number | undefined {
  let at = 0;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    at = 1;
  }
  if (text.length - at === 1 && text[at] === '0') return 0;
  if (at === text.length) return undefined;
  let total = 0;
  while (at < text.length) {
    const numberStart = at;
    // Equivalent survivor: ConditionalExpression → true: isDigit at text.length reads NaN, not a digit
    // Equivalent survivor: EqualityOperator → at <= text.length: the same, one more NaN read
    while (at < text.length && isDigit(text, at)) at++;
    let digits = at - numberStart;
    if (text[at] === '.') {
      const fractionStart = ++at;
      // Equivalent survivor: ConditionalExpression → true: isDigit at text.length reads NaN, not a digit
      // Equivalent survivor: EqualityOperator → at <= text.length: the same, one more NaN read
      while (at < text.length && isDigit(text, at)) at++;
      digits += at - fractionStart;
    }
    // A number needs at least one digit ("." alone is an error in Go too).
    if (digits === 0) return undefined;
    const number = Number(text.slice(numberStart, at));
    const unitStart = at;
    // Equivalent survivor: EqualityOperator → at <= text.length: at ends one past the text; the
    // unit's slice is clamped to the text, and the outer loop stops all the same
    while (at < text.length && text[at] !== '.' && !isDigit(text, at)) at++;
    const unitSeconds = UNIT_SECONDS.get(text.slice(unitStart, at));
    if (unitSeconds === undefined) return undefined;
    total += number * unitSeconds;
  }
  return sign * total;
}

/** Argo's `RolloutPause.DurationSeconds()`; undefined duration is 0. */
export function pauseDurationSeconds(duration: number | string | undefined): number {
  if (duration === undefined) return 0;
  if (typeof duration === 'number') return duration;
  const asInt = parseInt32Text(duration);
  if (asInt !== undefined) return asInt;
  const seconds = goParseDurationSeconds(duration);
  return seconds === undefined ? -1 : Math.trunc(seconds);
}
