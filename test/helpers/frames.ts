/**
 * Test-only frame builders (not the production encoder): lay out header, meta frame and
 * payload frame by hand so the codec is checked against an independent implementation.
 */
export interface FrameSpec {
  magic?: [number, number];
  version?: number;
  compressed?: number;
  encrypted?: number;
  timestamp?: bigint;
  expiresAt?: bigint;
  timeout?: bigint;
  meta?: string | Buffer;
  /** Overrides the meta frame length field. */
  metaLength?: number;
  payload?: Buffer;
  /** Overrides the payload frame length field. */
  payloadLength?: number;
}

/** A valid metadata text for a REQUEST (12 lines). */
export function metaText(opts: { type?: number; status?: number; topics?: string; id?: string; lines?: string[] } = {}): string {
  if (opts.lines !== undefined) return opts.lines.join('\n');
  return [
    '0', '0', '0', '1',
    String(opts.type ?? 0),
    String(opts.status ?? 99),
    '', '',
    opts.topics ?? 'test',
    'text/plain',
    'UTF-8',
    opts.id ?? '0b7e8f3a-1c2d-4e5f-a6b7-c8d9e0f1a2b3',
  ].join('\n');
}

/** Builds the bytes of one message. */
export function buildFrame(spec: FrameSpec = {}): Buffer {
  const h = Buffer.alloc(34);
  const [m1, m2] = spec.magic ?? [0x76, 0x6e];
  h[0] = m1;
  h[1] = m2;
  h.writeInt32BE(spec.version ?? 1, 2);
  h.writeInt16BE(spec.compressed ?? 0, 6);
  h.writeInt16BE(spec.encrypted ?? 0, 8);
  h.writeBigInt64BE(spec.timestamp ?? 1763313279378n, 10);
  h.writeBigInt64BE(spec.expiresAt ?? -1n, 18);
  h.writeBigInt64BE(spec.timeout ?? 300n, 26);
  const meta = typeof spec.meta === 'string' || spec.meta === undefined ? Buffer.from(spec.meta ?? metaText(), 'utf8') : spec.meta;
  const payload = spec.payload ?? Buffer.from('hello');
  const ml = Buffer.alloc(4);
  ml.writeInt32BE(spec.metaLength ?? meta.length);
  const pl = Buffer.alloc(4);
  pl.writeInt32BE(spec.payloadLength ?? payload.length);
  return Buffer.concat([h, ml, meta, pl, payload]);
}

/**
 * A CLIENT_CONFIG request (WIRE §8.2). Servers limit frames to a few KiB until it was
 * answered (docs/security.md), so raw-socket tests that send large frames send this first.
 */
export function clientConfigFrame(id = '0b7e8f3a-1c2d-4e5f-a6b7-c8d9e0f1a2c4'): Buffer {
  const lines = metaText({ type: 40, topics: 'client-config', id }).split('\n');
  lines[9] = 'application/json';
  return buildFrame({ meta: lines.join('\n'), payload: Buffer.from('{"ackMode":"AUTO_ACKNOWLEDGE"}') });
}
