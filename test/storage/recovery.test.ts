import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { defaultLogConfig, type LogConfig } from '../../src/storage/log-config.js';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../src/storage/log-manager.js';
import { parseBatches, simpleBatch, withTempDir } from './helpers.js';

const T0 = 1_700_000_000_000;

/** Simulates a process crash: handles are dropped, nothing is flushed or checkpointed. */
function crash(mgr: LogManager): void {
  mgr.ctx.files.closeAll();
}

function openMgr(dir: string, cfg: LogConfig): LogManager {
  const m = new LogManager({ dataDir: dir, backgroundTasks: false, topicConfig: () => cfg });
  m.open();
  return m;
}

function activeLogFile(dir: string, key: string): string {
  const files = fs
    .readdirSync(path.join(dir, key))
    .filter((f) => f.endsWith('.log'))
    .sort();
  return path.join(dir, key, files[files.length - 1]!);
}

test('a torn tail (half a batch, then garbage) is truncated and offsets continue', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ indexIntervalBytes: 128 });
    let mgr = openMgr(dir, cfg);
    let log = mgr.createLog('t', 0, cfg);
    for (let i = 0; i < 20; i++) log.appendAsLeader(simpleBatch(3, T0 + i, 'v', 30));
    const validSize = log.size;
    crash(mgr);
    const f = activeLogFile(dir, 't-0');
    const half = simpleBatch(4, T0, 'z', 50);
    half.writeBigInt64BE(60n, 0);
    fs.appendFileSync(f, half.subarray(0, Math.floor(half.length / 2)));
    assert.ok(fs.statSync(f).size > validSize);

    mgr = openMgr(dir, cfg);
    assert.equal(mgr.lastShutdownClean, false);
    log = mgr.getLog('t', 0)!;
    assert.equal(log.logEndOffset, 60);
    assert.equal(fs.statSync(f).size, validSize);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, 60);
    crash(mgr);

    // now a complete-looking header with random bytes behind it
    const garbage = Buffer.alloc(300, 0xab);
    garbage.writeBigInt64BE(61n, 0);
    garbage.writeInt32BE(200, 8);
    garbage[16] = 2;
    fs.appendFileSync(f, garbage);
    mgr = openMgr(dir, cfg);
    log = mgr.getLog('t', 0)!;
    assert.equal(log.logEndOffset, 61);
    const all = parseBatches(log.read(0, 1 << 20).records);
    assert.equal(all.length, 21);
    assert.ok(all.every((b) => b.crcOk));
    return mgr.close();
  }));

test('a batch with a bad CRC ends the log there; later segments are dropped', () =>
  withTempDir((dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 800, fileDeleteDelayMs: 0 });
    let mgr = openMgr(dir, cfg);
    let log = mgr.createLog('c', 0, cfg);
    for (let i = 0; i < 30; i++) log.appendAsLeader(simpleBatch(1, T0, 'v', 100));
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 4);
    crash(mgr);
    // flip a byte inside a record value of the second batch of the second segment
    const seg = path.join(dir, 'c-0', String(bases[1]).padStart(20, '0') + '.log');
    const buf = fs.readFileSync(seg);
    const firstSize = 12 + buf.readInt32BE(8);
    buf[firstSize + 100] ^= 0xff;
    fs.writeFileSync(seg, buf);
    mgr = openMgr(dir, cfg);
    log = mgr.getLog('c', 0)!;
    assert.equal(log.logEndOffset, bases[1]! + 1);
    assert.deepEqual(log.segmentBaseOffsets, [bases[0], bases[1]]);
    assert.equal(log.appendAsLeader(simpleBatch(1)).baseOffset, bases[1]! + 1);
    return mgr.close();
  }));

test('damaged indexes are rebuilt even after a clean shutdown', () =>
  withTempDir(async (dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 4000, indexIntervalBytes: 100 });
    let mgr = openMgr(dir, cfg);
    let log = mgr.createLog('i', 0, cfg);
    for (let i = 0; i < 100; i++) log.appendAsLeader(simpleBatch(2, T0 + i * 10, 'v', 40));
    const bases = log.segmentBaseOffsets;
    assert.ok(bases.length >= 3);
    await mgr.close();
    assert.ok(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)));
    const d = path.join(dir, 'i-0');
    const name = (b: number, s: string): string => path.join(d, String(b).padStart(20, '0') + s);
    // inactive segment: entries not in order; active segment: torn entry; another: time index garbage
    const idx0 = fs.readFileSync(name(bases[0]!, '.index'));
    assert.ok(idx0.length >= 16);
    idx0.writeInt32BE(0x7fffffff, 0);
    fs.writeFileSync(name(bases[0]!, '.index'), idx0);
    const last = bases[bases.length - 1]!;
    fs.appendFileSync(name(last, '.index'), Buffer.from([1, 2, 3]));
    fs.writeFileSync(name(bases[1]!, '.timeindex'), Buffer.alloc(24, 0xff));

    mgr = openMgr(dir, cfg);
    assert.equal(mgr.lastShutdownClean, true);
    assert.ok(!fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)), 'marker removed on open');
    log = mgr.getLog('i', 0)!;
    assert.equal(log.logEndOffset, 200);
    for (let o = 0; o < 200; o += 3) {
      const b = parseBatches(log.read(o, 1).records)[0]!;
      assert.ok(b.baseOffset <= o && o <= b.lastOffset);
    }
    assert.equal(log.offsetForTimestamp(T0 + 505)!.offset, 102);
    for (const b of [bases[0]!, last]) {
      const ix = fs.readFileSync(name(b, '.index'));
      assert.equal(ix.length % 8, 0);
      assert.ok(ix.length > 0);
      for (let k = 8; k < ix.length; k += 8) assert.ok(ix.readInt32BE(k) > ix.readInt32BE(k - 8));
    }
    assert.equal(fs.readFileSync(name(bases[1]!, '.timeindex')).length % 12, 0);
    await mgr.close();
  }));

test('recovery starts from the recovery point checkpoint', () =>
  withTempDir(async (dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 1000 });
    let mgr = openMgr(dir, cfg);
    let log = mgr.createLog('rp', 0, cfg);
    for (let i = 0; i < 40; i++) log.appendAsLeader(simpleBatch(1, T0, 'v', 60));
    await log.flush();
    assert.equal(log.recoveryPoint, 40);
    mgr.writeRecoveryCheckpoint();
    log.appendAsLeader(simpleBatch(1, T0, 'v', 60));
    crash(mgr);
    // corrupt the (flushed, below recovery point) first segment: recovery must not look at it
    const first = path.join(dir, 'rp-0', '00000000000000000000.log');
    const buf = fs.readFileSync(first);
    buf[100] ^= 0xff;
    fs.writeFileSync(first, buf);
    mgr = openMgr(dir, cfg);
    log = mgr.getLog('rp', 0)!;
    assert.equal(log.logEndOffset, 41);
    await mgr.close();
  }));
