// Seed example 15: a text message with an explicit mimetype and charset.
import { textMessage } from '../src/index.js';

console.log(textMessage('1', 'test', 'text/plain', 'UTF-8', 'hello').toJsonString(true));
