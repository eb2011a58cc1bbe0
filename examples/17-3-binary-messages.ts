// Seed example 17: a binary message; the JSON view shows the bytes as Base64.
import { binaryMessage } from '../src/index.js';

const bytes = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
console.log(binaryMessage('1', 'test', 'application/octet-stream', bytes).toJsonString(true));
