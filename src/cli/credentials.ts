import { stat } from 'node:fs/promises';
import { createAuthenticator, loadAuthenticator, type Authenticator } from '../index.js';
import { EXIT, jsonOption, printData, UsageError, type Command, type Invocation } from './common.js';

/**
 * Reads a password: on a terminal, prompts twice without echo; otherwise takes the first line
 * of stdin (LF or CRLF ended). Rejects an empty answer.
 */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const again = await promptHidden('Repeat password: ');
    if (first !== again) throw new UsageError('the passwords do not match');
    return first;
  }
  const line = await firstLine(stdin);
  if (line === undefined) throw new UsageError('no password on stdin');
  return line;
}

/** The first line of a stream, without its line end; undefined for an empty stream. */
async function firstLine(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
    if (text.length > 4096) throw new UsageError('the password line is too long');
  }
  return text === '' ? undefined : text.replace(/\r$/, '');
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let answer = '';
    const done = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err !== undefined) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** `venice-ipc credentials add FILE USER [--strong]`: adds or replaces one user's password. */
export const credentialsCommand: Command = {
  name: 'credentials',
  summary: 'edit a credentials file (Venice format)',
  subcommands: [
    {
      name: 'add',
      args: 'FILE USER',
      summary: 'add a user (or replace its password) in a credentials file',
      details:
        'The password is prompted for on a terminal (twice, no echo) or read as one line from stdin; the file is written atomically.',
      options: [
        { name: 'strong', type: 'boolean', description: 'store a 210000-iteration PBKDF2 hash (not readable by Java servers). Defaults to the Venice format' },
        jsonOption('the result as one JSON line'),
      ],
      async run({ values: v, positionals }: Invocation): Promise<number> {
        const [file, user, ...extra] = positionals;
        if (file === undefined || user === undefined || extra.length > 0) throw new UsageError('expected FILE and USER');
        const format = v['strong'] === true ? 'strong' : 'venice';
        // Read the file first: a broken file is reported before the password is asked for.
        const auth: Authenticator = (await exists(file)) ? await loadAuthenticator(file) : await createAuthenticator();
        const password = await readPassword();
        const replaced = auth.hasUser(user);
        await auth.addCredentials(user, password, { format });
        await auth.store(file); // atomic: temporary file, fsync, rename
        printData(v, { file, user, action: replaced ? 'updated' : 'added', format }, `${replaced ? 'updated' : 'added'} user '${user}' in ${file}`);
        return EXIT.OK;
      },
    },
  ],
};
