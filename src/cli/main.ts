#!/usr/bin/env node
import { COMMANDS } from './commands.js';
import { describe } from './common.js';
import { EXIT } from './command.js';
import { runCommandLine } from './run.js';

runCommandLine(COMMANDS, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`venice-ipc: ${describe(err)}\n`);
    process.exitCode = EXIT.FAILURE;
  },
);
