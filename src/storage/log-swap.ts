import fs from 'node:fs';
import path from 'node:path';
import { HeaderCursor } from './batch-scan.js';
import { fsyncDir } from './checkpoint.js';
import type { Logger } from './logger.js';

/**
 * File protocol of the log cleaner. A cleaned group of segments is written as `<base>.log.cleaned` (plus
 * `.index.cleaned` / `.timeindex.cleaned`), made durable, renamed to `*.swap` (log file last), and only then
 * swapped into place. After a crash: `.cleaned` files are thrown away (the old segments are intact), and a
 * `<base>.log.swap` is completed (it is the whole, durable replacement of every segment in its offset range).
 */
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;
/** Companion files of a segment that the cleaner rewrites along with its log. */
const INDEX_EXTS = ['.index', '.timeindex', '.txnindex'];
const LOG_SWAP = /^(\d{20})\.log\.swap$/;

/** Renames the cleaned files of `base` to swap files (indexes first, the log last). */
export function cleanedToSwap(dir: string, base: string): void {
  for (const ext of INDEX_EXTS) {
    const from = path.join(dir, base + ext + CLEANED_SUFFIX);
    if (fs.existsSync(from)) fs.renameSync(from, path.join(dir, base + ext + SWAP_SUFFIX));
  }
  fs.renameSync(path.join(dir, base + '.log' + CLEANED_SUFFIX), path.join(dir, base + '.log' + SWAP_SUFFIX));
  fsyncDir(dir);
}

/** Moves swap files into their final names (the old files of that name must be gone already). */
export function swapIntoPlace(dir: string, base: string): void {
  for (const ext of INDEX_EXTS) {
    const from = path.join(dir, base + ext + SWAP_SUFFIX);
    if (fs.existsSync(from)) fs.renameSync(from, path.join(dir, base + ext));
  }
  fs.renameSync(path.join(dir, base + '.log' + SWAP_SUFFIX), path.join(dir, base + '.log'));
  fsyncDir(dir);
}

/** Removes the cleaner's leftovers for one base offset (an aborted clean). */
export function removeCleanerFiles(dir: string, base: string): void {
  for (const ext of ['.log', ...INDEX_EXTS]) {
    for (const sfx of [CLEANED_SUFFIX, SWAP_SUFFIX]) fs.rmSync(path.join(dir, base + ext + sfx), { force: true });
  }
}

/** Offset after the last whole batch of a log file (its base offset when it holds none). */
function nextOffsetOf(file: string, base: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const c = new HeaderCursor(fd, size);
    let pos = 0;
    let next = base;
    while (pos < size && c.at(pos)) {
      next = c.lastOffset + 1;
      pos += c.size;
    }
    return next;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Finishes swaps a crashed cleaner left behind: every segment whose base offset falls inside a swap file's
 * offset range is replaced by it. Runs before the log loads its segments. Returns the number of swaps completed.
 */
export function completeInterruptedSwaps(dir: string, logger?: Logger): number {
  let names = fs.readdirSync(dir);
  const swaps = names.filter((n) => LOG_SWAP.test(n)).sort();
  for (const s of swaps) {
    const baseStr = s.slice(0, 20);
    const base = Number(baseStr);
    const end = Math.max(base + 1, nextOffsetOf(path.join(dir, s), base));
    names = fs.readdirSync(dir);
    const replaced: string[] = [];
    for (const n of names) {
      const m = SEGMENT_FILE.exec(n);
      if (!m) continue;
      const b = Number(m[1]);
      if (b >= base && b < end) {
        fs.rmSync(path.join(dir, n), { force: true });
        replaced.push(n);
      }
    }
    swapIntoPlace(dir, baseStr);
    logger?.warn({ dir, swap: s, replaced }, 'completed an interrupted log cleaner swap');
  }
  return swaps.length;
}
