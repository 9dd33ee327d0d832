import fs from 'node:fs';
import path from 'node:path';

/**
 * Small text files in Kafka's checkpoint layout: a version line ("0"), an entry-count line, then one entry per
 * line. Used for recovery-point-offset-checkpoint and log-start-offset-checkpoint ("topic partition offset") and
 * for a partition's leader-epoch-checkpoint ("epoch startOffset").
 */
const VERSION = 0;

/** Replaces `file` atomically: write a temp file, optionally fsync it, rename, optionally fsync the directory. */
export function writeFileAtomic(file: string, data: string | Buffer, durable = true): void {
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (durable) fsyncDir(path.dirname(file));
}

/**
 * Reads a file that `writeFileAtomic` keeps: its text, or undefined when it was never written. A temp file left by
 * a crash in the middle of a write is removed (the file itself still holds the previous contents).
 */
export function readFileAtomic(file: string): string | undefined {
  fs.rmSync(`${file}.tmp`, { force: true });
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some filesystems refuse fsync on directories; nothing more we can do */
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Parses a checkpoint; returns the entry lines split on whitespace, or null if missing or malformed. */
export function readCheckpointLines(file: string): string[][] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length < 2 || Number(lines[0]) !== VERSION) return null;
  const n = Number(lines[1]);
  if (!Number.isInteger(n) || n < 0 || lines.length - 2 !== n) return null;
  return lines.slice(2).map((l) => l.trim().split(/\s+/));
}

export function formatCheckpoint(entries: string[]): string {
  return `${VERSION}\n${entries.length}\n${entries.map((e) => e + '\n').join('')}`;
}

/** Reads a "topic partition offset" checkpoint into a map keyed by `topic-partition` dir name. */
export function readOffsetCheckpoint(file: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = readCheckpointLines(file);
  if (!lines) return out;
  for (const l of lines) {
    if (l.length !== 3) continue;
    const off = Number(l[2]);
    if (Number.isFinite(off)) out.set(`${l[0]}-${l[1]}`, off);
  }
  return out;
}

export function writeOffsetCheckpoint(
  file: string,
  entries: Iterable<[topic: string, partition: number, offset: number]>,
): void {
  const lines: string[] = [];
  for (const [t, p, o] of entries) lines.push(`${t} ${p} ${o}`);
  writeFileAtomic(file, formatCheckpoint(lines));
}
