// Seed example 22: transparently compress messages with a payload of 1 KB or more. The client
// adopts the server's cutoff from the handshake; receivers decompress whatever is flagged
// compressed, whatever their own setting.
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

function echoHandler(m: Message): Message {
  console.log('REQUEST:', m.toJsonString(true));
  return m;
}

await using server = await createServer({ port: 0, handler: echoHandler, compressCutoffSize: '1KB' });
await using client = await connect({ uri: server.uri });

// requestId "1", topic "test", payload "hello" (below the cutoff: sent as is)
const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE:', response.toJsonString(true));
