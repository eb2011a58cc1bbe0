import { readFileSync } from 'node:fs';

/** One message of a capture's decoded.jsonl (an independent decode of the Java bytes). */
export interface CapturedMessage {
  readonly n: number;
  readonly dir: 'c2s' | 's2c';
  readonly streamOffset: number;
  readonly length: number;
  readonly headerHex: string;
  readonly compressed: number;
  readonly encrypted: number;
  readonly timestamp: number;
  readonly expiresAt: number;
  readonly timeout: number;
  readonly metaFrameHex: string;
  readonly payloadFrameHex: string;
  readonly meta: string;
  readonly payloadHex: string;
}

const dir = new URL('../../../test/fixtures/captures/', import.meta.url);

/** Reads `<name>.c2s.bin`, `<name>.s2c.bin` and the decoded messages of a capture. */
export function loadCapture(name: string): { c2s: Buffer; s2c: Buffer; messages: CapturedMessage[] } {
  const messages = readFileSync(new URL(`${name}.decoded.jsonl`, dir), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CapturedMessage);
  return {
    c2s: readFileSync(new URL(`${name}.c2s.bin`, dir)),
    s2c: readFileSync(new URL(`${name}.s2c.bin`, dir)),
    messages,
  };
}

/** Plaintext captures used by the codec tests. */
export const PLAIN_CAPTURES = ['plain-send.conn1', 'heartbeat.conn1', 'full-scenario.conn1', 'full-scenario.conn2'] as const;
