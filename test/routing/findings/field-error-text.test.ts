import { describe, expect, it } from 'vitest';
import { goQuote } from '../../../src/routing/go/index.js';
import { badValue } from '../../../src/routing/findings/field-error-text.js';
import { internalErrorText, invalidText, requiredText } from '../../../src/routing/findings/index.js';

describe('field error text as apimachinery v0.34 prints it (argo validation.go)', () => {
  it.each([
    ['plain', 'stable', '"stable"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['short escapes', '\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other control characters', '\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['C1 controls', '\u0085', '"\\u0085"'],
    ['line and paragraph separators, BOM', '\u2028\u2029\ufeff', '"\\u2028\\u2029\\ufeff"'],
    ['printable unicode stays', 'héllo 日本', '"héllo 日本"'],
  ])('goQuote: %s', (_name, input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });

  it('structured values are Go JSON: HTML characters and separators escaped, map keys sorted', () => {
    expect(badValue({ a: '<b>&\u2028\u2029' })).toBe('{"a":"\\u003cb\\u003e\\u0026\\u2028\\u2029"}');
    expect(
      badValue(
        new Map([
          ['b', 1],
          ['10', 2],
          ['a', 3],
        ]),
      ),
    ).toBe('{"10":2,"a":3,"b":1}');
  });

  it.each([
    [null, 'null'],
    [undefined, 'null'],
    ['x', '"x"'],
    [5, '5'],
    [true, 'true'],
    [{ prefix: 'chrome' }, '{"prefix":"chrome"}'],
  ])('badValue(%j) = %s', (value, expected) => {
    expect(badValue(value)).toBe(expected);
  });

  it('prints a string with Go %q, not as JSON, and a number as Go prints an int', () => {
    // apimachinery field.Error: %q for a string (HTML characters stay, DEL is \x7f), %v else.
    expect(badValue('<b>&')).toBe('"<b>&"');
    expect(badValue('\x7f')).toBe('"\\x7f"');
    // JSON.parse('-0') gives -0, which Go decodes into an int as 0.
    expect(badValue(-0)).toBe('0');
    expect(badValue(false)).toBe('false');
  });

  it('formats Invalid, Required and Internal errors', () => {
    expect(invalidText('spec.strategy.stableService', 's', 'detail')).toBe(
      'spec.strategy.stableService: Invalid value: "s": detail',
    );
    expect(requiredText('spec.strategy.trafficRouting', 'detail')).toBe(
      'spec.strategy.trafficRouting: Required value: detail',
    );
    expect(internalErrorText('spec.x', 'detail')).toBe('spec.x: Internal error: detail');
  });

  it('cuts only long structured values', () => {
    expect(invalidText('p', { a: 'x'.repeat(50) }, 'd', 20)).toBe(
      'p: Invalid value: {"a":"xxxxxxxxxxx...: d',
    );
    expect(invalidText('p', 'x'.repeat(30), 'd', 20)).toBe(`p: Invalid value: "${'x'.repeat(30)}": d`);
  });

  it('cuts a structured value only when it is longer than the limit', () => {
    // {"a":"x"} is 9 characters: kept at 9; at 8, its first 5 and `...`.
    expect(invalidText('p', { a: 'x' }, 'd', 9)).toBe('p: Invalid value: {"a":"x"}: d');
    expect(invalidText('p', { a: 'x' }, 'd', 8)).toBe('p: Invalid value: {"a":...: d');
    expect(invalidText('p', { a: 'x' }, 'd')).toBe('p: Invalid value: {"a":"x"}: d');
    // null is not structured: never cut, even below its own length.
    expect(invalidText('p', null, 'd', 2)).toBe('p: Invalid value: null: d');
  });
});
