/**
 * Builds the JSON patch (RFC 6902) that turns the object under review into the object the
 * webhook wants admitted. The patch is as narrow as the change: one operation per changed
 * map key and per added, removed or moved array element. It never replaces a whole map or
 * array, so fields the webhook does not own are never rewritten, even if another mutating
 * webhook changed them between our computation and the apiserver applying the patch.
 */
import type { Operation } from 'fast-json-patch';
import type { Json } from '../routing/model.js';
import { isJsonObject } from '../routing/wire/index.js';

/** RFC 6901: `~` → `~0`, `/` → `~1` (annotation keys contain `/`). */
export function escapePointerToken(token: string): string {
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
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const aKeys = Object.keys(a);
    if (aKeys.length !== Object.keys(b).length) return false;
    return aKeys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Operations that turn `before` into `after`; both are JSON values. Parts the two share
 * (the same object, as the drift guard's copies share everything they leave alone) are
 * skipped by identity, and pointers are built only where something differs.
 */
export function diff(before: Json, after: Json, pointer = ''): Operation[] {
  if (before === after) return [];
  if (isJsonObject(before) && isJsonObject(after)) return diffObjects(before, after, pointer);
  if (Array.isArray(before) && Array.isArray(after)) {
    return jsonEqual(before, after) ? [] : diffArrays(before, after, pointer);
  }
  return [{ op: 'replace', path: pointer, value: after }];
}

function diffObjects(
  before: Record<string, Json>,
  after: Record<string, Json>,
  pointer: string,
): Operation[] {
  const ops: Operation[] = [];
  for (const key of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, key))
      ops.push({ op: 'remove', path: child(pointer, key) });
  }
  for (const key of Object.keys(after)) {
    const value = after[key] as Json;
    if (!Object.prototype.hasOwnProperty.call(before, key)) {
      ops.push({ op: 'add', path: child(pointer, key), value });
    } else if (before[key] !== value) {
      ops.push(...diff(before[key] as Json, value, child(pointer, key)));
    }
  }
  return ops;
}

function isPermutation(a: Json[], b: Json[]): boolean {
  const rest = b.slice();
  return a.every((item) => {
    const at = rest.findIndex((r) => jsonEqual(r, item));
    if (at >= 0) rest.splice(at, 1);
    return at >= 0;
  });
}

/**
 * Arrays of equal length whose elements changed in place (a rule whose paths changed) are
 * diffed position by position, so the change stays inside the element. Otherwise, elements
 * are edited whole: added, removed or moved (a path inserted at the front, a path removed,
 * paths re-sorted).
 */
function diffArrays(before: Json[], after: Json[], pointer: string): Operation[] {
  if (before.length === after.length && !isPermutation(before, after)) {
    return after.flatMap((value, i) => diff(before[i] as Json, value, child(pointer, i)));
  }
  return editArray(before, after, pointer);
}

/**
 * Element-wise edit: remove the elements `after` does not keep (from the end, so indexes
 * stay valid), then walk `after` and move or insert until both agree.
 */
function editArray(before: Json[], after: Json[], pointer: string): Operation[] {
  const ops: Operation[] = [];
  const current = before.slice();
  const wanted = after.slice();
  for (let i = current.length - 1; i >= 0; i--) {
    const at = wanted.findIndex((w) => jsonEqual(w, current[i]));
    if (at >= 0) {
      wanted.splice(at, 1);
    } else {
      ops.push({ op: 'remove', path: child(pointer, i) });
      current.splice(i, 1);
    }
  }
  after.forEach((value, i) => {
    if (i < current.length && jsonEqual(current[i], value)) return;
    const from = current.findIndex((c, j) => j > i && jsonEqual(c, value));
    if (from >= 0) {
      ops.push({ op: 'move', from: child(pointer, from), path: child(pointer, i) });
      current.splice(i, 0, ...current.splice(from, 1));
    } else {
      ops.push({ op: 'add', path: child(pointer, i), value });
      current.splice(i, 0, value);
    }
  });
  return ops;
}
