import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { StickyPartitions, murmur2, partitionForKey } from '../../src/client/partitioner.js';
import { PYTHON } from '../helpers/clients.js';

describe('partitioner', () => {
  test('murmur2 matches the Java client (vectors from Kafka UtilsTest.testMurmur2)', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [k, h] of cases) assert.equal(murmur2(Buffer.from(k)), h, k);
  });

  test('keyed partition is positive hash modulo the partition count', () => {
    // toPositive(-790332482) = 1357151166; 1357151166 % 10 = 6.
    assert.equal(partitionForKey(Buffer.from('foobar'), 10), 6);
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(Buffer.from(`key-${i}`), 7);
      assert.ok(p >= 0 && p < 7);
    }
  });

  test('agrees with kafka-python murmur2 on 500 keys of every tail length', (t) => {
    let py: string;
    const keys = Array.from({ length: 500 }, (_, i) => `k${'x'.repeat(i % 9)}${i}é`);
    try {
      py = execFileSync(
        PYTHON,
        [
          '-c',
          'import sys,json; from kafka.partitioner.default import murmur2; print(json.dumps([murmur2(k.encode()) for k in json.loads(sys.stdin.read())]))',
        ],
        { input: JSON.stringify(keys), encoding: 'utf8' },
      );
    } catch {
      t.skip('kafka-python not available');
      return;
    }
    const theirs = JSON.parse(py) as number[];
    // kafka-python returns the hash as an unsigned-ish Python int; compare the positive partition value.
    for (const [i, k] of keys.entries()) assert.equal(murmur2(Buffer.from(k)) & 0x7fffffff, theirs[i]! & 0x7fffffff, k);
  });

  test('sticky partitioning stays on one partition until a batch worth of bytes, then moves', () => {
    const s = new StickyPartitions(1000);
    const first = s.partition('t', 4, [0, 1, 2, 3], 100);
    for (let i = 0; i < 9; i++) assert.equal(s.partition('t', 4, [0, 1, 2, 3], 100), first);
    const next = s.partition('t', 4, [0, 1, 2, 3], 100);
    assert.notEqual(next, first);
    // Only partitions with a leader are picked.
    const only = new StickyPartitions(1);
    for (let i = 0; i < 20; i++) assert.equal(only.partition('u', 4, [2], 10), 2);
  });
});
