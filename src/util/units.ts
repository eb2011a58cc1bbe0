import { ArgumentError, ErrorCode } from '../errors.js';

/** A size: a byte count, or a string with a unit, e.g. `"500KB"` or `"20MB"` (KB = 1024). */
export type SizeValue = number | string;

const UNIT = /^([1-9][0-9]*|0)(B|KB|MB)$/;

/**
 * Parses a Venice unit value (SEMANTICS §10): an integer, or `<N>B`, `<N>KB`, `<N>MB`
 * (KB = 1024, MB = 1048576), optionally with a leading colon as Venice keywords have.
 */
export function parseSize(value: SizeValue, what = 'size'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ArgumentError(ErrorCode.INVALID_SIZE, `Invalid ${what}: ${value} is not an integer`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw new ArgumentError(ErrorCode.INVALID_SIZE, `Invalid ${what}: expected a number or a unit string`);
  }
  const text = value.startsWith(':') ? value.slice(1) : value;
  if (/^-?[0-9]+$/.test(text)) return parseSize(Number(text), what);
  const m = UNIT.exec(text);
  if (m === null) {
    throw new ArgumentError(
      ErrorCode.INVALID_SIZE,
      `Invalid unit value '${value}' for ${what}! Use 20000, 500KB, 10MB, ...`,
    );
  }
  const n = Number(m[1]);
  const factor = m[2] === 'MB' ? 1024 * 1024 : m[2] === 'KB' ? 1024 : 1;
  const bytes = n * factor;
  if (!Number.isSafeInteger(bytes)) {
    throw new ArgumentError(ErrorCode.INVALID_SIZE, `Invalid ${what}: '${value}' is too large`);
  }
  return bytes;
}

/** Formats a byte count the way sizes are written in docs and logs (`20MB`, `512KB`, `100B`). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${bytes}B`;
}
