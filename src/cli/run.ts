import { ArgumentError } from '../index.js';
import { didYouMean, EXIT, parseCommandLine, UsageError, type Command } from './command.js';
import { describe } from './common.js';
import { commandHelp, topHelp, usageLine } from './help.js';
import { packageVersion } from './version.js';

/** Finds `argv`'s command through the subcommand tables; returns the path, the command and its own arguments. */
function resolve(
  commands: readonly Command[],
  argv: readonly string[],
): { path: string[]; cmd: Command; rest: string[] } | { path: string[]; error: string; parent?: Command } {
  const path: string[] = [];
  let table = commands;
  let parent: Command | undefined;
  let rest = [...argv];
  for (;;) {
    const name = rest[0];
    const names = table.map((c) => c.name);
    if (name === undefined || name.startsWith('-')) {
      return parent === undefined
        ? { path, error: 'missing command' }
        : { path, error: `missing subcommand (${names.join(', ')})`, parent };
    }
    const cmd = table.find((c) => c.name === name);
    if (cmd === undefined) {
      const what = parent === undefined ? 'command' : 'subcommand';
      return { path, error: `unknown ${what} '${name}'${didYouMean(name, names)}`, ...(parent !== undefined ? { parent } : {}) };
    }
    path.push(name);
    rest = rest.slice(1);
    if (cmd.subcommands === undefined) return { path, cmd, rest };
    const next = rest[0];
    if (next === '--help' || next === '-h' || next === undefined) return { path, cmd, rest };
    parent = cmd;
    table = cmd.subcommands;
  }
}

/**
 * Runs one command line and returns its exit code: help and version, dispatch through the
 * tables, usage errors (and ArgumentErrors: bad values) as 64 with the usage, other errors as 1.
 */
export async function runCommandLine(commands: readonly Command[], argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [first, ...after] = argv;
  if (first === undefined) {
    process.stderr.write(topHelp(commands));
    return EXIT.USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && after.length === 0)) {
    process.stdout.write(topHelp(commands));
    return EXIT.OK;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(packageVersion() + '\n');
    return EXIT.OK;
  }
  if (first === 'help') return runCommandLine(commands, [...after, '--help'], env);
  if (first.startsWith('-')) {
    const name = first.replace(/^-+/, '').split('=')[0] as string;
    process.stderr.write(`venice-ipc: unknown option '${first}'${didYouMean(name, ['help', 'version'], '--')}\nRun 'venice-ipc --help' for the commands.\n`);
    return EXIT.USAGE;
  }
  const found = resolve(commands, argv);
  if ('error' in found) {
    const where = found.path.length > 0 ? ` ${found.path.join(' ')}` : '';
    const hint = found.parent !== undefined ? usageLine(found.path, found.parent) : "Run 'venice-ipc --help' for the commands.";
    process.stderr.write(`venice-ipc${where}: ${found.error}\n${hint}\n`);
    return EXIT.USAGE;
  }
  const { path, cmd, rest } = found;
  try {
    const parsed = parseCommandLine(rest, cmd.options ?? []);
    if (parsed.help) {
      process.stdout.write(commandHelp(path, cmd));
      return EXIT.OK;
    }
    if (cmd.subcommands !== undefined || cmd.run === undefined) {
      throw new UsageError(`missing subcommand (${(cmd.subcommands ?? []).map((c) => c.name).join(', ')})`);
    }
    return await cmd.run({ values: parsed.values, positionals: parsed.positionals, env });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ArgumentError) {
      process.stderr.write(`venice-ipc ${path.join(' ')}: ${err instanceof UsageError ? err.message : describe(err)}\n${usageLine(path, cmd)}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`venice-ipc ${path.join(' ')}: ${describe(err)}\n`);
    return EXIT.FAILURE;
  }
}
