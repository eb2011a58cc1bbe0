/**
 * An at-least-once consumer process for the crash tests (test/helpers/crash-leases.ts):
 *   node lease-consumer.js --uri URI --queue Q --lease MS
 * Polls under a lease, prints `R <id> <deliveryCount>` on receipt, nacks messages whose
 * payload is `poison`, acks the others, printing `S <id>` before the ack and `A <id>` once it
 * was answered. Exits
 * when its connection is lost. Does nothing without `--uri` (the test runner may load it).
 */
import { connect } from '../../src/index.js';

async function main(uri: string, queue: string, lease: number): Promise<void> {
  const c = await connect({ uri, timeout: 10_000 });
  const out = (line: string): void => void process.stdout.write(line + '\n');
  out('READY');
  for (;;) {
    const m = await c.poll(queue, { lease, timeout: 50 });
    if (!m.responseOk) continue;
    const id = m.requestId ?? '?';
    out(`R ${id} ${m.deliveryCount}`);
    if (m.text === 'poison') await c.nack(m);
    else {
      out(`S ${id}`); // the ack goes out: if this process is killed now, its outcome is unknown
      await c.ack(m);
      out(`A ${id}`);
    }
  }
}

const args = process.argv.slice(2);
if (args[0] === '--uri' && args[2] === '--queue' && args[4] === '--lease') {
  main(args[1]!, args[3]!, Number(args[5])).catch(() => process.exit(3));
}
