import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultLogConfig } from '../../src/storage/log-config.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { parseBatches, withTempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs the appender, SIGKILLs it after it has acked `minAcks` appends plus a random delay; returns acked ranges. */
function runAndKill(dir: string, minAcks: number): Promise<{ start: number; acked: [number, number][] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'fixtures', 'appender.js')], {
      env: { ...process.env, SAMSA_APPENDER_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let lines = 0;
    let armed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      lines += d.split('\n').length - 1;
      if (!armed && lines >= minAcks) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 200));
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`appender exited on its own (${_code})`));
      const all = out.split('\n');
      all.pop(); // possibly partial line
      const start = Number(all[0]!.split(' ')[1]);
      const acked = all.slice(1).map((l) => l.split(' ').map(Number) as [number, number]);
      resolve({ start, acked });
    });
  });
}

test('every append acknowledged before kill -9 is readable after recovery', { timeout: 120_000 }, () =>
  withTempDir(async (dir) => {
    const cfg = defaultLogConfig({ segmentBytes: 64 * 1024, indexIntervalBytes: 512 });
    let expectedStart = 0;
    for (let round = 0; round < 3; round++) {
      const { start, acked } = await runAndKill(dir, 2000);
      assert.ok(acked.length >= 2000, `round ${round}: ${acked.length} acks`);
      assert.equal(start, expectedStart, 'a restarted appender continues after the last valid batch');
      const mgr = new LogManager({ dataDir: dir, backgroundTasks: false, topicConfig: () => cfg });
      mgr.open();
      assert.equal(mgr.lastShutdownClean, false);
      const log = mgr.getLog('k', 0)!;
      const [, lastAcked] = acked[acked.length - 1]!;
      assert.ok(log.logEndOffset >= lastAcked + 1, `LEO ${log.logEndOffset} < ${lastAcked + 1}`);
      // every acknowledged range comes back as exactly that batch, intact
      for (const [base, last] of acked) {
        const r = log.read(base, 1);
        assert.equal(r.errorCode, 0);
        const b = parseBatches(r.records)[0]!;
        assert.deepEqual([b.baseOffset, b.lastOffset], [base, last]);
        assert.ok(b.crcOk);
      }
      expectedStart = log.logEndOffset;
      // leave it "crashed" again so the next round also recovers
      mgr.ctx.files.closeAll();
    }
  }),
);
