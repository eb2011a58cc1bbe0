/** Validation of the queue options of `createServer` (byte limits, expiry sweep). */
import { ArgumentError, ErrorCode } from '../errors.js';
import { parseSize, type SizeValue } from '../util/units.js';

/** Default of `maxQueueBytes`: payload bytes all queues of a server may hold together (512 MiB). */
export const DEFAULT_MAX_QUEUE_BYTES = 512 * 1024 * 1024;
/** Default of `queueMaxBytes`: payload bytes one queue may hold unless created with its own `maxBytes` (64 MiB). */
export const DEFAULT_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
/** Default of `queueExpirySweep`: ms between sweeps that drop expired messages nobody polls. */
export const DEFAULT_QUEUE_EXPIRY_SWEEP = 1000;

/** The queue-related members of `ServerOptions` (kept here so options.ts only adds one line). */
export interface QueueServerOptions {
  /**
   * Payload bytes all queues of the server may hold together (number or unit string); an offer
   * beyond it is answered QUEUE_FULL (a single message always fits into an empty server).
   * 0 = no limit. Defaults to 512 MB.
   */
  readonly maxQueueBytes?: SizeValue;
  /**
   * Payload bytes one queue may hold unless it was created with its own `maxBytes`; an offer
   * beyond it is answered QUEUE_FULL (a single message always fits into an empty queue).
   * 0 = no limit. Defaults to 64 MB.
   */
  readonly queueMaxBytes?: SizeValue;
  /** Ms between sweeps that remove expired messages (ACKed in durable queues) while nobody polls; 0 = only polls drop them. Defaults to 1000. */
  readonly queueExpirySweep?: number;
}

/** Validated queue settings of a server. */
export interface QueueSettings {
  readonly maxQueueBytes: number;
  readonly queueMaxBytes: number;
  readonly expirySweep: number;
}

function size(v: SizeValue | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = parseSize(v, name);
  if (n < 0) throw new ArgumentError(ErrorCode.INVALID_OPTION, `${name} must not be negative`);
  return n;
}

/** Validates the queue options once. */
export function resolveQueueSettings(o: Readonly<QueueServerOptions>): QueueSettings {
  const sweep = o.queueExpirySweep ?? DEFAULT_QUEUE_EXPIRY_SWEEP;
  if (typeof sweep !== 'number' || !Number.isSafeInteger(sweep) || sweep < 0 || sweep > 2 ** 31 - 1) {
    throw new ArgumentError(ErrorCode.INVALID_OPTION, 'queueExpirySweep must be an integer number of ms from 0 to 2147483647');
  }
  return {
    maxQueueBytes: size(o.maxQueueBytes, 'maxQueueBytes', DEFAULT_MAX_QUEUE_BYTES),
    queueMaxBytes: size(o.queueMaxBytes, 'queueMaxBytes', DEFAULT_QUEUE_MAX_BYTES),
    expirySweep: sweep,
  };
}
