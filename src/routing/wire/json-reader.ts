/**
 * Tolerant readers for untrusted JSON. They never throw: a value of the wrong type is
 * reported once through `problems` and read as absent, so one bad field cannot hide the
 * rest of an object from validation.
 */
import { newFinding, type FieldPath } from '../findings/index.js';
import type { Finding, Json, JsonObject } from '../model.js';

export class JsonReader {
  readonly problems: Finding[] = [];

  object(value: unknown, field: FieldPath): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (isJsonObject(value)) return value;
    this.typeProblem(field, 'an object', value);
    return undefined;
  }

  array(value: unknown, field: FieldPath): Json[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value as Json[];
    this.typeProblem(field, 'an array', value);
    return undefined;
  }

  string(value: unknown, field: FieldPath): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.typeProblem(field, 'a string', value);
    return undefined;
  }

  boolean(value: unknown, field: FieldPath): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.typeProblem(field, 'a boolean', value);
    return undefined;
  }

  /** An integer (Kubernetes int32/int64 fields). Non-integers are reported, not rounded. */
  integer(value: unknown, field: FieldPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (Number.isSafeInteger(value)) return value as number;
    this.typeProblem(field, 'an integer', value);
    return undefined;
  }

  /** An IntOrString field such as maxSurge. */
  intOrString(value: unknown, field: FieldPath): number | string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' || Number.isSafeInteger(value)) return value as number | string;
    this.typeProblem(field, 'an integer or a string', value);
    return undefined;
  }

  stringArray(value: unknown, field: FieldPath): string[] | undefined {
    const items = this.array(value, field);
    if (items === undefined) return undefined;
    const out: string[] = [];
    items.forEach((item, i) => {
      const s = this.string(item, field.index(i));
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  stringMap(value: unknown, field: FieldPath): Record<string, string> {
    const obj = this.object(value, field);
    const out = newStringMap();
    if (!obj) return out;
    for (const [key, v] of Object.entries(obj)) {
      const s = this.string(v, field.key(key));
      if (s !== undefined) out[key] = s;
    }
    return out;
  }

  /** A `malformed-field` finding, an error (the rule's own severity). */
  private typeProblem(field: FieldPath, expected: string, value: unknown): void {
    this.problems.push(
      newFinding('malformed-field', field, `${field} must be ${expected}, got ${describe(value)}`),
    );
  }
}

/**
 * An empty map for keys chosen by users (annotations, selectors): a null-prototype object,
 * which V8 keeps in dictionary mode. A plain `{}` filled with arbitrary keys gets a hidden
 * class per key set; with thousands of distinct annotation keys in the cache, those classes
 * cost megabytes, and once V8 stops caching them every such map built on the request path
 * allocates new classes in old space. Without a prototype, `__proto__` is an ordinary key.
 */
export function newStringMap(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short description of an unexpected value for error messages (bounded length). */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Own-property lookup that ignores inherited keys such as `__proto__` or `constructor`. */
export function own(obj: JsonObject | undefined, key: string): Json | undefined {
  if (!obj || !Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  return obj[key];
}

/** Deep copy of a JSON value; keeps own keys such as `__proto__` as plain data. */
export function cloneJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `obj[key] = value` as an own data property, even for keys such as `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
