/**
 * A real client's acknowledged writes survive the broker process being killed with SIGKILL: kcat produces with
 * acks=all to a `samsa start` child process, the process is killed, a new one opens the same data dir, and kcat
 * reads everything back. Also checks a clean SIGTERM stop exits 0 and keeps the data.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker.js';
import { kcat, kcatConsumeAll, requireClient, uniqueTopic } from '../helpers/clients.js';

const lines = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${tag}-${i} ${'z'.repeat(i % 90)}`);

describe('broker process with kcat', () => {
  test('acked records survive kill -9 and a clean restart', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    const dataDir = await mkdtemp(join(tmpdir(), 'samsa-kill-'));
    const procs: BrokerProcess[] = [];
    try {
      const topic = uniqueTopic('crash');
      const first = await startBrokerProcess({ dataDir, config: { 'num.partitions': '2' } });
      procs.push(first);
      const a = lines('a', 5000);
      await kcat(first.bootstrap, ['-P', '-t', topic, '-X', 'acks=all', '-X', 'compression.codec=gzip'], {
        input: a.join('\n') + '\n',
        timeoutMs: 30_000,
      });
      first.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');

      const second = await startBrokerProcess({ dataDir, config: { 'num.partitions': '2' } });
      procs.push(second);
      const got = await kcatConsumeAll(second.bootstrap, topic, [], { timeoutMs: 30_000 });
      assert.deepEqual(got.map((m) => m.payload).sort(), [...a].sort(), 'records after kill -9');
      // Appending continues after the recovered end, on every partition.
      const b = lines('b', 1000);
      await kcat(second.bootstrap, ['-P', '-t', topic, '-X', 'acks=all'], {
        input: b.join('\n') + '\n',
        timeoutMs: 30_000,
      });
      second.kill('SIGTERM');
      const exit = await second.exited;
      assert.equal(exit.code, 0, `exit after SIGTERM:\n${second.output().slice(-3000)}`);

      const third = await startBrokerProcess({ dataDir });
      procs.push(third);
      const all = await kcatConsumeAll(third.bootstrap, topic, [], { timeoutMs: 30_000 });
      assert.deepEqual(all.map((m) => m.payload).sort(), [...a, ...b].sort(), 'records after SIGTERM restart');
      for (const p of [0, 1]) {
        const offs = all.filter((m) => m.partition === p).map((m) => m.offset);
        assert.deepEqual(
          offs,
          offs.map((_, i) => i),
          `partition ${p} offsets contiguous from 0`,
        );
      }
    } catch (err) {
      if (err instanceof Error)
        err.message += `\n--- broker process output ---\n${procs.at(-1)?.output().slice(-4000)}`;
      throw err;
    } finally {
      for (const p of procs) await p.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
