/**
 * Server options for connection hygiene, authorization and TLS (docs/security.md), validated
 * once by {@link resolveSecuritySettings}.
 */
import { BlockList, isIP } from 'node:net';
import type { AclPolicy } from '../auth/acl.js';
import { ArgumentError, ErrorCode } from '../errors.js';
import { parseSize, type SizeValue } from '../util/units.js';
import { resolveServerTls, type ServerTlsOptions, type ServerTlsSettings } from './tls.js';
import type { EndpointOptions } from '../transport/endpoint.js';

/** True when only the TLS listener is asked for (`tls` without `uri`, `port` or `path`). */
export function isTlsOnly(o: Readonly<SecurityServerOptions & EndpointOptions>): boolean {
  return o.tls !== undefined && o.uri === undefined && o.port === undefined && o.path === undefined;
}

/** Security options of `createServer` (part of `ServerOptions`). */
export interface SecurityServerOptions {
  /**
   * A connection must finish CLIENT_CONFIG, the key exchange (when `encrypt`) and the login
   * (when required) within this many ms, or it is closed (`HANDSHAKE_TIMEOUT`); 0 = no limit.
   * Defaults to 10000.
   */
  readonly handshakeTimeout?: number;
  /**
   * A connection that sent no frame (a heartbeat is a frame) for this many ms while no request
   * of it is in progress is closed (`IDLE_TIMEOUT`); 0 = no limit. Defaults to 3 × the heartbeat
   * interval, at least 10 s, when `heartbeatInterval` is set (Java clients send the first
   * heartbeat 3 s after opening), else 0.
   */
  readonly idleTimeout?: number;
  /**
   * A message whose first byte arrived must be complete within this many ms, or the
   * connection is closed (`FRAME_TIMEOUT`); 0 = no limit. Defaults to 60000.
   */
  readonly frameTimeout?: number;
  /**
   * Largest meta or payload frame accepted before the handshake is complete (number or unit
   * string, at least 4 KiB). Defaults to 8 KiB.
   */
  readonly maxPreAuthFrameSize?: SizeValue;
  /**
   * Server-wide budget of bytes held in partly received messages; a connection whose bytes
   * would pass it is closed (`INPUT_BUDGET`). At least the largest frame. Defaults to
   * 256 MiB, or the largest frame plus 1 MiB when that is more.
   */
  readonly maxPendingBytes?: SizeValue;
  /** Connections open at once from one IP address; 0 = no limit. Defaults to 0. */
  readonly maxConnectionsPerAddress?: number;
  /**
   * At `maxConnections`, a new connection closes an old one to make room (`EVICTED`): first the
   * oldest that has not finished its handshake, else the one idle longest, if it sent nothing
   * for at least this many ms and has no request in progress. Defaults to 5000.
   */
  readonly idleEvictionAge?: number;
  /**
   * How long failed logins of a user or an address are remembered by the login throttle, ms.
   * Defaults to 900000 (15 min).
   */
  readonly loginThrottleWindow?: number;
  /**
   * TCP clients allowed to connect: CIDR blocks or addresses (`"127.0.0.0/8"`, `"::1"`), as
   * an array or a comma-separated string. Unix-socket clients are not affected. Defaults to
   * every address.
   */
  readonly allow?: string | readonly string[];
  /**
   * Access control list: a path to a JSON ACL file (docs/security.md) or a policy from
   * `parseAcl`. Defaults to none (every client may do everything, as Venice 1.12.71).
   */
  readonly acl?: string | AclPolicy;
  /**
   * A TLS listener next to the plain one, or instead of it when no `uri`, `port` or `path` is
   * given (docs/security.md). Defaults to none.
   */
  readonly tls?: ServerTlsOptions;
}

/** Default handshake deadline, ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** Default deadline for a message that began to arrive, ms. */
export const DEFAULT_FRAME_TIMEOUT = 60_000;
/** Default frame size limit before the handshake. */
export const DEFAULT_MAX_PRE_AUTH_FRAME = 8 * 1024;
/** Smallest allowed pre-handshake frame limit (a DH public key needs about 3 KiB). */
export const MIN_PRE_AUTH_FRAME = 4 * 1024;
/** Default server-wide budget of bytes in partly received messages. */
export const DEFAULT_MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** Default idle age after which a connection may be evicted to make room, ms. */
export const DEFAULT_IDLE_EVICTION_AGE = 5_000;
/** Default memory of the login throttle, ms. */
export const DEFAULT_LOGIN_THROTTLE_WINDOW = 15 * 60_000;
/** The idle deadline is this multiple of the heartbeat interval unless set… */
export const IDLE_HEARTBEAT_FACTOR = 3;
/** …and at least this many ms. */
export const MIN_DEFAULT_IDLE_TIMEOUT = 10_000;

/** Validated security settings. */
export interface SecuritySettings {
  readonly handshakeTimeout: number;
  readonly idleTimeout: number;
  readonly frameTimeout: number;
  readonly maxPreAuthFrameSize: number;
  readonly maxPendingBytes: number;
  readonly maxConnectionsPerAddress: number;
  readonly idleEvictionAge: number;
  readonly loginThrottleWindow: number;
  /** The allow-list, or undefined for every address. */
  readonly allow: BlockList | undefined;
  /** The allow-list as given, normalised (for status and docs). */
  readonly allowText: readonly string[];
  readonly acl: string | AclPolicy | undefined;
  readonly tls: ServerTlsSettings | undefined;
  /** Only the TLS listener: the server's endpoint is the TLS one. */
  readonly tlsOnly: boolean;
}

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function ms(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 2 ** 31 - 1) bad(`${name} must be a number of ms from 0 to 2147483647`);
  return v;
}

/** Parses an allow-list (CIDR blocks or single addresses, IPv4 or IPv6). */
export function parseAllowList(v: string | readonly string[]): { list: BlockList; text: string[] } {
  const items = (typeof v === 'string' ? v.split(',') : [...v]).map((x) => (typeof x === 'string' ? x.trim() : '')).filter((x) => x !== '');
  if (items.length === 0) bad('allow must name at least one address or CIDR block');
  const list = new BlockList();
  for (const item of items) {
    const m = /^([^/]+)(?:\/([0-9]{1,3}))?$/.exec(item);
    const family = m === null ? 0 : isIP(m[1] as string);
    if (m === null || family === 0) bad(`allow: '${item}' is not an IP address or CIDR block (e.g. 127.0.0.0/8, ::1/128)`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = m[2] === undefined ? (family === 4 ? 32 : 128) : Number(m[2]);
    if (prefix > (family === 4 ? 32 : 128)) bad(`allow: '${item}' has a prefix longer than the address`);
    list.addSubnet(m[1] as string, prefix, type);
  }
  return { list, text: items };
}

/** True when `address` (as a socket reports it) is in the list; IPv4-mapped IPv6 counts as IPv4. */
export function isAllowed(list: BlockList, address: string): boolean {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  if (mapped !== null) return list.check(mapped[1] as string, 'ipv4') || list.check(address, 'ipv6');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Validates the security options. `largestFrame` is the payload frame limit that follows
 * from the message size, `heartbeatInterval` the server's (seconds).
 */
export function resolveSecuritySettings(
  o: Readonly<SecurityServerOptions & EndpointOptions>,
  largestFrame: number,
  heartbeatInterval: number,
): SecuritySettings {
  const preAuth = o.maxPreAuthFrameSize === undefined ? DEFAULT_MAX_PRE_AUTH_FRAME : parseSize(o.maxPreAuthFrameSize, 'maxPreAuthFrameSize');
  if (!(preAuth >= MIN_PRE_AUTH_FRAME)) bad(`maxPreAuthFrameSize must be at least ${MIN_PRE_AUTH_FRAME} bytes`);
  const dfltBudget = Math.max(DEFAULT_MAX_PENDING_BYTES, largestFrame + 1024 * 1024);
  const budget = o.maxPendingBytes === undefined ? dfltBudget : parseSize(o.maxPendingBytes, 'maxPendingBytes');
  if (!(budget >= largestFrame)) bad(`maxPendingBytes must be at least the largest frame (${largestFrame} bytes)`);
  const perAddress = o.maxConnectionsPerAddress ?? 0;
  if (typeof perAddress !== 'number' || !Number.isSafeInteger(perAddress) || perAddress < 0) {
    bad('maxConnectionsPerAddress must be a non-negative integer');
  }
  if (o.acl !== undefined && typeof o.acl !== 'string' && (o.acl === null || typeof o.acl !== 'object')) {
    bad('acl must be a file path or a policy from parseAcl');
  }
  const allow = o.allow === undefined ? undefined : parseAllowList(o.allow);
  return {
    handshakeTimeout: ms(o.handshakeTimeout, 'handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT),
    idleTimeout: ms(o.idleTimeout, 'idleTimeout', heartbeatInterval > 0 ? Math.max(MIN_DEFAULT_IDLE_TIMEOUT, IDLE_HEARTBEAT_FACTOR * heartbeatInterval * 1000) : 0),
    frameTimeout: ms(o.frameTimeout, 'frameTimeout', DEFAULT_FRAME_TIMEOUT),
    maxPreAuthFrameSize: preAuth,
    maxPendingBytes: budget,
    maxConnectionsPerAddress: perAddress,
    idleEvictionAge: ms(o.idleEvictionAge, 'idleEvictionAge', DEFAULT_IDLE_EVICTION_AGE),
    loginThrottleWindow: ms(o.loginThrottleWindow, 'loginThrottleWindow', DEFAULT_LOGIN_THROTTLE_WINDOW),
    allow: allow?.list,
    allowText: allow?.text ?? [],
    acl: o.acl,
    tls: o.tls === undefined ? undefined : resolveServerTls(o.tls),
    tlsOnly: isTlsOnly(o),
  };
}
