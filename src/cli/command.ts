/**
 * The table-driven command framework of the `venice-ipc` CLI.
 *
 * HOW TO ADD THINGS
 * - A flag: add one {@link OptionSpec} entry to the command's `options` array (or to a shared
 *   array in common.ts such as CLIENT_OPTIONS). Parsing, `--help`, the usage line printed on
 *   usage errors, "did you mean" and the docs check (test/cli/docs.test.ts) all read it.
 * - A command: write a {@link Command} object (name, summary, args, options, run) and add it
 *   to COMMANDS in commands.ts; a subcommand (`queue list`): add it to the parent's
 *   `subcommands`. Then add its section to docs/cli.md (the docs test says what is missing).
 * - Exit codes: return one of {@link EXIT}; throw {@link UsageError} for a bad command line.
 */

/** The exit codes of every command. */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Failure: connection, error status from the server, I/O, a corrupt write-ahead log. */
  FAILURE: 1,
  /** Nothing there: a poll stayed empty, a queue does not exist, `--count` not reached before `--timeout`. */
  EMPTY: 2,
  /** Bad command line: unknown command or flag, bad value, bad port, missing argument. */
  USAGE: 64,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One flag of a command. */
export interface OptionSpec {
  /** Long name without the dashes: `port` for `--port`. */
  readonly name: string;
  /** One-letter alias without the dash, if any. */
  readonly short?: string;
  /** `boolean` flags take no value; `string` flags take the next argument (or `--name=value`). */
  readonly type: 'string' | 'boolean';
  /** Placeholder of the value in help texts (`N`, `URI`, …). Defaults to `VALUE`. */
  readonly value?: string;
  /** The flag may be repeated; its value is then a string array. */
  readonly multiple?: boolean;
  /** One line for `--help` and docs/cli.md. */
  readonly description: string;
}

/** Parsed flag values: strings, booleans and repeated strings. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` gets. */
export interface Invocation {
  readonly values: Values;
  readonly positionals: string[];
  readonly env: NodeJS.ProcessEnv;
}

/** A CLI command (or subcommand). `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  /** One line: the first line of `--help` and the line in the command list. */
  readonly summary: string;
  /** Positional arguments for the usage line, e.g. `QUEUE` or `TOPIC...`. */
  readonly args?: string;
  /** Further help text printed after the summary. */
  readonly details?: string;
  readonly options?: readonly OptionSpec[];
  /** Subcommands chosen by the first argument (`queue create`); then `run` is not used. */
  readonly subcommands?: readonly Command[];
  run?(inv: Invocation): Promise<number>;
}

/** Thrown for bad command lines; printed with the usage; exit code 64. */
export class UsageError extends Error {}

/** The flag every command takes. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'print this help and exit' };

/** Edit distance of two short strings: insertions, deletions, substitutions and swaps of neighbours (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The closest of `candidates` to `word` (at most 2 edits, or a prefix), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best !== undefined && bestD <= Math.max(1, Math.min(2, Math.floor(word.length / 3)))) return best;
  const prefixed = candidates.filter((c) => c.startsWith(word) && word.length >= 2);
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean 'x'?)` or nothing. */
export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean '${prefix}${c}'?)`;
}

/** The result of {@link parseCommandLine}; `help` is set when `--help`/`-h` came first. */
export interface Parsed {
  readonly values: Values;
  readonly positionals: string[];
  readonly help: boolean;
}

/**
 * Parses `argv` against `options` (plus --help/-h): `--name value`, `--name=value`, `-x value`,
 * booleans without a value, `--` ends the flags. A string flag takes the next argument whatever
 * it looks like (so `--max-message-size -1` works). A repeated non-`multiple` flag keeps its last
 * value. Unknown flags are UsageErrors with a suggestion.
 */
export function parseCommandLine(argv: readonly string[], options: readonly OptionSpec[]): Parsed {
  const all = [...options, HELP_OPTION];
  const values: Values = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      shown = `--${name}`;
      spec = all.find((o) => o.name === name);
      if (spec === undefined) {
        throw new UsageError(`unknown option '${shown}'${didYouMean(name, all.map((o) => o.name), '--')}`);
      }
    } else if (arg.length > 1 && arg.startsWith('-') && !/^-[0-9]/.test(arg)) {
      const letter = arg.slice(1);
      shown = arg;
      spec = all.find((o) => o.short === letter);
      if (spec === undefined) {
        const suggestion = letter.length > 1 ? didYouMean(letter, all.map((o) => o.name), '--') : '';
        throw new UsageError(`unknown option '${arg}'${suggestion}`);
      }
    } else {
      positionals.push(arg);
      continue;
    }
    if (spec === HELP_OPTION) return { values, positionals, help: true };
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value`);
      values[spec.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${shown} needs a value (${spec.value ?? 'VALUE'})`);
    if (spec.multiple === true) {
      const prev = values[spec.name];
      values[spec.name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      values[spec.name] = value;
    }
  }
  return { values, positionals, help: false };
}
