#!/usr/bin/env node
import { COMMANDS } from './commands.js';
import { describe, UsageError } from './common.js';

function usage(): string {
  return ['usage: venice-ipc <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 64 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    process.stderr.write(`venice-ipc: unknown command '${name}'\n${usage()}\n`);
    return 64;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`venice-ipc ${cmd.name}: ${err.message}\nusage: venice-ipc ${cmd.usage}\n`);
      return 64;
    }
    process.stderr.write(`venice-ipc ${cmd.name}: ${describe(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`venice-ipc: ${describe(err)}\n`);
    process.exitCode = 1;
  },
);
