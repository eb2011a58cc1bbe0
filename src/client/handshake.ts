import { AuthError, ConnectionError, ErrorCode, IpcError } from '../errors.js';
import { messageFromFields } from '../message/message.js';
import type { ClientCore } from './core.js';
import { authenticate, exchangeKeys } from './security.js';

/** What the server announced in its CLIENT_CONFIG answer (WIRE §8.2). */
export interface ServerConfig {
  /** Maximum message size in bytes. */
  readonly maxMessageSize: number;
  /** Compression cutoff the client uses; -1 = never compress. */
  readonly compressCutoffSize: number;
  /** Whether queue management requests are permitted. */
  readonly permitClientQueueMgmt: boolean;
  /** The server requires encryption. */
  readonly encrypt: boolean;
  /** Seconds between heartbeats; 0 = none. */
  readonly heartbeatInterval: number;
  /** The server requires a login. */
  readonly authentication: boolean;
}

function int(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : dflt;
}

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

/** Parses the CLIENT_CONFIG payload with the Java client's defaults for missing members. */
export function parseServerConfig(json: unknown): ServerConfig {
  const o = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  return {
    maxMessageSize: int(o['max-msg-size'], 262_144_000),
    compressCutoffSize: int(o['compress-cutoff-size'], -1),
    permitClientQueueMgmt: bool(o['permit-client-queue-mgmt'], false),
    encrypt: bool(o['encrypt'], false),
    heartbeatInterval: int(o['heartbeat-interval'], 0),
    authentication: bool(o['authentication'], false),
  };
}

/**
 * The client side of the handshake (WIRE §8.1): CLIENT_CONFIG, then the key exchange when
 * either side asks for encryption, then the login when the server requires one.
 */
export async function handshake(client: ClientCore): Promise<ServerConfig> {
  const s = client.settings;
  const step = { timeout: s.handshakeTimeout, skipSizeCheck: true, compress: false, plaintext: true, direct: true } as const;
  const req = messageFromFields({
    type: 'CLIENT_CONFIG',
    topics: ['client-config'],
    mimetype: 'application/json',
    charset: 'UTF-8',
    timeout: -1,
    data: Buffer.from('{"ackMode":"NO_ACKNOWLEDGE"}', 'utf8'),
  });
  let config: ServerConfig;
  try {
    const res = await client.request(req, step);
    if (!res.responseOk) {
      throw new ConnectionError(ErrorCode.HANDSHAKE_FAILED, `Failed to get client config from server. Server answered with ${res.status}!`);
    }
    config = parseServerConfig(res.json());
  } catch (err) {
    if (err instanceof ConnectionError && err.code === ErrorCode.HANDSHAKE_FAILED) throw err;
    throw new ConnectionError(ErrorCode.HANDSHAKE_FAILED, `Failed to get client config from server: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (config.authentication && s.userName === undefined) {
    throw new AuthError(ErrorCode.AUTH_REQUIRED, 'The IPC server requires authentication! Please pass a user name and a password.');
  }
  if (!config.authentication && s.userName !== undefined) {
    throw new AuthError(ErrorCode.AUTH_NOT_ENABLED, 'Authentication is not enabled! User credentials are not required!');
  }
  if (s.encrypt || config.encrypt) {
    try {
      await exchangeKeys(client, step);
    } catch (err) {
      if (err instanceof IpcError) throw err;
      throw new ConnectionError(ErrorCode.HANDSHAKE_FAILED, 'Failed on Diffie-Hellman key exchange!', { cause: err });
    }
  }
  if (config.authentication) {
    await authenticate(client, s.userName as string, s.password as string, { ...step, plaintext: false });
  }
  return config;
}
