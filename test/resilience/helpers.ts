import { strict as assert } from 'node:assert';
import { isIpcError, type Client, type ClientStatusEvent } from '../../src/index.js';
import { within } from '../pubsub/helpers.js';

/** Asserts that `p` rejects with an IpcError of `code` (and, if given, `name`). */
export async function rejectsWith(p: Promise<unknown>, code: string, name?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isIpcError(err), `not an IpcError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (name !== undefined) assert.equal(err.name, name);
    return true;
  });
}

export { within } from '../pubsub/helpers.js';

/** Collects a client's status events from now on; `next(type)` waits for the next one of that type. */
export function statusLog(client: Client): { events: ClientStatusEvent[]; next(type: ClientStatusEvent['type'], ms?: number): Promise<ClientStatusEvent> } {
  const events: ClientStatusEvent[] = [];
  let seen = 0;
  const waiters: Array<() => void> = [];
  void (async () => {
    for await (const e of client.status()) {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    }
    for (const w of waiters.splice(0)) w();
  })();
  return {
    events,
    async next(type, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = events.findIndex((e, k) => k >= seen && e.type === type);
        if (i >= 0) {
          seen = i + 1;
          return events[i] as ClientStatusEvent;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no '${type}' status event within ${ms} ms; got ${events.map((e) => e.type).join(', ')}`);
        await within(new Promise<void>((r) => waiters.push(r)), left, `status '${type}'`).catch(() => undefined);
      }
    },
  };
}
