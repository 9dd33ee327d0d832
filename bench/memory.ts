/**
 * The cost of fresh memory on this kind of machine, and how the benchmark takes it out of its throughput runs.
 *
 * The machines this project is developed and measured on are small virtual machines whose guest kernel hands free
 * memory back to the host a couple of seconds after it is freed (virtio-balloon free page reporting). The next
 * write to such a page makes the host supply a page again, and the guest kernel time of that write grows several
 * times over. A throughput run writes every byte twice into memory it has not touched yet: kcat copies each
 * record into its queue, and the broker's log appends fill new page-cache pages. So how long ago memory was freed
 * decides much of a run's figure, on both sides of the socket, and none of it is the broker's own work.
 *
 * `probePageCacheWrites` measures the effect without Samsa or kcat: the same file write with memory freed long ago
 * ("cold") and just now ("warm"). `warmMemory` is what the throughput runs do first, unless `--cold` is given: it
 * writes a scratch file as large as the run will need and deletes it, so that the run's pages come from memory the
 * guest still holds, as they do on a machine that keeps its memory.
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CHUNK = 1 << 20;

export interface WriteProbe {
  /** MB/s (10^6 bytes) of the write, closing included. */
  mbPerSecond: number;
  /** Kernel CPU seconds the write took (process.cpuUsage().system). */
  systemSeconds: number;
}

/** Writes `bytes` to a new file in `dir` in 1 MiB writes (page cache only, no fsync), then deletes it. */
export function timedFileWrite(dir: string, bytes: number, name = 'samsa-bench-scratch'): WriteProbe {
  const path = join(dir, `${name}-${process.pid}`);
  const buf = Buffer.alloc(CHUNK, 0x5a);
  const fd = openSync(path, 'w');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (let done = 0; done < bytes; done += CHUNK) writeSync(fd, buf, 0, Math.min(CHUNK, bytes - done));
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - t0) / 1000;
  const systemSeconds = process.cpuUsage(cpu0).system / 1e6;
  unlinkSync(path);
  return { mbPerSecond: bytes / seconds / 1e6, systemSeconds };
}

/** Puts `bytes` of recently freed memory in the guest's free lists (see the file comment). */
export function warmMemory(dir: string, bytes: number): void {
  timedFileWrite(dir, bytes, 'samsa-bench-warm');
}

export interface PageCacheProbe {
  bytes: number;
  idleSeconds: number;
  cold: WriteProbe;
  warm: WriteProbe;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The same write twice: first after `idleSeconds` without allocating (memory freed before then has gone back to
 * the host), then at once after the first file was deleted (its pages are still the guest's).
 */
export async function probePageCacheWrites(dir: string, bytes: number, idleSeconds = 5): Promise<PageCacheProbe> {
  await sleep(idleSeconds * 1000);
  const cold = timedFileWrite(dir, bytes);
  const warm = timedFileWrite(dir, bytes);
  return { bytes, idleSeconds, cold, warm };
}
