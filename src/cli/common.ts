import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
import { EXIT, UsageError, type OptionSpec, type Values } from './command.js';

export { EXIT, UsageError, type Command, type Invocation, type OptionSpec, type Values } from './command.js';

/** Environment variable with the default endpoint of client commands. */
export const URI_ENV = 'VENICE_IPC_URI';
/** Environment variable with the default user of client commands. */
export const USER_ENV = 'VENICE_IPC_USER';
/** Environment variable read for the password when a user comes without one. */
export const PASSWORD_ENV = 'VENICE_IPC_PASSWORD';

/** Where a client connects: `--uri`, or `--port`/`--host`. */
export const CONNECT_OPTIONS: readonly OptionSpec[] = [
  { name: 'uri', type: 'string', value: 'URI', description: `server endpoint, af-inet://HOST:PORT or af-unix:///PATH. Defaults to $${URI_ENV}, else af-inet://127.0.0.1:33333` },
  { name: 'port', type: 'string', value: 'N', description: 'server port (instead of --uri). Defaults to 33333' },
  { name: 'host', type: 'string', value: 'H', description: 'server host with --port. Defaults to 127.0.0.1' },
];

/** Encryption and login of a client. */
export const SECURITY_OPTIONS: readonly OptionSpec[] = [
  { name: 'encrypt', type: 'boolean', description: 'encrypt the connection (AES-256-GCM after a key agreement). Defaults to off' },
  { name: 'user', type: 'string', value: 'U', description: `log in as user U. Defaults to $${USER_ENV}, else no login` },
  { name: 'password', type: 'string', value: 'P', description: `password of --user (shows in ps: prefer --password-env). Defaults to $${PASSWORD_ENV}` },
  { name: 'password-env', type: 'string', value: 'VAR', description: `read the password from the environment variable VAR. Defaults to ${PASSWORD_ENV}` },
  { name: 'tls-ca', type: 'string', value: 'F', description: "connect with TLS, trusting the PEM CAs in F (the server's --tls-uri). Defaults to plain TCP" },
  { name: 'tls-cert', type: 'string', value: 'F', description: 'PEM client certificate for TLS (with --tls-key). Defaults to none' },
  { name: 'tls-key', type: 'string', value: 'F', description: 'PEM private key of --tls-cert. Defaults to none' },
];

/** The response timeout of request commands. */
export const TIMEOUT_OPTION: OptionSpec = {
  name: 'timeout',
  type: 'string',
  value: 'MS',
  description: 'response timeout in milliseconds. Defaults to the client default (DEFAULT_REQUEST_TIMEOUT)',
};

/** Options every request/response client command takes. */
export const CLIENT_OPTIONS: readonly OptionSpec[] = [...CONNECT_OPTIONS, TIMEOUT_OPTION, ...SECURITY_OPTIONS];

/** Options describing a message payload (exactly one of --text, --data-json, --file); `--json` is the output format, as on every command. */
export const PAYLOAD_OPTIONS: readonly OptionSpec[] = [
  { name: 'text', type: 'string', value: 'S', description: 'payload: the text S (text/plain unless --mimetype)' },
  { name: 'data-json', type: 'string', value: 'JSON', description: 'payload: the JSON document JSON (application/json)' },
  { name: 'file', type: 'string', value: 'F', description: "payload: the bytes of file F; '-' reads stdin (application/octet-stream unless --mimetype)" },
  { name: 'mimetype', type: 'string', value: 'M', description: 'mimetype of a --text or --file payload' },
  { name: 'topic', type: 'string', value: 'T', description: 'topic of the message. Defaults to test' },
  { name: 'request-id', type: 'string', value: 'ID', description: 'request id of the message. Defaults to none' },
];

/** `--json` of commands that print data. */
export function jsonOption(what: string): OptionSpec {
  return { name: 'json', type: 'boolean', description: `print ${what}. Defaults to off` };
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
  if (!/^-?[0-9]+$/.test(x) || !Number.isSafeInteger(Number(x))) throw new UsageError(`--${name} expects an integer, got '${x}'`);
  return Number(x);
}

/** Reads a TCP port option: an integer from `min` (1, or 0 for a server's ephemeral port) to 65535. */
export function port(v: Values, name = 'port', min = 1): number | undefined {
  const p = int(v, name);
  if (p !== undefined && (p < min || p > 65535)) throw new UsageError(`--${name} expects a port from ${min} to 65535, got ${p}`);
  return p;
}

/** Throws a UsageError unless there are exactly `n` positionals; returns them. */
export function positionals(args: readonly string[], n: number, what: string): string[] {
  if (args.length !== n) throw new UsageError(`expects ${what}`);
  return [...args];
}

/**
 * Connection options of a client command: `--uri` or `--port`/`--host`, else `$VENICE_IPC_URI`,
 * else 127.0.0.1:33333; with `--timeout`, `--encrypt` and the login. Flags win over the environment.
 */
export function clientOptions(v: Values, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const uri = str(v, 'uri');
  const p = port(v);
  const host = str(v, 'host');
  const timeout = int(v, 'timeout');
  if (uri !== undefined && (p !== undefined || host !== undefined)) throw new UsageError('give either --uri or --port/--host');
  const envUri = env[URI_ENV];
  const base: ClientOptions =
    uri !== undefined
      ? { uri }
      : p === undefined && host === undefined && envUri !== undefined && envUri !== ''
        ? { uri: envUri }
        : { port: p ?? 33333, ...(host !== undefined ? { host } : {}) };
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
 * User name and password: the user from `--user` or VENICE_IPC_USER; the password from
 * `--password`, `--password-env VAR` or VENICE_IPC_PASSWORD (a password on the command line
 * shows in `ps`; one in the environment does not).
 */
function credentials(v: Values, env: NodeJS.ProcessEnv): { userName?: string; password?: string } {
  const flagUser = str(v, 'user');
  const envUser = env[USER_ENV];
  const userName = flagUser ?? (envUser !== undefined && envUser !== '' ? envUser : undefined);
  const given = str(v, 'password');
  const envName = str(v, 'password-env');
  if (userName === undefined) {
    if (given !== undefined || envName !== undefined) throw new UsageError(`--password and --password-env need --user (or ${USER_ENV})`);
    return {};
  }
  if (given !== undefined && envName !== undefined) throw new UsageError('give either --password or --password-env');
  if (given !== undefined) return { userName, password: given };
  const name = envName ?? PASSWORD_ENV;
  const password = env[name];
  if (password === undefined) {
    throw new UsageError(
      envName === undefined
        ? `user '${userName}' needs a password: --password P, --password-env VAR or the environment variable ${PASSWORD_ENV}`
        : `the environment variable ${envName} (--password-env) is not set`,
    );
  }
  return { userName, password };
}

/** Most bytes `--file -` reads from stdin (Venice's largest message, 250 MiB). */
export const STDIN_LIMIT = 250 * 1024 * 1024;

/** Reads all of stdin, failing past {@link STDIN_LIMIT} bytes. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin, limit = STDIN_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) throw new UsageError(`stdin holds more than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

/** Builds the message described by --text / --json / --file (`--file -`: stdin). */
export async function messageFrom(v: Values): Promise<Message> {
  const topic = str(v, 'topic') ?? 'test';
  const rid = str(v, 'request-id') ?? null;
  const given = ['text', 'data-json', 'file'].filter((k) => v[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --text, --data-json, --file');
  const mimetype = str(v, 'mimetype');
  const text = str(v, 'text');
  if (text !== undefined) return mimetype === undefined ? plainTextMessage(rid, topic, text) : textMessage(rid, topic, mimetype, 'UTF-8', text);
  const json = str(v, 'data-json');
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new UsageError('--data-json is not valid JSON');
    }
    return jsonMessage(rid, topic, value);
  }
  const file = str(v, 'file') as string;
  const data = file === '-' ? await readStdin() : await readFile(file);
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

/** `--json` of send, offer and publish: the response as one compact line instead of pretty JSON. */
export const RESPONSE_JSON_OPTION: OptionSpec = jsonOption('the response as one compact JSON line instead of pretty JSON');

/** Prints a response as pretty JSON (one compact line with `--json`); returns the exit code (1 with a reason on stderr unless OK). */
export function printResponse(res: Message, v: Values = {}): number {
  process.stdout.write(res.toJsonString(v['json'] !== true) + '\n');
  if (res.responseOk) return EXIT.OK;
  process.stderr.write(`server answered ${res.status}\n`);
  return EXIT.FAILURE;
}

/** Prints one message of a stream (poll, subscribe) as one compact JSON line (NDJSON). */
export function printLine(m: Message): void {
  process.stdout.write(m.toJsonString(false) + '\n');
}

/** Prints `data` as one compact JSON line with `--json`, else `human` (pretty JSON by default). */
export function printData(v: Values, data: unknown, human: string = JSON.stringify(data, null, 2)): void {
  process.stdout.write((v['json'] === true ? JSON.stringify(data) : human) + '\n');
}
