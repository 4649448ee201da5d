/**
 * Field paths as findings write them (`spec.rules[0].http.paths[1].backend`,
 * `metadata.annotations["alb.ingress.kubernetes.io/actions.web"]`), split into segments, and
 * the value at such a path. One linear scan; no regular expressions.
 */
import type { FieldPath } from '../cluster/manifest-files.js';

export function fieldPath(field: string): FieldPath {
  const out: FieldPath = [];
  let i = 0;
  let name = '';
  const flush = () => {
    if (name !== '') out.push(name);
    name = '';
  };
  while (i < field.length) {
    const ch = field[i]!;
    if (ch === '.') {
      flush();
      i++;
    } else if (ch === '[') {
      flush();
      const close = closingBracket(field, i);
      const inner = field.slice(i + 1, close);
      if (inner.startsWith('"')) {
        try {
          out.push(JSON.parse(inner) as string);
        } catch {
          out.push(inner);
        }
      } else if (inner !== '' && [...inner].every((c) => c >= '0' && c <= '9')) out.push(Number(inner));
      else out.push(inner);
      i = close + 1;
    } else {
      name += ch;
      i++;
    }
  }
  flush();
  return out;
}

/** Index of the `]` that closes the bracket at `open`, skipping a JSON string inside it. */
function closingBracket(field: string, open: number): number {
  let i = open + 1;
  if (field[i] === '"') {
    i++;
    while (i < field.length && field[i] !== '"') i += field[i] === '\\' ? 2 : 1;
    i++;
  }
  const close = field.indexOf(']', i);
  return close < 0 ? field.length : close;
}

/** The value at `path`, or undefined where the object has no such field. */
export function valueAt(object: unknown, path: FieldPath): unknown {
  let current = object;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
