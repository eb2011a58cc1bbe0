import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- the CLI's own tests read its tables
import { COMMANDS } from '../../src/cli/commands.js';
// eslint-disable-next-line no-restricted-imports -- the CLI's own tests read its tables
import { EXIT, type Command } from '../../src/cli/command.js';
// eslint-disable-next-line no-restricted-imports -- the CLI's own tests read its tables
import { ENVIRONMENT } from '../../src/cli/help.js';

const DOC = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

/** The text of the section `### venice-ipc PATH` up to the next heading. */
function section(path: readonly string[]): string | undefined {
  const head = `### venice-ipc ${path.join(' ')}\n`;
  const at = DOC.indexOf(head);
  if (at < 0) return undefined;
  const end = DOC.indexOf('\n#', at + head.length);
  return DOC.slice(at, end < 0 ? undefined : end);
}

test('docs/cli.md has a section for every command with every option of its table', () => {
  const walk = (table: readonly Command[], prefix: string[]): void => {
    for (const cmd of table) {
      const path = [...prefix, cmd.name];
      const text = section(path);
      assert.ok(text !== undefined, `docs/cli.md lacks '### venice-ipc ${path.join(' ')}'`);
      for (const o of cmd.options ?? []) assert.ok(text.includes(`\`--${o.name}`), `docs/cli.md: venice-ipc ${path.join(' ')} lacks --${o.name}`);
      walk(cmd.subcommands ?? [], path);
    }
  };
  walk(COMMANDS, []);
  for (const code of Object.values(EXIT)) assert.match(DOC, new RegExp(`^\\| ${code} \\|`, 'm'), `exit code ${code}`);
  for (const e of ENVIRONMENT) assert.ok(DOC.includes(`| \`${e.name}\` |`), e.name);
});
