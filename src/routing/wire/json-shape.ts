/**
 * The shape of JSON text, measured from its bytes before anything is parsed: how deep its
 * arrays and objects nest, how many there are, and how many values and keys (commas and
 * colons) it holds. One pass, constant memory, no recursion.
 *
 * `JSON.parse` materialises everything at once: 7 MiB of `[` builds 3.6 million nested
 * arrays before any depth check could run, and 7 MiB of `{},` builds 2.4 million objects
 * (about 20 bytes of heap per byte of text, measured in docs/reliability.md). Scanning the
 * bytes first lets a caller refuse such text, or price it, while it is still a buffer.
 *
 * Works on UTF-8 bytes: in UTF-8 every byte of a multi-byte character is >= 0x80, so the
 * ASCII structural characters are found exactly. Malformed text is not judged here (the
 * parser does that); the figures are then merely approximate.
 */

/**
 * How deep arrays and objects may nest in JSON the webhook decodes: request bodies, and JSON
 * held in annotation values. Real objects are a few dozen levels deep; the apiserver itself
 * refuses JSON deeper than 10,000 levels. Code that walks decoded values recursively relies on
 * this bound.
 */
export const MAX_NESTING_DEPTH = 1000;

export interface JsonShape {
  /** Deepest nesting of arrays and objects; stops counting at the caller's limit + 1. */
  depth: number;
  /** Arrays and objects. */
  containers: number;
  /** Commas outside strings: about one per value. */
  commas: number;
  /** Colons outside strings: one per object key. */
  colons: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a byte is to the scan; most bytes of real bodies (letters, digits, spaces) are OTHER. */
const OTHER = 0;
const STRING_START = 1;
const OPEN = 2;
const CLOSE = 3;
const COMMA = 4;
const COLON = 5;
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[QUOTE] = STRING_START;
BYTE_CLASS[0x5b /* [ */] = OPEN;
BYTE_CLASS[0x7b /* { */] = OPEN;
BYTE_CLASS[0x5d /* ] */] = CLOSE;
BYTE_CLASS[0x7d /* } */] = CLOSE;
BYTE_CLASS[0x2c /* , */] = COMMA;
BYTE_CLASS[0x3a /* : */] = COLON;

/**
 * Measures `bytes`. Stops as soon as the nesting passes `depthLimit` (the answer is then
 * `depth === depthLimit + 1` and the counts are partial): the text will be refused anyway.
 * It runs on every request body, so each byte outside strings costs one table lookup and
 * each byte inside a string two comparisons, instead of comparing every byte with every
 * structural character (docs/benchmarks.md, "Third pass", has the measurement).
 */
export function measureJson(bytes: Uint8Array, depthLimit: number): JsonShape {
  let depth = 0;
  let deepest = 0;
  let containers = 0;
  let commas = 0;
  let colons = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const kind = BYTE_CLASS[bytes[i]!]!;
    if (kind === OTHER) continue;
    if (kind === STRING_START) {
      // To the closing quote; an escaped character (`\"` included) is skipped whole.
      // Equivalent survivor: EqualityOperator → i <= length: bytes[length] is undefined, neither quote nor backslash, and the outer loop ends all the same
      for (i++; i < length; i++) {
        const b = bytes[i]!;
        if (b === QUOTE) break;
        if (b === BACKSLASH) i++;
      }
    } else if (kind === OPEN) {
      containers++;
      // Equivalent survivor: EqualityOperator → ++depth >= deepest: when equal, deepest is set to the same value
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > depthLimit) break;
      }
    } else if (kind === CLOSE) depth--;
    else if (kind === COMMA) commas++;
    else colons++;
  }
  return { depth: deepest, containers, commas, colons };
}

const utf8 = new TextEncoder();

/** `measureJson` over a string (UTF-8 encoded first; cost linear in its length). */
export function measureJsonText(text: string, depthLimit: number): JsonShape {
  return measureJson(utf8.encode(text), depthLimit);
}

/**
 * Heap that decoding text of this shape may take, in bytes: an upper bound fitted to the
 * measurements in docs/reliability.md (Node 24, `JSON.parse`). The decoded string takes up to
 * 2 bytes per byte (two-byte strings); each array or object up to 64 bytes (an empty `{}`
 * measured 64); each value up to 24 (a short distinct string and its slot in a growing
 * backing store); each key up to 32 (a distinct key is a new internalised string and a
 * dictionary entry).
 */
export function parseCostBytes(bytes: number, shape: JsonShape): number {
  return 2 * bytes + 64 * shape.containers + 24 * shape.commas + 32 * shape.colons;
}
