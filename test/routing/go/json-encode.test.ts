import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBytewise, goJsonString, sortedKeys } from '../../../src/routing/go/json-encode.js';
import { goJson } from '../../../src/routing/go/index.js';

describe('goJson (argo alb.go, Go encoding/json bytes)', () => {
  it('writes structs in insertion order with no whitespace', () => {
    expect(goJson({ Type: 'forward', ForwardConfig: { TargetGroups: [{ Weight: 0 }] } })).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"Weight":0}]}}',
    );
  });

  it('argo alb.go omits undefined (omitempty) struct fields', () => {
    expect(goJson({ ServiceName: undefined, ServicePort: '0', Weight: 5 })).toBe(
      '{"ServicePort":"0","Weight":5}',
    );
  });

  it('argo alb.go writes Go maps with keys sorted bytewise, integer-like keys included', () => {
    const map = new Map<string, string[]>([
      ['b', []],
      ['a', ['x']],
      ['9', []],
      ['10', []],
      ['B', []],
    ]);
    expect(goJson(map)).toBe('{"10":[],"9":[],"B":[],"a":["x"],"b":[]}');
  });

  it('argo alb.go HTML-escapes <, > and &, and escapes U+2028/U+2029', () => {
    expect(goJson('<a&b>\u2028\u2029')).toBe('"\\u003ca\\u0026b\\u003e\\u2028\\u2029"');
  });

  it('escapes \\b and \\f as the current release (Go ≥ 1.22) does, and as \\u0008/\\u000c for Go 1.19', () => {
    expect(goJson('\b\f')).toBe('"\\b\\f"');
    expect(goJson('\b\f', { dialect: 'go1.19' })).toBe('"\\u0008\\u000c"');
  });

  it('writes other control characters as lowercase \\u00XX, keeps \\n \\r \\t \\" \\\\ short', () => {
    expect(goJson('\u0000\u001f\u001b\n\r\t"\\\u007f')).toBe('"\\u0000\\u001f\\u001b\\n\\r\\t\\"\\\\\u007f"');
  });

  it('replaces lone surrogates with U+FFFD and keeps valid pairs', () => {
    expect(goJsonString('a\ud800b\udc00c😀')).toBe('"a\ufffdb\ufffdc😀"');
    expect(goJsonString('\ud83d')).toBe('"\ufffd"');
    // The ends of the surrogate ranges (Go 1.26 json.Marshal of U+10000 and U+10FFFF).
    expect(goJsonString('\ud800\udc00|\udbff\udfff')).toBe('"\ud800\udc00|\udbff\udfff"');
    expect(goJsonString('\ud800\ue000')).toBe('"\ufffd\ue000"');
    expect(goJsonString('\udfff')).toBe('"\ufffd"');
  });

  it('writes a space as it is (Go escapes only below U+0020)', () => {
    expect(goJson(' a b ')).toBe('" a b "');
  });

  it('formats integers plainly, negative without sign tricks, -0 as Go does', () => {
    expect(goJson([0, -10, 604800, 1e21, -0, 0.5])).toBe('[0,-10,604800,1e+21,-0,0.5]');
  });

  it('writes null, booleans and nested arrays', () => {
    expect(goJson([null, true, false, [[]]])).toBe('[null,true,false,[[]]]');
  });

  it('refuses NaN and Infinity like Go (UnsupportedValueError)', () => {
    expect(() => goJson(Number.NaN)).toThrow(/unsupported value/);
  });

  it('sortedKeys orders by UTF-8 bytes, not by UTF-16 units or locale', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...), although its
    // UTF-16 unit is larger than the surrogate D83D.
    expect(sortedKeys({ '😀': 1, '～': 2, a: 3, Z: 4 })).toEqual(['Z', 'a', '～', '😀']);
    // U+10000 (F0 90 80 80) after U+E000 (EE 80 80): Go 1.26 writes {"\ue000":2,"𐀀":1}.
    expect(
      sortedKeys(
        new Map([
          ['\u{10000}', 1],
          ['\ue000', 2],
        ]),
      ),
    ).toEqual(['\ue000', '\u{10000}']);
    expect(compareBytewise('ab', 'a')).toBeGreaterThan(0);
    expect(compareBytewise('a', 'a')).toBe(0);
  });

  it('property: JSON.parse(goJson(x)) round-trips any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(goJson(value as never))).toEqual(value);
      }),
    );
  });

  it('property: goJson of a string equals JSON.stringify up to Go escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const go = goJsonString(s);
        expect(JSON.parse(go)).toBe(s);
        expect(go).not.toMatch(/[<>&\u2028\u2029]/);
      }),
    );
  });
});
