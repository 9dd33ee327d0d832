import path from 'node:path';
import { formatCheckpoint, readCheckpointLines, writeFileAtomic } from './checkpoint.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/**
 * Which leader epoch started at which offset, for OffsetForLeaderEpoch and truncation decisions. Written
 * without fsync: after an unclean shutdown the entries for recovered data are rebuilt from the epochs stamped
 * in the batches themselves.
 */
export class LeaderEpochCache {
  private epochs: number[] = [];
  private starts: number[] = [];
  readonly file: string;
  /** Assigned entries not yet written (written with the next flush, before the recovery point moves). */
  private dirty = false;

  constructor(dir: string) {
    this.file = path.join(dir, LEADER_EPOCH_CHECKPOINT);
    const lines = readCheckpointLines(this.file);
    if (lines) {
      for (const l of lines) {
        const e = Number(l[0]);
        const s = Number(l[1]);
        if (
          Number.isInteger(e) &&
          Number.isFinite(s) &&
          (this.epochs.length === 0 || (e > this.latestEpoch && s >= this.starts[this.starts.length - 1]!))
        ) {
          this.epochs.push(e);
          this.starts.push(s);
        }
      }
    }
  }

  get entries(): { epoch: number; startOffset: number }[] {
    return this.epochs.map((epoch, i) => ({ epoch, startOffset: this.starts[i]! }));
  }

  get latestEpoch(): number {
    return this.epochs.length === 0 ? UNDEFINED_EPOCH : this.epochs[this.epochs.length - 1]!;
  }

  /** Records that `epoch` starts at `startOffset` (ignored unless it is a new, higher epoch). */
  assign(epoch: number, startOffset: number, persist = true): void {
    if (epoch < 0 || epoch <= this.latestEpoch) return;
    // an older epoch that began at or after this offset never really held any data
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! >= startOffset) {
      this.starts.pop();
      this.epochs.pop();
    }
    this.epochs.push(epoch);
    this.starts.push(startOffset);
    if (persist) this.persist();
    else this.dirty = true;
  }

  /**
   * The end offset of `requested` epoch and the epoch actually answering it: the largest epoch <= requested,
   * ending where the next higher epoch starts (or at the log end for the latest epoch).
   */
  endOffsetFor(requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requested === UNDEFINED_EPOCH || this.epochs.length === 0)
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === this.latestEpoch) return { epoch: requested, endOffset: logEndOffset };
    let hi = -1; // first index with epoch > requested
    for (let i = 0; i < this.epochs.length; i++) {
      if (this.epochs[i]! > requested) {
        hi = i;
        break;
      }
    }
    if (hi < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (hi === 0) return { epoch: requested, endOffset: this.starts[0]! };
    return { epoch: this.epochs[hi - 1]!, endOffset: this.starts[hi]! };
  }

  /** Forgets epochs starting at or after `offset` (log truncated to `offset`). */
  truncateFromEnd(offset: number): void {
    let changed = false;
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! >= offset) {
      this.starts.pop();
      this.epochs.pop();
      changed = true;
    }
    if (changed) this.persist();
  }

  /** The log now starts at `offset`: drop wholly older epochs and move the survivor's start up. */
  truncateFromStart(offset: number): void {
    let k = 0;
    while (k + 1 < this.starts.length && this.starts[k + 1]! <= offset) k++;
    let changed = k > 0;
    this.epochs.splice(0, k);
    this.starts.splice(0, k);
    if (this.starts.length > 0 && this.starts[0]! < offset) {
      this.starts[0] = offset;
      changed = true;
    }
    if (changed) this.persist();
  }

  clear(): void {
    this.epochs = [];
    this.starts = [];
    this.persist();
  }

  persistIfDirty(): void {
    if (this.dirty) this.persist();
  }

  persist(): void {
    this.dirty = false;
    writeFileAtomic(this.file, formatCheckpoint(this.epochs.map((e, i) => `${e} ${this.starts[i]}`)), false);
  }
}
