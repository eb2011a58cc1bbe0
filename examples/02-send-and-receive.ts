// Seed example 02: a handler that adds two numbers carried as JSON ("Venice data").
// request: {"x": 100, "y": 200}   response: {"z": 300}
import { strict as assert } from 'node:assert';
import { connect, createServer, veniceMessage, type Message } from '../src/index.js';

function handler(m: Message): Message {
  assert.equal(m.topic, 'add');
  const request = m.json<{ x: number; y: number }>();
  return veniceMessage(m.requestId, m.topic, { z: request.x + request.y });
}

await using server = await createServer({ port: 0, handler });
await using client = await connect({ uri: server.uri });

const response = await client.send(veniceMessage('1', 'add', { x: 100, y: 200 }));
console.log(response.toJsonString(true));
