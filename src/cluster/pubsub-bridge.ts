/**
 * Publish/subscribe across nodes: a local PUBLISH goes out on the topic's subject with this
 * node's name in a header; the node subscribes to a topic's subject only while one of its
 * clients is subscribed, and delivers what other nodes publish to its local subscribers. Its
 * own publishes coming back are skipped (they were delivered locally already), so every
 * subscriber in the cluster gets each publish once.
 *
 * Like Venice pub/sub this is at most once: core NATS, no persistence; a node that is
 * disconnected from the engine misses what is published meanwhile elsewhere.
 */
import { debuglog } from 'node:util';
import type { Msg, Subscription } from 'nats';
import type { Message } from '../message/message.js';
import type { PubSubBridge, PubSubFeature } from '../server/pubsub.js';
import { decodeStoredMessage, encodeStoredMessage } from '../transport/stored-message.js';
import { withTimeout, type Engine } from './engine.js';
import { ORIGIN_HEADER, type ClusterNames } from './subjects.js';

const debug = debuglog('venice-ipc');

/** Counters of the bridge (reported by the cluster status). */
export interface BridgeStats {
  /** Local publishes sent to the engine. */
  readonly sent: number;
  /** Publishes of other nodes delivered here. */
  readonly received: number;
  /** Messages from the engine that could not be decoded (dropped, logged). */
  readonly undecodable: number;
  /** Local publishes the engine refused (larger than its max_payload, reconnect buffer full); delivered locally only. */
  readonly notSent: number;
  /** Topics this node is subscribed to in the engine. */
  readonly topics: number;
}

/** The bridge between one server's pub/sub feature and the engine. */
export class NatsPubSubBridge implements PubSubBridge {
  readonly #engine: Engine;
  readonly #names: ClusterNames;
  readonly #pubsub: PubSubFeature;
  readonly #subs = new Map<string, Subscription>();
  readonly #origin;
  #sent = 0;
  #received = 0;
  #undecodable = 0;
  #notSent = 0;

  constructor(engine: Engine, names: ClusterNames, pubsub: PubSubFeature) {
    this.#engine = engine;
    this.#names = names;
    this.#pubsub = pubsub;
    this.#origin = engine.header(ORIGIN_HEADER, engine.settings.name);
  }

  get stats(): BridgeStats {
    return { sent: this.#sent, received: this.#received, undecodable: this.#undecodable, notSent: this.#notSent, topics: this.#subs.size };
  }

  topicAdded(topic: string): void {
    if (this.#subs.has(topic) || this.#engine.nc.isClosed()) return;
    const sub = this.#engine.nc.subscribe(this.#names.topic(topic), { callback: (err, m) => this.#onMessage(err, m) });
    this.#subs.set(topic, sub);
  }

  topicRemoved(topic: string): void {
    const sub = this.#subs.get(topic);
    this.#subs.delete(topic);
    sub?.unsubscribe();
  }

  published(msg: Message): void {
    const nc = this.#engine.nc;
    if (nc.isClosed()) return;
    // While reconnecting, nats.js buffers publishes (bounded by its reconnect buffer) and sends them after.
    try {
      nc.publish(this.#names.topic(msg.topic), encodeStoredMessage(msg), { headers: this.#origin });
      this.#sent++;
    } catch (err) {
      // The local subscribers have it already; the PUBLISH is answered OK as for them, the miss is counted and logged.
      this.#notSent++;
      debug('cluster pub/sub: publish on %s not sent to the other nodes: %s', msg.topic, String(err));
    }
  }

  /** Resolves once the engine has registered this node's subscriptions (so a SUBSCRIBE answered OK hears publishes of other nodes from then on). */
  async flush(): Promise<void> {
    if (this.#engine.nc.isClosed()) return;
    // Bounded: while the engine is away the local subscription works and the answer must not wait for a reconnect.
    await withTimeout(this.#engine.nc.flush(), this.#engine.settings.requestTimeout);
  }

  close(): void {
    for (const sub of this.#subs.values()) sub.unsubscribe();
    this.#subs.clear();
  }

  #onMessage(err: Error | null, m: Msg): void {
    if (err !== null) {
      debug('cluster pub/sub subscription error: %s', err.message);
      return;
    }
    if (m.headers?.get(ORIGIN_HEADER) === this.#engine.settings.name) return; // delivered locally when published
    let msg: Message;
    try {
      msg = decodeStoredMessage(m.data);
    } catch (e) {
      this.#undecodable++;
      debug('cluster pub/sub: dropped an undecodable message on %s: %s', m.subject, String(e));
      return;
    }
    this.#received++;
    this.#pubsub.deliver(msg);
  }
}
