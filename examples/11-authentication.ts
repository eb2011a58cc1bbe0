// Seed example 11: authentication. The server gets an authenticator holding user "tom" and
// requires encryption (an active authenticator without it is refused, so that passwords never
// travel in clear); the client logs in with its credentials after the key exchange.
import { connect, createAuthenticator, createServer, plainTextMessage, type Message } from '../src/index.js';
import { println, veniceMap } from './_format.js';

function echoHandler(m: Message): Message {
  println('REQUEST:  ', veniceMap(m));
  return m;
}

const a = await createAuthenticator(); // create an authenticator
await a.addCredentials('tom', '3,kio'); // add test credentials

await using server = await createServer({
  port: 0,
  handler: echoHandler,
  encrypt: true, // enable encryption
  authenticator: a, // pass the authenticator to the server
});
// client connection with the credentials
await using client = await connect({ uri: server.uri, userName: 'tom', password: '3,kio' });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
println('RESPONSE: ', veniceMap(response));
