/**
 * Producer id allocation. Ids are handed out from blocks; the end of the current block is written to
 * `<data dir>/producer-id-block` (and fsynced) before any id of the block is used, so a restart, even after
 * kill -9, continues after the block and never hands out an id twice.
 *
 * In cluster mode the blocks come from the cluster instead (`useBlockSource`: an etcd counter every broker
 * reserves from with compare-and-swap, Kafka's AllocateProducerIds), so no two brokers hand out the same id. The
 * next block is reserved while half of the current one is left, so allocation stays synchronous.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Reserves `count` ids cluster-wide: [start, end). */
export type ProducerIdBlockSource = (count: number) => Promise<{ start: number; end: number }>;

/** No producer id is reserved right now (cluster mode, the cluster could not be asked yet): retry later. */
export class ProducerIdsUnavailable extends Error {
  readonly code = ErrorCode.COORDINATOR_NOT_AVAILABLE; // clients retry InitProducerId
}

export class ProducerIdManager {
  private next = 0;
  private blockEnd = 0;
  private readonly file: string;
  private source: ProducerIdBlockSource | undefined;
  private spare: { start: number; end: number } | undefined;
  private reserving: Promise<void> | undefined;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
    try {
      const v = Number(fs.readFileSync(this.file, 'utf8').trim());
      if (Number.isSafeInteger(v) && v > 0) this.next = this.blockEnd = v;
    } catch {
      /* first start */
    }
  }

  /** Cluster mode: take blocks from `source` from now on; resolves once the first block is reserved. */
  async useBlockSource(source: ProducerIdBlockSource): Promise<void> {
    this.source = source;
    this.next = this.blockEnd = 0;
    this.spare = undefined;
    await this.refill();
    this.switchBlock();
  }

  /** A producer id never handed out before (by this data directory; in cluster mode, by any broker). */
  allocate(): number {
    if (this.source !== undefined) {
      if (this.next >= this.blockEnd) this.switchBlock();
      if (this.next >= this.blockEnd) {
        void this.refill();
        throw new ProducerIdsUnavailable('no producer ids reserved from the cluster yet');
      }
      if (this.blockEnd - this.next <= PRODUCER_ID_BLOCK_SIZE / 2 && this.spare === undefined) void this.refill();
      return this.next++;
    }
    if (this.next >= this.blockEnd) this.reserve();
    return this.next++;
  }

  /** Like allocate(), waiting for the cluster to reserve a block when none is left. */
  async allocateAsync(): Promise<number> {
    if (this.source !== undefined && this.next >= this.blockEnd && this.spare === undefined) await this.refill();
    return this.allocate();
  }

  private switchBlock(): void {
    if (this.spare === undefined) return;
    this.next = this.spare.start;
    this.blockEnd = this.spare.end;
    this.spare = undefined;
  }

  private refill(): Promise<void> {
    const source = this.source;
    if (source === undefined || this.spare !== undefined) return Promise.resolve();
    this.reserving ??= source(PRODUCER_ID_BLOCK_SIZE)
      .then((b) => {
        this.spare = b;
      })
      .catch(() => undefined)
      .finally(() => {
        this.reserving = undefined;
      });
    return this.reserving;
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
