/**
 * The request path's counters and histograms (src/metrics/fast.ts) render exactly as prom-client's own for the same
 * observations, and the error-code walk (src/metrics/error-codes.ts) finds the codes the response declarations put
 * in nested arrays while skipping record data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../src/metrics/fast.js';
import { errorPlan, walkErrors } from '../../src/metrics/error-codes.js';

const BOUNDS = [0.5, 1, 5, 10];

test('fast counters and histograms render as prom-client counters and histograms', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const fc = new FastCounter('c_total', 'a counter', ['request', 'version'], [ours]);
  const pc = new Counter({
    name: 'c_total',
    help: 'a counter',
    labelNames: ['request', 'version'],
    registers: [theirs],
  });
  const fh = new FastHistogram('h', 'a histogram', ['request'], BOUNDS, [ours]);
  const ph = new Histogram({
    name: 'h',
    help: 'a histogram',
    labelNames: ['request'],
    buckets: BOUNDS,
    registers: [theirs],
  });
  const produce = fc.child('Produce', '9');
  const fetch = fc.child('Fetch', '12');
  produce.value += 3;
  fetch.value++;
  pc.labels('Produce', '9').inc(3);
  pc.labels('Fetch', '12').inc();
  const hp = fh.child('Produce');
  for (const v of [0.1, 0.5, 0.7, 3, 10, 11, 250]) {
    fh.observe(hp, v);
    ph.labels('Produce').observe(v);
  }
  fh.observe(fh.child('Fetch'), 2);
  ph.labels('Fetch').observe(2);
  assert.equal(await ours.metrics(), await theirs.metrics());
  fc.remove('Fetch', '12');
  pc.remove('Fetch', '12');
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('the error walk visits the fields that hold error codes, per API', () => {
  const fetchPlan = errorPlan(1);
  assert.ok(fetchPlan);
  const codes: number[] = [];
  const response = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 't',
        partitions: [
          { partitionIndex: 0, errorCode: 0, records: Buffer.from([1, 2, 3]) },
          { partitionIndex: 1, errorCode: 3, records: null },
          { partitionIndex: 2, errorCode: 6, records: null, abortedTransactions: null },
        ],
      },
    ],
  };
  walkErrors(fetchPlan, response, (c) => codes.push(c));
  assert.deepEqual(codes, [3, 6]);
  // CreateTopics keeps its codes one level down; ApiVersions at the top.
  const created: number[] = [];
  walkErrors(
    errorPlan(19)!,
    {
      topics: [
        { name: 'a', errorCode: 36 },
        { name: 'b', errorCode: 0 },
      ],
    },
    (c) => created.push(c),
  );
  assert.deepEqual(created, [36]);
  const versions: number[] = [];
  walkErrors(errorPlan(18)!, { errorCode: 35, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }] }, (c) =>
    versions.push(c),
  );
  assert.deepEqual(versions, [35]);
  assert.equal(errorPlan(9999), undefined);
});
