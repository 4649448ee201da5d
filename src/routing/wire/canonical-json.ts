/**
 * JSON text that is equal for structurally equal values, whatever the key order of their
 * objects: used to compare values (Gateway API rules after defaulting, array elements in the
 * patch differ) by one string each.
 */
import type { Json } from '../model.js';

type Container = Json[] | { [key: string]: Json };

/**
 * A copy whose objects have their keys inserted in sorted order, then JSON.stringify without
 * a replacer: V8's fast path, about twice as fast as a replacer function that it would call
 * back for every value. Iterative (no recursion over user data). JSON.stringify writes
 * integer-like keys first, whatever the insertion order; the text is still the same for equal
 * values, which is all a canonical form needs.
 */
export function canonicalJson(value: Json): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const root = emptyLike(value);
  const pending: [Container, Container][] = [[value, root]];
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    // Stryker disable next-line BlockStatement: equivalent, an array skipping this fast path is filled through its sorted index keys: the same elements at the same places
    // Equivalent survivor: ConditionalExpression → false: an array then goes through the object loop, its sorted index keys putting the same elements at the same places
    if (Array.isArray(from)) {
      for (let i = 0; i < from.length; i++) (to as Json[])[i] = copyStep(from[i] as Json, pending);
      continue;
    }
    for (const key of Object.keys(from).sort()) {
      const copy = copyStep(from[key] as Json, pending);
      // A `__proto__` key is data in JSON: defined as an own property, never the prototype.
      // Equivalent survivor: ConditionalExpression → true: every key defined as an own enumerable property gives the same text (cost only)
      if (key === '__proto__') Object.defineProperty(to, key, { value: copy, enumerable: true });
      else (to as Record<string, Json>)[key] = copy;
    }
  }
  return JSON.stringify(root);
}

function emptyLike(value: Container): Container {
  return Array.isArray(value) ? [] : {};
}

/** A primitive as it is; a container as an empty copy, queued to be filled. */
function copyStep(value: Json, pending: [Container, Container][]): Json {
  if (typeof value !== 'object' || value === null) return value;
  const copy = emptyLike(value);
  pending.push([value, copy]);
  return copy;
}
