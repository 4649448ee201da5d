/**
 * A decoder that behaves like Go's `encoding/json.Unmarshal` into a fixed set of structs, so
 * that the webhook accepts and rejects annotation JSON exactly as the AWS Load Balancer
 * Controller does (it decodes `actions.*` and `conditions.*` with `json.Unmarshal`).
 *
 * Why not `JSON.parse`: it cannot tell `20` from `20.0` (Go rejects the latter for an int32),
 * it merges duplicate keys before we see their order (Go applies them in order, merging into
 * structs and slices already decoded), and its error messages are not Go's.
 *
 * Two phases, as in Go: a full syntax check that also builds an ordered tree keeping raw
 * number text (any syntax error wins over type errors), then a schema-driven decode that keeps
 * going after a type mismatch and reports the first one, Go's "saved error".
 *
 * Message texts follow Go 1.26's encoding/json (v1 API, no GOEXPERIMENT=jsonv2). Other Go
 * versions word some type errors differently; the syntax messages have been stable for years.
 */

// ---------------------------------------------------------------------------------------
// Syntax: ordered tree with raw numbers
// ---------------------------------------------------------------------------------------

import { parseInt32Text, type GoResult } from './strconv.js';

export type JsonNode =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'num'; raw: string }
  | { t: 'str'; v: string }
  | { t: 'arr'; items: JsonNode[] }
  | { t: 'obj'; entries: [string, JsonNode][] };

/** Go's scanner refuses nesting deeper than this. */
const MAX_DEPTH = 10000;

class SyntaxFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

const END_OF_INPUT = 'unexpected end of JSON input';
const NUMERIC = 'in numeric literal';
const DECIMAL = 'after decimal point in numeric literal';
const EXPONENT = 'in exponent of numeric literal';
const ESCAPE = 'in string escape code';
const HEX_ESCAPE = 'in \\u hexadecimal character escape';

/**
 * Go quotes the offending *byte* of the UTF-8 input. For a non-ASCII character that is the
 * lead byte, which Go then prints as the Latin-1 character of the same value.
 */
function quoteOffendingChar(text: string, i: number): string {
  const cp = text.codePointAt(i) ?? 0xfffd;
  const isLoneSurrogate = cp >= 0xd800 && cp <= 0xdfff;
  const byte = cp < 0x80 ? cp : leadUtf8Byte(isLoneSurrogate ? 0xfffd : cp);
  if (byte === 0x27) return `'\\''`;
  return `'${goQuoteByteChar(byte)}'`;
}

function leadUtf8Byte(cp: number): number {
  // Equivalent survivor: EqualityOperator → cp <= 0x800: 0xc0 | (0x800 >> 6) is 0xe0 | (0x800 >> 12)
  if (cp < 0x800) return 0xc0 | (cp >> 6);
  // Equivalent survivor: EqualityOperator → cp <= 0x10000: 0xe0 | (0x10000 >> 12) is 0xf0 | (0x10000 >> 18)
  if (cp < 0x10000) return 0xe0 | (cp >> 12);
  return 0xf0 | (cp >> 18);
}

const GO_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
  0x5c: '\\\\',
};

/** `strconv.Quote(string(rune(b)))` without the surrounding quotes, for one byte value. */
function goQuoteByteChar(b: number): string {
  const escape = GO_ESCAPES[b];
  if (escape) return escape;
  if (b < 0x20 || b === 0x7f) return `\\x${b.toString(16).padStart(2, '0')}`;
  // Lead bytes are 0xC2..0xF4: all printable Latin-1 letters and symbols.
  return String.fromCharCode(b);
}

function syntaxError(text: string, i: number, context: string): SyntaxFailure {
  return new SyntaxFailure(`invalid character ${quoteOffendingChar(text, i)} ${context}`);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** For one character (`need()` returns a single one). */
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** For one character, as `isDigit`. */
function isHex(c: string): boolean {
  return '0123456789abcdefABCDEF'.includes(c);
}

/** Characters a string can hold as they are: not `"`, `\\`, a control character or a surrogate. */
const DIGITS = /[0-9]+/y;
// eslint-disable-next-line no-control-regex -- the run must stop at the control characters JSON forbids
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]+/y;

type Frame = { kind: 'arr'; items: JsonNode[] } | { kind: 'obj'; entries: [string, JsonNode][]; key: string };
type State = 'value' | 'valueOrClose' | 'keyOrClose' | 'key' | 'colon' | 'after';

/**
 * Go's syntax error for a malformed document, or undefined when it is well-formed JSON. Go
 * checks the whole input before decoding, so this error wins over any type mismatch.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const parsed = parseGoJson(text);
  return 'error' in parsed ? parsed.error : undefined;
}

/** Parses like Go's scanner + decoder; returns the tree or Go's syntax error message. */
export function parseGoJson(text: string): { node: JsonNode } | { error: string } {
  try {
    return { node: new Parser(text).run() };
  } catch (e) {
    // Equivalent survivor: ConditionalExpression → true: the parser throws nothing else on a
    // string (a loop, no recursion; every failure is a SyntaxFailure)
    if (e instanceof SyntaxFailure) return { error: e.message };
    throw e;
  }
}

class Parser {
  private i = 0;
  private readonly stack: Frame[] = [];
  private state: State = 'value';
  private result: JsonNode | undefined;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  run(): JsonNode {
    for (;;) {
      while (isSpace(this.text[this.i])) this.i++;
      if (this.i >= this.text.length) {
        // The top-level value is set exactly when it is complete (state 'after', empty stack);
        // after it only spaces may follow, so at the end of input it means a valid document.
        if (this.result !== undefined) return this.result;
        throw new SyntaxFailure(END_OF_INPUT);
      }
      this.step(this.text[this.i] as string);
    }
  }

  private step(c: string): void {
    switch (this.state) {
      case 'valueOrClose':
        if (c === ']') return this.close();
        return this.beginValue(c);
      case 'value':
        return this.beginValue(c);
      case 'keyOrClose':
        if (c === '}') return this.close();
        return this.beginKey(c);
      case 'key':
        return this.beginKey(c);
      case 'colon':
        if (c !== ':') throw syntaxError(this.text, this.i, 'after object key');
        this.i++;
        this.state = 'value';
        return;
      case 'after':
        return this.afterValue(c);
    }
  }

  private beginKey(c: string): void {
    if (c !== '"') throw syntaxError(this.text, this.i, 'looking for beginning of object key string');
    const frame = this.stack[this.stack.length - 1] as Frame & { kind: 'obj' };
    frame.key = this.readString();
    this.state = 'colon';
  }

  private afterValue(c: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) throw syntaxError(this.text, this.i, 'after top-level value');
    const closer = top.kind === 'arr' ? ']' : '}';
    if (c === ',') {
      this.i++;
      this.state = top.kind === 'arr' ? 'value' : 'key';
    } else if (c === closer) {
      this.close();
    } else {
      throw syntaxError(
        this.text,
        this.i,
        top.kind === 'arr' ? 'after array element' : 'after object key:value pair',
      );
    }
  }

  private beginValue(c: string): void {
    if (c === '{' || c === '[') {
      if (this.stack.length + 1 > MAX_DEPTH) throw syntaxError(this.text, this.i, 'exceeded max depth');
      this.i++;
      // Equivalent survivor: StringLiteral → "": only kind === 'arr' is ever asked
      // Equivalent survivor: StringLiteral → "Stryker was here!": beginKey sets the key before a value of the object completes
      this.stack.push(c === '{' ? { kind: 'obj', entries: [], key: '' } : { kind: 'arr', items: [] });
      this.state = c === '{' ? 'keyOrClose' : 'valueOrClose';
      return;
    }
    if (c === '"') return this.complete({ t: 'str', v: this.readString() });
    if (c === '-' || isDigit(c)) return this.complete({ t: 'num', raw: this.readNumber() });
    if (c === 't') return this.complete(this.readLiteral('true', { t: 'bool', v: true }));
    if (c === 'f') return this.complete(this.readLiteral('false', { t: 'bool', v: false }));
    if (c === 'n') return this.complete(this.readLiteral('null', { t: 'null' }));
    throw syntaxError(this.text, this.i, 'looking for beginning of value');
  }

  private close(): void {
    this.i++;
    const frame = this.stack.pop() as Frame;
    this.complete(
      frame.kind === 'arr' ? { t: 'arr', items: frame.items } : { t: 'obj', entries: frame.entries },
    );
  }

  private complete(node: JsonNode): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) this.result = node;
    else if (top.kind === 'arr') top.items.push(node);
    else top.entries.push([top.key, node]);
    this.state = 'after';
  }

  /**
   * The next character. At the end of input Go's scanner feeds one space to the current state:
   * states that cannot take a space (inside an escape, number or literal) report it with their
   * own message, the others report the end of input.
   */
  private need(contextOnSpace?: string): string {
    const c = this.text[this.i];
    if (c !== undefined) return c;
    if (contextOnSpace) throw new SyntaxFailure(`invalid character ' ' ${contextOnSpace}`);
    throw new SyntaxFailure(END_OF_INPUT);
  }

  private readLiteral(word: string, node: JsonNode): JsonNode {
    for (let k = 1; k < word.length; k++) {
      this.i++;
      const context = `in literal ${word} (expecting '${word[k]}')`;
      if (this.need(context) !== word[k]) throw syntaxError(this.text, this.i, context);
    }
    this.i++;
    return node;
  }

  private readDigits(): void {
    DIGITS.lastIndex = this.i;
    if (DIGITS.test(this.text)) this.i = DIGITS.lastIndex;
  }

  private readNumber(): string {
    const start = this.i;
    if (this.text[this.i] === '-') {
      this.i++;
      if (!isDigit(this.need(NUMERIC))) throw syntaxError(this.text, this.i, NUMERIC);
    }
    if (this.text[this.i] === '0') this.i++;
    else this.readDigits();
    if (this.text[this.i] === '.') {
      this.i++;
      if (!isDigit(this.need(DECIMAL))) throw syntaxError(this.text, this.i, DECIMAL);
      this.readDigits();
    }
    const e = this.text[this.i];
    if (e === 'e' || e === 'E') {
      this.i++;
      const sign = this.need(EXPONENT);
      if (sign === '+' || sign === '-') this.i++;
      if (!isDigit(this.need(EXPONENT))) throw syntaxError(this.text, this.i, EXPONENT);
      this.readDigits();
    }
    return this.text.slice(start, this.i);
  }

  /** Reads a string starting at the opening quote; decodes escapes the way Go does. */
  private readString(): string {
    this.i++;
    let out = '';
    for (;;) {
      // Fast path: a run of characters that need no decoding. Without it the same characters
      // go one at a time through readRawChar, with the same result.
      PLAIN_RUN.lastIndex = this.i;
      // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, the fast path only saves time (without the test() call nothing is consumed here)
      if (PLAIN_RUN.test(this.text)) {
        out += this.text.slice(this.i, PLAIN_RUN.lastIndex);
        this.i = PLAIN_RUN.lastIndex;
      }
      const c = this.need();
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        out += this.readEscape();
        continue;
      }
      // Equivalent survivor: EqualityOperator → code <= 0x20: a space never gets here, PLAIN_RUN takes it
      if (code < 0x20) throw syntaxError(this.text, this.i, 'in string literal');
      out += this.readRawChar();
    }
  }

  /** One source character; a lone surrogate becomes U+FFFD as Go's UTF-8 decoding would. */
  private readRawChar(): string {
    const cp = this.text.codePointAt(this.i) as number;
    // Only surrogates get here (PLAIN_RUN takes every other character a string may hold).
    // Equivalent survivor: EqualityOperator → cp >= 0xffff: U+FFFF never gets here
    this.i += cp > 0xffff ? 2 : 1;
    // Equivalent survivor: ConditionalExpression → true: every code point here is >= 0xd800
    return cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
  }

  private readEscape(): string {
    this.i++;
    const c = this.need(ESCAPE);
    const simple: Record<string, string> = {
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      '\\': '\\',
      '/': '/',
      '"': '"',
    };
    if (c in simple) {
      this.i++;
      return simple[c] as string;
    }
    if (c !== 'u') throw syntaxError(this.text, this.i, ESCAPE);
    this.i++;
    const unit = this.readHex4();
    if (unit < 0xd800 || unit >= 0xe000) return String.fromCharCode(unit);
    // Go pairs a high surrogate with an immediately following \u low surrogate; anything else
    // (lone high, lone low) decodes to U+FFFD and the next escape is read on its own.
    if (unit < 0xdc00 && this.text[this.i] === '\\' && this.text[this.i + 1] === 'u') {
      const save = this.i;
      const low = this.peekHex4(this.i + 2);
      // Equivalent survivor: ConditionalExpression → true: undefined >= 0xdc00 is false
      if (low !== undefined && low >= 0xdc00 && low < 0xe000) {
        this.i = save + 6;
        return String.fromCharCode(unit, low);
      }
    }
    return '\ufffd';
  }

  private peekHex4(at: number): number | undefined {
    const hex = this.text.slice(at, at + 4);
    // Equivalent survivor: Regex → /[0-9a-fA-F]{4}$/: hex has at most four characters
    // Equivalent survivor: Regex → /^[0-9a-fA-F]{4}/: hex has at most four characters
    return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : undefined;
  }

  private readHex4(): number {
    for (let k = 0; k < 4; k++) {
      if (!isHex(this.need(HEX_ESCAPE))) throw syntaxError(this.text, this.i, HEX_ESCAPE);
      this.i++;
    }
    return parseInt(this.text.slice(this.i - 4, this.i), 16);
  }
}

// ---------------------------------------------------------------------------------------
// Decoding into Go-shaped values
// ---------------------------------------------------------------------------------------

/** The Go types the LBC annotation structs are made of. */
export type GoType =
  | { k: 'string'; name: string }
  | { k: 'bool' }
  | { k: 'int32' }
  /** k8s.io/apimachinery intstr.IntOrString, which has its own UnmarshalJSON. */
  | { k: 'intOrString' }
  | { k: 'ptr'; elem: GoType }
  | { k: 'slice'; elem: GoType }
  | { k: 'struct'; name: string; pkg: string; fields: GoField[] };

export interface GoField {
  /** The JSON tag name. */
  tag: string;
  type: GoType;
}

/** A decoded Go value. A slice keeps its backing array because Go reuses it on re-decode. */
export type GoValue =
  string | boolean | number | undefined | IntOrString | GoSlice | { [tag: string]: GoValue };

export type IntOrString = { intOrString: 'int'; value: number } | { intOrString: 'string'; value: string };

export interface GoSlice {
  len: number;
  backing: GoValue[];
}

export function isGoSlice(v: GoValue): v is GoSlice {
  return typeof v === 'object' && 'backing' in v;
}

function goTypeName(t: GoType): string {
  switch (t.k) {
    case 'string':
      return t.name;
    case 'bool':
    case 'int32':
      return t.k;
    case 'intOrString':
      return 'intstr.IntOrString';
    case 'ptr':
      return `*${goTypeName(t.elem)}`;
    case 'slice':
      return `[]${goTypeName(t.elem)}`;
    case 'struct':
      return `${t.pkg}.${t.name}`;
  }
}

export function zeroValue(t: GoType): GoValue {
  switch (t.k) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
      return 0;
    case 'intOrString':
      return { intOrString: 'int', value: 0 };
    // Equivalent survivor: StringLiteral → "": the switch then ends, returning undefined all the same
    case 'ptr':
    // Equivalent survivor: StringLiteral → "": falls through to the end, returning undefined all the same
    case 'slice':
      return undefined;
    case 'struct':
      return Object.fromEntries(t.fields.map((f) => [f.tag, zeroValue(f.type)]));
  }
}

/**
 * Go's field-name folding (encoding/json fold.go): each rune becomes the smallest rune of its
 * Unicode simple-fold orbit. Struct tags here are ASCII, and the only non-ASCII runes whose
 * orbit holds an ASCII letter are U+017F (long s, folds like `s`) and U+212A (Kelvin sign,
 * folds like `k`); every other non-ASCII rune can never match a tag, so it is kept as is.
 */
export function foldName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ch === '\u017f') out += 'S';
    else if (ch === '\u212a') out += 'K';
    // Equivalent survivor: EqualityOperator → ch.charCodeAt(0) <= 0x80: U+0080 upper-cases to itself
    else out += ch.charCodeAt(0) < 0x80 ? ch.toUpperCase() : ch;
  }
  return out;
}

class FatalDecodeError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Go's decodeState error context: innermost struct and the JSON names of the field path. */
class DecodeState {
  structName: string | undefined;
  readonly fieldStack: string[] = [];
  saved: string | undefined;
  /** Keys no field matched (Go skips them without a word), the first MAX_UNKNOWN_KEYS. */
  readonly unknownKeys: UnknownKey[] = [];

  typeErrorText(value: string, type: GoType): string {
    const typeName = goTypeName(type);
    // decodeStruct sets structName and pushes onto fieldStack together, so either tells.
    if (this.structName !== undefined) {
      return `json: cannot unmarshal ${value} into Go struct field ${this.structName}.${this.fieldStack.join('.')} of type ${typeName}`;
    }
    return `json: cannot unmarshal ${value} into Go value of type ${typeName}`;
  }

  /** Go keeps decoding after a type mismatch and returns the first one at the end. */
  save(value: string, type: GoType): void {
    this.saved ??= this.typeErrorText(value, type);
  }
}

/** A JSON object key that matched no field of its Go struct, so Go dropped its value. */
export interface UnknownKey {
  /** JSON names of the enclosing fields, then the key: `FixedResponseConfig.MesageBody`. */
  path: string;
  key: string;
  /** The struct's field tags, in declaration order (for a nearest-key suggestion). */
  known: string[];
}

/** Unknown keys recorded per decode; a value with more still decodes, the rest are not listed. */
export const MAX_UNKNOWN_KEYS = 10;

/**
 * Decodes text into a value of `type`, returning Go's error text on failure, and the keys Go
 * skipped (unknown to the struct) on success.
 */
export function goUnmarshal(text: string, type: GoType): GoResult<GoValue> & { unknownKeys?: UnknownKey[] } {
  const parsed = parseGoJson(text);
  if ('error' in parsed) return parsed;
  const d = new DecodeState();
  try {
    const value = decodeValue(parsed.node, type, zeroValue(type), d);
    return d.saved !== undefined ? { error: d.saved } : { value, unknownKeys: d.unknownKeys };
  } catch (e) {
    // Equivalent survivor: ConditionalExpression → true: decoding throws nothing else (its
    // recursion follows the Go type, a few levels deep, not the input)
    if (e instanceof FatalDecodeError) return { error: e.message };
    throw e;
  }
}

function decodeValue(node: JsonNode, type: GoType, current: GoValue, d: DecodeState): GoValue {
  if (type.k === 'ptr') {
    // null sets a pointer to nil; anything else allocates (or reuses) the pointee.
    if (node.t === 'null') return undefined;
    return decodeValue(node, type.elem, current === undefined ? zeroValue(type.elem) : current, d);
  }
  if (type.k === 'intOrString') return decodeIntOrString(node, current, d);
  switch (node.t) {
    case 'null':
      // null is ignored for strings, numbers, booleans and structs; it empties a slice.
      return type.k === 'slice' ? undefined : current;
    case 'bool':
      if (type.k === 'bool') return node.v;
      d.save('bool', type);
      return current;
    case 'str':
      if (type.k === 'string') return node.v;
      d.save('string', type);
      return current;
    case 'num':
      return decodeNumber(node.raw, type, current, d);
    case 'arr':
      if (type.k === 'slice') return decodeSlice(node.items, type.elem, current, d);
      d.save('array', type);
      return current;
    case 'obj':
      if (type.k === 'struct') return decodeStruct(node.entries, type, current, d);
      d.save('object', type);
      return current;
  }
}

function decodeNumber(raw: string, type: GoType, current: GoValue, d: DecodeState): GoValue {
  if (type.k !== 'int32') {
    d.save('number', type);
    return current;
  }
  const n = parseInt32Text(raw);
  if (n === undefined) {
    d.save(`number ${raw}`, type);
    return current;
  }
  return n;
}

/**
 * IntOrString.UnmarshalJSON: a JSON string is the string form; anything else is unmarshalled
 * into an int32 by a nested json.Unmarshal whose error (with the outer field context added)
 * aborts the whole decode, unlike ordinary type mismatches. `null` is that nested Unmarshal
 * into an int32, which leaves it as it was: the int form with the int it held (Go keeps the
 * int of an earlier duplicate key behind a string form too; this value does not, and gives 0).
 */
function decodeIntOrString(node: JsonNode, current: GoValue, d: DecodeState): GoValue {
  if (node.t === 'str') return { intOrString: 'string', value: node.v };
  if (node.t === 'null') {
    // `current` is the zero IntOrString or the one an earlier duplicate key left.
    return (current as IntOrString).intOrString === 'int' ? current : { intOrString: 'int', value: 0 };
  }
  const int32: GoType = { k: 'int32' };
  if (node.t === 'num') {
    const n = parseInt32Text(node.raw);
    if (n !== undefined) return { intOrString: 'int', value: n };
    throw new FatalDecodeError(d.typeErrorText(`number ${node.raw}`, int32));
  }
  const kind = { bool: 'bool', arr: 'array', obj: 'object' }[node.t];
  throw new FatalDecodeError(d.typeErrorText(kind, int32));
}

function decodeSlice(items: JsonNode[], elem: GoType, current: GoValue, d: DecodeState): GoValue {
  // Go decodes element i into the existing backing array slot when there is one, so data of
  // an earlier duplicate key can survive in struct elements; `[]` makes a fresh empty slice.
  if (items.length === 0) return { len: 0, backing: [] };
  const backing = isGoSlice(current) ? current.backing : [];
  items.forEach((item, i) => {
    const existing = i < backing.length ? backing[i] : zeroValue(elem);
    backing[i] = decodeValue(item, elem, existing, d);
  });
  return { len: items.length, backing };
}

const fieldIndexes = new WeakMap<GoType, { exact: Map<string, GoField>; folded: Map<string, GoField> }>();

function indexFields(type: GoType & { k: 'struct' }): {
  exact: Map<string, GoField>;
  folded: Map<string, GoField>;
} {
  let index = fieldIndexes.get(type);
  // Equivalent survivor: ConditionalExpression → true: the index is rebuilt each time (cost only)
  if (!index) {
    const exact = new Map<string, GoField>();
    const folded = new Map<string, GoField>();
    for (const f of type.fields) {
      exact.set(f.tag, f);
      // First field in declaration order wins among case-insensitive matches.
      if (!folded.has(foldName(f.tag))) folded.set(foldName(f.tag), f);
    }
    index = { exact, folded };
    // Stryker disable next-line CallExpression: equivalent, without the cache the same index is rebuilt for every object (cost only)
    fieldIndexes.set(type, index);
  }
  return index;
}

function decodeStruct(
  entries: [string, JsonNode][],
  type: GoType & { k: 'struct' },
  current: GoValue,
  d: DecodeState,
): GoValue {
  const target = current as { [tag: string]: GoValue };
  const { exact, folded } = indexFields(type);
  const outerStruct = d.structName;
  const outerDepth = d.fieldStack.length;
  for (const [key, value] of entries) {
    // Exact tag first, then case-insensitive; unknown keys are skipped without a word.
    const field = exact.get(key) ?? folded.get(foldName(key));
    if (!field) {
      if (d.unknownKeys.length < MAX_UNKNOWN_KEYS) {
        const path = [...d.fieldStack, key].join('.');
        d.unknownKeys.push({ path, key, known: type.fields.map((f) => f.tag) });
      }
      continue;
    }
    d.fieldStack.push(field.tag);
    d.structName = type.name;
    target[field.tag] = decodeValue(value, field.type, target[field.tag], d);
    d.fieldStack.length = outerDepth;
    d.structName = outerStruct;
  }
  return target;
}
