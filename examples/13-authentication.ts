// Seed example 13: load the credentials written by example 12 (`ipc/load-authenticator`) and
// log in as "tf". Run example 12 first, in the same directory (or pass the file's path).
//
// Like the Venice original, the server has no handler. The Java server answers such a request
// with status OK and an error text; this implementation answers HANDLER_ERROR with the same
// text (SEMANTICS §17 #4), so this twin prints `:status :HANDLER_ERROR` where Java printed
// `:status :OK`. Everything else matches.
import { connect, createServer, loadAuthenticator, plainTextMessage } from '../src/index.js';
import { println, veniceMap } from './_format.js';

const ac = await loadAuthenticator(process.argv[2] ?? './ipc.cred');

await using server = await createServer({ port: 0, encrypt: true, authenticator: ac });
await using client = await connect({ uri: server.uri, userName: 'tf', password: '3-kio' });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
println('RESPONSE: ', veniceMap(response));
