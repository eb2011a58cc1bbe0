// Seed example 16: a text message carrying JSON text. With mimetype application/json the JSON
// view shows the parsed payload under "data" instead of "charset"/"text".
import { textMessage } from '../src/index.js';

const json = '{"item": "espresso", "count": 2}';
console.log(textMessage('1', 'order', 'application/json', 'UTF-8', json).toJsonString(true));
