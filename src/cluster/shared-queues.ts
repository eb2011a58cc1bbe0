/**
 * The queue backend of a cluster node: regular queues are JetStream streams that every node
 * sees; the registry holds this node's {@link JsQueueStore} handles, made on first use.
 */
import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType, type StreamInfo } from 'nats';
import type { QueueType } from '../queue/types.js';
import type { QueueBackend, QueueRegistry } from '../server/queue-registry.js';
import { apiErrorCode, engineError, JS_ERR_STREAM_NAME_IN_USE, JS_ERR_STREAM_NOT_FOUND, type Engine } from './engine.js';
import { JsQueueStore } from './js-queue.js';
import { POLL_CONSUMER, type ClusterNames } from './subjects.js';

/** How long a polled message may stay unacknowledged before JetStream hands it out again, ms (a node that died mid-poll). */
export const POLL_ACK_WAIT_MS = 30_000;
/** Window in which a repeated `Nats-Msg-Id` (the message id) is not stored again, ms (JetStream's default). */
export const DUPLICATE_WINDOW_MS = 120_000;
const NS = 1_000_000;

/** Shared queues in the engine, as a {@link QueueBackend} of one registry. */
export class SharedQueues implements QueueBackend {
  readonly #engine: Engine;
  readonly #names: ClusterNames;
  readonly #registry: QueueRegistry;

  constructor(engine: Engine, names: ClusterNames, registry: QueueRegistry) {
    this.#engine = engine;
    this.#names = names;
    this.#registry = registry;
  }

  /** Creates the stream and its consumer unless they exist (then the existing queue is kept, as Venice does). */
  async create(name: string, init: { readonly capacity: number; readonly type: QueueType; readonly durable: boolean }): Promise<JsQueueStore> {
    const stream = this.#names.stream(name);
    const { jsm, settings } = this.#engine;
    let info = await this.#info(stream, name);
    if (info === undefined) {
      try {
        info = await jsm.streams.add({
          name: stream,
          subjects: [this.#names.queueSubject(name)],
          retention: RetentionPolicy.Workqueue,
          storage: init.durable ? StorageType.File : StorageType.Memory,
          max_msgs: init.capacity,
          discard: init.type === 'CIRCULAR' ? DiscardPolicy.Old : DiscardPolicy.New,
          num_replicas: settings.replicas,
          duplicate_window: DUPLICATE_WINDOW_MS * NS,
        });
      } catch (err) {
        // Created meanwhile through another node: that one is the queue.
        if (apiErrorCode(err) !== JS_ERR_STREAM_NAME_IN_USE) throw engineError(`Creating queue ${name}`, err);
        info = await this.#info(stream, name);
        if (info === undefined) throw engineError(`Creating queue ${name}`, err);
      }
    }
    try {
      await jsm.consumers.add(stream, {
        durable_name: POLL_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        ack_wait: POLL_ACK_WAIT_MS * NS,
        max_deliver: -1,
      });
    } catch (err) {
      throw engineError(`Creating the consumer of queue ${name}`, err);
    }
    return this.#store(name, info);
  }

  async remove(name: string): Promise<void> {
    try {
      await this.#engine.jsm.streams.delete(this.#names.stream(name));
    } catch (err) {
      if (apiErrorCode(err) !== JS_ERR_STREAM_NOT_FOUND) throw engineError(`Removing queue ${name}`, err);
    }
  }

  /**
   * Asks the engine about a queue and brings the registry in line: a handle is added (or its
   * size refreshed) when the stream exists, a stale one removed when it does not.
   */
  async refresh(name: string): Promise<JsQueueStore | undefined> {
    const info = await this.#info(this.#names.stream(name), name);
    const held = this.#registry.get(name);
    if (info === undefined) {
      if (held instanceof JsQueueStore) this.#registry.removeNow(name);
      return undefined;
    }
    if (held instanceof JsQueueStore && !held.closed) {
      held.size = info.state.messages;
      return held;
    }
    const store = this.#store(name, info);
    if (held === undefined || held.closed) this.#registry.add(store);
    return store;
  }

  /** Names of every queue of this cluster in the engine. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const s of this.#engine.jsm.streams.names()) {
        const q = this.#names.queueOfStream(s);
        if (q !== undefined) out.push(q);
      }
    } catch (err) {
      throw engineError('Listing the queues', err);
    }
    return out;
  }

  async #info(stream: string, name: string): Promise<StreamInfo | undefined> {
    try {
      return await this.#engine.jsm.streams.info(stream);
    } catch (err) {
      if (apiErrorCode(err) === JS_ERR_STREAM_NOT_FOUND) return undefined;
      throw engineError(`Looking up queue ${name}`, err);
    }
  }

  #store(name: string, info: StreamInfo): JsQueueStore {
    const c = info.config;
    return new JsQueueStore(this.#engine, {
      name,
      stream: c.name,
      subject: this.#names.queueSubject(name),
      type: c.discard === DiscardPolicy.Old ? 'CIRCULAR' : 'BOUNDED',
      capacity: c.max_msgs,
      durable: c.storage === StorageType.File,
      size: info.state.messages,
      ackWaitMs: POLL_ACK_WAIT_MS,
      onDeadLetter: this.#registry.storeInit(name).onDeadLetter,
      onGone: (s) => {
        if (this.#registry.get(name) === s) this.#registry.removeNow(name);
      },
    });
  }
}
