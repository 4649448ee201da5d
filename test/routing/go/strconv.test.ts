/**
 * Go's strconv at the edges of its ranges. Expected values are Go 1.26's own answers
 * (strconv.Atoi, strconv.ParseInt(s, 10, 32), strconv.Quote), checked with `go run`.
 */
import { describe, expect, it } from 'vitest';
import { goAtoi, goQuote, parseGoInt32, parseInt32Text } from '../../../src/routing/go/strconv.js';

describe('strconv.Atoi on 64-bit: the int64 range, both ends', () => {
  it.each([
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ])('%s is in range', (text, n) => {
    expect(goAtoi(text)).toBe(Number(n));
  });

  it.each(['9223372036854775808', '-9223372036854775809'])('%s is out of range', (text) => {
    expect(goAtoi(text)).toBeUndefined();
  });
});

describe('strconv.ParseInt(s, 10, 32): the int32 range, both ends', () => {
  it.each([
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
  ])('%s → %d', (text, n) => {
    expect(parseInt32Text(text)).toBe(n);
    expect(parseGoInt32(text)).toEqual({ value: n });
  });

  it.each(['2147483648', '-2147483649'])('%s is out of range', (text) => {
    expect(parseInt32Text(text)).toBeUndefined();
    expect(parseGoInt32(text)).toEqual({
      error: `strconv.ParseInt: parsing "${text}": value out of range`,
    });
  });
});

describe('strconv.Quote of unprintable runes: \\u below U+10000, \\U from U+10000', () => {
  it.each([
    ['\uffff', '"\\uffff"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\u{10000}', '"\u{10000}"'],
    ['\u00ad', '"\\u00ad"'],
    ['\u00a0', '"\\u00a0"'],
    ['a b', '"a b"'],
  ])('%j → %s', (text, quoted) => {
    expect(goQuote(text)).toBe(quoted);
  });
});
