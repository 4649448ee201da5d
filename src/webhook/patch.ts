/**
 * Builds the JSON patch (RFC 6902) that turns the object under review into the object the
 * webhook wants admitted. The patch is as narrow as the change: one operation per changed
 * map key and per added, removed or moved array element. It never replaces a whole map or
 * array, so fields the webhook does not own are never rewritten, even if another mutating
 * webhook changed them between our computation and the apiserver applying the patch.
 */
import type { Operation } from 'fast-json-patch';
import type { Json } from '../routing/model.js';
import { canonicalJson, isJsonObject } from '../routing/wire/index.js';

/** RFC 6901: `~` → `~0`, `/` → `~1` (annotation keys contain `/`). */
export function escapePointerToken(token: string): string {
  // Equivalent mutants (mutation testing, README): a token without `~` or `/` comes out of both
  // replaces unchanged, so this check only saves them.
  // Stryker disable next-line StringLiteral: equivalent, changes only the cost
  // Equivalent survivor: ConditionalExpression → false: both replaces then run, and change nothing
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function child(pointer: string, token: string | number): string {
  return `${pointer}/${typeof token === 'number' ? token : escapePointerToken(token)}`;
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // Equivalent survivor: i < a.length → i <= a.length: the lengths are equal, and past the end both read undefined, equal
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    // Keys are walked with for-in rather than Object.keys, which copies them into a new list
    // on every call; a JSON value's objects have no enumerable inherited keys, so both see the
    // same keys.
    let keys = 0;
    for (const k in a) {
      if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual(a[k], b[k])) return false;
      keys++;
    }
    for (const _key in b) keys--;
    return keys === 0;
  }
  return false;
}

/**
 * Operations that turn `before` into `after`; both are JSON values. Parts the two share
 * (the same object, as the drift guard's copies share everything they leave alone) are
 * skipped by identity, and pointers are built only where something differs. They are
 * appended to `ops` when given (a patch of two steps in one list), which is returned.
 */
export function diff(before: Json, after: Json, pointer = '', ops: Operation[] = []): Operation[] {
  diffInto(before, after, pointer, ops);
  return ops;
}

/** `diff`, appending to one list (each level's own list, spread into its parent's, cost more). */
function diffInto(before: Json, after: Json, pointer: string, ops: Operation[]): void {
  if (before === after) return;
  if (isJsonObject(before) && isJsonObject(after)) return diffObjects(before, after, pointer, ops);
  if (Array.isArray(before) && Array.isArray(after)) {
    // Equivalent survivor: !jsonEqual(before, after) → true: equal arrays diff to nothing there too (cost only)
    if (!jsonEqual(before, after)) diffArrays(before, after, pointer, ops);
    return;
  }
  ops.push({ op: 'replace', path: pointer, value: after });
}

function diffObjects(
  before: Record<string, Json>,
  after: Record<string, Json>,
  pointer: string,
  ops: Operation[],
): void {
  // Object.keys, not for-in as in jsonEqual: for-in over an Ingress's objects made the
  // mutating Ingress hook about 40 % slower per review (measured), more than the lists cost.
  for (const key of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, key))
      ops.push({ op: 'remove', path: child(pointer, key) });
  }
  for (const key of Object.keys(after)) {
    const value = after[key] as Json;
    if (!Object.prototype.hasOwnProperty.call(before, key)) {
      ops.push({ op: 'add', path: child(pointer, key), value });
      // Equivalent survivor: before[key] !== value → true: the diff of a value with itself is empty
    } else if (before[key] !== value) {
      diffInto(before[key] as Json, value, child(pointer, key), ops);
    }
  }
}

/** How many times each key occurs. */
function countKeys(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function isPermutation(aKeys: readonly string[], bKeys: readonly string[]): boolean {
  const counts = countKeys(bKeys);
  for (const key of aKeys) {
    const n = counts.get(key) ?? 0;
    if (n === 0) return false;
    counts.set(key, n - 1);
  }
  return true;
}

/**
 * Arrays of equal length whose elements changed in place (a rule whose paths changed) are
 * diffed position by position, so the change stays inside the element. Otherwise, elements
 * are edited whole: added, removed or moved (a path inserted at the front, a path removed,
 * paths re-sorted).
 *
 * Only the positions whose elements are not the same object take part in the "same
 * elements, reordered" question: the drift guard's copy shares every element it leaves
 * alone, and an element equal to itself cancels out. For the same reason, arrays of different
 * lengths whose shared elements are the same objects in the same order are first tried as
 * pure insertions or removals, in one pass.
 */
function diffArrays(before: Json[], after: Json[], pointer: string, ops: Operation[]): void {
  if (before.length !== after.length) {
    const edits =
      // Equivalent survivor: before.length < after.length → before.length <= after.length: the lengths differ here
      before.length < after.length ? insertions(before, after, pointer) : removals(before, after, pointer);
    if (edits !== undefined) {
      for (const op of edits) ops.push(op);
      return;
    }
  } else {
    // Equivalent mutant: a non-index seeded here reads undefined on both sides, which cancels in
    // the reorder check and diffs to nothing.
    // Stryker disable next-line ArrayDeclaration: equivalent, output unchanged
    const changed: number[] = [];
    // Equivalent survivor: i < after.length → i <= after.length: both read undefined there, skipped
    // Equivalent survivor: before[i] !== after[i] → true: an element the same on both sides cancels
    // out of the reorder check and diffs to nothing
    for (let i = 0; i < after.length; i++) if (before[i] !== after[i]) changed.push(i);
    // One changed position is no reorder (a rule whose paths the drift guard edited): diffed in
    // place without comparing it whole first.
    // Equivalent survivor: changed.length === 1 → false: the reorder check then finds no reorder, and diffs the same position
    // Equivalent survivor: BlockStatement → {}: the reorder check then finds no reorder, and diffs the same position
    if (changed.length === 1) {
      const i = changed[0]!;
      return diffInto(before[i] as Json, after[i] as Json, child(pointer, i), ops);
    }
    if (!isReordering(before, after, changed)) {
      for (const i of changed) diffInto(before[i] as Json, after[i] as Json, child(pointer, i), ops);
      return;
    }
  }
  const keys = equalityKeys([...before, ...after]);
  for (const op of editArray(keys.slice(0, before.length), after, keys.slice(before.length), pointer))
    ops.push(op);
}

/**
 * Whether the elements at the `changed` positions of `after` are those at the same positions
 * of `before` in another order (equal as multisets of JSON values).
 */
function isReordering(before: Json[], after: Json[], changed: readonly number[]): boolean {
  // Beyond COMPARED_ELEMENTS, keys: the pairwise check takes one bit per position of a 32-bit
  // number, and its cost grows with the square of the count.
  // Equivalent survivor: changed.length > COMPARED_ELEMENTS → true: keys give the same answer (cost only)
  // Equivalent survivor: changed.length > COMPARED_ELEMENTS → changed.length >= COMPARED_ELEMENTS: keys give the same answer (cost only)
  if (changed.length > COMPARED_ELEMENTS) {
    const keys = equalityKeys([
      ...changed.map((i) => before[i] as Json),
      ...changed.map((i) => after[i] as Json),
    ]);
    return isPermutation(keys.slice(0, changed.length), keys.slice(changed.length));
  }
  // Up to COMPARED_ELEMENTS positions (a constant number of comparisons each), each element of
  // `before` takes the first equal element of `after` not yet taken, and one bit per position
  // records which are: no keys, no lists. Equality of JSON values is an equivalence, so any
  // equal element is as good as another.
  let taken = 0;
  for (const i of changed) {
    let j = 0;
    while (j < changed.length && ((taken >> j) & 1 || !jsonEqual(before[i], after[changed[j]!]))) j++;
    if (j === changed.length) return false;
    taken |= 1 << j;
  }
  return true;
}

/**
 * The drift guard's most common array change, in one pass and without keys: every element of
 * `before` is still in `after`, as the same object and in the same order (its copy shares the
 * elements it leaves alone), and the others were inserted between them, as a header route's
 * path is. Then one `add` per inserted element, in index order, is the whole change: each
 * lands at its final index, since everything before it is already in place. Undefined when an
 * element of `before` is not matched, and the general diff decides.
 */
function insertions(before: Json[], after: Json[], pointer: string): Operation[] | undefined {
  const ops: Operation[] = [];
  let matched = 0;
  for (let i = 0; i < after.length; i++) {
    // Equivalent survivor: matched < before.length → true: before[length] is undefined, which no JSON element is
    // Equivalent survivor: matched < before.length → matched <= before.length: before[length] is undefined, which no JSON element is
    if (matched < before.length && after[i] === before[matched]) matched++;
    else ops.push({ op: 'add', path: child(pointer, i), value: after[i] as Json });
  }
  return matched === before.length ? ops : undefined;
}

/**
 * The converse of `insertions`: `after` keeps some elements of `before`, as the same objects
 * in the same order (a removed route's paths dropped). One `remove` per dropped element, from
 * the last, so that every index still points at the element it names.
 */
function removals(before: Json[], after: Json[], pointer: string): Operation[] | undefined {
  const ops: Operation[] = [];
  let matched = after.length;
  for (let i = before.length - 1; i >= 0; i--) {
    // Equivalent survivor: matched > 0 → true: after[-1] is undefined, which no JSON element is
    // Equivalent survivor: matched > 0 → matched >= 0: after[-1] is undefined, which no JSON element is
    if (matched > 0 && before[i] === after[matched - 1]) matched--;
    else ops.push({ op: 'remove', path: child(pointer, i) });
  }
  return matched === 0 ? ops : undefined;
}

/**
 * Up to this many elements, equal ones are found by comparing them with `jsonEqual` (at most
 * this many comparisons each, a constant); beyond it, by canonical keys, whose cost is linear.
 * Most arrays the webhook diffs are an Ingress's rules or a rule's paths, a handful each, where
 * comparing is several times cheaper than serialising.
 */
const COMPARED_ELEMENTS = 16;

/** One key per value, equal exactly for structurally equal values (object key order ignored). */
function equalityKeys(values: readonly Json[]): string[] {
  // Equivalent mutants: both ways give the same equality classes; only the cost differs.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent, cost only
  if (values.length > COMPARED_ELEMENTS) {
    // A value both arrays hold (the same object) is serialised once.
    const known = new Map<Json, string>();
    return values.map((value) => {
      let key = known.get(value);
      // Equivalent survivor: key === undefined → true: the same value serialised again (cost only)
      if (key === undefined) known.set(value, (key = canonicalJson(value)));
      return key;
    });
  }
  // Equivalent mutant: a value seeded here only shifts the indexes; each class keeps its own.
  // Stryker disable next-line ArrayDeclaration: equivalent, output unchanged
  const distinct: Json[] = [];
  return values.map((value) => {
    let index = distinct.findIndex((seen) => jsonEqual(seen, value));
    if (index < 0) index = distinct.push(value) - 1;
    return String(index);
  });
}

/**
 * Counts, over positions 0..size-1, how many are still present (a Fenwick tree): the index
 * of an element in an array that shrinks as elements are moved out, in O(log n) per query.
 */
class PresentPositions {
  private readonly tree: Int32Array;

  constructor(size: number) {
    this.tree = new Int32Array(size + 1);
    // Equivalent mutants: the last slot, tree[size], is written but never read (countBefore is
    // asked about kept positions, below size), and an Int32Array ignores writes past its end.
    // Equivalent survivor: i <= size → i < size: only tree[size] is left out
    for (let i = 1; i <= size; i++) {
      this.tree[i]! += 1;
      const parent = i + (i & -i);
      // Equivalent survivor: parent <= size → true: a parent past the end is not written
      // Equivalent survivor: parent <= size → parent < size: only tree[size] is left out
      if (parent <= size) this.tree[parent]! += this.tree[i]!;
    }
  }

  /** Present positions before `position`. */
  countBefore(position: number): number {
    let sum = 0;
    for (let i = position; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  remove(position: number): void {
    // Equivalent survivor: i < this.tree.length → i <= this.tree.length: a write past the end is ignored
    for (let i = position + 1; i < this.tree.length; i += i & -i) this.tree[i]! -= 1;
  }
}

/**
 * Element-wise edit: remove the elements `after` does not keep (from the end, so indexes
 * stay valid), then walk `after` and move or insert until both agree. The kept elements
 * not yet placed keep their relative order behind the placed ones; each wanted value is
 * either the first of them (nothing to do), a later one (moved forward) or new (added).
 * Keys and position counts make this O(n log n) in the number of elements.
 */
function editArray(
  beforeKeys: readonly string[],
  after: Json[],
  afterKeys: readonly string[],
  pointer: string,
): Operation[] {
  const ops: Operation[] = [];
  const wanted = countKeys(afterKeys);
  // Equivalent mutant: a key seeded here matches no real one (canonical JSON or digits) and,
  // last after the reverse, is never placed.
  // Stryker disable next-line ArrayDeclaration: equivalent, output unchanged
  const kept: string[] = [];
  for (let i = beforeKeys.length - 1; i >= 0; i--) {
    const key = beforeKeys[i]!;
    const n = wanted.get(key) ?? 0;
    if (n > 0) {
      wanted.set(key, n - 1);
      kept.push(key);
    } else {
      ops.push({ op: 'remove', path: child(pointer, i) });
    }
  }
  kept.reverse();
  // Per key, the positions in `kept` that hold it, in order, with a read cursor.
  const positionsOf = new Map<string, { positions: number[]; next: number }>();
  kept.forEach((key, position) => {
    const entry = positionsOf.get(key) ?? { positions: [], next: 0 };
    entry.positions.push(position);
    positionsOf.set(key, entry);
  });
  const present = new PresentPositions(kept.length);
  const placed = new Uint8Array(kept.length);
  let first = 0; // the first kept position not yet placed
  after.forEach((value, i) => {
    // Equivalent mutants: the bounds below guard reads past the end of a typed array or a list,
    // which give undefined, so the loops stop and `from` is undefined at the bound anyway.
    // Equivalent survivor: first < kept.length → true: placed[kept.length] is undefined
    // Equivalent survivor: first < kept.length → first <= kept.length: placed[kept.length] is undefined
    while (first < kept.length && placed[first]) first++;
    const entry = positionsOf.get(afterKeys[i]!);
    // Equivalent survivor: entry.next < entry.positions.length → true: positions[length] is undefined
    // Equivalent survivor: entry.next < entry.positions.length → entry.next <= entry.positions.length: positions[length] is undefined
    while (entry && entry.next < entry.positions.length && placed[entry.positions[entry.next]!]) entry.next++;
    // Equivalent survivor: entry.next < entry.positions.length → true: positions[length] is undefined
    // Equivalent survivor: entry.next < entry.positions.length → entry.next <= entry.positions.length: positions[length] is undefined
    const from = entry && entry.next < entry.positions.length ? entry.positions[entry.next]! : undefined;
    if (from === undefined) {
      ops.push({ op: 'add', path: child(pointer, i), value });
      return;
    }
    if (from !== first) {
      ops.push({
        op: 'move',
        from: child(pointer, i + present.countBefore(from)),
        path: child(pointer, i),
      });
    }
    placed[from] = 1;
    present.remove(from);
  });
  return ops;
}
