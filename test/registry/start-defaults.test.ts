/** `samsa start` serves the schema registry unless schema.registry.enabled=false says otherwise. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectProperties } from '../../src/cli/start.js';

test('samsa start turns the schema registry on by default; an override turns it off', () => {
  assert.equal(collectProperties({}).props['schema.registry.enabled'], 'true');
  const off = collectProperties({ override: ['schema.registry.enabled=false'] });
  assert.equal(off.props['schema.registry.enabled'], 'false');
});
