/**
 * The venice-ipc queue extension on the wire (docs/protocol.md "Queue extension"): leases,
 * ack, nack, extend, delayed offers and queue limits. Everything travels in ordinary Venice
 * messages; a Venice 1.12.71 peer never receives any of it, because our client sends it only
 * after our server accepted the hello below, and our server answers it only on a connection
 * that sent the hello.
 */

/** The queue name of the hello: reserved in Venice, so no Venice server has such a queue. */
export const EXT_HELLO_QUEUE = 'wal';
/** Topic of the hello POLL. */
export const EXT_HELLO_TOPIC = 'venice-ipc/hello';
/** Topic of a lease POLL (payload `{"lease":ms}`). */
export const EXT_LEASE_TOPIC = 'venice-ipc/lease';
/** Topic of an ack (payload `{"token":t}`). */
export const EXT_ACK_TOPIC = 'venice-ipc/ack';
/** Topic of a nack (payload `{"token":t,"delay":ms}`). */
export const EXT_NACK_TOPIC = 'venice-ipc/nack';
/** Topic of an extend (payload `{"token":t,"lease":ms}`). */
export const EXT_EXTEND_TOPIC = 'venice-ipc/extend';
/** Last topic of a delayed OFFER: `venice-ipc/delay/<ms>` (the server stores a deliver-at topic instead). */
export const EXT_DELAY_TOPIC = 'venice-ipc/delay/';
/** Features our server lists in its answer to the hello. */
export const EXT_FEATURES = Object.freeze(['lease', 'delay', 'dead-letter', 'queue-limits'] as const);
/** Version of the extension. */
export const EXT_VERSION = 1;

/** Magic of a lease envelope: "VLS" and version 1. */
const ENVELOPE_MAGIC = Buffer.from([0x56, 0x4c, 0x53, 0x01]);

/** What a lease envelope tells the consumer about its delivery. */
export interface LeaseEnvelope {
  /** Names the delivery for ack, nack and extend. */
  readonly token: string;
  /** Deliveries of this message so far, this one included. */
  readonly deliveryCount: number;
  /** End of the lease, ms since the epoch (server clock). */
  readonly leaseUntil: number;
  /** Id of the stored message. */
  readonly id: string;
}

/**
 * The payload of a lease POLL's answer: magic(4) jsonLength(u16 BE) JSON(UTF-8) then the
 * message's own payload. Returned as two chunks (the payload is not copied here).
 */
export function encodeLeaseEnvelope(env: LeaseEnvelope, payload: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify({ token: env.token, deliveryCount: env.deliveryCount, leaseUntil: env.leaseUntil, id: env.id }), 'utf8');
  const head = Buffer.alloc(6);
  ENVELOPE_MAGIC.copy(head, 0);
  head.writeUInt16BE(json.length, 4);
  return Buffer.concat([head, json, payload]);
}

/** Splits a lease envelope; undefined when `data` is not one. The payload is a view of `data`. */
export function decodeLeaseEnvelope(data: Buffer): { env: LeaseEnvelope; payload: Buffer } | undefined {
  if (data.length < 6 || !data.subarray(0, 4).equals(ENVELOPE_MAGIC)) return undefined;
  const n = data.readUInt16BE(4);
  if (6 + n > data.length) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8', 6, 6 + n));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const { token, deliveryCount, leaseUntil, id } = o;
  if (typeof token !== 'string' || typeof id !== 'string' || !Number.isSafeInteger(deliveryCount) || !Number.isSafeInteger(leaseUntil)) return undefined;
  return { env: { token, id, deliveryCount: deliveryCount as number, leaseUntil: leaseUntil as number }, payload: data.subarray(6 + n) };
}

/** Text of an extension refusal: `<code>: <text>` so that the client can raise the coded error. */
export function extRefusal(code: string, text: string): string {
  return `${code}: ${text}`;
}

/** The code at the start of an extension refusal, if any. */
export function refusalCode(text: string): string | undefined {
  const m = /^(VIPC_ERR_[A-Z_]+): /.exec(text);
  return m?.[1];
}
