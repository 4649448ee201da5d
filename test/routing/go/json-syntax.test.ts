import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goJsonSyntaxError } from '../../../src/routing/go/index.js';
import { parseManagedAlbAnnotations } from '../../../src/routing/alb/managed-annotations.js';

describe('goJsonSyntaxError: Go encoding/json scanner messages (argo ingress.go), as Go 1.26 prints them', () => {
  it.each([
    ['test', "invalid character 'e' in literal true (expecting 'r')"],
    // At end of input Go's scanner steps once more with a space, so a cut literal or number
    // reports that space (checked with Go 1.26's encoding/json).
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['fals3', "invalid character '3' in literal false (expecting 'e')"],
    ['nuLL', "invalid character 'L' in literal null (expecting 'l')"],
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a":["k"]', 'unexpected end of JSON input'],
    ['{"a":["k"}', "invalid character '}' after array element"],
    ['{"a":["k"],}', "invalid character '}' looking for beginning of object key string"],
    ['{,}', "invalid character ',' looking for beginning of object key string"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[01]', "invalid character '1' after array element"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['1x', "invalid character 'x' after top-level value"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['-', "invalid character ' ' in numeric literal"],
    ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"\n"', "invalid character '\\n' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['\u0085', "invalid character 'Â' looking for beginning of value"],
    ['[\u007f]', "invalid character '\\x7f' looking for beginning of value"],
    ['\t[\u00ad]', "invalid character 'Â' looking for beginning of value"],
    // U+0080 is C2 80 in UTF-8; a lone surrogate stands for U+FFFD (EF BF BD), which is what Go
    // decodes the escape "\ud800" to; a space is quoted as it is.
    ['\u0080', "invalid character 'Â' looking for beginning of value"],
    ['\ud800', "invalid character 'ï' looking for beginning of value"],
    ['\udfff', "invalid character 'ï' looking for beginning of value"],
    ['[1, t rue]', "invalid character ' ' in literal true (expecting 'r')"],
  ])('argo ingress.go %j → %s', (input, message) => {
    expect(goJsonSyntaxError(input)).toBe(message);
  });

  it('names the first UTF-8 byte of a multi-byte character, as a Latin-1 rune', () => {
    expect(goJsonSyntaxError('"\\é"')).toBe("invalid character 'Ã' in string escape code");
    expect(goJsonSyntaxError('"\\\u0100"')).toBe("invalid character 'Ä' in string escape code");
    expect(goJsonSyntaxError('"\\\u0800"')).toBe("invalid character 'à' in string escape code");
  });

  it('accepts valid documents, including deep nesting up to Go’s limit', () => {
    for (const ok of ['{}', '[]', ' {"a":[],"b":null} ', '-0.5e-3', '"\\u00e9\\n"', 'true', '[[[[1]]]]']) {
      expect(goJsonSyntaxError(ok)).toBeUndefined();
    }
    expect(goJsonSyntaxError('['.repeat(10000) + ']'.repeat(10000))).toBeUndefined();
    expect(goJsonSyntaxError('['.repeat(10001) + ']'.repeat(10001))).toBe(
      "invalid character '[' exceeded max depth",
    );
  });

  it('property: accepts exactly what JSON.parse accepts', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.json().chain((j) => fc.nat(j.length).map((n) => j.slice(0, n))),
      fc.stringMatching(/^[\s{}[\]",:0-9eE.+\-tfnrula\\]{0,12}$/),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(goJsonSyntaxError(text) === undefined).toBe(valid);
      }),
      { numRuns: 1000 },
    );
  });

  it('argo ingress.go parseManagedAlbAnnotations reports Go’s syntax error text', () => {
    expect(parseManagedAlbAnnotations('test')).toEqual({
      ok: false,
      error: "invalid character 'e' in literal true (expecting 'r')",
    });
  });
});
