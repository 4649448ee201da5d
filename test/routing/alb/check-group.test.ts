import { describe, expect, it } from 'vitest';
import { goQuote, parseGoInt32 } from '../../../src/routing/go/index.js';

describe('LBC class_loader.go Go strconv wording in group.order messages', () => {
  // Expected texts printed by Go 1.26's strconv.ParseInt for the same inputs.
  it.each([
    ['a\u00a0b', '"a\\u00a0b"'],
    ['\u2028', '"\\u2028"'],
    ['\x01\x7f', '"\\x01\\x7f"'],
    ['é€', '"é€"'],
    ['\u{E0001}', '"\\U000e0001"'],
    ['"\\', '"\\"\\\\"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['x y', '"x y"'],
    ['\u00ad', '"\\u00ad"'],
    ['\u0085', '"\\u0085"'],
  ])('goQuote(%j) is strconv.Quote', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
    expect(parseGoInt32(input)).toEqual({ error: `strconv.ParseInt: parsing ${quoted}: invalid syntax` });
  });

  it('parseGoInt32 takes signs and leading zeros, refuses beyond int32', () => {
    expect(parseGoInt32('-2147483648')).toEqual({ value: -2147483648 });
    expect(parseGoInt32('+007')).toEqual({ value: 7 });
    expect(parseGoInt32('-2147483649')).toEqual({
      error: 'strconv.ParseInt: parsing "-2147483649": value out of range',
    });
  });
});
