import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tuneHeapForServer } from '../../src/cli/heap.js';

test('a heap growing percent given to node is left alone', () => {
  assert.equal(tuneHeapForServer(['--heap-growing-percent=100']), false);
  assert.equal(tuneHeapForServer(['--heap_growing_percent', '100']), false);
});

test('without a setting of its own, the broker process gets the heap growing factor', () => {
  assert.equal(tuneHeapForServer(['--max-old-space-size=512']), true);
});
