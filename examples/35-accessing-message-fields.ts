// Seed example 35: reading the fields of a JSON ("Venice data") message; `payload-venice`
// (or `m.json()`) parses the payload.
import { connect, createServer, veniceMessage } from '../src/index.js';
import { println, veniceField } from './_format.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const m = await client.send(veniceMessage('1', 'test', { a: 100, b: 200 }));
println(veniceField(m, 'id'));
println(veniceField(m, 'type'));
println(veniceField(m, 'oneway?'));
println(veniceField(m, 'timestamp'));
println(veniceField(m, 'response-status'));
println(veniceField(m, 'request-id'));
println(veniceField(m, 'topic'));
println(veniceField(m, 'payload-mimetype'));
println(veniceField(m, 'payload-charset'));
println(veniceField(m, 'payload-text'));
println(veniceField(m, 'payload-venice'));
