/**
 * Route reading, CRD defaults (kubernetes-sigs/gateway-api v1.4.0,
 * config/crd/standard/gateway.networking.k8s.io_httproutes.yaml and _grpcroutes.yaml) and the
 * plugin's managed-rule test (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi v0.15.0,
 * pkg/plugin/plugin.go `isManagedRuleName`, httproute.go `isHTTPManagedRule`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRule,
  isManagedRuleName,
  isPluginManagedRule,
  overSchemaLimits,
  parseGatewayRoute,
  routeKindOf,
  ruleNameProblem,
} from '../../../src/routing/gateway-api/index.js';
import { isGoAtoi, sameRule } from '../../../src/routing/gateway-api/route-rules.js';
import type { Json, JsonObject, RouteKind } from '../../../src/routing/model.js';
import { canonicalJson, isJsonObject } from '../../../src/routing/wire/index.js';
import { fullGarbageCollection } from '../../../src/commands/settle.js';
import { CANARY, STABLE, httpRoute, ref, rule } from './builders.js';
import { expectLinear, measureScaling, scalingTest } from '../../support/scaling.js';

describe('isGoAtoi (strconv.Atoi on 64-bit)', () => {
  it.each([
    ['1', true],
    ['01', true],
    ['+1', true],
    ['-1', true],
    ['9223372036854775807', true],
    ['-9223372036854775808', true],
    ['9223372036854775808', false],
    ['-9223372036854775809', false],
    ['09223372036854775808', false],
    ['1000000000000000000', true],
    ['10000000000000000000', false],
    ['00000000000000000000009', true],
    ['', false],
    ['-', false],
    ['1_000', false],
    ['1a', false],
    [' 1', false],
  ])('%j → %s', (text, ok) => expect(isGoAtoi(text)).toBe(ok));
});

describe('isManagedRuleName', () => {
  const names = new Set(['canary-route', 'v2']);
  it.each([
    ['canary-route', true],
    ['canary-route-1', true],
    ['canary-route-12', true],
    ['canary-route-01', true],
    ['canary-route--1', true],
    ['canary-route-+1', true],
    ['canary-route-9', true],
    // Suffixes of more than one digit with 0 or 9 inside (strconv.Atoi takes any decimal digits).
    ['canary-route-10', true],
    ['canary-route-19', true],
    ['canary-route-', false],
    ['canary-route-x', false],
    ['canary-route-1-2', false],
    ['canary-route1', false],
    ['v2-3', true],
    ['v', false],
    ['other', false],
  ])('%j → %s', (name, managed) => expect(isManagedRuleName(name, names)).toBe(managed));

  it('splits only before "-" and the digits, or before "-" and a signed number', () => {
    // `hd` + `r1`, `hd` + `r+1`: not `<name>-<number>`.
    expect(isManagedRuleName('hdr1', new Set(['hd']))).toBe(false);
    expect(isManagedRuleName('hdr+1', new Set(['hd']))).toBe(false);
  });

  it('finds the base name even when it itself ends in -digits', () => {
    expect(isManagedRuleName('a-1-2', new Set(['a-1']))).toBe(true);
    expect(isManagedRuleName('a-1-2', new Set(['a']))).toBe(false);
  });

  scalingTest('is linear in the name length (scaling)', () => {
    const managed = new Set(['r']);
    const isManaged = (name: string) => isManagedRuleName(name, managed);
    expectLinear(
      measureScaling((n) => `r-${'7'.repeat(n)}`, isManaged, 20000),
      'r-777…',
    );
    expectLinear(
      measureScaling((n) => `${'a-'.repeat(n)}1`, isManaged, 20000),
      'a-a-…-1',
    );
  });
});

describe('isPluginManagedRule', () => {
  const managed = new Set(['hdr']);
  it('is true for a rule named after a managed route', () => {
    expect(isPluginManagedRule(rule([ref(STABLE), ref(CANARY)], { name: 'hdr-1' }), managed, CANARY)).toBe(
      true,
    );
  });
  it('is true for an unnamed rule with only the canary backend (rules of older plugin versions)', () => {
    expect(isPluginManagedRule(rule([ref(CANARY)]), managed, CANARY)).toBe(true);
  });
  it('is false for a rule with the canary and another backend, or only another backend', () => {
    expect(isPluginManagedRule(rule([ref(CANARY), ref(STABLE)]), managed, CANARY)).toBe(false);
    expect(isPluginManagedRule(rule([ref(STABLE)]), managed, CANARY)).toBe(false);
  });
});

const ruleKey = fc.constantFrom('name', 'matches', 'backendRefs', 'path', 'headers', 'queryParams', 'method');
const otherKey = fc.constantFrom('type', 'value', 'group', 'kind', 'weight', 'filters', '10', 'x');
const leafArb = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer({ min: -2, max: 3 }),
  fc.constantFrom('', 'a', 'Exact'),
);
const { tree: treeArb } = fc.letrec<{ tree: Json }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb as fc.Arbitrary<Json>,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(ruleKey, otherKey), tie('tree'), { maxKeys: 5 }),
  ),
}));
/** Rules with the fields the CRD defaults, at every depth, in every shape (nulls, wrong types). */
const ruleArb = fc.dictionary(fc.oneof(ruleKey, otherKey), treeArb, { maxKeys: 6 });
const kindArb = fc.constantFrom<RouteKind>('HTTPRoute', 'GRPCRoute');

describe('canonicalRule (equality after CRD defaulting)', () => {
  it('treats the HTTPRoute defaults as written', () => {
    const bare = { backendRefs: [{ name: CANARY, port: 80 }] };
    const defaulted = {
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ group: '', kind: 'Service', name: CANARY, port: 80, weight: 1 }],
    };
    expect(canonicalRule('HTTPRoute', bare)).toBe(canonicalRule('HTTPRoute', defaulted));
    const headerBare = { matches: [{ headers: [{ name: 'x', value: 'y' }] }] };
    const headerDefaulted = {
      matches: [
        { path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x', type: 'Exact', value: 'y' }] },
      ],
    };
    expect(canonicalRule('HTTPRoute', headerBare)).toBe(canonicalRule('HTTPRoute', headerDefaulted));
  });

  it('sorts the keys of an object with more than 16 of them, after one with more', () => {
    // The keys of each object are listed in one list kept from call to call: those of the
    // 20-key object stay past the 17 of the next one and must not be sorted in with them.
    const reversed = (prefix: string, n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`${prefix}${String(n - 1 - i).padStart(2, '0')}`, i]),
      );
    canonicalRule('GRPCRoute', { filters: [reversed('a', 20)] });
    expect(canonicalRule('GRPCRoute', { filters: [reversed('b', 17)] })).toBe(
      '{"filters":[{"b00":16,"b01":15,"b02":14,"b03":13,"b04":12,"b05":11,"b06":10,"b07":9,"b08":8,' +
        '"b09":7,"b10":6,"b11":5,"b12":4,"b13":3,"b14":2,"b15":1,"b16":0}]}',
    );
  });

  it('tells different weights, paths and header values apart', () => {
    const a = { backendRefs: [{ name: CANARY, port: 80, weight: 2 }] };
    const b = { backendRefs: [{ name: CANARY, port: 80 }] };
    expect(canonicalRule('HTTPRoute', a)).not.toBe(canonicalRule('HTTPRoute', b));
    const p1 = { matches: [{ path: { value: '/a' } }] };
    const p2 = { matches: [{ path: { type: 'Exact', value: '/a' } }] };
    expect(canonicalRule('HTTPRoute', p1)).not.toBe(canonicalRule('HTTPRoute', p2));
  });

  it('does not add a match to a GRPCRoute rule (no default there) but defaults header and method types', () => {
    expect(canonicalRule('GRPCRoute', { backendRefs: [] })).toBe('{"backendRefs":[]}');
    expect(
      canonicalRule('GRPCRoute', {
        matches: [{ method: { service: 's' }, headers: [{ name: 'h', value: 'v' }] }],
      }),
    ).toBe(
      canonicalRule('GRPCRoute', {
        matches: [
          { method: { service: 's', type: 'Exact' }, headers: [{ name: 'h', type: 'Exact', value: 'v' }] },
        ],
      }),
    );
  });

  it('ignores key order', () => {
    expect(canonicalRule('HTTPRoute', { name: 'a', backendRefs: [] })).toBe(
      canonicalRule('HTTPRoute', { backendRefs: [], name: 'a' }),
    );
  });

  it('writes the defaults in place of null, and of a path or matches of another type', () => {
    const rule: JsonObject = {
      name: 'r',
      matches: [{ path: 'x', headers: [{ name: 'h', value: 'v', type: null }], queryParams: { q: 1 } }],
      backendRefs: [{ name: 's', group: null, kind: null, weight: null }, 'odd'],
    };
    expect(canonicalRule('HTTPRoute', rule)).toBe(
      '{"backendRefs":[{"group":"","kind":"Service","name":"s","weight":1},"odd"],' +
        '"matches":[{"headers":[{"name":"h","type":"Exact","value":"v"}],' +
        '"path":{"type":"PathPrefix","value":"/"},"queryParams":{"q":1}}],"name":"r"}',
    );
    expect(canonicalRule('HTTPRoute', { matches: null })).toBe(
      '{"matches":[{"path":{"type":"PathPrefix","value":"/"}}]}',
    );
    expect(canonicalRule('HTTPRoute', { matches: [{ path: { value: '/a', type: null } }, 7] })).toBe(
      '{"matches":[{"path":{"type":"PathPrefix","value":"/a"}},7]}',
    );
    // GRPCRoute: no default matches, and a method that is not an object is left as written.
    expect(canonicalRule('GRPCRoute', { matches: null, backendRefs: null })).toBe(
      '{"backendRefs":null,"matches":null}',
    );
    expect(canonicalRule('GRPCRoute', { matches: [{ method: 'm', headers: [{ name: 'h' }] }] })).toBe(
      '{"matches":[{"headers":[{"name":"h","type":"Exact"}],"method":"m"}]}',
    );
  });

  it('defaults only where the CRD does: not inside filters or other fields', () => {
    const rule: JsonObject = {
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm' } } }],
      backendRefs: [{ name: 's', filters: [{ weight: null }] }],
      extra: { matches: null, path: null },
    };
    expect(canonicalRule('HTTPRoute', rule)).toBe(
      '{"backendRefs":[{"filters":[{"weight":null}],"group":"","kind":"Service","name":"s","weight":1}],' +
        '"extra":{"matches":null,"path":null},' +
        '"filters":[{"requestMirror":{"backendRef":{"name":"m"}},"type":"RequestMirror"}],' +
        '"matches":[{"path":{"type":"PathPrefix","value":"/"}}]}',
    );
  });

  it('orders keys by code unit (index-like keys first, as JSON.stringify writes them), any count', () => {
    const odd: JsonObject = JSON.parse('{"b":1,"10":2,"a":3,"9":4,"B":5,"__proto__":6,"é":7,"Z":8}');
    expect(canonicalRule('GRPCRoute', { filters: [odd] })).toBe(
      '{"filters":[{"9":4,"10":2,"B":5,"Z":8,"__proto__":6,"a":3,"b":1,"é":7}]}',
    );
    // Beyond the keys sorted by insertion: 20 keys, written in reverse.
    const many: JsonObject = {};
    for (let i = 19; i >= 0; i--) many[`k${String.fromCharCode(97 + i)}`] = i;
    const text = canonicalRule('GRPCRoute', { filters: [many] });
    expect(text).toBe(
      `{"filters":[{${Array.from({ length: 20 }, (_, i) => `"k${String.fromCharCode(97 + i)}":${i}`).join(',')}}]}`,
    );
  });

  it('is the text of the defaulted rule with sorted keys (the former two-copy form, as an oracle)', () => {
    fc.assert(
      fc.property(ruleArb, kindArb, (rule, kind) => {
        expect(canonicalRule(kind, rule)).toBe(canonicalJson(formerDefaultedRule(kind, rule)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalRule and sameRule over large rules', () => {
  // Many filters, and one object of many keys (sorted by sort() past the insertion-sorted size).
  const largeRule = (n: number): JsonObject => {
    const wide: JsonObject = {};
    for (let i = n - 1; i >= 0; i--) wide[`k${i}`] = i;
    return {
      name: 'r',
      filters: Array.from({ length: n }, (_, i) => ({ type: 'X', extensionRef: { name: `f${i}` } })),
      matches: [{ headers: Array.from({ length: n }, (_, i) => ({ name: `h${i}`, value: 'v' })) }],
      extra: wide,
    };
  };

  scalingTest('canonicalRule is linear in the size of the rule (scaling)', () => {
    expectLinear(
      measureScaling(largeRule, (rule) => canonicalRule('HTTPRoute', rule), 500),
      'canonicalRule',
    );
  });

  scalingTest('sameRule is linear in the size of the rules (scaling)', () => {
    const twoEqual = (n: number) => [largeRule(n), largeRule(n)] as const;
    const compare = ([a, b]: readonly [JsonObject, JsonObject]) => {
      if (!sameRule('HTTPRoute', a, b)) throw new Error('equal rules compared unequal');
    };
    expectLinear(measureScaling(twoEqual, compare, 500), 'sameRule');
  });
});

describe('canonicalRule and sameRule keep nothing of a rule once they return', () => {
  const collect = fullGarbageCollection();
  const MIB = 2 ** 20;
  const heapUsed = () => {
    // Twice: after one full collection the let-go strings were not always given back yet.
    collect();
    collect();
    return process.memoryUsage().heapUsed;
  };

  /** How much the heap shrinks when a rule that `use` has read is let go. */
  const freedWithRule = (make: () => JsonObject, use: (rule: JsonObject) => unknown): number => {
    const holder: { rule?: JsonObject } = { rule: make() };
    const withRule = heapUsed();
    use(holder.rule!);
    delete holder.rule;
    return withRule - heapUsed();
  };

  // A 16 MiB key, a string of 16 MiB: it goes with the rule.
  const longKey = (): JsonObject => ({ name: 'r', extra: { [`k${'x'.repeat(16 * MIB)}`]: 1 } });
  // 200,000 keys of 60 characters: with the object holding them, about 27 MiB go with the rule
  // (of which about 15 MiB the strings).
  const manyKeys = (): JsonObject => {
    const wide: JsonObject = {};
    for (let i = 0; i < 200_000; i++) wide[`${'k'.repeat(52)}${String(i).padStart(8, '0')}`] = i;
    return { name: 'r', extra: wide };
  };

  it('lets go of a long key, written or compared', () => {
    expect(freedWithRule(longKey, (rule) => canonicalRule('HTTPRoute', rule))).toBeGreaterThan(15 * MIB);
    expect(freedWithRule(longKey, (rule) => sameRule('HTTPRoute', rule, { name: 'r' }))).toBeGreaterThan(
      15 * MIB,
    );
  });

  it('lets go of the keys of an object with many, written or compared', () => {
    expect(freedWithRule(manyKeys, (rule) => canonicalRule('HTTPRoute', rule))).toBeGreaterThan(20 * MIB);
    // Unequal at the first key: sameRule returns from inside its walk of the keys.
    expect(
      freedWithRule(manyKeys, (rule) => sameRule('HTTPRoute', rule, { name: 'r', extra: {} })),
    ).toBeGreaterThan(20 * MIB);
  });
});

describe('sameRule (equality after CRD defaulting, without the text)', () => {
  it('says equal exactly when the canonical texts are', () => {
    // Pairs that are often equal: a rule and itself with the defaults written out, or its
    // keys in reverse order, or undefined fields and elements; and two unrelated rules.
    const reversed = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(reversed);
      if (!isJsonObject(value)) return value;
      const out: JsonObject = {};
      for (const key of Object.keys(value).reverse()) out[key] = reversed(value[key] as Json);
      return out;
    };
    const pairArb = fc.oneof(
      fc.tuple(ruleArb, kindArb).map(([r, k]) => [r, formerDefaultedRule(k, r), k] as const),
      fc.tuple(ruleArb, kindArb).map(([r, k]) => [r, reversed(r) as JsonObject, k] as const),
      fc.tuple(ruleArb, ruleArb, kindArb),
    );
    fc.assert(
      fc.property(pairArb, ([a, b, kind]) => {
        const equalTexts = canonicalRule(kind, a) === canonicalRule(kind, b);
        expect(sameRule(kind, a, b)).toBe(equalTexts);
        expect(sameRule(kind, b, a)).toBe(equalTexts);
      }),
      { numRuns: 3000 },
    );
  });

  it('written out: defaults, key order, undefined as the text reads it, and differences', () => {
    const bare = { name: 'h', backendRefs: [{ name: CANARY, port: 80 }] };
    const defaulted = {
      backendRefs: [{ port: 80, weight: 1, name: CANARY, kind: 'Service', group: '' }],
      matches: [{ path: { value: '/', type: 'PathPrefix' } }],
      name: 'h',
      extra: undefined,
    } as unknown as JsonObject;
    expect(sameRule('HTTPRoute', bare, defaulted)).toBe(true);
    expect(sameRule('GRPCRoute', bare, defaulted)).toBe(false);
    expect(sameRule('HTTPRoute', bare, { ...bare, name: 'i' })).toBe(false);
    expect(sameRule('HTTPRoute', bare, { ...bare, more: 1 })).toBe(false);
    expect(sameRule('HTTPRoute', { ...bare, more: 1 }, bare)).toBe(false);
    expect(
      sameRule('HTTPRoute', { filters: [undefined] } as unknown as JsonObject, { filters: [null] }),
    ).toBe(true);
    expect(sameRule('HTTPRoute', { filters: [1, 2] }, { filters: [1] })).toBe(false);
    expect(sameRule('HTTPRoute', { filters: [] }, { filters: {} })).toBe(false);
    expect(sameRule('HTTPRoute', { filters: {} }, { filters: [] })).toBe(false);
    expect(sameRule('HTTPRoute', { filters: {} }, { filters: 'x' })).toBe(false);
    expect(sameRule('HTTPRoute', { filters: [{ a: 1 }] }, { filters: [{ a: '1' }] })).toBe(false);
  });

  it('tells a list from a longer one, whichever side is longer', () => {
    expect(sameRule('HTTPRoute', { filters: [1] }, { filters: [1, 2] })).toBe(false);
    expect(sameRule('HTTPRoute', { filters: [1, 2] }, { filters: [1] })).toBe(false);
  });

  it('tells a primitive, null included, from an object without fields, whichever side holds it', () => {
    expect(sameRule('GRPCRoute', { filters: [7] }, { filters: [{}] })).toBe(false);
    expect(sameRule('GRPCRoute', { filters: [{}] }, { filters: [7] })).toBe(false);
    expect(sameRule('GRPCRoute', { filters: [null] }, { filters: [{}] })).toBe(false);
    expect(sameRule('GRPCRoute', { filters: [{}] }, { filters: [null] })).toBe(false);
  });

  it("compares primitives by their text: a number past a double's range is written null", () => {
    // JSON.parse reads 1e400 as Infinity, and JSON.stringify writes any infinity as null.
    const huge = JSON.parse('{"filters":[{"a":1e400}]}') as JsonObject;
    const negative = JSON.parse('{"filters":[{"a":-1e400}]}') as JsonObject;
    const written = { filters: [{ a: null }] };
    expect(canonicalRule('GRPCRoute', huge)).toBe('{"filters":[{"a":null}]}');
    expect(sameRule('GRPCRoute', huge, written)).toBe(true);
    expect(sameRule('GRPCRoute', written, huge)).toBe(true);
    expect(sameRule('GRPCRoute', huge, negative)).toBe(true);
    expect(sameRule('GRPCRoute', huge, { filters: [{ a: 0 }] })).toBe(false);
  });

  it('counts each field once, one named "undefined" too, beside the defaults it takes', () => {
    // JSON allows any key; the defaulted backendRef fields (group, kind) are added once each.
    const withWeight = { backendRefs: [{ name: CANARY, weight: 1, undefined: 5 }] };
    const withoutWeight = { backendRefs: [{ name: CANARY, undefined: 5 }] };
    expect(sameRule('HTTPRoute', withWeight, withoutWeight)).toBe(true);
    expect(sameRule('HTTPRoute', withoutWeight, withWeight)).toBe(true);
    expect(sameRule('HTTPRoute', withWeight, { backendRefs: [{ name: CANARY, undefined: 6 }] })).toBe(false);
  });
});

// The defaulted copy canonicalRule used to build before canonicalJson (until session 6), kept
// as the oracle of the one-pass form: each default written out as the CRD states it.
function formerDefaultedRule(kind: RouteKind, rule: JsonObject): JsonObject {
  const withDefaults = (obj: JsonObject, defaults: JsonObject): JsonObject => {
    const out: JsonObject = { ...obj };
    for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined || out[k] === null) out[k] = v;
    return out;
  };
  const mapObjects = (value: Json | undefined, fn: (item: JsonObject) => JsonObject) =>
    Array.isArray(value) ? value.map((item) => (isJsonObject(item) ? fn(item) : item)) : value;
  const typed = (m: JsonObject) => withDefaults(m, { type: 'Exact' });
  const own = (o: JsonObject, k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
  const out = { ...rule };
  const refs = mapObjects(own(rule, 'backendRefs'), (r) =>
    withDefaults(r, { group: '', kind: 'Service', weight: 1 }),
  );
  if (refs !== undefined) out.backendRefs = refs;
  const matches = own(rule, 'matches');
  if (kind === 'HTTPRoute') {
    out.matches = Array.isArray(matches)
      ? (mapObjects(matches, (match) => {
          const m = { ...match };
          const path = own(match, 'path');
          m.path = isJsonObject(path)
            ? withDefaults(path, { type: 'PathPrefix', value: '/' })
            : { type: 'PathPrefix', value: '/' };
          for (const field of ['headers', 'queryParams']) {
            const list = mapObjects(own(match, field), typed);
            if (list !== undefined) m[field] = list;
          }
          return m;
        }) as Json[])
      : [{ path: { type: 'PathPrefix', value: '/' } }];
  } else if (Array.isArray(matches)) {
    out.matches = mapObjects(matches, (match) => {
      const m = { ...match };
      const headers = mapObjects(own(match, 'headers'), typed);
      if (headers !== undefined) m.headers = headers;
      const method = own(match, 'method');
      if (isJsonObject(method)) m.method = typed(method);
      return m;
    }) as Json[];
  }
  return out;
}

describe('overSchemaLimits', () => {
  it('accepts a route within the CRD limits', () => {
    expect(
      overSchemaLimits(httpRoute(Array.from({ length: 16 }, () => rule([ref(STABLE)])))),
    ).toBeUndefined();
  });
  it('names the first limit broken', () => {
    expect(overSchemaLimits(httpRoute(Array.from({ length: 17 }, () => rule([]))))).toBe(
      '17 rules (at most 16)',
    );
    const refs = Array.from({ length: 17 }, (_, i) => ref(`s${i}`));
    expect(overSchemaLimits(httpRoute([rule(refs)]))).toBe(
      'spec.rules[0].backendRefs has 17 items (at most 16)',
    );
    const matches = Array.from({ length: 65 }, () => ({}));
    expect(overSchemaLimits(httpRoute([{ matches }]))).toBe(
      'spec.rules[0].matches has 65 items (at most 64)',
    );
    const headers = Array.from({ length: 17 }, (_, i) => ({ name: `h${i}`, value: 'v' }));
    expect(overSchemaLimits(httpRoute([{ matches: [{ headers }] }]))).toBe(
      'spec.rules[0].matches[0].headers has 17 items (at most 16)',
    );
    const many = Array.from({ length: 3 }, () => ({ matches: Array.from({ length: 60 }, () => ({})) }));
    expect(overSchemaLimits(httpRoute(many))).toBe('180 matches in all rules (at most 128)');
  });
  scalingTest('stops at the rule count, whatever the size of the request (scaling)', () => {
    const route = (n: number) => httpRoute(Array.from({ length: n }, () => rule([ref(STABLE)])));
    expectLinear(measureScaling(route, overSchemaLimits, 2000), 'overSchemaLimits, n rules');
  });
});

describe('ruleNameProblem (SectionName)', () => {
  it.each([
    ['canary-by-header', undefined],
    ['a.b-1', undefined],
    ['0', undefined],
    ['z9', undefined],
    ['a'.repeat(253), undefined],
    ['a{b', 'only lowercase letters, digits, "-" and "." are allowed'],
    ['a:b', 'only lowercase letters, digits, "-" and "." are allowed'],
    ['', 'it is empty'],
    ['Canary', 'only lowercase letters, digits, "-" and "." are allowed'],
    ['a_b', 'only lowercase letters, digits, "-" and "." are allowed'],
    ['-a', 'each dot-separated part must start and end with a lowercase letter or digit'],
    ['a-', 'each dot-separated part must start and end with a lowercase letter or digit'],
    ['a..b', 'it has an empty part between dots'],
    ['a'.repeat(254), 'it is longer than 253 characters'],
  ])('%j → %s', (name, problem) => expect(ruleNameProblem(name)).toBe(problem));
});

describe('parseGatewayRoute (cache projection)', () => {
  it('keeps rule names and defaulted backends', () => {
    const parsed = parseGatewayRoute(
      'HTTPRoute',
      httpRoute([
        { name: 'r', backendRefs: [{ name: STABLE, port: 80, namespace: 'x' }] },
        { backendRefs: [{ name: CANARY }] },
      ]),
    );
    expect(parsed.value).toEqual({
      kind: 'HTTPRoute',
      namespace: 'shop',
      name: 'web',
      rules: [
        { name: 'r', backends: [{ group: '', kind: 'Service', name: STABLE, namespace: 'x', port: 80 }] },
        { backends: [{ group: '', kind: 'Service', name: CANARY }] },
      ],
    });
  });
  it('reports a route without a name', () => {
    expect(parseGatewayRoute('GRPCRoute', { metadata: {} }).findings[0]?.message).toBe(
      'a GRPCRoute needs metadata.name',
    );
    expect(parseGatewayRoute('GRPCRoute', 'x').value).toBeUndefined();
  });
});

describe('routeKindOf', () => {
  it.each([
    ['gateway.networking.k8s.io', 'HTTPRoute', 'HTTPRoute'],
    ['gateway.networking.k8s.io', 'GRPCRoute', 'GRPCRoute'],
    ['gateway.networking.k8s.io', 'TCPRoute', undefined],
    ['networking.k8s.io', 'HTTPRoute', undefined],
  ])('%s %s → %s', (group, kind, expected) => expect(routeKindOf(group, kind)).toBe(expected));
});

describe('overSchemaLimits: the bounds themselves', () => {
  it('accepts every list at its limit', () => {
    const atLimits = httpRoute([
      {
        backendRefs: Array.from({ length: 16 }, (_, i) => ref(`s${i}`)),
        filters: Array.from({ length: 16 }, () => ({ type: 'RequestHeaderModifier' })),
        matches: [
          { headers: Array.from({ length: 16 }, (_, i) => ({ name: `h${i}`, value: 'v' })) },
          ...Array.from({ length: 63 }, () => ({})),
        ],
      },
      { matches: Array.from({ length: 64 }, () => ({})) },
    ]);
    expect(overSchemaLimits(atLimits)).toBeUndefined();
  });

  it('counts filters, and matches over all rules past 128', () => {
    const filters = Array.from({ length: 17 }, () => ({ type: 'RequestHeaderModifier' }));
    expect(overSchemaLimits(httpRoute([{}, { filters }]))).toBe(
      'spec.rules[1].filters has 17 items (at most 16)',
    );
    const rules = [64, 64, 1].map((n) => ({ matches: Array.from({ length: n }, () => ({})) }));
    expect(overSchemaLimits(httpRoute(rules))).toBe('129 matches in all rules (at most 128)');
  });

  it('counts no match for a rule without matches', () => {
    const rules: JsonObject[] = [
      { matches: Array.from({ length: 64 }, () => ({})) },
      { matches: Array.from({ length: 64 }, () => ({})) },
      {},
    ];
    expect(overSchemaLimits(httpRoute(rules))).toBeUndefined();
  });

  it('counts only the matches that are objects', () => {
    const rules = [
      { matches: Array.from({ length: 64 }, () => ({})) },
      { matches: [...Array.from({ length: 63 }, () => ({})), 'x'] },
      rule([ref(STABLE)]),
    ];
    expect(overSchemaLimits(httpRoute(rules))).toBeUndefined();
  });

  it('reads only what is there: no rules list, or entries that are not objects', () => {
    expect(overSchemaLimits({ spec: {} })).toBeUndefined();
    expect(overSchemaLimits({})).toBeUndefined();
    expect(overSchemaLimits(httpRoute(['x' as never, null as never, rule([ref(STABLE)])]))).toBeUndefined();
  });
});

describe('canonicalRule: null fields are defaulted as absent ones', () => {
  it('treats null type, group, kind and weight as the defaults, and a null path as the default path', () => {
    const withNulls = {
      matches: [{ path: null, headers: [{ name: 'x', type: null, value: 'y' }] }],
      backendRefs: [{ group: null, kind: null, name: CANARY, port: 80, weight: null }],
    };
    expect(canonicalRule('HTTPRoute', withNulls)).toBe(
      '{"backendRefs":[{"group":"","kind":"Service","name":"web-canary","port":80,"weight":1}],' +
        '"matches":[{"headers":[{"name":"x","type":"Exact","value":"y"}],"path":{"type":"PathPrefix","value":"/"}}]}',
    );
  });

  it('writes a GRPCRoute match with its header and method types defaulted (text written out)', () => {
    expect(
      canonicalRule('GRPCRoute', {
        matches: [{ headers: [{ name: 'h', value: 'v' }] }, { method: 'x' }, { method: { service: 's' } }],
      }),
    ).toBe(
      '{"matches":[{"headers":[{"name":"h","type":"Exact","value":"v"}]},{"method":"x"},{"method":{"service":"s","type":"Exact"}}]}',
    );
  });

  it('defaults query parameter types and keeps entries that are not objects as written', () => {
    expect(
      canonicalRule('HTTPRoute', {
        matches: [{ path: { value: '/' }, queryParams: [{ name: 'q', value: '1' }, 'x'] }],
      }),
    ).toBe(
      '{"matches":[{"path":{"type":"PathPrefix","value":"/"},"queryParams":[{"name":"q","type":"Exact","value":"1"},"x"]}]}',
    );
  });
});

describe('parseGatewayRoute: the cache projection of odd backends', () => {
  it('defaults the kind, drops a namespace that is not text and a port that is not a safe integer', () => {
    const parsed = parseGatewayRoute('GRPCRoute', {
      metadata: { name: 'api' },
      spec: {
        rules: [
          null,
          'x',
          { matches: [] },
          {
            name: 5,
            backendRefs: [
              null,
              { name: STABLE, kind: '', group: 5, namespace: 7, port: 80.5 },
              { name: CANARY, kind: 'ServiceImport', group: 'x', port: 2 ** 53 },
              { name: 5 },
            ],
          },
        ],
      },
    });
    expect(parsed).toStrictEqual({
      value: {
        kind: 'GRPCRoute',
        namespace: 'default',
        name: 'api',
        rules: [
          { backends: [] },
          {
            backends: [
              { group: '', kind: 'Service', name: STABLE },
              { group: 'x', kind: 'ServiceImport', name: CANARY },
              { group: '', kind: 'Service', name: '' },
            ],
          },
        ],
      },
      findings: [],
    });
  });

  it('projects a route without rules to no rules', () => {
    expect(
      parseGatewayRoute('HTTPRoute', { metadata: { name: 'a', namespace: 'n' }, spec: {} }),
    ).toStrictEqual({
      value: { kind: 'HTTPRoute', namespace: 'n', name: 'a', rules: [] },
      findings: [],
    });
  });

  it('projects rules, and backendRefs, of which none is an object to none', () => {
    expect(
      parseGatewayRoute('HTTPRoute', { metadata: { name: 'a' }, spec: { rules: [null, 'x', 7] } }),
    ).toStrictEqual({
      value: { kind: 'HTTPRoute', namespace: 'default', name: 'a', rules: [] },
      findings: [],
    });
    expect(
      parseGatewayRoute('HTTPRoute', {
        metadata: { name: 'a' },
        spec: { rules: [{ name: 'r', backendRefs: [null, 'x'] }] },
      }),
    ).toStrictEqual({
      value: { kind: 'HTTPRoute', namespace: 'default', name: 'a', rules: [{ name: 'r', backends: [] }] },
      findings: [],
    });
  });

  it('reports an empty name in full', () => {
    expect(parseGatewayRoute('HTTPRoute', { metadata: { name: '' } })).toEqual({
      findings: [
        {
          severity: 'error',
          rule: 'missing-name',
          field: 'metadata.name',
          message: 'a HTTPRoute needs metadata.name',
        },
      ],
    });
  });
});
