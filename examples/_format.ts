/**
 * Prints values the way Venice's `println` does, so that the examples' output reads like the
 * seed document's: `nil`, keywords (`:OK`), byte buffers (`[72 101 108]`), maps
 * (`{:a 100 :b 200}`) and lists (`(1 2 3)`). Strings print without quotes, as `println` (not
 * `pr`) prints them. This is example scaffolding, not part of the library.
 */
import type { Message, MessageFieldName } from '../src/index.js';

/** A Venice keyword such as `:RESPONSE`. */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

/** Venice `(keyword name)`. */
export const kw = (name: string): Keyword => new Keyword(name);

/** One value in Venice `str` form. */
export function str(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (v instanceof Keyword) return v.toString();
  if (v instanceof Uint8Array) return `[${v.join(' ')}]`;
  if (Array.isArray(v)) return `(${v.map(str).join(' ')})`; // JSON arrays read back as lists
  if (typeof v === 'object') {
    const entries = v instanceof Map ? [...(v as Map<unknown, unknown>)] : Object.entries(v);
    return `{${entries.map(([k, x]) => `${typeof k === 'string' ? `:${k}` : str(k)} ${str(x)}`).join(' ')}}`;
  }
  return String(v as string | number | boolean | bigint);
}

/** Venice `println`: the values in `str` form, separated by a space. */
export function println(...values: unknown[]): void {
  console.log(values.map(str).join(' '));
}

/** `ipc/message-field` with Venice's value types: type, status and charset are keywords. */
export function veniceField(m: Message, name: MessageFieldName): unknown {
  const v = m.field(name);
  const isKeyword = name === 'type' || name === 'response-status' || name === 'payload-charset';
  return isKeyword && typeof v === 'string' ? kw(v) : v;
}

/** `ipc/message->map` with Venice's value types (`:type :RESPONSE :status :OK … :charset :UTF-8`). */
export function veniceMap(m: Message): Map<string, unknown> {
  const o = m.toObject();
  return new Map<string, unknown>(
    Object.entries(o).map(([k, v]) => [k, (k === 'type' || k === 'status' || k === 'charset') && typeof v === 'string' ? kw(v) : v]),
  );
}

/** Venice `pr-str`: like {@link str} but strings are quoted (how the REPL prints a result map). */
export function pr(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v !== null && typeof v === 'object' && !(v instanceof Keyword) && !(v instanceof Uint8Array) && !Array.isArray(v)) {
    const entries = v instanceof Map ? [...(v as Map<unknown, unknown>)] : Object.entries(v);
    return `{${entries.map(([k, x]) => `${typeof k === 'string' ? `:${k}` : pr(k)} ${pr(x)}`).join(' ')}}`;
  }
  return str(v);
}
