/**
 * Producer id allocation. Ids are handed out from blocks; the end of the current block is written to
 * `<data dir>/producer-id-block` (and fsynced) before any id of the block is used, so a restart, even after
 * kill -9, continues after the block and never hands out an id twice.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next = 0;
  private blockEnd = 0;
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
    try {
      const v = Number(fs.readFileSync(this.file, 'utf8').trim());
      if (Number.isSafeInteger(v) && v > 0) this.next = this.blockEnd = v;
    } catch {
      /* first start */
    }
  }

  /** A producer id never handed out before by this data directory. */
  allocate(): number {
    if (this.next >= this.blockEnd) this.reserve();
    return this.next++;
  }

  /** The end of the reserved block (ids below it may have been used). */
  get reservedUpTo(): number {
    return this.blockEnd;
  }

  private reserve(): void {
    const end = this.blockEnd + PRODUCER_ID_BLOCK_SIZE;
    const tmp = this.file + '.tmp';
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, `${end}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.next = this.blockEnd;
    this.blockEnd = end;
  }
}
