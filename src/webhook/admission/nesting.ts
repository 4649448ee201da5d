/**
 * A nesting limit for decoded request bodies. JSON.parse itself is iterative and accepts
 * any depth, but the hooks, the patch differ and JSON.stringify recurse: a body nested
 * 100,000 levels deep would overflow the stack inside a handler. Refusing it up front turns
 * that into a clear 400 instead of a 500 from a RangeError.
 *
 * Real objects are a few dozen levels deep; the apiserver itself refuses JSON deeper than
 * 10,000 levels, and our recursive readers are safe well past this limit.
 */

export const MAX_NESTING_DEPTH = 1000;

/** True when arrays/objects in `value` nest deeper than `limit`. Iterative: never recurses. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, depth } = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
