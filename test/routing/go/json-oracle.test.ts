/**
 * Differential test against Go's encoding/json: test/routing/go/oracle/expected.json was produced
 * by Go 1.26 (see expected.go-version) decoding every input of cases.json into structs shaped
 * like the Load Balancer Controller's (test/routing/go/oracle/generate.sh regenerates it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_TYPE, CONDITIONS_TYPE, goToPlain } from '../../../src/routing/alb/schema.js';
import { goUnmarshal } from '../../../src/routing/go/index.js';

interface Case {
  kind: 'action' | 'conditions';
  raw: string;
}
type Expected = { error: string } | { value: unknown };

const dir = new URL('./oracle/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as Case[];
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Expected[];

/** The oracle prints nil pointers and nil slices as null; the domain value omits them. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, dropNulls(v)]),
    );
  }
  return value;
}

describe('LBC config_types.go Go encoding/json decoding matches Go 1.26 byte for byte', () => {
  it('has one expectation per case', () => {
    expect(expected).toHaveLength(cases.length);
  });
  cases.forEach((c, i) => {
    it(`LBC config_types.go ${c.kind} ${JSON.stringify(c.raw)}`, () => {
      const type = c.kind === 'action' ? ACTION_TYPE : CONDITIONS_TYPE;
      const result = goUnmarshal(c.raw, type);
      const mine =
        'error' in result ? { error: result.error } : { value: goToPlain(result.value, type) ?? null };
      const want = expected[i] as Expected;
      expect(mine).toEqual('error' in want ? want : { value: dropNulls(want.value) });
    });
  });
});
