/**
 * `rollouts.argoproj.io/managed-alb-annotations`: which annotation keys each Rollout owns on
 * an ALB Ingress (argo ingress.go), and its pre-v1.4 predecessor `managed-alb-actions`.
 *
 * The value is a Go `map[string][]string` marshalled by encoding/json: rollout names sorted
 * bytewise, each array in insertion order, `[]` for an emptied entry and `null` for an entry
 * that was already `null` (a nil slice in Go), so re-rendering never changes a foreign entry.
 */
import { goJson, type GoJsonValue } from '../go/index.js';
import { goJsonSyntaxError } from '../go/index.js';
import { isJsonObject } from '../wire/index.js';

/** Rollout name → owned annotation keys (null: a nil entry, kept as written). */
export type ManagedAlbAnnotations = Map<string, string[] | null>;

/** A value, or why there is none: the shape of the bookkeeping parsers and of the renderers. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export const LEGACY_FORMAT_ERROR = 'incorrectly formatted managed actions annotation';

/**
 * Go's name for the JSON kind of a value, as in its UnmarshalTypeError messages: array, bool,
 * and otherwise the JS type name (object, number, string). Never null: Go reports no error for
 * a null, and every caller below handles it first.
 */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function typeError(value: unknown, goType: string): string {
  return `json: cannot unmarshal ${goKind(value)} into Go value of type ${goType}`;
}

/**
 * Parse the JSON form. Empty or missing means no entries, as in the controller. Errors use
 * Go's wording: its scanner's syntax errors, and `cannot unmarshal` for a type mismatch.
 */
export function parseManagedAlbAnnotations(value: string | undefined): Outcome<ManagedAlbAnnotations> {
  const map: ManagedAlbAnnotations = new Map();
  if (value === undefined || value === '') return { ok: true, value: map };
  // Go checks the whole document before decoding, so its syntax error comes first.
  const syntaxError = goJsonSyntaxError(value);
  if (syntaxError !== undefined) return { ok: false, error: syntaxError };
  const parsed: unknown = JSON.parse(value);
  // Unmarshalling `null` into a map leaves it empty, without error.
  if (parsed === null) return { ok: true, value: map };
  if (!isJsonObject(parsed)) return { ok: false, error: typeError(parsed, 'map[string][]string') };
  for (const [rollout, keys] of Object.entries(parsed)) {
    if (keys === null) {
      map.set(rollout, null);
      continue;
    }
    if (!Array.isArray(keys)) return { ok: false, error: typeError(keys, '[]string') };
    // Go ignores `null` for a string element, which keeps its zero value "".
    const bad = keys.find((k) => typeof k !== 'string' && k !== null);
    if (bad !== undefined) return { ok: false, error: typeError(bad, 'string') };
    map.set(
      rollout,
      keys.map((k: unknown) => (k === null ? '' : (k as string))),
    );
  }
  return { ok: true, value: map };
}

/**
 * Parse the legacy `managed-alb-actions` form `ro:key,ro2:key2` (argo ingress.go): split on `,`, each
 * piece on `:` into exactly two parts. A later duplicate rollout name wins, as in a Go map.
 */
export function parseLegacyManagedAlbActions(value: string | undefined): Outcome<Map<string, string>> {
  const map = new Map<string, string>();
  if (value === undefined || value === '') return { ok: true, value: map };
  for (const piece of value.split(',')) {
    const parts = piece.split(':');
    if (parts.length !== 2) return { ok: false, error: LEGACY_FORMAT_ERROR };
    map.set(parts[0]!, parts[1]!);
  }
  return { ok: true, value: map };
}

/** The annotation value the controller writes for this map. */
export function renderManagedAlbAnnotations(map: ManagedAlbAnnotations): string {
  return goJson(new Map<string, GoJsonValue>([...map].map(([k, v]) => [k, v === null ? null : [...v]])));
}

/** Copy of `map` with `keys` appended to `rollout`'s entry, skipping keys already listed. */
export function addManagedKeys(
  map: ManagedAlbAnnotations,
  rollout: string,
  keys: string[],
): ManagedAlbAnnotations {
  const out = new Map(map);
  const list = [...(map.get(rollout) ?? [])];
  for (const key of keys) if (!list.includes(key)) list.push(key);
  out.set(rollout, list);
  return out;
}

/**
 * Copy of `map` with `keys` removed from `rollout`'s entry. Like the controller, a missing or
 * nil entry is (re)written as `[]`: removal always leaves the Rollout's entry present.
 */
export function removeManagedKeys(
  map: ManagedAlbAnnotations,
  rollout: string,
  keys: string[],
): ManagedAlbAnnotations {
  const out = new Map(map);
  out.set(
    rollout,
    (map.get(rollout) ?? []).filter((key) => !keys.includes(key)),
  );
  return out;
}
