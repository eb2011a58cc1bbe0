// Seed example 18: a binary message holding a file's bytes.
// Usage: node dist/examples/18-3-binary-messages.js [file.pdf]   (defaults to ./test.pdf)
import { readFile } from 'node:fs/promises';
import { binaryMessage } from '../src/index.js';

const path = process.argv[2] ?? 'test.pdf';
let pdf: Buffer;
try {
  pdf = await readFile(path);
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  console.error(`No such file: '${path}'`); // what Venice's io/slurp reports
  process.exit(1);
}
console.log(binaryMessage('1', 'test', 'application/pdf', pdf).toJsonString(true));
