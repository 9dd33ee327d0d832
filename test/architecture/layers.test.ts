/**
 * The layering of src/ (docs/architecture.md): a folder imports only from the folders above it. The client is
 * built on the protocol layer alone, so it never reaches into the broker's storage or handlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../helpers/spec.js';

const EVERY_LAYER_BELOW_SERVER = [
  'protocol',
  'storage',
  'security',
  'broker',
  'cluster',
  'client',
  'http',
  'registry',
  'datagen',
  'sql',
  'metrics',
  'console',
];

const ALLOWED: Record<string, string[]> = {
  protocol: ['protocol'],
  storage: ['protocol', 'storage'],
  security: ['protocol', 'storage', 'security'],
  broker: ['protocol', 'storage', 'security', 'broker'],
  cluster: ['protocol', 'storage', 'security', 'broker', 'cluster'],
  client: ['protocol', 'client'],
  http: ['http'],
  registry: ['protocol', 'client', 'http', 'registry'],
  datagen: ['protocol', 'client', 'datagen'],
  sql: ['protocol', 'client', 'http', 'registry', 'sql'],
  metrics: ['protocol', 'storage', 'broker', 'cluster', 'http', 'metrics'],
  console: ['protocol', 'client', 'http', 'registry', 'sql', 'metrics', 'console'],
  // The composition root and the command line sit on everything below them.
  server: [...EVERY_LAYER_BELOW_SERVER, 'server'],
  cli: [...EVERY_LAYER_BELOW_SERVER, 'server', 'cli'],
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
    if (layer === 'index.ts') continue; // the package entry re-exports the layers
    if (allowed === undefined) {
      violations.push(
        `${relative(projectRoot, file)} is in ${layer}/, which is not a known layer: add it to ALLOWED and docs/architecture.md`,
      );
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(file), m[1]!)).split('/')[0]!;
      checked++;
      if (!allowed.includes(target))
        violations.push(`${relative(projectRoot, file)} imports ${m[1]} (${layer} -> ${target})`);
    }
  }
  assert.ok(checked > 300, `expected many imports, saw ${checked}`);
  assert.deepEqual(violations, []);
});

test('the console front end (src/console/ui, bundled for the browser) imports only itself and import-free protocol modules', () => {
  const src = resolve(projectRoot, 'src');
  const ui = join(src, 'console', 'ui');
  const violations: string[] = [];
  let shared = 0;
  for (const file of files(ui)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      if (dirname(target) === ui) continue;
      const inProtocol = relative(src, target).split('/')[0] === 'protocol';
      // A protocol module the browser can load as it is: no imports of its own (no node: modules, no Buffer users).
      const pure = inProtocol && !/^\s*import\s/m.test(readFileSync(target, 'utf8'));
      if (pure) shared++;
      else violations.push(`${relative(projectRoot, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(violations, []);
  assert.ok(shared >= 1, 'the ACL names come from src/protocol/acl-codes.ts');
});
