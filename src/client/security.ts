/**
 * The client's side of the key exchange (WIRE §8.3) and the login (WIRE §8.4).
 */
import { SessionCipher } from '../crypto/aes-gcm.js';
import { createDhKeyPairAsync } from '../crypto/dh.js';
import { AuthError, CodecError, ErrorCode } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';
import type { ClientCore, InternalRequestOptions } from './core.js';
import { isTlsSocket } from './tls.js';

/** Header timeout of the handshake requests, as the Java client sends it. */
const HANDSHAKE_MESSAGE_TIMEOUT = 300;

function textOf(m: Message): string {
  try {
    return m.text;
  } catch {
    return '';
  }
}

/**
 * Runs the Diffie-Hellman key exchange (WIRE §8.3) with a fresh key pair and installs the
 * session cipher on the connection. The request goes out plaintext and uncompressed.
 * @throws CodecError `KEY_EXCHANGE_FAILED` on a NAK, any other answer, or a bad server key.
 */
export async function exchangeKeys(client: ClientCore, opts: InternalRequestOptions): Promise<void> {
  const pair = await createDhKeyPairAsync();
  const req = messageFromFields({
    type: 'DIFFIE_HELLMAN_KEY_REQUEST',
    topics: ['dh'],
    mimetype: 'text/plain',
    charset: 'UTF-8',
    timeout: HANDSHAKE_MESSAGE_TIMEOUT,
    data: Buffer.from(pair.publicKeyBase64, 'ascii'),
  });
  const res = await client.request(req, { ...opts, plaintext: true, compress: false, skipSizeCheck: true });
  if (res.status === 'DIFFIE_HELLMAN_NAK') {
    throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, `Error: The server rejected the Diffie-Hellman key exchange! ${textOf(res)}`);
  }
  if (res.status !== 'DIFFIE_HELLMAN_ACK') {
    throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, 'Failed to process Diffie-Hellman key exchange!');
  }
  // parseDhPublicKey (inside) accepts strict Base64 only and checks the group and range.
  const key = await pair.computeSessionKeyAsync(textOf(res));
  client.connection.codec.cipher = new SessionCipher(key);
}

/**
 * Logs in (WIRE §8.4): sends `user\npassword`, encrypted and uncompressed. The password is
 * never sent over a connection without a session key.
 * @throws AuthError `ENCRYPTION_REQUIRED` when the connection is not encrypted (nothing is
 * sent), `AUTH_FAILED` when the server does not answer OK.
 */
export async function authenticate(client: ClientCore, user: string, password: string, opts: InternalRequestOptions): Promise<void> {
  // TLS encrypts the transport: Venice's own encryption is not needed for the password then.
  if (client.connection.codec.cipher === undefined && !isTlsSocket(client.connection.socket)) {
    throw new AuthError(
      ErrorCode.ENCRYPTION_REQUIRED,
      'The server requires a login but the connection is not encrypted: refusing to send the password in clear text ' +
        '(connect with encrypt: true, or enable encryption on the server)',
    );
  }
  const req = messageFromFields({
    type: 'AUTHENTICATION',
    topics: ['authentication'],
    mimetype: 'text/plain',
    charset: 'UTF-8',
    timeout: HANDSHAKE_MESSAGE_TIMEOUT,
    data: Buffer.from(`${user}\n${password}`, 'utf8'),
  });
  const res = await client.request(req, { ...opts, plaintext: false, compress: false, skipSizeCheck: true });
  if (!res.responseOk) throw new AuthError(ErrorCode.AUTH_FAILED, 'Authentication failure! Bad user credentials!');
}
