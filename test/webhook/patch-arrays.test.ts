/**
 * The "narrow patch" promise for arrays, one decision each: an element changed in place is
 * patched inside the element, a reorder is a move, duplicates count once each. Expected
 * operations are written out; applying them with fast-json-patch (the RFC 6902 oracle) must
 * give the target.
 */
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/routing/model.js';
import { diff, jsonEqual } from '../../src/webhook/patch.js';

function expectPatch(before: Json, after: Json, ops: ReturnType<typeof diff>): void {
  const patch = diff(before, after);
  expect(patch).toEqual(ops);
  expect(fastJsonPatch.applyPatch(structuredClone(before), patch, true, false).newDocument).toEqual(after);
}

describe('diff of arrays of the same length', () => {
  it('patches inside an element that changed in place', () => {
    const path = (port: number) => ({
      path: '/',
      backend: { service: { name: 'web', port: { number: port } } },
    });
    expectPatch({ paths: [path(80), path(81)] }, { paths: [path(80), path(8080)] }, [
      { op: 'replace', path: '/paths/1/backend/service/port/number', value: 8080 },
    ]);
  });

  it('replaces the one element that differs when the others match', () => {
    expectPatch(['a', 'b'], ['a', 'c'], [{ op: 'replace', path: '/1', value: 'c' }]);
  });

  it('moves instead of rewriting when the same elements are reordered', () => {
    expectPatch(['a', 'b'], ['b', 'a'], [{ op: 'move', from: '/1', path: '/0' }]);
    expectPatch(['a', 'b', 'c'], ['c', 'a', 'b'], [{ op: 'move', from: '/2', path: '/0' }]);
  });

  it('counts a repeated element once per occurrence, so a duplicate is not a reorder', () => {
    expectPatch(['x', 'x'], ['x', 'y'], [{ op: 'replace', path: '/1', value: 'y' }]);
    expectPatch(['x', 'y'], ['y', 'y'], [{ op: 'replace', path: '/0', value: 'y' }]);
  });

  it('is not a reorder when the changed elements only share values, not counts', () => {
    // Both positions hold new objects, so both are compared: {a, a} against {a, b} holds `a`
    // on both sides but twice against once. The second element changed in place.
    expectPatch(
      [{ name: 'a' }, { name: 'a' }],
      [{ name: 'a' }, { name: 'b' }],
      [{ op: 'replace', path: '/1/name', value: 'b' }],
    );
  });
});

/**
 * The reorder walk moves elements forward only: each wanted element is either the first one
 * not yet placed (no operation) or a later one, moved from where it stands now (its kept
 * index plus the elements not yet placed before it, a running count) to its place.
 */
describe('diff of reordered arrays', () => {
  const item = (name: string) => ({ name });
  const items = (names: string) => [...names].map(item);

  it('moves one element from the middle forward by one', () => {
    expectPatch(items('abcd'), items('acbd'), [{ op: 'move', from: '/2', path: '/1' }]);
  });

  it('moves the first element to the end by moving every other one forward', () => {
    expectPatch(items('abcde'), items('bcdea'), [
      { op: 'move', from: '/1', path: '/0' },
      { op: 'move', from: '/2', path: '/1' },
      { op: 'move', from: '/3', path: '/2' },
      { op: 'move', from: '/4', path: '/3' },
    ]);
  });

  it('counts only the elements not yet placed in front of the one it moves', () => {
    // a b c d e f → f b d a c e: f from the end, then b (behind a), then d (behind a and c);
    // a, c and e are then in place.
    const ops = [
      { op: 'move', from: '/5', path: '/0' },
      { op: 'move', from: '/2', path: '/1' },
      { op: 'move', from: '/4', path: '/2' },
    ] as const;
    expectPatch(items('abcdef'), items('fbdace'), [...ops]);
    // The same with eleven unchanged elements behind: 17 a side, so equal elements are found
    // by canonical keys instead of by comparing them.
    const tail = items('ghijklmnopq');
    expectPatch([...items('abcdef'), ...tail], [...items('fbdace'), ...tail], [...ops]);
  });

  it.each([2, 3, 8, 9, 16, 17])('reverses %i elements by moving the last one forward each time', (n) => {
    const before = Array.from({ length: n }, (_, i) => item(`svc-${i}`));
    const after = [...before].reverse();
    const moves = Array.from({ length: n - 1 }, (_, i) => ({ op: 'move', from: `/${n - 1}`, path: `/${i}` }));
    expectPatch(before, after, moves as ReturnType<typeof diff>);
  });

  it('takes repeated elements in order, skipping the ones already placed', () => {
    // x1 y x2 → y x x: y moves to the front; both x are then in place.
    expectPatch(['x', 'y', 'x'], ['y', 'x', 'x'], [{ op: 'move', from: '/1', path: '/0' }]);
    // x y x z → z x x y: z to the front, then the second x (behind y) forward by one.
    expectPatch(
      ['x', 'y', 'x', 'z'],
      ['z', 'x', 'x', 'y'],
      [
        { op: 'move', from: '/3', path: '/0' },
        { op: 'move', from: '/3', path: '/2' },
      ],
    );
  });
});

/**
 * Arrays of different lengths whose common elements are the very same objects, in the same
 * order (the drift guard's copy shares what it leaves alone): only the inserted or dropped
 * elements are written, even when another element equals one of them. The general diff, which
 * compares by value, would move the equal element instead.
 */
describe('diff of arrays that only gained or lost elements', () => {
  const route = (name: string) => ({ path: '/*', backend: { service: { name } } });

  it('adds each inserted element at its index', () => {
    const a = route('a');
    const b = route('b');
    const header = route('header');
    expectPatch([a, b], [header, a, b], [{ op: 'add', path: '/0', value: header }]);
    expectPatch(
      [a, b],
      [a, header, b, route('c')],
      [
        { op: 'add', path: '/1', value: header },
        { op: 'add', path: '/3', value: route('c') },
      ],
    );
    expectPatch([], [a], [{ op: 'add', path: '/0', value: a }]);
  });

  it('adds an inserted copy of an element instead of moving the element', () => {
    const a = route('a');
    const b = route('b');
    // A new object equal to b, in front: one add. By value alone it reads as b moved to the
    // front and b added at the end (move /1 → /0, add /2).
    expectPatch([a, b], [route('b'), a, b], [{ op: 'add', path: '/0', value: route('b') }]);
  });

  it('removes each dropped element, the last first', () => {
    const a = route('a');
    const b = route('b');
    const c = route('c');
    expectPatch(
      [route('x'), a, b, route('y'), c],
      [a, b, c],
      [
        { op: 'remove', path: '/3' },
        { op: 'remove', path: '/0' },
      ],
    );
    expectPatch(
      [a, b],
      [],
      [
        { op: 'remove', path: '/1' },
        { op: 'remove', path: '/0' },
      ],
    );
  });

  it('removes the dropped copy of an element instead of moving the kept one', () => {
    const a = route('a');
    const b = route('b');
    // The kept a and b are the same objects; the trailing copy of a goes. By value alone: remove
    // the first a, then move the copy to the front (remove /0, move /1 → /0).
    expectPatch([a, b, route('a')], [a, b], [{ op: 'remove', path: '/2' }]);
  });

  it('falls back to the general diff when a kept element moved', () => {
    const a = route('a');
    const b = route('b');
    // b now stands before a: not an insertion; the general diff moves b and adds c.
    expectPatch(
      [a, b],
      [b, a, route('c')],
      [
        { op: 'move', from: '/1', path: '/0' },
        { op: 'add', path: '/2', value: route('c') },
      ],
    );
    // Shorter, with a and b swapped: not a removal; b moves forward once x is gone.
    expectPatch(
      [a, route('x'), b],
      [b, a],
      [
        { op: 'remove', path: '/1' },
        { op: 'move', from: '/1', path: '/0' },
      ],
    );
  });

  it('falls back to the general diff when a kept element is a copy, not the object', () => {
    const a = route('a');
    // The request's a replaced by an equal copy: by value it is kept, so only x is added.
    expectPatch([a], [route('x'), route('a')], [{ op: 'add', path: '/0', value: route('x') }]);
    expectPatch([route('x'), a], [route('a')], [{ op: 'remove', path: '/0' }]);
  });
});

/**
 * Small arrays find equal elements by comparing them, larger ones by canonical keys
 * (COMPARED_ELEMENTS, 16 elements over both sides): both must give the same operations.
 */
describe('diff of arrays on both sides of the comparison threshold', () => {
  const item = (n: number) => ({ name: `svc-${n}`, port: { number: n } });
  const reversedKeys = (n: number) => ({ port: { number: n }, name: `svc-${n}` });
  const range = (n: number) => Array.from({ length: n }, (_, i) => item(i));

  it.each([4, 8, 9, 16, 17, 20])('moves the last of %i elements to the front', (n) => {
    const before = range(n);
    const after = [item(n - 1), ...range(n - 1)];
    expectPatch(before, after, [{ op: 'move', from: `/${n - 1}`, path: '/0' }]);
  });

  it.each([4, 8, 9, 16, 17, 20])('matches elements equal up to key order among %i (no operation)', (n) => {
    const before = range(n);
    const after = before.map((_, i) => reversedKeys(i));
    expect(diff(before, after)).toEqual([]);
    const inserted = [item(99), ...before.map((_, i) => reversedKeys(i))];
    expectPatch(before, inserted, [{ op: 'add', path: '/0', value: item(99) }]);
  });

  it.each([4, 8, 9, 16, 17, 20])(
    'keeps a shared element and patches the one changed in place among %i',
    (n) => {
      const before = range(n);
      const after = [...before];
      after[1] = { name: 'svc-1', port: { number: 8080 } };
      expectPatch(before, after, [{ op: 'replace', path: '/1/port/number', value: 8080 }]);
    },
  );

  it.each([4, 8, 9, 16, 17, 20])('removes a dropped element and appends two new ones among %i', (n) => {
    const before = range(n);
    const after = [...before.slice(1), item(100), item(101)];
    expectPatch(before, after, [
      { op: 'remove', path: '/0' },
      { op: 'add', path: `/${n - 1}`, value: item(100) },
      { op: 'add', path: `/${n}`, value: item(101) },
    ]);
  });
});

/**
 * Up to 16 changed positions are checked for a reorder by comparing elements pairwise, each
 * element of `before` taking the first equal one of `after` not yet taken; beyond that, by
 * canonical keys. Either way, equal copies at every position that are not a reorder are
 * diffed in place, and a reorder with repeated elements is moves.
 */
describe('the reorder check on both sides of 16 changed positions', () => {
  const item = (n: number) => ({ name: `svc-${n}`, port: { number: n } });
  const range = (n: number) => Array.from({ length: n }, (_, i) => item(i));

  it.each([2, 16, 17])('patches in place the one element changed among %i copies', (n) => {
    // Every position holds a new object (a copy), so every one takes part in the check.
    const after = range(n);
    after[n - 1] = { name: `svc-${n - 1}`, port: { number: 8080 } };
    expectPatch(range(n), after, [{ op: 'replace', path: `/${n - 1}/port/number`, value: 8080 }]);
  });

  it.each([2, 16, 17])('is no reorder when one element of %i copies is repeated in place of another', (n) => {
    // svc-0 twice against once: each element of `after` can be taken once only.
    const after = range(n);
    after[n - 1] = item(0);
    expectPatch(range(n), after, [
      { op: 'replace', path: `/${n - 1}/name`, value: 'svc-0' },
      { op: 'replace', path: `/${n - 1}/port/number`, value: 0 },
    ]);
  });

  it.each([2, 16, 17])('is no reorder when %i copies lose a repeated element', (n) => {
    // svc-0 twice in `before`, once in `after`: the second one cannot be matched.
    const before = range(n);
    before[n - 1] = item(0);
    expectPatch(before, range(n), [
      { op: 'replace', path: `/${n - 1}/name`, value: `svc-${n - 1}` },
      { op: 'replace', path: `/${n - 1}/port/number`, value: n - 1 },
    ]);
  });

  it('reverses 40 copies by moves (more than 32 changed positions)', () => {
    // Each element in turn is moved from the end to its place; the last is then in place.
    const ops = Array.from({ length: 39 }, (_, k) => ({ op: 'move', from: '/39', path: `/${k}` }));
    expectPatch(range(40), range(40).reverse(), ops as ReturnType<typeof diff>);
  });

  it('moves repeated elements as one reorder', () => {
    const a = () => ({ name: 'a' });
    const b = () => ({ name: 'b' });
    expectPatch([a(), a(), b()], [b(), a(), a()], [{ op: 'move', from: '/2', path: '/0' }]);
  });
});

describe('jsonEqual', () => {
  it.each<[Json, Json, boolean]>([
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: 2 }, { a: 1 }, false],
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [[1, 2], [1, 2, 3], false],
    [[{ a: 1 }], [{ a: 1, b: null }], false],
    [null, {}, false],
  ])('%j = %j → %s', (a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });
});
