import type { Command } from './common.js';
import { publishCommand, subscribeCommand } from './pubsub.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';

/** Every command of the `venice-ipc` CLI. Add new commands here. */
export const COMMANDS: readonly Command[] = [serveCommand, sendCommand, publishCommand, subscribeCommand];
