import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { project, storeCopy } from '../../src/cluster/project.js';
import { expectLinear, measureScaling, scalingTest } from '../support/scaling.js';

/** Every object and array in a tree, in the order a walk meets them. */
function nodesOf(value: unknown): object[] {
  const nodes: object[] = [];
  const pending: unknown[] = [value];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node !== 'object' || node === null) continue;
    nodes.push(node);
    pending.push(...Object.values(node));
  }
  return nodes;
}

describe('storeCopy', () => {
  const annotations = Object.assign(Object.create(null) as Record<string, string>, {
    'alb.ingress.kubernetes.io/actions.web': '{"type":"forward"}',
  });
  const parsed = {
    namespace: 'shop',
    name: 'web',
    annotations,
    backends: [
      { ruleIndex: 0, serviceName: 'web', portName: 'use-annotation' },
      { ruleIndex: 1, serviceName: 'api', portNumber: 80 },
    ],
    analysis: { templates: [{ templateName: 'rate' }], args: [] },
  };

  it('copies every object and array, and keeps every value', () => {
    const copy = storeCopy(parsed);
    expect(copy).toStrictEqual(parsed);
    const before = new Set(nodesOf(parsed));
    const after = nodesOf(copy);
    expect(after).toHaveLength(9); // the object, its map, 2 arrays of backends and templates, 3 entries, analysis, args
    expect(after.filter((node) => before.has(node))).toEqual([]);
  });

  it('keeps null-prototype maps without a prototype, and arrays arrays', () => {
    const copy = storeCopy(parsed);
    expect(Object.getPrototypeOf(copy.annotations)).toBeNull();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Array.isArray(copy.backends)).toBe(true);
    expect(Array.isArray(copy.analysis.args)).toBe(true);
  });

  it('keeps a `__proto__` key a key, in plain and null-prototype objects alike', () => {
    // JSON.parse makes `__proto__` an own key; assigning it would swap the prototype instead.
    const fromJson = JSON.parse('{"plugin":{"__proto__":{"polluted":true},"name":"p"}}') as {
      plugin: Record<string, unknown>;
    };
    const map = Object.assign(Object.create(null) as Record<string, unknown>, fromJson.plugin);
    const copy = storeCopy({ plugin: fromJson.plugin, map });
    for (const object of [copy.plugin, copy.map]) {
      expect(Object.getOwnPropertyNames(object).sort()).toEqual(['__proto__', 'name']);
      expect(Object.getOwnPropertyDescriptor(object, '__proto__')?.value).toEqual({ polluted: true });
      expect(Object.getOwnPropertyDescriptor(object, '__proto__')?.value).not.toBe(
        Object.getOwnPropertyDescriptor(fromJson.plugin, '__proto__')?.value,
      );
      expect((object as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(Object.getPrototypeOf(copy.plugin)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(copy.map)).toBeNull();
  });

  it('leaves primitives and objects of other classes as they are', () => {
    expect(storeCopy('web')).toBe('web');
    expect(storeCopy(undefined)).toBeUndefined();
    const seen = new Map([['a', 1]]);
    const copy = storeCopy({ seen, list: [seen] });
    expect(copy.seen).toBe(seen);
    expect(copy.list[0]).toBe(seen);
  });

  it('walks a tree 100,000 levels deep without recursion', () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { next: deep } : [deep];
    const copy = storeCopy(deep);
    expect(nodesOf(copy)).toHaveLength(100_001);
  });

  scalingTest('copies in time linear in the size of the tree (n vs 8n)', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { v: i }]));
    const long = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${i}`, list: [i] }));
    const deep = (n: number) => {
      let node: unknown = {};
      for (let i = 0; i < n; i++) node = { child: node, items: [i] };
      return node;
    };
    expectLinear(measureScaling(wide, storeCopy, 2_000), 'storeCopy, n keys');
    expectLinear(measureScaling(long, storeCopy, 2_000), 'storeCopy, n array entries');
    expectLinear(measureScaling(deep, storeCopy, 2_000), 'storeCopy, n levels');
  });
});

describe('project', () => {
  it('keeps the projection the parser gives (the Ingress without annotations it does not read)', () => {
    const projected = project('ingresses', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'example.com/other': 'x' } },
      spec: { ingressClassName: 'alb' },
    });
    expect(projected).toMatchObject({ value: { namespace: 'shop', name: 'web', ingressClassName: 'alb' } });
    if (!('value' in projected)) throw new Error('not projected');
    expect(Object.keys(projected.value.annotations)).toEqual([]);
  });

  it(
    'leaves the parsers’ objects young: what the store keeps does not make V8 pretenure them',
    { timeout: 60_000 },
    async () => {
      // Without the store's own copy, 15 of the 24 objects of a fresh Rollout parse and 1 of 5 of
      // an Ingress parse were allocated in the old generation (young-parse-probe.ts).
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--max-semi-space-size=2', '--import', 'tsx', 'test/cluster/young-parse-probe.ts'],
        { timeout: 50_000 },
      );
      expect(JSON.parse(stdout)).toEqual({
        kept: 40_000,
        rollouts: { objects: 24, old: 0 },
        ingresses: { objects: 5, old: 0 },
      });
    },
  );
});
