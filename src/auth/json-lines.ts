/**
 * A small strict JSON (RFC 8259) parser that keeps the line of every value, so that a
 * configuration file's errors can name the line. Duplicate keys are an error.
 */

/** A parsed value with the 1-based line it starts on. */
export type JsonLineNode =
  | { readonly kind: 'object'; readonly line: number; readonly entries: ReadonlyArray<{ key: string; line: number; value: JsonLineNode }> }
  | { readonly kind: 'array'; readonly line: number; readonly items: readonly JsonLineNode[] }
  | { readonly kind: 'string'; readonly line: number; readonly value: string }
  | { readonly kind: 'number'; readonly line: number; readonly value: number }
  | { readonly kind: 'boolean'; readonly line: number; readonly value: boolean }
  | { readonly kind: 'null'; readonly line: number };

/** A syntax error at a line. */
export class JsonLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

const MAX_DEPTH = 64;

/** Parses `text`; throws {@link JsonLineError} naming the line of the first defect. */
export function parseJsonLines(text: string): JsonLineNode {
  let pos = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new JsonLineError(line, msg);
  };
  const ws = (): void => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      pos++;
    }
  };
  const str = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(pos, pos + 65536));
    if (m === null) fail('invalid string');
    pos += (m as RegExpExecArray)[0].length;
    return JSON.parse((m as RegExpExecArray)[0]) as string;
  };
  const value = (depth: number): JsonLineNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const at = line;
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<{ key: string; line: number; value: JsonLineNode }> = [];
      const seen = new Set<string>();
      ws();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', line: at, entries };
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a "key"');
        const keyLine = line;
        const key = str();
        if (seen.has(key)) fail(`duplicate key "${key}"`);
        seen.add(key);
        ws();
        if (text[pos] !== ':') fail(`expected ':' after "${key}"`);
        pos++;
        entries.push({ key, line: keyLine, value: value(depth + 1) });
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return { kind: 'object', line: at, entries };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonLineNode[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', line: at, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return { kind: 'array', line: at, items };
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'string', line: at, value: str() };
    for (const [word, node] of [
      ['true', { kind: 'boolean', line: at, value: true }],
      ['false', { kind: 'boolean', line: at, value: false }],
      ['null', { kind: 'null', line: at }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return node;
      }
    }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 64));
    if (m === null) return fail(pos >= text.length ? 'unexpected end of file' : `unexpected character '${c ?? ''}'`);
    pos += m[0].length;
    return { kind: 'number', line: at, value: Number(m[0]) };
  };
  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  const root = value(0);
  ws();
  if (pos < text.length) fail('unexpected text after the end of the document');
  return root;
}
