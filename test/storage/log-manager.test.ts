import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultLogConfig } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { defaultFdatasync } from '../../src/storage/partition-log.js';
import { parseBatches, simpleBatch, withTempDir } from './helpers.js';

function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('10,000 partitions with a bounded number of open files', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    const before = fdCount();
    const maxOpen = 1000;
    const mgr = new LogManager({ dataDir: dir, backgroundTasks: false, maxOpenFiles: maxOpen });
    mgr.open();
    const N = 10_000;
    let peak = 0;
    for (let p = 0; p < N; p++) {
      const log = mgr.createLog(`topic-${p % 10}`, Math.floor(p / 10), defaultLogConfig({ indexIntervalBytes: 100 }));
      log.appendAsLeader(simpleBatch(2, 1_700_000_000_000, `p${p}`, 80));
      log.appendAsLeader(simpleBatch(1, 1_700_000_000_001, `p${p}`, 80));
      if (p % 500 === 0) peak = Math.max(peak, fdCount());
    }
    peak = Math.max(peak, fdCount());
    assert.ok(mgr.ctx.files.size <= maxOpen);
    assert.ok(peak - before <= maxOpen + 20, `open fds grew by ${peak - before}`);
    // every partition still reads back (reopening evicted files as needed)
    for (let p = 0; p < N; p += 37) {
      const log = mgr.getLog(`topic-${p % 10}`, Math.floor(p / 10))!;
      const b = parseBatches(log.read(0, 1 << 20).records);
      assert.deepEqual(
        b.map((x) => x.lastOffset),
        [1, 2],
      );
    }
    assert.ok(fdCount() - before <= maxOpen + 20);
    await mgr.close();
    assert.ok(fdCount() - before <= 5, 'close releases descriptors');
    const again = new LogManager({ dataDir: dir, backgroundTasks: false, maxOpenFiles: maxOpen });
    again.open();
    assert.equal(again.size, N);
    assert.equal(again.getLog('topic-3', 999)!.logEndOffset, 3);
    assert.ok(fdCount() - before <= maxOpen + 20);
    await again.close();
  }),
);

test('group commit: 100 concurrent durable appends share a few fdatasyncs', () =>
  withTempDir(async (dir) => {
    let syncs = 0;
    const mgr = new LogManager({
      dataDir: dir,
      backgroundTasks: false,
      fdatasync: (fd) => {
        syncs++;
        return defaultFdatasync(fd);
      },
    });
    mgr.open();
    const log = mgr.createLog('g', 0, defaultLogConfig({ flushMessages: 1 }));
    assert.equal(log.requiresDurableAppend, true);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => log.appendDurable(simpleBatch(1, 1_700_000_000_000, `g${i}`))),
    );
    assert.deepEqual(
      results.map((r) => r.baseOffset).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.equal(log.recoveryPoint, 100);
    assert.ok(syncs >= 1 && syncs <= 10, `${syncs} fdatasync calls for 100 appends`);
    await mgr.close();
  }));

test('a durable append is not acknowledged before its fdatasync completes', () =>
  withTempDir(async (dir) => {
    const gates: (() => void)[] = [];
    const mgr = new LogManager({
      dataDir: dir,
      backgroundTasks: false,
      fdatasync: () => new Promise<void>((res) => gates.push(res)),
    });
    mgr.open();
    const log = mgr.createLog('d', 0, defaultLogConfig({ flushMessages: 1 }));
    let done = false;
    const p = log.appendDurable(simpleBatch(1)).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    assert.ok(gates.length >= 1);
    assert.equal(log.recoveryPoint, 0);
    while (gates.length) gates.shift()!();
    // later rounds (directory or extra files) may also wait on gates
    for (let i = 0; i < 10 && !done; i++) {
      await new Promise((r) => setImmediate(r));
      while (gates.length) gates.shift()!();
    }
    await p;
    assert.equal(done, true);
    assert.equal(log.recoveryPoint, 1);
    for (const l of mgr.allLogs()) l.close();
  }));

test('flush.ms triggers a background flush', () =>
  withTempDir(async (dir) => {
    let syncs = 0;
    const mgr = new LogManager({
      dataDir: dir,
      flushCheckIntervalMs: 10,
      retentionCheckIntervalMs: 0,
      fdatasync: (fd) => {
        syncs++;
        return defaultFdatasync(fd);
      },
    });
    mgr.open();
    const log = mgr.createLog('f', 0, defaultLogConfig({ flushMs: 0 }));
    log.appendAsLeader(simpleBatch(3));
    for (let i = 0; i < 500 && log.recoveryPoint < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(log.recoveryPoint, 3);
    assert.ok(syncs >= 1);
    await mgr.close();
  }));

test('deleteLogs renames the topic directories away and removes them', () =>
  withTempDir(async (dir) => {
    const mgr = new LogManager({ dataDir: dir, backgroundTasks: false });
    mgr.open();
    for (let p = 0; p < 3; p++) mgr.createLog('gone', p).appendAsLeader(simpleBatch(2));
    mgr.createLog('gone-too', 0).appendAsLeader(simpleBatch(1));
    mgr.createLog('kept', 0).appendAsLeader(simpleBatch(4));
    assert.equal(mgr.deleteLogs('gone'), 3);
    assert.equal(mgr.getLog('gone', 0), undefined);
    assert.ok(mgr.getLog('gone-too', 0));
    for (let p = 0; p < 3; p++) assert.ok(!fs.existsSync(path.join(dir, `gone-${p}`)));
    for (let i = 0; i < 100 && fs.readdirSync(dir).some((n) => n.endsWith('-delete')); i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.endsWith('-delete')),
      [],
    );
    // a new topic of the same name starts from scratch
    assert.equal(mgr.createLog('gone', 0).appendAsLeader(simpleBatch(1)).baseOffset, 0);
    await mgr.close();
    const again = new LogManager({ dataDir: dir, backgroundTasks: false });
    again.open();
    assert.equal(again.getLog('kept', 0)!.logEndOffset, 4);
    assert.equal(again.getLog('gone', 0)!.logEndOffset, 1);
    assert.equal(again.getLog('gone', 1), undefined);
    await again.close();
  }));

test('background retention pass deletes expired segments', () =>
  withTempDir(async (dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 500, retentionMs: 1000, fileDeleteDelayMs: 0 });
    const mgr = new LogManager({ dataDir: dir, backgroundTasks: false, topicConfig: () => cfg });
    mgr.open();
    const log = mgr.createLog('old', 0, cfg);
    const now = Date.now();
    for (let i = 0; i < 10; i++) log.appendAsLeader(simpleBatch(1, now - 100_000, 'v', 100));
    for (let i = 0; i < 3; i++) log.appendAsLeader(simpleBatch(1, now, 'v', 100));
    assert.ok(mgr.runRetention(now) > 0);
    assert.ok(log.logStartOffset >= 9 && log.logStartOffset <= 10, `start ${log.logStartOffset}`);
    assert.equal(log.read(log.logStartOffset, 1 << 20).errorCode, 0);
    await mgr.close();
  }));
