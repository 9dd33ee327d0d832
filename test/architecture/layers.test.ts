/**
 * The layering of src/ (docs/architecture.md): a folder imports only from the folders above it. The client is
 * built on the protocol layer alone, so it never reaches into the broker's storage or handlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../helpers/spec.js';

const ALLOWED: Record<string, string[]> = {
  protocol: ['protocol'],
  storage: ['protocol', 'storage'],
  broker: ['protocol', 'storage', 'broker'],
  cluster: ['protocol', 'storage', 'broker', 'cluster'],
  client: ['protocol', 'client'],
  cli: ['protocol', 'storage', 'broker', 'cluster', 'client', 'cli'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every import in src/ respects the layers', () => {
  const src = resolve(projectRoot, 'src');
  const violations: string[] = [];
  let checked = 0;
  for (const file of files(src)) {
    const layer = relative(src, file).split('/')[0]!;
    const allowed = ALLOWED[layer];
    if (allowed === undefined) continue; // src/index.ts, the package entry, re-exports the layers
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(file), m[1]!)).split('/')[0]!;
      checked++;
      if (!allowed.includes(target)) violations.push(`${relative(projectRoot, file)} imports ${m[1]} (${layer} -> ${target})`);
    }
  }
  assert.ok(checked > 300, `expected many imports, saw ${checked}`);
  assert.deepEqual(violations, []);
});
