/**
 * Wire codes of Venice IPC 1.12.71 (WIRE §4): message types (metadata line 4) and response
 * statuses (metadata line 5).
 */

/** Message type codes. */
export const MessageType = {
  REQUEST: 0, // send/receive request; also the type of pub/sub pushes
  PUBLISH: 10,
  SUBSCRIBE: 11,
  UNSUBSCRIBE: 12,
  OFFER: 20,
  POLL: 21,
  CREATE_QUEUE: 30,
  CREATE_TEMP_QUEUE: 31,
  REMOVE_QUEUE: 32,
  STATUS_QUEUE: 33,
  CLIENT_CONFIG: 40,
  DIFFIE_HELLMAN_KEY_REQUEST: 50,
  AUTHENTICATION: 60,
  HEARTBEAT: 61,
  TEST: 62,
  RESPONSE: 70,
  NULL: 90, // "not set yet"; invalid as a request
} as const;

/** Name of a message type, e.g. `'REQUEST'`. */
export type MessageTypeName = keyof typeof MessageType;

/** Response status codes. */
export const ResponseStatus = {
  OK: 0,
  SERVER_ERROR: 1,
  HANDLER_ERROR: 2,
  BAD_REQUEST: 3,
  NO_PERMISSION: 4,
  QUEUE_NOT_FOUND: 10,
  QUEUE_EMPTY: 11,
  QUEUE_FULL: 12,
  QUEUE_ACCESS_INTERRUPTED: 13,
  DIFFIE_HELLMAN_ACK: 20,
  DIFFIE_HELLMAN_NAK: 21,
  NULL: 99, // requests and pushes
} as const;

/** Name of a response status, e.g. `'OK'`. */
export type ResponseStatusName = keyof typeof ResponseStatus;

function invert<T extends Record<string, number>>(o: T): ReadonlyMap<number, keyof T & string> {
  return new Map(Object.entries(o).map(([k, v]) => [v, k as keyof T & string]));
}

const TYPE_BY_CODE = invert(MessageType);
const STATUS_BY_CODE = invert(ResponseStatus);

/** The type name of a wire code, or undefined for an unknown code. */
export function messageTypeName(code: number): MessageTypeName | undefined {
  return TYPE_BY_CODE.get(code);
}

/** The status name of a wire code, or undefined for an unknown code. */
export function responseStatusName(code: number): ResponseStatusName | undefined {
  return STATUS_BY_CODE.get(code);
}

/** True for a known type name. */
export function isMessageTypeName(name: string): name is MessageTypeName {
  return Object.hasOwn(MessageType, name);
}

/** True for a known status name. */
export function isResponseStatusName(name: string): name is ResponseStatusName {
  return Object.hasOwn(ResponseStatus, name);
}
