import { readFileSync } from 'node:fs';
import { EXIT, jsonOption, printData, type Command } from './common.js';

/**
 * The version in the package's package.json, read at run time relative to this module:
 * dist/src/cli/version.js → ../../../package.json (the same in a checkout and an installed package).
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}

/** `venice-ipc version` (also `venice-ipc --version`). */
export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version of venice-ipc',
  options: [jsonOption('{"version": …} as one JSON line')],
  async run({ values: v }) {
    const version = packageVersion();
    printData(v, { version }, version);
    return EXIT.OK;
  },
};
