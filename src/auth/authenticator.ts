/**
 * User credentials for the server's login step (SEMANTICS §8): password hashes in memory,
 * constant-time verification, and the Venice credentials file (Java properties).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { ArgumentError, AuthError, ErrorCode } from '../errors.js';
import { checkPasswordFormat, hashPassword, verifyPassword } from '../crypto/password.js';
import type { PasswordFormat } from '../crypto/password.js';
import { formatProperties, parseProperties } from './properties.js';

/** Longest user name and password, in UTF-16 code units as Java counts them. */
export const MAX_CREDENTIAL_LENGTH = 100;

/** First comment line of a stored credentials file, as Venice writes it. */
export const CREDENTIALS_FILE_COMMENT = 'IPC user credentials';

/** Options of the authenticator factories. */
export interface AuthenticatorOptions {
  /** Whether the authenticator checks logins; an inactive one accepts everyone. Defaults to `true`. */
  readonly active: boolean;
  /** Stored form for new passwords (`'venice'` is readable by Java servers). Defaults to `'venice'`. */
  readonly format: PasswordFormat;
  /**
   * Load a credentials file that every user of the machine may read (mode `o+r`); such a
   * file is refused otherwise (`CREDENTIALS_FILE`). Defaults to `false`.
   */
  readonly allowWorldReadable: boolean;
}

/** Defaults of {@link AuthenticatorOptions}. */
export const DEFAULT_AUTHENTICATOR_OPTIONS: Readonly<AuthenticatorOptions> = Object.freeze({
  active: true,
  format: 'venice',
  allowWorldReadable: false,
});

/** Options of {@link Authenticator.addCredentials}. */
export interface AddCredentialsOptions {
  /** Stored form of this password. Defaults to the authenticator's `format`. */
  readonly format: PasswordFormat;
}

/** Where credentials are stored to or loaded from: a file path, or a stream. */
export type CredentialsTarget = string | URL | Writable;
/** A credentials source: a file path or a readable stream of UTF-8 text. */
export type CredentialsSource = string | URL | Readable;

/** Users and password hashes; the server asks it to verify each login. */
export interface Authenticator {
  /** Whether logins are checked. Loading credentials activates it. */
  readonly active: boolean;
  /** Number of users. */
  readonly size: number;
  /** Turns checking on or off; an inactive authenticator accepts everyone (as Venice). */
  setActive(active: boolean): void;
  /**
   * Adds a user or replaces its password, after hashing it off the event loop.
   * @throws AuthError `INVALID_CREDENTIALS` for a user or password over 100 characters, a blank
   * password, or a line break in either.
   */
  addCredentials(user: string, password: string, options?: Readonly<Partial<AddCredentialsOptions>>): Promise<void>;
  /** Removes a user; returns whether it existed. */
  removeCredentials(user: string): boolean;
  /** Removes every user. */
  clearCredentials(): void;
  /** Whether the user exists. */
  hasUser(user: string): boolean;
  /** Names of all users, sorted. */
  users(): string[];
  /**
   * Checks a login in constant time. An unknown user still costs one hash so the timing does not
   * tell which users exist. Always `true` while inactive.
   */
  verify(user: string, password: string): Promise<boolean>;
  /** The credentials file text (UTF-8, LF line ends), users sorted; `date` defaults to now. */
  serialize(date?: Date): string;
  /**
   * Writes the credentials file. A path is written atomically (temporary file in the same
   * folder, fsync, rename) with mode 0600; a stream is written to but not ended.
   * @throws AuthError `CREDENTIALS_FILE` when writing fails.
   */
  store(target: CredentialsTarget): Promise<void>;
  /**
   * Replaces all credentials with those of a file or stream and activates the authenticator.
   * @throws AuthError `CREDENTIALS_FILE` when it cannot be read or parsed.
   */
  load(source: CredentialsSource): Promise<void>;
  /** Like {@link Authenticator.load} for file content already in memory. */
  loadText(text: string): void;
}

function checkCredentials(user: string, password: string): void {
  const invalid = (message: string): never => {
    throw new AuthError(ErrorCode.INVALID_CREDENTIALS, message);
  };
  if (typeof user !== 'string') invalid('A user name must be a string');
  if (typeof password !== 'string') invalid("A 'password' must not be blank");
  if (user.length > MAX_CREDENTIAL_LENGTH) invalid('A user name is limited to 100 characters');
  if (password.length > MAX_CREDENTIAL_LENGTH) invalid('A password is limited to 100 characters');
  if (password.trim().length === 0) invalid("A 'password' must not be blank");
  // The login payload is "user\npassword" split into lines (WIRE §8.4): a line break could never log in.
  if (/[\r\n]/.test(user)) invalid('A user name must not contain line breaks');
  if (/[\r\n]/.test(password)) invalid('A password must not contain line breaks');
}

function fileError(message: string, cause: unknown): AuthError {
  return new AuthError(ErrorCode.CREDENTIALS_FILE, message, { cause });
}

async function readSource(source: CredentialsSource): Promise<Buffer> {
  if (typeof source === 'string' || source instanceof URL) return readFile(source);
  const chunks: Buffer[] = [];
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(chunks);
}

/** Refuses a credentials file that everyone may read (the password hashes allow offline guessing). */
async function refuseWorldReadable(path: string | URL): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return; // reading reports a missing file
  }
  if ((mode & 0o004) !== 0) {
    throw new AuthError(
      ErrorCode.CREDENTIALS_FILE,
      `The credentials file is readable by everyone (mode ${(mode & 0o777).toString(8)}): chmod 600 it, or allow it explicitly`,
    );
  }
}

/** Parses credentials file text into a user → stored hash map. */
function parseCredentials(text: string): Map<string, string> {
  try {
    return parseProperties(text);
  } catch (err) {
    throw fileError(`Invalid credentials file: ${(err as Error).message}`, err);
  }
}

/** Writes `text` to `path` atomically: temp file in the same folder, fsync, rename, fsync folder. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself; some platforms cannot open a folder, which is not an error.
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    /* best effort */
  }
}

class AuthenticatorImpl implements Authenticator {
  readonly #credentials = new Map<string, string>();
  readonly #format: PasswordFormat;
  readonly #allowWorldReadable: boolean;
  #active: boolean;
  #dummy: Promise<string> | undefined;

  constructor(options: Readonly<Partial<AuthenticatorOptions>> | undefined) {
    const active: unknown = options?.active ?? DEFAULT_AUTHENTICATOR_OPTIONS.active;
    if (typeof active !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'Option active must be a boolean');
    this.#active = active;
    this.#format = checkPasswordFormat(options?.format ?? DEFAULT_AUTHENTICATOR_OPTIONS.format);
    const wr = options?.allowWorldReadable ?? DEFAULT_AUTHENTICATOR_OPTIONS.allowWorldReadable;
    if (typeof wr !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'allowWorldReadable must be a boolean');
    this.#allowWorldReadable = wr;
  }

  get active(): boolean {
    return this.#active;
  }

  get size(): number {
    return this.#credentials.size;
  }

  setActive(active: boolean): void {
    this.#active = active;
  }

  async addCredentials(user: string, password: string, options?: Readonly<Partial<AddCredentialsOptions>>): Promise<void> {
    checkCredentials(user, password);
    const format = checkPasswordFormat(options?.format ?? this.#format);
    const stored = await hashPassword(password, { format });
    this.#credentials.set(user, stored);
  }

  removeCredentials(user: string): boolean {
    return this.#credentials.delete(user);
  }

  clearCredentials(): void {
    this.#credentials.clear();
  }

  hasUser(user: string): boolean {
    return this.#credentials.has(user);
  }

  users(): string[] {
    return [...this.#credentials.keys()].sort();
  }

  async verify(user: string, password: string): Promise<boolean> {
    if (!this.#active) return true;
    const stored = this.#credentials.get(user);
    if (stored !== undefined) return verifyPassword(password, stored);
    // Unknown user: spend the same work on a hash in the default form, then fail.
    this.#dummy ??= hashPassword(randomBytes(16).toString('hex'), { format: this.#format });
    await verifyPassword(password, await this.#dummy);
    return false;
  }

  serialize(date?: Date): string {
    const entries = this.users().map((user): [string, string] => [user, this.#credentials.get(user)!]);
    return formatProperties(entries, { comment: CREDENTIALS_FILE_COMMENT, date: date ?? new Date() });
  }

  async store(target: CredentialsTarget): Promise<void> {
    const text = this.serialize();
    try {
      if (typeof target === 'string' || target instanceof URL) {
        await writeAtomically(typeof target === 'string' ? target : fileURLToPath(target), text);
      } else {
        await writeToStream(target, text);
      }
    } catch (err) {
      throw fileError(`Failed to store the credentials: ${(err as Error).message}`, err);
    }
  }

  async load(source: CredentialsSource): Promise<void> {
    if ((typeof source === 'string' || source instanceof URL) && !this.#allowWorldReadable) await refuseWorldReadable(source);
    let bytes: Buffer;
    try {
      bytes = await readSource(source);
    } catch (err) {
      throw fileError(`Failed to read the credentials: ${(err as Error).message}`, err);
    }
    this.loadText(decodeUtf8(bytes));
  }

  loadText(text: string): void {
    const parsed = parseCredentials(text);
    this.#credentials.clear();
    for (const [user, stored] of parsed) this.#credentials.set(user, stored);
    this.#active = true;
  }
}

/** Resolves once `text` is handed to the OS (the write callback), rejects on a stream error. */
async function writeToStream(stream: Writable, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.write(text, 'utf8', (err) => (err ? reject(err) : resolve()));
  });
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw fileError('The credentials file is not valid UTF-8', err);
  }
}

/**
 * Creates an authenticator, active unless `options.active` is `false`, holding the given
 * users (`{ user: password }` or `[user, password]` pairs; passwords are hashed here).
 * @throws AuthError `INVALID_CREDENTIALS` when a pair breaks the limits.
 */
export async function createAuthenticator(
  credentials?: Readonly<Record<string, string>> | Iterable<readonly [string, string]>,
  options?: Readonly<Partial<AuthenticatorOptions>>,
): Promise<Authenticator> {
  const auth = new AuthenticatorImpl(options);
  const pairs = credentials === undefined ? [] : Symbol.iterator in credentials ? credentials : Object.entries(credentials);
  for (const [user, password] of pairs as Iterable<readonly [string, string]>) await auth.addCredentials(user, password);
  return auth;
}

/**
 * Parses credentials file text (Venice or our own) into an active authenticator. Stored
 * hashes are taken as they are; a malformed one simply never verifies.
 * @throws AuthError `CREDENTIALS_FILE` for text the properties grammar rejects.
 */
export function parseAuthenticator(text: string, options?: Readonly<Partial<AuthenticatorOptions>>): Authenticator {
  const auth = new AuthenticatorImpl(options);
  auth.loadText(text);
  return auth;
}

/**
 * Reads a credentials file (path, `file:` URL or readable stream, UTF-8) into an active
 * authenticator.
 * @throws AuthError `CREDENTIALS_FILE` when it cannot be read, is not UTF-8, or does not parse.
 */
export async function loadAuthenticator(
  source: CredentialsSource,
  options?: Readonly<Partial<AuthenticatorOptions>>,
): Promise<Authenticator> {
  const auth = new AuthenticatorImpl(options);
  await auth.load(source);
  return auth;
}
