/**
 * A nesting limit for decoded request bodies. JSON.parse itself is iterative and accepts
 * any depth, but the hooks, the patch differ and JSON.stringify recurse: a body nested
 * 100,000 levels deep would overflow the stack inside a handler. Refusing it up front turns
 * that into a clear 400 instead of a 500 from a RangeError.
 *
 * The server checks the depth on the bytes before parsing (routing/json-shape.ts); this check
 * on decoded values serves callers that start from a value (the `review` command).
 */

import { MAX_NESTING_DEPTH } from '../../routing/wire/index.js';

export { MAX_NESTING_DEPTH };

/**
 * True when arrays/objects in `value` nest deeper than `limit`. Iterative (never recurses)
 * and allocation-light: it runs on every review body, so it keeps two flat stacks instead
 * of an object per node.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const nodes: object[] = [];
  const depths: number[] = [];
  if (typeof value === 'object' && value !== null) {
    nodes.push(value);
    depths.push(1);
  }
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    if (Array.isArray(node)) {
      for (const child of node as unknown[]) {
        if (typeof child === 'object' && child !== null) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    // Parsed JSON has only own, enumerable, string keys, so for-in visits exactly those.
    for (const key in node) {
      const child = (node as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
