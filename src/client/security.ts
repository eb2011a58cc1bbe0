import { ConnectionError, ErrorCode } from '../errors.js';
import type { ClientCore, InternalRequestOptions } from './client.js';

// STUB: the key exchange and login are completed with the encryption/authentication issue.

/** Runs the Diffie-Hellman key exchange (WIRE §8.3) and installs the session cipher. */
export async function exchangeKeys(_client: ClientCore, _opts: InternalRequestOptions): Promise<void> {
  throw new ConnectionError(ErrorCode.HANDSHAKE_FAILED, 'Encryption is not supported yet');
}

/** Logs in (WIRE §8.4); rejects with an AuthError on failure. */
export async function authenticate(_client: ClientCore, _user: string, _password: string, _opts: InternalRequestOptions): Promise<void> {
  throw new ConnectionError(ErrorCode.HANDSHAKE_FAILED, 'Authentication is not supported yet');
}
