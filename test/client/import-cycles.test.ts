import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Tests run from dist/test/client; the sources are at ../../../src (issue 11: the client's
// modules import one way, the shared core lives in src/client/core.ts).
const CLIENT_DIR = fileURLToPath(new URL('../../../src/client/', import.meta.url));

function localImports(file: string): string[] {
  const text = readFileSync(join(CLIENT_DIR, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'\.\/([^']+)\.js'/g)) {
    out.push(`${m[1]!}.ts`);
  }
  return out;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'active') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'active');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

test('the cycle finder sees a cycle', () => {
  const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]]);
  assert.deepEqual(findCycle(g), ['a.ts', 'b.ts', 'a.ts']);
});

test('src/client has no import cycle (type-only imports included)', () => {
  const files = readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('client.ts') && files.includes('core.ts'));
  const graph = new Map(files.map((f) => [f, localImports(f)]));
  assert.ok((graph.get('client.ts') ?? []).includes('core.ts'), 'the parser finds client.ts → core.ts');
  for (const [f, deps] of graph) for (const d of deps) assert.ok(files.includes(d), `${f} imports missing ${d}`);
  assert.equal(findCycle(graph), undefined);
  assert.ok(!files.includes('benchmark.ts'), 'benchmark() lives in src/bench-api/');
});
