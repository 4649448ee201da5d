/**
 * canonicalJson: one text per structural value. Checked against an independent definition
 * (JSON.stringify with a key-sorting replacer, the form it replaced) and jsonEqual.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../src/routing/model.js';
import { canonicalJson } from '../../../src/routing/wire/index.js';
import { jsonEqual } from '../../../src/webhook/patch.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

function replacerForm(value: Json): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The same value with every object's keys in reverse order. */
function reversedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((k) => [k, reversedKeys(value[k] as Json)]),
  );
}

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;

describe('canonicalJson', () => {
  it('writes sorted keys at every level, and primitives as JSON does', () => {
    expect(canonicalJson({ b: [{ d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[{"c":null,"d":1}]}');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([])).toBe('[]');
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"z":1,"__proto__":{"x":2}}') as Json;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":2},"z":1}');
  });

  it('is the same text whatever the key order', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalJson(reversedKeys(v))).toBe(canonicalJson(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('tells values apart exactly as the replacer form and jsonEqual do', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = canonicalJson(a) === canonicalJson(b);
        expect(same).toBe(replacerForm(a) === replacerForm(b));
        expect(same).toBe(jsonEqual(a, b));
      }),
      { numRuns: 1000 },
    );
    // Pairs that differ only a little, which random pairs rarely are.
    fc.assert(
      fc.property(json, (a) => {
        const b = JSON.parse(JSON.stringify(a ?? null).replace(/1/, '2')) as Json;
        expect(canonicalJson(a) === canonicalJson(b)).toBe(jsonEqual(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  scalingTest('costs time linear in the value', () => {
    const wide = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${n - i}`, [i, { v: i }]]));
    expectLinear(
      measureScaling(wide, (v) => canonicalJson(v), 5_000),
      'canonicalJson of n keys',
    );
    const nested = (n: number) => {
      let v: Json = 0;
      for (let i = 0; i < n; i++) v = { a: v, b: i };
      return v;
    };
    // JSON.stringify itself stops at V8's stack limit; bodies are refused deeper than 1,000 levels.
    expectLinear(
      measureScaling(nested, (v) => canonicalJson(v), 100),
      'canonicalJson of n levels',
    );
  });
});
