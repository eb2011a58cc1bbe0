import { benchCommand } from './bench.js';
import type { Command } from './command.js';
import { credentialsCommand } from './credentials.js';
import { offerCommand, pollCommand, queueCommand } from './queue.js';
import { publishCommand, subscribeCommand } from './pubsub.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';
import { versionCommand } from './version.js';
import { walCommand } from './wal.js';

/** Every command of the `venice-ipc` CLI, in the order of the help. Add new commands here (see command.ts). */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  sendCommand,
  offerCommand,
  pollCommand,
  queueCommand,
  publishCommand,
  subscribeCommand,
  walCommand,
  credentialsCommand,
  benchCommand,
  versionCommand,
];
