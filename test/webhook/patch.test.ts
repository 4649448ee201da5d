import fastJsonPatch from 'fast-json-patch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/routing/model.js';
import { diff, escapePointerToken, jsonEqual } from '../../src/webhook/patch.js';

const { applyPatch } = fastJsonPatch;

/**
 * A deep copy whose objects have no prototype, so that writing a `__proto__` key creates that
 * key, as it does in the apiserver's maps, instead of changing the object's prototype.
 */
function bareCopy(value: Json): Json {
  if (Array.isArray(value)) return value.map(bareCopy);
  if (typeof value !== 'object' || value === null) return value;
  const out = Object.create(null) as Record<string, Json>;
  for (const key of Object.keys(value)) out[key] = bareCopy(value[key] as Json);
  return out;
}

/**
 * Applies a patch the way the apiserver does: on prototype-less copies (see bareCopy), with
 * fast-json-patch's `__proto__` guard off, since the generator emits such keys as ordinary keys.
 */
function apply(before: Json, ops: ReturnType<typeof diff>): Json {
  const bare = ops.map((op) => ('value' in op ? { ...op, value: bareCopy(op.value as Json) } : op));
  return applyPatch(bareCopy(before), bare, true, true, false).newDocument as Json;
}

describe('escapePointerToken (RFC 6901)', () => {
  it('escapes ~ before / so annotation keys survive', () => {
    expect(escapePointerToken('alb.ingress.kubernetes.io/actions.web')).toBe(
      'alb.ingress.kubernetes.io~1actions.web',
    );
    expect(escapePointerToken('a~/b')).toBe('a~0~1b');
  });

  it('escapes a token that holds only one of the two', () => {
    expect(escapePointerToken('a~b')).toBe('a~0b');
    expect(escapePointerToken('a/b')).toBe('a~1b');
    expect(escapePointerToken('plain.key')).toBe('plain.key');
  });
});

describe('diff', () => {
  it('patches one annotation per key and never replaces the annotation map', () => {
    const before = { metadata: { annotations: { keep: '1', change: 'old', drop: 'x' } } };
    const after = { metadata: { annotations: { keep: '1', change: 'new', 'a/b': 'added' } } };
    expect(diff(before, after)).toEqual([
      { op: 'remove', path: '/metadata/annotations/drop' },
      { op: 'replace', path: '/metadata/annotations/change', value: 'new' },
      { op: 'add', path: '/metadata/annotations/a~1b', value: 'added' },
    ]);
  });

  it('creates /metadata/annotations when the object has none', () => {
    expect(diff({ metadata: { name: 'x' } }, { metadata: { name: 'x', annotations: { k: 'v' } } })).toEqual([
      { op: 'add', path: '/metadata/annotations', value: { k: 'v' } },
    ]);
  });

  it('inserts an array element at its index instead of rewriting the array', () => {
    const p = (n: string) => ({ path: n });
    const before = { paths: [p('/a'), p('/b')] };
    const after = { paths: [p('/*'), p('/a'), p('/b')] };
    expect(diff(before, after)).toEqual([{ op: 'add', path: '/paths/0', value: p('/*') }]);
  });

  it('moves an element to its sorted place and removes a dropped one', () => {
    const before = { paths: ['x', 'y', 'hdr', 'z'] };
    const after = { paths: ['hdr', 'x', 'z'] };
    const ops = diff(before, after);
    expect(ops).toEqual([
      { op: 'remove', path: '/paths/1' },
      { op: 'move', from: '/paths/1', path: '/paths/0' },
    ]);
    expect(apply(before, ops)).toEqual(after);
  });

  it('writes a __proto__ key as a key', () => {
    const after = JSON.parse('{"__proto__":[]}') as Json;
    const ops = diff({}, after);
    expect(ops).toEqual([{ op: 'add', path: '/__proto__', value: [] }]);
    expect(jsonEqual(apply({}, ops), after)).toBe(true);
  });

  it('is empty for equal values regardless of key order', () => {
    expect(diff({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toEqual([]);
  });

  it('property: applying diff(a, b) to a yields b, and diff(b, b) is empty', () => {
    const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
    fc.assert(
      fc.property(json, json, (a, b) => {
        const ops = diff(a, b);
        expect(jsonEqual(apply(a, ops), b)).toBe(true);
        expect(diff(b, b)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: never replaces a whole array or map that exists on both sides', () => {
    const shape = (v: unknown) =>
      Array.isArray(v) ? 'array' : typeof v === 'object' && v !== null ? 'map' : 'scalar';
    const obj = fc.dictionary(
      fc.string({ maxLength: 4 }),
      fc.jsonValue({ maxDepth: 3 }),
    ) as fc.Arbitrary<Json>;
    fc.assert(
      fc.property(obj, obj, (a, b) => {
        for (const op of diff(a, b)) {
          if (op.op !== 'replace') continue;
          const before = shape(fastJsonPatch.getValueByPointer(a, op.path));
          const after = shape((op as { value: Json }).value);
          expect(before !== 'scalar' && before === after).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
