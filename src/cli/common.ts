import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  binaryMessage,
  connect,
  IpcError,
  jsonMessage,
  plainTextMessage,
  textMessage,
  type Client,
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

/** The security options of {@link CLIENT_OPTIONS}, for commands with their own connection options. */
export const SECURITY_OPTIONS = {
  encrypt: { type: 'boolean' },
  user: { type: 'string' },
  password: { type: 'string' },
  'password-env': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

/** Options every client command takes. */
export const CLIENT_OPTIONS: Options = {
  port: { type: 'string' },
  host: { type: 'string' },
  uri: { type: 'string' },
  timeout: { type: 'string' },
  ...SECURITY_OPTIONS,
};

/** Usage text of the options in {@link CLIENT_OPTIONS} that concern security. */
export const CLIENT_SECURITY_USAGE = '[--encrypt] [--user U (--password P | --password-env VAR)] [--tls-ca F [--tls-cert F --tls-key F]]';

/** Environment variable read for the password when `--user` comes without one. */
export const PASSWORD_ENV = 'VENICE_IPC_PASSWORD';

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

/** Connection options of a client command (default: 127.0.0.1:33333), with encryption and credentials. */
export function clientOptions(v: Values, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const uri = str(v, 'uri');
  const port = int(v, 'port');
  const host = str(v, 'host');
  const timeout = int(v, 'timeout');
  if (uri !== undefined && (port !== undefined || host !== undefined)) throw new UsageError('give either --uri or --port/--host');
  const base: ClientOptions = uri !== undefined ? { uri } : { port: port ?? 33333, ...(host !== undefined ? { host } : {}) };
  return {
    ...base,
    ...(timeout !== undefined ? { timeout } : {}),
    ...(v['encrypt'] === true ? { encrypt: true } : {}),
    ...credentials(v, env),
    ...tlsOptions(v),
  };
}

/** The content of the file an option names (PEM), or undefined; an unreadable file is a usage error. */
export function fileOption(v: Values, name: string): string | undefined {
  const path = str(v, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--${name}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** `--tls-ca/--tls-cert/--tls-key` (PEM files): connect with TLS. */
function tlsOptions(v: Values): Pick<ClientOptions, 'tls'> {
  const ca = fileOption(v, 'tls-ca');
  const cert = fileOption(v, 'tls-cert');
  const key = fileOption(v, 'tls-key');
  if (ca === undefined && cert === undefined && key === undefined) return {};
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  return { tls: { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert, key } : {}) } };
}

/**
 * User name and password from `--user` and `--password`, `--password-env VAR` or, when only
 * `--user` is given, the environment variable VENICE_IPC_PASSWORD (a password on the command
 * line shows in `ps`; one in the environment does not).
 */
function credentials(v: Values, env: NodeJS.ProcessEnv): { userName?: string; password?: string } {
  const userName = str(v, 'user');
  const given = str(v, 'password');
  const envName = str(v, 'password-env');
  if (userName === undefined) {
    if (given !== undefined || envName !== undefined) throw new UsageError('--password and --password-env need --user');
    return {};
  }
  if (given !== undefined && envName !== undefined) throw new UsageError('give either --password or --password-env');
  if (given !== undefined) return { userName, password: given };
  const name = envName ?? PASSWORD_ENV;
  const password = env[name];
  if (password === undefined) {
    throw new UsageError(
      envName === undefined
        ? `--user needs a password: --password P, --password-env VAR or the environment variable ${PASSWORD_ENV}`
        : `the environment variable ${envName} (--password-env) is not set`,
    );
  }
  return { userName, password };
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

/** Connects with `opts`, runs `f`, and always closes the client. */
export async function withClient<T>(opts: ClientOptions, f: (c: Client) => Promise<T>): Promise<T> {
  const client = await connect(opts);
  try {
    return await f(client);
  } finally {
    await client.close();
  }
}

/** Prints a response as pretty JSON; returns the exit code (1 with a reason on stderr unless OK). */
export function printResponse(res: Message): number {
  process.stdout.write(res.toJsonString(true) + '\n');
  if (res.responseOk) return 0;
  process.stderr.write(`server answered ${res.status}\n`);
  return 1;
}
