/**
 * Password hashing (SEMANTICS §8.2). Two stored forms:
 *
 * - `venice`: `<64 lowercase hex>:<7 digits>` — PBKDF2-HMAC-SHA512, 1000 iterations, 32 bytes,
 *   salt = the ASCII of a random 7-digit number. Byte-compatible with Venice 1.12.71.
 * - `strong`: `pbkdf2-sha512$<iterations>$<32 hex salt>$<64 hex hash>` — PBKDF2-HMAC-SHA512,
 *   210 000 iterations (OWASP 2023), 16 random salt bytes, 32 bytes. Only this library reads
 *   it; it holds no `:`, so a Java server finds no salt and fails the login (fails closed).
 *
 * All hashing runs on the libuv thread pool; comparisons are constant-time.
 */
import { pbkdf2, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ArgumentError, ErrorCode } from '../errors.js';

const pbkdf2Promise = promisify(pbkdf2);

/** How many PBKDF2 hashes this process computed (internal: lets tests check the work done). */
export const passwordHashStats = { computed: 0 };

function pbkdf2Async(password: Buffer, salt: Buffer, iterations: number, keylen: number, digest: string): Promise<Buffer> {
  passwordHashStats.computed++;
  return pbkdf2Promise(password, salt, iterations, keylen, digest);
}

/** Which stored form {@link hashPassword} writes. */
export type PasswordFormat = 'venice' | 'strong';

/** PBKDF2 iterations of the Venice form (fixed by Venice). */
export const VENICE_PASSWORD_ITERATIONS = 1000;

/** PBKDF2 iterations written in the strong form (OWASP 2023 figure for PBKDF2-HMAC-SHA512). */
export const STRONG_PASSWORD_ITERATIONS = 210_000;

/** Prefix that marks the strong form. */
export const STRONG_PASSWORD_PREFIX = 'pbkdf2-sha512$';

/** Bounds on the iteration count accepted when reading a strong hash (a hostile file must not stall us). */
const STRONG_MIN_ITERATIONS = 1000;
const STRONG_MAX_ITERATIONS = 10_000_000;

const HASH_BYTES = 32;
const STRONG_SALT_BYTES = 16;

const VENICE_FORM = /^([0-9a-f]{64}):([0-9]{7})$/;
const STRONG_FORM = /^pbkdf2-sha512\$([1-9][0-9]{0,7})\$([0-9a-f]{32})\$([0-9a-f]{64})$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Default options of {@link hashPassword}. */
export const DEFAULT_HASH_PASSWORD_OPTIONS: Readonly<HashPasswordOptions> = Object.freeze({ format: 'venice' });

/**
 * Checks a password format option.
 * @throws ArgumentError `INVALID_OPTION` for anything but `'venice'` or `'strong'`.
 */
export function checkPasswordFormat(format: unknown): PasswordFormat {
  if (format === 'venice' || format === 'strong') return format;
  throw new ArgumentError(ErrorCode.INVALID_OPTION, `Unknown password format ${String(format)}; use 'venice' or 'strong'`);
}

/** Options of {@link hashPassword}. */
export interface HashPasswordOptions {
  /** Stored form to write. Defaults to `'venice'` (readable by Java servers). */
  readonly format: PasswordFormat;
}

/** A stored hash taken apart. */
interface ParsedHash {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly hash: Buffer;
}

/**
 * UTF-8 of a password as the JDK's PBKDF2 encodes it: an unpaired surrogate becomes `?`
 * (Node would write EF BF BD, and the hash would differ from Java's).
 */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.replace(LONE_SURROGATE, '?'), 'utf8');
}

function parseStoredHash(stored: string): ParsedHash | undefined {
  const venice = VENICE_FORM.exec(stored);
  if (venice !== null) {
    return {
      hash: Buffer.from(venice[1]!, 'hex'),
      salt: Buffer.from(venice[2]!, 'ascii'),
      iterations: VENICE_PASSWORD_ITERATIONS,
    };
  }
  const strong = STRONG_FORM.exec(stored);
  if (strong !== null) {
    const iterations = Number(strong[1]);
    if (iterations < STRONG_MIN_ITERATIONS || iterations > STRONG_MAX_ITERATIONS) return undefined;
    return { iterations, salt: Buffer.from(strong[2]!, 'hex'), hash: Buffer.from(strong[3]!, 'hex') };
  }
  return undefined;
}

/** The 7-digit Venice salt for `n` in 0 … 9 999 999. */
export function veniceSalt(n: number): string {
  return String(n).padStart(7, '0');
}

/** Venice form for a given salt; exported for test vectors. Use {@link hashPassword} otherwise. */
export async function hashPasswordWithSalt(password: string, salt: string): Promise<string> {
  const hash = await pbkdf2Async(passwordBytes(password), Buffer.from(salt, 'utf8'), VENICE_PASSWORD_ITERATIONS, HASH_BYTES, 'sha512');
  return `${hash.toString('hex')}:${salt}`;
}

/**
 * Hashes a password with a fresh random salt into its stored form (see the module comment).
 * Limits on length and content are checked by the authenticator, not here.
 */
export async function hashPassword(
  password: string,
  options?: Readonly<Partial<HashPasswordOptions>>,
): Promise<string> {
  const format = checkPasswordFormat(options?.format ?? DEFAULT_HASH_PASSWORD_OPTIONS.format);
  if (format === 'strong') {
    const salt = randomBytes(STRONG_SALT_BYTES);
    const hash = await pbkdf2Async(passwordBytes(password), salt, STRONG_PASSWORD_ITERATIONS, HASH_BYTES, 'sha512');
    return `${STRONG_PASSWORD_PREFIX}${STRONG_PASSWORD_ITERATIONS}$${salt.toString('hex')}$${hash.toString('hex')}`;
  }
  return hashPasswordWithSalt(password, veniceSalt(randomInt(0, 10_000_000)));
}

/** True when `stored` is a well-formed hash in either form. */
export function isPasswordHash(stored: string): boolean {
  return parseStoredHash(stored) !== undefined;
}

/** The form of a well-formed stored hash, or `undefined` for anything else. */
export function passwordHashFormat(stored: string): PasswordFormat | undefined {
  const parsed = parseStoredHash(stored);
  if (parsed === undefined) return undefined;
  return stored.startsWith(STRONG_PASSWORD_PREFIX) ? 'strong' : 'venice';
}

/** A Venice-form value whose hash matches no password in practice; spent on malformed input. */
const DUMMY_HASH: ParsedHash = { hash: Buffer.alloc(HASH_BYTES), salt: Buffer.from('0000000'), iterations: VENICE_PASSWORD_ITERATIONS };

/**
 * Checks `password` against a stored hash in either form, comparing the derived bytes with
 * `crypto.timingSafeEqual`. A malformed stored value yields `false` (after spending one
 * Venice-form hash, so it takes about as long as a real check); it never throws.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parseStoredHash(stored) : undefined;
  const { salt, iterations, hash } = parsed ?? DUMMY_HASH;
  let derived: Buffer;
  try {
    derived = await pbkdf2Async(passwordBytes(String(password)), salt, iterations, HASH_BYTES, 'sha512');
  } catch {
    return false;
  }
  return timingSafeEqual(derived, hash) && parsed !== undefined;
}
