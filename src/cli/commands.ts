import { benchCommand } from './bench.js';
import type { Command } from './common.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';

/** Every command of the `venice-ipc` CLI. Add new commands here. */
export const COMMANDS: readonly Command[] = [serveCommand, sendCommand, benchCommand];
