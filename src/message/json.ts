/**
 * JSON as Venice prints it (SEMANTICS §2.5): a lossless parser that remembers whether a number
 * was written as an integer, and a writer that reproduces Venice's compact and pretty forms —
 * doubles in Java `Double.toString` form (`100.0`, `1.0E20`), Venice's string escaping, and a
 * pretty form with two-space indents, `": "` separators and arrays printed inline.
 */
import { ErrorCode, MessageError } from '../errors.js';

/** A JSON value; the JS representation returned by `JSON.parse`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A number token as written: `integer` numbers print verbatim, others as Java doubles. */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly integer: boolean,
  ) {}
}

/** A losslessly parsed JSON value (objects keep key order; numbers keep their kind). */
export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | Map<string, JsonNode> | Uint8Array;

/** Parses strict JSON text into a {@link JsonNode}; throws MessageError(NOT_JSON) if invalid. */
export function parseJsonLossless(text: string): JsonNode {
  const p = new Parser(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail('unexpected trailing characters');
  return v;
}

const MAX_DEPTH = 1000;

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(why: string): never {
    throw new MessageError(ErrorCode.NOT_JSON, `Invalid JSON payload: ${why} at offset ${this.i}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.s[this.i];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.i)) this.fail('unexpected token');
    this.i += word.length;
    return v;
  }

  number(): JsonNumber {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null || m[0] === '' || m[0] === '-') this.fail('unexpected token');
    this.i += m[0].length;
    return new JsonNumber(m[0], m[2] === undefined && m[3] === undefined);
  }

  string(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = s.slice(this.i, this.i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad unicode escape');
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 4;
            break;
          }
          default:
            this.fail('bad escape');
        }
        start = this.i;
      } else {
        this.i++;
      }
    }
    out += s.slice(start, this.i);
    this.i++; // closing quote
    return out;
  }

  array(depth: number): JsonNode[] {
    this.i++;
    const out: JsonNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  object(depth: number): Map<string, JsonNode> {
    this.i++;
    const out = new Map<string, JsonNode>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail("expected ':'");
      this.ws();
      out.set(k, this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }
}

/** Java `Double.toString` of a finite double (shortest round-trip digits). */
export function javaDouble(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d); // plain notation in this range
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant = '', exp = '0'] = d.toExponential().split('e');
  const m = mant.includes('.') ? mant : `${mant}.0`;
  return `${m}E${Number(exp)}`;
}

/** Escapes a string the way Venice's JSON writer does. */
export function quoteJson(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c < 0x20) {
      rep = c === 0x08 ? '\\b' : c === 0x09 ? '\\t' : c === 0x0a ? '\\n' : c === 0x0c ? '\\f' : c === 0x0d ? '\\r' : u4(c);
    } else if ((c >= 0x80 && c <= 0x9f) || (c >= 0x2000 && c <= 0x20ff)) rep = u4(c);
    else if (c === 0x2f && i > 0 && s.charCodeAt(i - 1) === 0x3c) rep = '\\/';
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function u4(c: number): string {
  return '\\u' + c.toString(16).padStart(4, '0');
}

/** Writes a JsonNode (or plain JS values) as Venice does; `pretty` adds newlines and indents. */
export function writeJson(node: unknown, pretty: boolean): string {
  return write(node, pretty, '');
}

function write(v: unknown, pretty: boolean, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteJson(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? v.toFixed(0) : javaDouble(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof JsonNumber) return v.integer ? v.text : javaDouble(Number(v.text));
  if (v instanceof Uint8Array) return quoteJson(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (Array.isArray(v)) return '[' + v.map((e) => write(e, false, '')).join(',') + ']';
  const entries: Array<[string, unknown]> = v instanceof Map ? [...(v as Map<string, unknown>)] : Object.entries(v);
  if (entries.length === 0) return '{}';
  if (!pretty) return '{' + entries.map(([k, e]) => quoteJson(k) + ':' + write(e, false, '')).join(',') + '}';
  const inner = indent + '  ';
  return '{\n' + entries.map(([k, e]) => inner + quoteJson(k) + ': ' + write(e, true, inner)).join(',\n') + '\n' + indent + '}';
}
