// Seed example 03: asynchronous send. `send` returns a Promise (Venice `send-async` returns a
// future); an AbortSignal bounds the wait to 1 s, like `(deref response 1_000 :timeout)`.
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

function echoHandler(m: Message): Message {
  console.log('REQUEST:', m.toJsonString(true));
  return m;
}

await using server = await createServer({ port: 0, handler: echoHandler });
await using client = await connect({ uri: server.uri });

const pending = client.send(plainTextMessage('1', 'test', 'hello'), { signal: AbortSignal.timeout(1_000) });
// ... do other work while the request is under way ...
try {
  const response = await pending;
  console.log('RESPONSE:', response.toJsonString(true));
} catch (err) {
  // Rejects with a TimeoutError (code VIPC_ERR_TIMEOUT) when no response came within 1 s.
  console.log('RESPONSE: timeout', (err as Error).message);
}
