import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigReference } from '../../src/broker/config/reference.js';
import { projectRoot } from '../helpers/spec.js';

test('docs/configuration.md matches the config definitions (run `npm run docs:config` after changing them)', () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'configuration.md'), 'utf8');
  assert.equal(doc, renderConfigReference());
  assert.match(doc, /`log\.retention\.hours`/);
  assert.match(doc, /`retention\.ms`/);
});
