import { ArgumentError, ErrorCode } from '../errors.js';
import { parseSize, type SizeValue } from '../util/units.js';

/** Publish/subscribe options of a server (see docs/pubsub.md, "Slow subscribers"). */
export interface PubSubServerOptions {
  /**
   * Outbound byte budget of one subscriber connection. While the connection's unsent bytes
   * (socket buffer plus messages being compressed) are below it, pushes are written at once;
   * above it they wait in the subscriber's publish queue. The queued pushes are also limited
   * to this many bytes. Number or unit string. Defaults to 1 MB.
   */
  readonly publishBufferSize?: SizeValue;
  /**
   * Pushes that may wait in a subscriber's publish queue once its byte budget is used up;
   * a copy that finds the queue full is dropped (never waited for). Defaults to 50, the
   * Java server's publish queue capacity.
   */
  readonly publishQueueCapacity?: number;
  /**
   * Distinct topics one connection may be subscribed to at a time. A SUBSCRIBE that would go
   * beyond it is answered BAD_REQUEST and changes nothing (no partial subscription); topics the
   * connection already has do not count again. `Infinity` = no limit (as Java). Defaults to
   * {@link DEFAULT_MAX_TOPICS_PER_CONNECTION} (1000).
   */
  readonly maxTopicsPerConnection?: number;
}

/** Validated publish/subscribe settings. */
export interface PubSubSettings {
  readonly publishBufferSize: number;
  readonly publishQueueCapacity: number;
  readonly maxTopicsPerConnection: number;
}

/** Default outbound byte budget of a subscriber connection: 1 MiB. */
export const DEFAULT_PUBLISH_BUFFER_SIZE = 1024 * 1024;
/** Default publish queue capacity (messages), the Java value. */
export const DEFAULT_PUBLISH_QUEUE_CAPACITY = 50;
/** Default {@link PubSubServerOptions.maxTopicsPerConnection} (Java has no limit; this one is generous). */
export const DEFAULT_MAX_TOPICS_PER_CONNECTION = 1000;

/** Validates the publish/subscribe options (the caller's object is not written to). */
export function resolvePubSubSettings(o: Readonly<PubSubServerOptions>): PubSubSettings {
  const size = o.publishBufferSize === undefined ? DEFAULT_PUBLISH_BUFFER_SIZE : parseSize(o.publishBufferSize, 'publishBufferSize');
  if (size < 1) throw new ArgumentError(ErrorCode.INVALID_OPTION, 'publishBufferSize must be at least 1 byte');
  const cap = o.publishQueueCapacity ?? DEFAULT_PUBLISH_QUEUE_CAPACITY;
  if (typeof cap !== 'number' || !Number.isSafeInteger(cap) || cap < 0) {
    throw new ArgumentError(ErrorCode.INVALID_OPTION, 'publishQueueCapacity must be a non-negative integer');
  }
  const maxTopics = o.maxTopicsPerConnection ?? DEFAULT_MAX_TOPICS_PER_CONNECTION;
  if (typeof maxTopics !== 'number' || !(maxTopics === Infinity || (Number.isSafeInteger(maxTopics) && maxTopics >= 1))) {
    throw new ArgumentError(ErrorCode.INVALID_OPTION, 'maxTopicsPerConnection must be a positive integer or Infinity');
  }
  return { publishBufferSize: size, publishQueueCapacity: cap, maxTopicsPerConnection: maxTopics };
}
