import { EXIT, HELP_OPTION, type Command, type OptionSpec } from './command.js';

/** Environment variables the CLI reads, for the top-level help and docs/cli.md. */
export const ENVIRONMENT: readonly { readonly name: string; readonly description: string }[] = [
  { name: 'VENICE_IPC_URI', description: 'endpoint of client commands when no --uri, --port or --host is given' },
  { name: 'VENICE_IPC_USER', description: 'user name of client commands when no --user is given' },
  { name: 'VENICE_IPC_PASSWORD', description: 'password of client commands when a user is given without --password or --password-env' },
];

/** `--port N` or `--encrypt`. */
export function flag(o: OptionSpec): string {
  return o.type === 'boolean' ? `--${o.name}` : `--${o.name} ${o.value ?? 'VALUE'}`;
}

/** `venice-ipc queue create NAME CAPACITY` (no options). */
export function synopsis(path: readonly string[], cmd: Command): string {
  return ['venice-ipc', ...path, ...(cmd.subcommands !== undefined ? ['<subcommand>'] : []), ...(cmd.args !== undefined ? [cmd.args] : [])].join(' ');
}

/** The usage line printed with a usage error: the synopsis with every flag. */
export function usageLine(path: readonly string[], cmd: Command): string {
  const flags = (cmd.options ?? []).map((o) => `[${flag(o)}]${o.multiple === true ? '...' : ''}`);
  return `usage: ${[synopsis(path, cmd), ...flags].join(' ')}\nRun 'venice-ipc ${path.join(' ')} --help' for details.`;
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(32, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => (a.length + 2 > width ? `  ${a}\n  ${' '.repeat(width)}${b}` : `  ${a.padEnd(width)}${b}`));
}

/** The `--help` text of a command; its first line is `venice-ipc PATH: summary`. */
export function commandHelp(path: readonly string[], cmd: Command): string {
  const lines = [`venice-ipc ${path.join(' ')}: ${cmd.summary}`, '', `usage: ${synopsis(path, cmd)} [options]`];
  if (cmd.details !== undefined) lines.push('', cmd.details);
  if (cmd.subcommands !== undefined) {
    lines.push('', 'subcommands:', ...columns(cmd.subcommands.map((s) => [[s.name, s.args].filter(Boolean).join(' '), s.summary])));
    lines.push('', `Run 'venice-ipc ${path.join(' ')} <subcommand> --help' for its options.`);
  }
  const options = [...(cmd.options ?? []), HELP_OPTION];
  lines.push('', 'options:', ...columns(options.map((o) => [`${o.short !== undefined ? `-${o.short}, ` : ''}${flag(o)}`, o.description])));
  return lines.join('\n') + '\n';
}

/** The top-level help: commands, exit codes, environment. */
export function topHelp(commands: readonly Command[]): string {
  return [
    'venice-ipc: Venice IPC 1.12.71 server, client and tools',
    '',
    'usage: venice-ipc <command> [options]',
    '       venice-ipc <command> --help',
    '       venice-ipc --version',
    '',
    'commands:',
    ...columns(commands.map((c) => [c.name, c.summary])),
    '',
    'exit codes:',
    ...columns([
      [String(EXIT.OK), 'success'],
      [String(EXIT.FAILURE), 'failure: connection, error status from the server, I/O, corrupt log'],
      [String(EXIT.EMPTY), 'empty or not found: poll timed out, no such queue, --count not reached'],
      [String(EXIT.USAGE), 'bad command line: unknown command or flag, bad value'],
    ]),
    '',
    'environment:',
    ...columns(ENVIRONMENT.map((e) => [e.name, e.description])),
    '',
    'Full reference: docs/cli.md',
  ].join('\n') + '\n';
}
