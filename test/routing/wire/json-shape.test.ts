/**
 * measureJson reads the shape of JSON text from its bytes. Expected figures are counted by
 * hand for the examples, and for random values computed from the parsed value (an oracle
 * that does not scan text at all).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measureJson, measureJsonText, parseCostBytes } from '../../../src/routing/wire/index.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

const LIMIT = 1000;

describe('parseCostBytes', () => {
  it('prices 2 bytes per text byte, 64 per container, 24 per comma and 32 per colon', () => {
    // 2*10 + 64*2 + 24*3 + 32*4 = 20 + 128 + 72 + 128
    expect(parseCostBytes(10, { depth: 1, containers: 2, commas: 3, colons: 4 })).toBe(348);
    expect(parseCostBytes(0, { depth: 0, containers: 0, commas: 0, colons: 0 })).toBe(0);
  });
});

describe('measureJson', () => {
  it.each<[string, { depth: number; containers: number; commas: number; colons: number }]>([
    ['{}', { depth: 1, containers: 1, commas: 0, colons: 0 }],
    ['{"a":[1,2,{"b":null}]}', { depth: 3, containers: 3, commas: 2, colons: 2 }],
    // Brackets, commas and colons inside strings are text, not structure.
    ['{"k":"[{,:}]"}', { depth: 1, containers: 1, commas: 0, colons: 1 }],
    // An escaped quote does not end the string; an escaped backslash does not escape the quote.
    ['["a\\"[","b"]', { depth: 1, containers: 1, commas: 1, colons: 0 }],
    ['["a\\\\","[b"]', { depth: 1, containers: 1, commas: 1, colons: 0 }],
    ['["\\\\\\"[",1]', { depth: 1, containers: 1, commas: 1, colons: 0 }],
    // An unterminated string swallows the rest, as a parser would.
    ['[1,"[[[', { depth: 1, containers: 1, commas: 1, colons: 0 }],
    ['"', { depth: 0, containers: 0, commas: 0, colons: 0 }],
  ])('%s', (text, expected) => {
    expect(measureJsonText(text, LIMIT)).toEqual(expected);
  });

  it('stops one level past the limit', () => {
    expect(measureJsonText('[[[[[]]]]]', 3).depth).toBe(4);
    expect(measureJsonText('[[[]]]', 3).depth).toBe(3);
  });

  it('agrees with the parsed value for any JSON, strings with quotes and backslashes included', () => {
    const text = fc.string({ unit: fc.constantFrom('"', '\\', '[', '{', ',', ':', 'a', 'é', '}', ']') });
    const value = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(text, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(measureJsonText(JSON.stringify(v), LIMIT)).toEqual(shapeOfValue(v));
      }),
      { numRuns: 1000 },
    );
  });

  scalingTest('costs time linear in the text, whatever runs of backslashes and quotes it holds', () => {
    const encoder = new TextEncoder();
    const texts = [
      (n: number) => `[${'"\\\\\\"",'.repeat(n)}1]`,
      (n: number) => `["${'\\\\'.repeat(n)}"]`,
      (n: number) => `["${'\\"'.repeat(n)}"]`,
      (n: number) => `[${'[],'.repeat(n)}1]`,
    ];
    for (const build of texts) {
      const scaling = measureScaling(
        (n) => encoder.encode(build(n)),
        (bytes) => measureJson(bytes, LIMIT),
        100_000,
      );
      expectLinear(scaling, `measureJson of ${build(2)}`);
    }
  });
});

/** Depth, containers, commas and colons of a value, by walking it (iteratively). */
function shapeOfValue(root: unknown) {
  let depth = 0;
  let containers = 0;
  let commas = 0;
  let colons = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, level] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    containers++;
    depth = Math.max(depth, level);
    const children = Array.isArray(value) ? value : Object.values(value as object);
    if (!Array.isArray(value)) colons += children.length;
    commas += Math.max(0, children.length - 1);
    for (const child of children) stack.push([child, level + 1]);
  }
  return { depth, containers, commas, colons };
}
