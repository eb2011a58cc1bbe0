import type { ResponseStatusName } from '../protocol/codes.js';
import { messageFromFields, JSON_MIMETYPE, type Message } from '../message/message.js';
import { writeJson } from '../message/json.js';
import { redactPaths, UNREDACTED_TOPIC } from './redact.js';

/** Header timeout the Java server puts on the responses it builds. */
export const RESPONSE_TIMEOUT = 300;

/**
 * A response built by the server itself (WIRE §9, "text response"): type RESPONSE, oneway,
 * the request's id, requestId and topics, text/plain UTF-8, expiresAt -1, timeout 300.
 * Server file paths in `text` are replaced (redact.ts).
 */
export function textResponse(req: Message, status: ResponseStatusName, text: string): Message {
  return serverResponse(req, status, 'text/plain', Buffer.from(redacted(req, text), 'utf8'));
}

/**
 * Like {@link textResponse} for a constant text already encoded once (the answer to PUBLISH,
 * sent once per publish): `text` is shared by every answer and holds no file path to redact.
 */
export function constantTextResponse(req: Message, status: ResponseStatusName, text: Buffer): Message {
  return serverResponse(req, status, 'text/plain', text);
}

/** Like {@link textResponse} with an `application/json` payload (`value` written compactly). */
export function jsonResponse(req: Message, status: ResponseStatusName, value: unknown, pretty = false): Message {
  return serverResponse(req, status, JSON_MIMETYPE, Buffer.from(redacted(req, pretty ? writeJson(value, true) : JSON.stringify(value)), 'utf8'));
}

/** Texts of server-built answers lose their paths, except in answers to `ipc-server/status`. */
function redacted(req: Message, text: string): string {
  return req.topic === UNREDACTED_TOPIC ? text : redactPaths(text);
}

function serverResponse(req: Message, status: ResponseStatusName, mimetype: string, data: Buffer): Message {
  return messageFromFields({
    id: req.id,
    type: 'RESPONSE',
    status,
    oneway: true,
    requestId: req.requestId,
    topics: req.topics,
    mimetype,
    charset: 'UTF-8',
    data,
    timeout: RESPONSE_TIMEOUT,
  });
}

/**
 * Turns a message produced by a handler (or taken from a queue) into the response to `req`:
 * type RESPONSE, oneway, status OK, the request's id; every other field kept (WIRE §9.1).
 */
export function replyFrom(req: Message, m: Message): Message {
  return m.with({ id: req.id, type: 'RESPONSE', status: 'OK', oneway: true, subscriptionReply: false });
}

/** Statuses whose outcome is recorded in the error buffer for one-way requests (WIRE §10). */
export function isRecordedError(status: ResponseStatusName): boolean {
  return status === 'HANDLER_ERROR' || status === 'BAD_REQUEST' || status === 'SERVER_ERROR';
}
