// Seed example 19: a "Venice data" message: any JSON-serialisable value, sent as application/json.
import { veniceMessage } from '../src/index.js';

console.log(veniceMessage('1', 'order', { item: 'espresso', count: 2 }).toJsonString(true));
