/**
 * JsonReader: each reader takes its type, reads null and absence as absent without a word, and
 * reports any other value once, at its field path, with a message written out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { FieldPath } from '../../../src/routing/findings/index.js';
import { describe as describeValue, JsonReader, setOwn } from '../../../src/routing/wire/json-reader.js';

type Reader = 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'intOrString';

function read(reader: Reader, value: unknown) {
  const r = new JsonReader();
  const result = r[reader](value, FieldPath.of('spec').child('x'));
  return { result, problems: r.problems };
}

describe('JsonReader', () => {
  it.each<Reader>(['object', 'array', 'string', 'boolean', 'integer', 'intOrString'])(
    '%s reads null and undefined as absent, with no finding',
    (reader) => {
      expect(read(reader, null)).toEqual({ result: undefined, problems: [] });
      expect(read(reader, undefined)).toEqual({ result: undefined, problems: [] });
    },
  );

  it.each<[Reader, unknown, string]>([
    ['object', 5, 'spec.x must be an object, got 5'],
    ['array', 'a', 'spec.x must be an array, got "a"'],
    ['string', true, 'spec.x must be a string, got true'],
    ['boolean', 'yes', 'spec.x must be a boolean, got "yes"'],
    ['integer', 1.5, 'spec.x must be an integer, got 1.5'],
    ['integer', '3', 'spec.x must be an integer, got "3"'],
    ['intOrString', 2 ** 53, 'spec.x must be an integer or a string, got 9007199254740992'],
    ['intOrString', false, 'spec.x must be an integer or a string, got false'],
  ])('%s refuses %j as an error finding at the field', (reader, value, message) => {
    expect(read(reader, value)).toEqual({
      result: undefined,
      problems: [{ severity: 'error', rule: 'malformed-field', field: 'spec.x', message }],
    });
  });

  it.each<[Reader, unknown]>([
    ['integer', -7],
    ['integer', 2 ** 53 - 1],
    ['intOrString', 80],
    ['intOrString', 'http'],
  ])('%s takes %j as it is', (reader, value) => {
    expect(read(reader, value)).toEqual({ result: value, problems: [] });
  });

  it('stringArray keeps the strings and reports each other element at its index', () => {
    const r = new JsonReader();
    expect(r.stringArray(['a', 5, null, 'b'], FieldPath.of('values'))).toEqual(['a', 'b']);
    expect(r.problems.map((p) => [p.field, p.message])).toEqual([
      ['values[1]', 'values[1] must be a string, got 5'],
    ]);
  });
});

describe('describe (the "got ..." of a message)', () => {
  it.each<[unknown, string]>([
    [[1], 'an array'],
    [[], 'an array'],
    [null, 'null'],
    [{ a: 1 }, 'an object'],
    ['x'.repeat(58), `"${'x'.repeat(58)}"`],
    ['x'.repeat(59), `"${'x'.repeat(56)}...`],
    [undefined, 'undefined'],
  ])('%j → %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe('setOwn', () => {
  it('defines an own, enumerable, writable and deletable property, __proto__ included', () => {
    const obj: Record<string, number> = {};
    setOwn(obj, '__proto__', 1);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.keys(obj)).toEqual(['__proto__']);
    obj['__proto__'] = 2;
    expect(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value).toBe(2);
    delete obj['__proto__'];
    expect(Object.keys(obj)).toEqual([]);
  });
});
