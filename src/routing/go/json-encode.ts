/**
 * Compact JSON exactly as Go's `encoding/json.Marshal` writes it, for the shapes the Argo
 * Rollouts controller serialises into annotations. The webhook must reproduce those bytes:
 * the controller compares annotation strings, so any formatting difference makes it patch
 * the Ingress again and the two writers would fight.
 *
 * Two JavaScript containers stand for the two Go kinds of object:
 * - a plain object is a Go **struct**: keys are written in insertion order, which is how the
 *   renderers build them (struct declaration order). Struct field names are never
 *   integer-like, so JavaScript's own key reordering cannot apply to them.
 * - a `Map` is a Go **map**: keys are written sorted bytewise (UTF-8 byte order), as Go
 *   sorts map keys. Use a `Map` for anything keyed by data (rollout names), because a plain
 *   object would move integer-like keys such as `"10"` to the front.
 */

export type GoJsonValue =
  | null
  | boolean
  | number
  | string
  | readonly GoJsonValue[]
  | ReadonlyMap<string, GoJsonValue>
  | { readonly [key: string]: GoJsonValue | undefined };

/**
 * How `\b` (U+0008) and `\f` (U+000C) are escaped. Go 1.22 changed them from `\u0008`/`\u000c`
 * to the short forms. Argo Rollouts v1.4.0 requires Go 1.19 and v1.7 Go 1.21 (long forms);
 * v1.8 requires Go 1.23, v1.9 Go 1.24 and HEAD Go 1.26 (short forms). The current release is
 * what we match by default; `go1.19` gives the old bytes.
 */
export type GoJsonDialect = 'go1.22+' | 'go1.19';

export interface GoJsonOptions {
  dialect?: GoJsonDialect;
}

const HEX = '0123456789abcdef';

function unicodeEscape(code: number): string {
  return `\\u${HEX[(code >> 12) & 0xf]}${HEX[(code >> 8) & 0xf]}${HEX[(code >> 4) & 0xf]}${HEX[code & 0xf]}`;
}

function escapeFor(code: number, dialect: GoJsonDialect): string | undefined {
  switch (code) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x08:
      return dialect === 'go1.19' ? '\\u0008' : '\\b';
    case 0x0c:
      return dialect === 'go1.19' ? '\\u000c' : '\\f';
    case 0x3c: // HTML-safe escaping of < > &, on by default in json.Marshal.
      return '\\u003c';
    case 0x3e:
      return '\\u003e';
    case 0x26:
      return '\\u0026';
    case 0x2028: // Valid JSON, but a line end in JavaScript source: Go escapes both.
      return '\\u2028';
    case 0x2029:
      return '\\u2029';
    default:
      return code < 0x20 ? unicodeEscape(code) : undefined;
  }
}

/** A Go JSON string literal. Lone UTF-16 surrogates become U+FFFD, as Go does with invalid UTF-8. */
// Stryker disable next-line StringLiteral: equivalent, the dialect is only ever compared with 'go1.19', so any other default writes the same bytes
export function goJsonString(text: string, dialect: GoJsonDialect = 'go1.22+'): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
      } else {
        out += '\ufffd';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    out += escapeFor(code, dialect) ?? text[i]!;
  }
  return `${out}"`;
}

function goNumber(value: number): string {
  // Go refuses NaN and ±Inf (UnsupportedValueError); they cannot come from parsed JSON.
  if (!Number.isFinite(value)) throw new RangeError(`json: unsupported value: ${value}`);
  // For integers and for floats alike, Go switches to exponent form at the same thresholds
  // (1e21, 1e-6) and writes the exponent the way JavaScript does (`1e+21`, `1e-7`).
  return Object.is(value, -0) ? '-0' : String(value);
}

function sortWeight(unit: number): number {
  // Equivalent survivor: EqualityOperator → unit < 0xdfff: two well-formed strings that first
  // differ at a low surrogate differ at two low surrogates (same weight shift); only a lone
  // U+DFFF, which no Go string holds, would sort otherwise
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}

/** Compare two strings by Unicode code point, which is the bytewise order of their UTF-8. */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which sort after U+E000–FFFF.
    return sortWeight(x) - sortWeight(y);
  }
  return a.length - b.length;
}

/** Keys of a Go map in the order Go writes them. */
export function sortedKeys(map: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): string[] {
  const keys = map instanceof Map ? [...map.keys()] : Object.keys(map);
  return keys.sort(compareBytewise);
}

export function goJson(value: GoJsonValue, options: GoJsonOptions = {}): string {
  // Stryker disable next-line StringLiteral: equivalent, as in goJsonString: only 'go1.19' is ever tested for
  const dialect = options.dialect ?? 'go1.22+';
  const write = (v: GoJsonValue): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return goNumber(v);
    if (typeof v === 'string') return goJsonString(v, dialect);
    if (Array.isArray(v)) return `[${(v as readonly GoJsonValue[]).map(write).join(',')}]`;
    if (v instanceof Map) {
      const map = v as ReadonlyMap<string, GoJsonValue>;
      const body = sortedKeys(map).map((k) => `${goJsonString(k, dialect)}:${write(map.get(k)!)}`);
      return `{${body.join(',')}}`;
    }
    const body: string[] = [];
    for (const [k, field] of Object.entries(v as Record<string, GoJsonValue | undefined>)) {
      // An undefined field is an omitted `omitempty` field.
      if (field !== undefined) body.push(`${goJsonString(k, dialect)}:${write(field)}`);
    }
    return `{${body.join(',')}}`;
  };
  return write(value);
}
