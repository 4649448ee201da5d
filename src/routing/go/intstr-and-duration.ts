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
  if (typeof value === 'number') return value;
  if (PERCENT.test(value)) return Number(value.slice(0, -1));
  return goAtoi(value) ?? 0;
}

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign
  μs: 1e-6, // U+03BC Greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};
const DURATION_PART = /([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's time.ParseDuration in seconds, or undefined when Go would return an error. */
export function goParseDurationSeconds(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < rest.length) {
    const match = DURATION_PART.exec(rest);
    // A number needs at least one digit ("." alone is an error in Go too).
    if (!match || !/[0-9]/.test(match[1]!)) return undefined;
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
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
