/**
 * goUnmarshal and its helpers on inputs the LBC oracle (json-oracle.test.ts) does not reach:
 * string escapes and surrogates, Go types no LBC struct has, field-name matching between tags
 * that differ only in case. Every expected value is what Go 1.26's encoding/json gives for the
 * same input (go1.26 src/encoding/json/decode.go, `unquote` and `object`; fold.go), checked
 * with `go run` on the same JSON; the Go program is not part of the repository.
 */
import { describe, expect, it } from 'vitest';
import {
  foldName,
  goJsonSyntaxError,
  goUnmarshal,
  isGoSlice,
  MAX_UNKNOWN_KEYS,
  zeroValue,
  type GoType,
} from '../../../src/routing/go/json-decode.js';

const STRING: GoType = { k: 'string', name: 'string' };
const INT_OR_STRING: GoType = { k: 'intOrString' };

function struct(name: string, fields: [string, GoType][]): GoType {
  return { k: 'struct', name, pkg: 'main', fields: fields.map(([tag, type]) => ({ tag, type })) };
}

describe('Go encoding/json string decoding (decode.go unquote)', () => {
  it.each([
    ['"\\""', '"'],
    ['"\\ue000"', '\ue000'],
    // A high surrogate escape pairs only with an immediately following low surrogate escape.
    ['"\\ud83d\\ude00"', '😀'],
    ['"\\udbff\\udfff"', '\u{10ffff}'],
    ['"\\ud800\\udc00"', '\u{10000}'],
    ['"\\udc00\\udc00"', '\ufffd\ufffd'],
    ['"\\ude00\\ude00"', '\ufffd\ufffd'],
    ['"\\ud83dXude00"', '\ufffdXude00'],
    ['"\\ud83d\\\\dc00"', '\ufffd\\dc00'],
    ['"\\ud83d\\ue000"', '\ufffd\ue000'],
    // Characters outside the BMP as they are (a UTF-16 pair here, four UTF-8 bytes in Go).
    ['"a😀b"', 'a😀b'],
    ['"😀"', '😀'],
  ])('%s decodes to %j', (raw, expected) => {
    expect(goUnmarshal(raw, STRING)).toEqual({ value: expected, unknownKeys: [] });
  });

  it('a lone surrogate in the text becomes U+FFFD, as Go decodes the "\\ud800" escape', () => {
    for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff']) {
      expect(goUnmarshal(`"a${lone}b"`, STRING)).toEqual({ value: 'a\ufffdb', unknownKeys: [] });
    }
  });

  it('a control character after a surrogate pair is still refused', () => {
    expect(goJsonSyntaxError('"😀\u0001"')).toBe("invalid character '\\x01' in string literal");
  });
});

describe('Go type names in type errors (reflect.Type.String)', () => {
  it.each<[string, GoType, string]>([
    ['5', { k: 'slice', elem: { k: 'ptr', elem: STRING } }, 'number into Go value of type []*string'],
    ['5', { k: 'slice', elem: INT_OR_STRING }, 'number into Go value of type []intstr.IntOrString'],
    [
      'true',
      { k: 'slice', elem: { k: 'ptr', elem: INT_OR_STRING } },
      'bool into Go value of type []*intstr.IntOrString',
    ],
  ])('%s into %j', (raw, type, message) => {
    expect(goUnmarshal(raw, type)).toEqual({ error: `json: cannot unmarshal ${message}` });
  });
});

describe('intstr.IntOrString UnmarshalJSON (apimachinery intstr.go)', () => {
  const holder = struct('WithIntOrString', [['p', INT_OR_STRING]]);

  it.each([
    ['"80"', { intOrString: 'string', value: '80' }],
    ['80', { intOrString: 'int', value: 80 }],
    // null is json.Unmarshal(null) into the int32: no error, the int form.
    ['null', { intOrString: 'int', value: 0 }],
  ])('%s → %j', (raw, expected) => {
    expect(goUnmarshal(raw, INT_OR_STRING)).toEqual({ value: expected, unknownKeys: [] });
  });

  it.each([
    ['{"p":7,"p":null}', { intOrString: 'int', value: 7 }],
    ['{"p":"x","p":null}', { intOrString: 'int', value: 0 }],
    ['{"p":null}', { intOrString: 'int', value: 0 }],
  ])('in a struct field: %s → %j', (raw, expected) => {
    expect(goUnmarshal(raw, holder)).toEqual({ value: { p: expected }, unknownKeys: [] });
  });

  it('other kinds are the nested int32 decode’s error, with the field context', () => {
    expect(goUnmarshal('{"p":true}', holder)).toEqual({
      error: 'json: cannot unmarshal bool into Go struct field WithIntOrString.p of type int32',
    });
    expect(goUnmarshal('[1]', INT_OR_STRING)).toEqual({
      error: 'json: cannot unmarshal array into Go value of type int32',
    });
  });
});

describe('Go zero values (the Go spec; decoding {} leaves every field at its zero)', () => {
  it.each<[GoType, unknown]>([
    [STRING, ''],
    [{ k: 'bool' }, false],
    [{ k: 'int32' }, 0],
    [INT_OR_STRING, { intOrString: 'int', value: 0 }],
    [{ k: 'ptr', elem: STRING }, undefined],
    [{ k: 'slice', elem: STRING }, undefined],
  ])('zeroValue(%j) = %j', (type, expected) => {
    expect(zeroValue(type)).toEqual(expected);
  });

  it('a struct decoded from {} holds each field’s zero value', () => {
    const type = struct('WithBool', [
      ['on', { k: 'bool' }],
      ['n', { k: 'int32' }],
      ['p', INT_OR_STRING],
    ]);
    expect(goUnmarshal('{}', type)).toEqual({
      value: { on: false, n: 0, p: { intOrString: 'int', value: 0 } },
      unknownKeys: [],
    });
  });
});

describe('field matching (decode.go object: exact tag first, then the first case-insensitive match)', () => {
  const exact = struct('Exact', [
    ['a', STRING],
    ['A', STRING],
  ]);
  const folded = struct('Folded', [
    ['ab', STRING],
    ['AB', STRING],
  ]);

  it.each<[GoType, string, Record<string, string>]>([
    [exact, '{"A":"x"}', { a: '', A: 'x' }],
    [exact, '{"a":"x"}', { a: 'x', A: '' }],
    [folded, '{"Ab":"x"}', { ab: 'x', AB: '' }],
    [folded, '{"aB":"y"}', { ab: 'y', AB: '' }],
  ])('%#', (type, raw, expected) => {
    expect(goUnmarshal(raw, type)).toEqual({ value: expected, unknownKeys: [] });
  });

  it('foldName upper-cases ASCII and maps the long s and the Kelvin sign (fold.go foldRune)', () => {
    expect(foldName('statusCode')).toBe('STATUSCODE');
    expect(foldName('\u017ftatus\u212aey')).toBe('STATUSKEY');
    expect(foldName('')).toBe('');
  });
});

describe('unknown keys', () => {
  it(`records the first ${MAX_UNKNOWN_KEYS} and still decodes the rest`, () => {
    expect(MAX_UNKNOWN_KEYS).toBe(10);
    const type = struct('One', [['known', STRING]]);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const raw = `{${keys.map((k) => `"${k}":1`).join(',')},"known":"v"}`;
    const result = goUnmarshal(raw, type);
    expect(result).toEqual({
      value: { known: 'v' },
      unknownKeys: keys.slice(0, 10).map((key) => ({ path: key, key, known: ['known'] })),
    });
  });
});

describe('unknown keys in a nested struct', () => {
  it('are named by the JSON names of the enclosing fields, then the key', () => {
    const inner = struct('Inner', [['known', STRING]]);
    const outer = struct('Outer', [['inner', inner]]);
    expect(goUnmarshal('{"inner":{"bad":1,"known":"v"}}', outer)).toEqual({
      value: { inner: { known: 'v' } },
      unknownKeys: [{ path: 'inner.bad', key: 'bad', known: ['known'] }],
    });
  });
});

describe('isGoSlice', () => {
  it.each<[unknown, boolean]>([
    [{ len: 0, backing: [] }, true],
    [{ len: 1, backing: ['a'] }, true],
    [undefined, false],
    ['backing', false],
    [7, false],
    [{ intOrString: 'int', value: 0 }, false],
  ])('%j → %s', (value, expected) => {
    expect(isGoSlice(value as never)).toBe(expected);
  });
});
