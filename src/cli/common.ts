import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  binaryMessage,
  IpcError,
  jsonMessage,
  plainTextMessage,
  textMessage,
  type ClientOptions,
  type Message,
} from '../index.js';

/** A CLI command. `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command lines; printed with the usage. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every client command takes. */
export const CLIENT_OPTIONS: Options = {
  port: { type: 'string' },
  host: { type: 'string' },
  uri: { type: 'string' },
  timeout: { type: 'string' },
};

/** Options describing a message payload. */
export const PAYLOAD_OPTIONS: Options = {
  text: { type: 'string' },
  json: { type: 'string' },
  file: { type: 'string' },
  mimetype: { type: 'string' },
  topic: { type: 'string' },
  'request-id': { type: 'string' },
};

/** Parsed values: strings, booleans and repeated strings. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** parseArgs with strict checking, turning its errors into UsageErrors. */
export function parse(argv: string[], options: Options, allowPositionals = false): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads a string option. */
export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** Reads an integer option. */
export function int(v: Values, name: string, dflt?: number): number | undefined {
  const x = str(v, name);
  if (x === undefined) return dflt;
  if (!/^-?[0-9]+$/.test(x)) throw new UsageError(`--${name} expects an integer, got '${x}'`);
  return Number(x);
}

/** Connection options of a client command (default: 127.0.0.1:33333). */
export function clientOptions(v: Values): ClientOptions {
  const uri = str(v, 'uri');
  const port = int(v, 'port');
  const host = str(v, 'host');
  const timeout = int(v, 'timeout');
  if (uri !== undefined && (port !== undefined || host !== undefined)) throw new UsageError('give either --uri or --port/--host');
  const base: ClientOptions = uri !== undefined ? { uri } : { port: port ?? 33333, ...(host !== undefined ? { host } : {}) };
  return timeout !== undefined ? { ...base, timeout } : base;
}

/** Builds the message described by --text / --json / --file. */
export async function messageFrom(v: Values): Promise<Message> {
  const topic = str(v, 'topic') ?? 'test';
  const rid = str(v, 'request-id') ?? null;
  const given = ['text', 'json', 'file'].filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --text, --json, --file');
  const mimetype = str(v, 'mimetype');
  const text = str(v, 'text');
  if (text !== undefined) return mimetype === undefined ? plainTextMessage(rid, topic, text) : textMessage(rid, topic, mimetype, 'UTF-8', text);
  const json = str(v, 'json');
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new UsageError('--json is not valid JSON');
    }
    return jsonMessage(rid, topic, value);
  }
  const data = await readFile(str(v, 'file') as string);
  return binaryMessage(rid, topic, mimetype ?? 'application/octet-stream', data);
}

/** One line for stderr describing an error. */
export function describe(err: unknown): string {
  if (err instanceof IpcError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
