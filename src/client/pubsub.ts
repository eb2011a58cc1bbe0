import { randomUUID } from 'node:crypto';
import { ArgumentError, ErrorCode, RequestError } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import { validateTopics } from '../message/validate.js';
import type { ClientCore, RequestOptions } from './core.js';
import {
  SubscriptionImpl,
  type PushHandler,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionOwner,
} from './subscription.js';

/** Header timeout Java puts on SUBSCRIBE/UNSUBSCRIBE (WIRE §9.2). */
const SUBSCRIBE_TIMEOUT = 300;

function topicList(topics: string | readonly string[], fn: string): readonly string[] {
  if (typeof topics !== 'string' && !Array.isArray(topics)) {
    throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Function '${fn}' expects either a single string topic or a sequence of topic strings!`);
  }
  return validateTopics(typeof topics === 'string' ? [topics] : topics);
}

function safeText(m: Message): string {
  try {
    return m.text;
  } catch {
    return '';
  }
}

/**
 * The publish/subscribe side of one client (SEMANTICS §7.5): the topic → subscription
 * registry (one subscription per topic), the endpoint id sent with SUBSCRIBE/UNSUBSCRIBE,
 * and dispatch of pushes. Pushes are only buffered in the socket read path; handlers and
 * `for await` loops run later, so they never delay the client's responses.
 */
export class PubSubClient implements SubscriptionOwner {
  /** Random id of this client object, the payload of SUBSCRIBE/UNSUBSCRIBE (WIRE §5). */
  readonly endpointId = randomUUID();
  readonly #core: ClientCore;
  readonly #byTopic = new Map<string, SubscriptionImpl>();
  /** Pushes for a topic without a local subscription (counted and dropped, as Java does). */
  unrouted = 0;

  constructor(core: ClientCore) {
    this.#core = core;
    core.onPush = (m) => this.#dispatch(m);
    core.onReconnect = () => this.#resubscribe();
    // Never rejects; ends every subscription once the client is closed for good (a connection
    // loss it reconnects from keeps them: they are renewed on the new connection).
    void core.closed.then((err) => this.#endAll(err));
  }

  #dispatch(msg: Message): void {
    const sub = this.#byTopic.get(msg.topic);
    if (sub === undefined) this.unrouted++;
    else sub.accept(msg);
  }

  #endAll(err: Error | undefined): void {
    const subs = new Set(this.#byTopic.values());
    this.#byTopic.clear();
    for (const s of subs) s.end(err);
  }

  /** SUBSCRIBE / UNSUBSCRIBE as the Java client builds them (WIRE §9.2). */
  #request(type: MessageTypeName, topics: readonly string[]): Message {
    return messageFromFields({
      type,
      topics,
      mimetype: 'text/plain',
      charset: 'UTF-8',
      data: Buffer.from(this.endpointId, 'utf8'),
      timeout: SUBSCRIBE_TIMEOUT,
      expiresAtMillis: -1,
      requestId: null,
    });
  }

  /** Registers locally first (pushes may precede the answer), then subscribes on the server. */
  async subscribe(topics: string | readonly string[], handler: PushHandler | undefined, opts: SubscribeOptions = {}): Promise<Subscription> {
    const list = topicList(topics, 'subscribe');
    this.#core.assertOpen();
    const sub = new SubscriptionImpl(this, list, handler, opts);
    // Pushes that arrive before the answer already go to the new subscription; the one it
    // replaces keeps its topics until the server confirmed, so a refusal can give them back.
    const replaced = new Map<string, SubscriptionImpl>();
    for (const t of list) {
      const prev = this.#byTopic.get(t);
      if (prev !== undefined) replaced.set(t, prev);
      this.#byTopic.set(t, sub);
    }
    const refused = (err: Error | undefined): void => {
      this.#forget(sub);
      for (const [t, prev] of replaced) if (!this.#byTopic.has(t) && !prev.isClosed) this.#byTopic.set(t, prev);
      sub.end(err);
    };
    let res: Message;
    try {
      res = await this.#core.request(this.#request('SUBSCRIBE', list), opts);
    } catch (err) {
      refused(err instanceof Error ? err : undefined);
      throw err;
    }
    if (!res.responseOk) {
      const err = new RequestError(res.status, `Failed to subscribe: ${res.status} ${safeText(res)}`);
      refused(err);
      throw err;
    }
    for (const [t, prev] of replaced) prev.dropTopic(t); // one subscription per topic: the new one replaces it
    sub.confirm(res);
    return sub;
  }

  /** After a reconnect: SUBSCRIBE again to every live subscription's topics; resolves with how many. */
  async #resubscribe(): Promise<number> {
    const subs = new Set(this.#byTopic.values());
    const results = await Promise.allSettled(
      [...subs].map(async (sub) => {
        const topics = [...this.#byTopic].filter(([, s]) => s === sub).map(([t]) => t);
        if (topics.length === 0) return;
        const res = await this.#core.request(this.#request('SUBSCRIBE', topics));
        if (!res.responseOk) throw new RequestError(res.status, `Failed to subscribe again to ${topics.join(', ')}: ${res.status} ${safeText(res)}`);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return subs.size;
  }

  /** A subscription started dropping pushes: a status event. */
  slow(sub: SubscriptionImpl): void {
    this.#core.emitStatus({ type: 'slow-consumer', topics: sub.topics });
  }

  #forget(sub: SubscriptionImpl): string[] {
    const topics = sub.takeTopics();
    for (const t of topics) if (this.#byTopic.get(t) === sub) this.#byTopic.delete(t);
    return topics;
  }

  /** Removes the local subscriptions of `topics` first, then unsubscribes on the server. */
  async unsubscribe(topics: string | readonly string[], opts?: RequestOptions): Promise<Message> {
    const list = topicList(topics, 'unsubscribe');
    this.#core.assertOpen();
    for (const t of list) {
      const sub = this.#byTopic.get(t);
      this.#byTopic.delete(t);
      sub?.dropTopic(t);
    }
    return this.#core.request(this.#request('UNSUBSCRIBE', list), opts);
  }

  async release(sub: SubscriptionImpl, opts?: RequestOptions): Promise<void> {
    const topics = this.#forget(sub);
    sub.end(undefined);
    if (topics.length === 0) return;
    try {
      this.#core.assertOpen();
    } catch {
      return; // the client is closing: the server drops the subscriptions with the connection
    }
    const res = await this.#core.request(this.#request('UNSUBSCRIBE', topics), opts);
    if (!res.responseOk) throw new RequestError(res.status, `Failed to unsubscribe: ${res.status} ${safeText(res)}`);
  }

  /** PUBLISH (WIRE §9.2): the message with type PUBLISH, oneway 0; resolves with the server's answer. */
  publish(msg: Message, opts?: RequestOptions): Promise<Message> {
    return this.#core.request(msg.with({ type: 'PUBLISH', oneway: false, subscriptionReply: false }), opts);
  }

}

const registry = new WeakMap<ClientCore, PubSubClient>();

/** The publish/subscribe side of a client, created on first use. */
export function pubsubOf(core: ClientCore): PubSubClient {
  let p = registry.get(core);
  if (p === undefined) {
    p = new PubSubClient(core);
    registry.set(core, p);
  }
  return p;
}

export type { PushHandler, SubscribeOptions, Subscription };
