// Seed example 33: reading the fields of a text message (the echoed response).
// `message.field(name)` is Venice's `ipc/message-field`; typed properties exist as well
// (m.id, m.type, m.oneway, m.timestamp, m.expiresAt, m.status, m.requestId, m.topic, ...).
import { connect, createServer, textMessage } from '../src/index.js';
import { println, veniceField } from './_format.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const m = await client.send(textMessage('1', 'test', 'text/plain', 'UTF-8', 'Hello!'));
println(veniceField(m, 'id'));
println(veniceField(m, 'type'));
println(veniceField(m, 'oneway?'));
println(veniceField(m, 'timestamp'));
println(veniceField(m, 'expires-at'));
println(veniceField(m, 'response-status'));
println(veniceField(m, 'request-id'));
println(veniceField(m, 'topic'));
println(veniceField(m, 'payload-mimetype'));
println(veniceField(m, 'payload-charset'));
println(veniceField(m, 'payload-text'));
println(veniceField(m, 'payload-binary'));
