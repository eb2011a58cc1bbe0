// Seed example 14: a plain-text message (text/plain, UTF-8): request id "1", topic "test".
import { plainTextMessage } from '../src/index.js';

console.log(plainTextMessage('1', 'test', 'hello').toJsonString(true));
