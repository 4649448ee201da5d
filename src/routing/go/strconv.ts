/**
 * Go's `strconv`: quoting, for messages that must read exactly like the Go programs they quote
 * (the Rollouts controller, the AWS Load Balancer Controller), and integer parsing, with the
 * range and the error texts Go has.
 */

/** A value, or the error text Go gives instead (the shape of every Go-compatible parser here). */
export type GoResult<T> = { value: T } | { error: string };

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^[+-]?\d+$/;

/** Go's `strconv.Atoi` on a 64-bit platform: optional sign, ASCII digits, int64 range. */
export function goAtoi(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) return undefined;
  return Number(n);
}

/** `strconv.ParseInt(raw, 10, 32)`: the value, or undefined when Go reports an error. */
export function parseInt32Text(raw: string): number | undefined {
  if (!DECIMAL.test(raw)) return undefined;
  const n = BigInt(raw);
  if (n < INT32_MIN || n > INT32_MAX) return undefined;
  return Number(n);
}

/** `strconv.ParseInt(raw, 10, 32)`: the value, or Go's error text. */
export function parseGoInt32(raw: string): GoResult<number> {
  if (!DECIMAL.test(raw)) return { error: `strconv.ParseInt: parsing ${goQuote(raw)}: invalid syntax` };
  const value = parseInt32Text(raw);
  if (value === undefined) return { error: `strconv.ParseInt: parsing ${goQuote(raw)}: value out of range` };
  return { value };
}

/** Go's `strconv.Quote`: printable runes as they are, everything else escaped. */
export function goQuote(text: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    '\\': '\\\\',
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
  };
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (named[ch]) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      out +=
        cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `"${out}"`;
}
