// Seed example 23: transparently encrypt messages. The client sees `encrypt` in the server's
// configuration, runs the Diffie-Hellman key exchange, and from then on every message is
// AES-256-GCM encrypted in both directions; this server also refuses unencrypted requests.
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

function echoHandler(m: Message): Message {
  console.log('REQUEST:', m.toJsonString(true));
  return m;
}

await using server = await createServer({ port: 0, handler: echoHandler, encrypt: true });
await using client = await connect({ uri: server.uri });

// requestId "1", topic "test", payload "hello"
const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE:', response.toJsonString(true));
