/**
 * Java `.properties` text, as `java.util.Properties.load(Reader)` reads it and
 * `Properties.store(Writer, comment)` writes it (SEMANTICS §8.3). Venice stores credentials in
 * this format, so both directions follow the JDK 17 code character for character.
 */

/** Whitespace the JDK skips around keys and at the start of lines (not CR/LF). */
function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

/**
 * Splits text into logical lines like the JDK's `Properties.LineReader`: skips blank lines and
 * comment lines (first non-blank character `#` or `!` on a new logical line), joins a line that
 * ends with an odd number of backslashes to the next one (dropping that backslash, the line
 * break and the next line's leading whitespace). Escapes are left in place.
 */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  let skipWhiteSpace = true;
  let appendedLineBegin = false;
  let precedingBackslash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (skipWhiteSpace) {
      if (isBlank(c)) continue;
      // Empty lines are skipped, except right after a continuation: that ends the line.
      if (!appendedLineBegin && (c === '\r' || c === '\n')) continue;
      skipWhiteSpace = false;
      appendedLineBegin = false;
    }
    if (line.length === 0 && (c === '#' || c === '!')) {
      while (i + 1 < text.length && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++;
      skipWhiteSpace = true;
      continue;
    }
    if (c !== '\n' && c !== '\r') {
      line += c;
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      continue;
    }
    if (line.length === 0) {
      skipWhiteSpace = true;
      continue;
    }
    if (precedingBackslash) {
      line = line.slice(0, -1);
      skipWhiteSpace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      lines.push(line);
      line = '';
      skipWhiteSpace = true;
    }
  }
  // At end of input a trailing odd backslash is dropped.
  if (line.length > 0) lines.push(precedingBackslash ? line.slice(0, -1) : line);
  return lines;
}

/** Decodes `\t \n \r \f \uXXXX` and `\c` → `c`, as the JDK's `loadConvert`. */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    if (e === undefined) break; // cannot happen: a logical line never ends in a lone backslash
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new SyntaxError('Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
    }
  }
  return out;
}

/** Splits one logical line into key and value as the JDK's `Properties.load0`. */
function splitLine(line: string): [string, string] {
  let keyLen = 0;
  let valueStart = line.length;
  let hasSep = false;
  let precedingBackslash = false;
  while (keyLen < line.length) {
    const c = line[keyLen]!;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyLen + 1;
      hasSep = true;
      break;
    }
    if (isBlank(c) && !precedingBackslash) {
      valueStart = keyLen + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyLen++;
  }
  while (valueStart < line.length) {
    const c = line[valueStart]!;
    if (!isBlank(c)) {
      if (!hasSep && (c === '=' || c === ':')) hasSep = true;
      else break;
    }
    valueStart++;
  }
  return [unescape(line.slice(0, keyLen)), unescape(line.slice(valueStart))];
}

/**
 * Parses Java properties text into an ordered map (a later duplicate key replaces the earlier
 * value but keeps the first position). A leading byte-order mark is ignored (the JDK would make
 * it part of the first key).
 * @throws SyntaxError for a malformed `\uXXXX` escape, with the JDK's message.
 */
export function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const line of logicalLines(body)) {
    const [key, value] = splitLine(line);
    map.set(key, value);
  }
  return map;
}

/** Escapes a key (`escapeSpace`) or value as the JDK's `saveConvert(…, escapeUnicode = false)`. */
function escapeText(s: string, escapeSpace: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (code > 61 && code < 127) {
      out += c === '\\' ? '\\\\' : c;
      continue;
    }
    switch (c) {
      case ' ':
        out += i === 0 || escapeSpace ? '\\ ' : ' ';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '=':
      case ':':
      case '#':
      case '!':
        out += '\\' + c;
        break;
      default:
        out += c; // other control and non-ASCII characters are written raw (store(Writer))
    }
  }
  return out;
}

/** A property key escaped as `Properties.store` writes it. */
export function escapePropertyKey(key: string): string {
  return escapeText(key, true);
}

/** A property value escaped as `Properties.store` writes it (only a leading space escaped). */
export function escapePropertyValue(value: string): string {
  return escapeText(value, false);
}

/** Writes a comment as the JDK's `writeComments`: `#` prefix, line breaks continued, > U+00FF as `\uXXXX`. */
function formatComment(comment: string): string {
  let out = '#';
  for (let i = 0; i < comment.length; i++) {
    const c = comment[i]!;
    const code = c.charCodeAt(0);
    if (code > 0xff) {
      out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    } else if (c === '\n' || c === '\r') {
      out += '\n';
      if (c === '\r' && comment[i + 1] === '\n') i++;
      const next = comment[i + 1];
      if (i === comment.length - 1 || (next !== '#' && next !== '!')) out += '#';
    } else {
      out += c;
    }
  }
  return out + '\n';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Date.toString()` of Java (`EEE MMM dd HH:mm:ss zzz yyyy`) in UTC, e.g. `Wed Nov 25 11:30:07 UTC 2026`. */
export function javaDateString(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]!} ${MONTHS[date.getUTCMonth()]!} ${two(date.getUTCDate())} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ` +
    String(date.getUTCFullYear()).padStart(4, '0')
  );
}

/** Options of {@link formatProperties}. */
export interface FormatPropertiesOptions {
  /** First comment line, without `#`; `null` writes none. Defaults to `null`. */
  readonly comment: string | null;
  /** Time written in the date comment line. Defaults to now. */
  readonly date: Date;
}

/**
 * Produces exactly what `Properties.store(Writer, comment)` writes on Unix (LF line ends),
 * with the date in UTC: optional `#comment`, `#<date>`, then `key=value` lines in the given
 * order. Encode the result as UTF-8.
 */
export function formatProperties(
  entries: Iterable<readonly [string, string]>,
  options?: Readonly<Partial<FormatPropertiesOptions>>,
): string {
  const comment = options?.comment ?? null;
  let out = comment === null ? '' : formatComment(comment);
  out += `#${javaDateString(options?.date ?? new Date())}\n`;
  for (const [key, value] of entries) out += `${escapePropertyKey(key)}=${escapePropertyValue(value)}\n`;
  return out;
}
