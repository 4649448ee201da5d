/**
 * The syntax error Go's `encoding/json` reports for a malformed document, so a finding about
 * an unreadable `managed-alb-annotations` value quotes the same text as the controller's
 * `TrafficRoutingError` event (reference §2.4, e.g.
 * `invalid character 'e' in literal true (expecting 'r')`).
 *
 * Go validates the whole input with its scanner before decoding, so this error wins over any
 * type mismatch. The scanner works on UTF-8 bytes and names the offending byte; this walks
 * the same bytes with the same states, iteratively (Go stops at depth 10000 with
 * `exceeded max depth`, and so does this, without recursion).
 */

const MAX_DEPTH = 10000;
const EOF_ERROR = 'unexpected end of JSON input';

/** Go's `quoteChar`: the byte as a rune, Go-quoted between single quotes. */
function quoteChar(byte: number): string {
  if (byte === 0x27) return "'\\''";
  if (byte === 0x22) return "'\"'";
  return `'${goQuoteRune(byte)}'`;
}

/** The inside of `strconv.Quote(string(rune(byte)))` for a single byte value. */
function goQuoteRune(code: number): string {
  const named: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    12: '\\f',
    10: '\\n',
    13: '\\r',
    9: '\\t',
    11: '\\v',
    92: '\\\\',
  };
  if (named[code] !== undefined) return named[code];
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  // Only ASCII and UTF-8 lead bytes (0xC2–0xF4) can be reported: an error is always found at
  // the start of a character. As runes those lead bytes are printable Latin-1 letters.
  return String.fromCharCode(code);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class SyntaxFailure {
  constructor(readonly message: string) {}
}

class Scanner {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private peek(): number {
    if (this.pos >= this.bytes.length) throw new SyntaxFailure(EOF_ERROR);
    return this.bytes[this.pos]!;
  }

  private fail(context: string): never {
    throw new SyntaxFailure(`invalid character ${quoteChar(this.bytes[this.pos]!)} ${context}`);
  }

  private skipSpace(): number {
    while (isSpace(this.peek())) this.pos++;
    return this.peek();
  }

  /** A document: one value, then only white space. */
  document(): void {
    // Open containers, innermost last: '{' or '['.
    const stack: number[] = [];
    let c = this.skipSpace();
    for (;;) {
      // At the beginning of a value.
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= MAX_DEPTH) throw new SyntaxFailure('exceeded max depth');
        stack.push(c);
        this.pos++;
        c = this.skipSpace();
        if (c === (stack.at(-1) === 0x7b ? 0x7d : 0x5d)) {
          this.pos++;
          stack.pop();
        } else {
          if (stack.at(-1) === 0x7b) this.objectKey(c);
          c = this.skipSpace();
          continue;
        }
      } else {
        this.scalar(c);
      }
      // After a complete value: close containers or move to the next element.
      for (;;) {
        if (stack.length === 0) {
          if (this.pos < this.bytes.length && this.skipSpaceAtEnd()) this.fail('after top-level value');
          return;
        }
        c = this.skipSpace();
        const inObject = stack.at(-1) === 0x7b;
        if (c === 0x2c) {
          this.pos++;
          c = this.skipSpace();
          if (inObject) {
            this.objectKey(c);
            c = this.skipSpace();
          }
          break;
        }
        if (c === (inObject ? 0x7d : 0x5d)) {
          this.pos++;
          stack.pop();
          continue;
        }
        this.fail(inObject ? 'after object key:value pair' : 'after array element');
      }
    }
  }

  /** True when non-space bytes remain after the top-level value. */
  private skipSpaceAtEnd(): boolean {
    while (this.pos < this.bytes.length && isSpace(this.bytes[this.pos]!)) this.pos++;
    return this.pos < this.bytes.length;
  }

  /** `"key"` then `:`; leaves the position at the start of the value. */
  private objectKey(c: number): void {
    if (c !== 0x22) this.fail('looking for beginning of object key string');
    this.string();
    if (this.skipSpace() !== 0x3a) this.fail('after object key');
    this.pos++;
  }

  private scalar(c: number): void {
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.fail('looking for beginning of value');
  }

  private string(): void {
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c === 0x5c) {
        this.pos++;
        const e = this.peek();
        if (e === 0x75) {
          this.pos++;
          for (let i = 0; i < 4; i++) {
            if (!isHex(this.peek())) this.fail('in \\u hexadecimal character escape');
            this.pos++;
          }
          continue;
        }
        if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) this.fail('in string escape code');
      } else if (c < 0x20) {
        this.fail('in string literal');
      }
      this.pos++;
    }
  }

  /** Bytes of a number; the byte after it is judged by the caller, as Go's stateEndValue does. */
  private number(): void {
    if (this.bytes[this.pos] === 0x2d) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('in numeric literal');
    }
    const first = this.bytes[this.pos]!;
    this.pos++;
    if (first !== 0x30) this.digits();
    if (this.at(0x2e)) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('after decimal point in numeric literal');
      this.digits();
    }
    if (this.at(0x65) || this.at(0x45)) {
      this.pos++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
      if (!isDigit(this.peek())) this.fail('in exponent of numeric literal');
      this.digits();
    }
  }

  private at(byte: number): boolean {
    return this.pos < this.bytes.length && this.bytes[this.pos] === byte;
  }

  private digits(): void {
    while (this.pos < this.bytes.length && isDigit(this.bytes[this.pos]!)) this.pos++;
  }

  private literal(word: string): void {
    this.pos++;
    for (const expected of word.slice(1)) {
      if (this.peek() !== expected.charCodeAt(0)) this.fail(`in literal ${word} (expecting '${expected}')`);
      this.pos++;
    }
  }
}

/** Go's syntax error for `text`, or undefined when it is well-formed JSON. */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    new Scanner(new TextEncoder().encode(text)).document();
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxFailure) return err.message;
    throw err;
  }
}
