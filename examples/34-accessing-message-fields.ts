// Seed example 34: reading the fields of a binary message (no charset: nil).
import { binaryMessage, connect, createServer } from '../src/index.js';
import { println, veniceField } from './_format.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const bytes = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
const m = await client.send(binaryMessage('1', 'test', 'application/octet-stream', bytes));
println(veniceField(m, 'id'));
println(veniceField(m, 'type'));
println(veniceField(m, 'oneway?'));
println(veniceField(m, 'timestamp'));
println(veniceField(m, 'response-status'));
println(veniceField(m, 'request-id'));
println(veniceField(m, 'topic'));
println(veniceField(m, 'payload-mimetype'));
println(veniceField(m, 'payload-charset'));
println(veniceField(m, 'payload-binary'));
