import fs from 'node:fs';

/**
 * A bounded pool of open file descriptors shared by all partitions. Segment files are opened on demand and the
 * least recently used idle ones are closed once the pool is full, so the number of partitions is not limited
 * by the process's fd limit. Callers pin a descriptor while an asynchronous operation (fdatasync) uses it.
 */
interface Entry {
  path: string;
  fd: number;
  pins: number;
  /** Closed by its owner while pinned: really closed on the last release. */
  orphan: boolean;
  // intrusive doubly-linked LRU list (head = most recent)
  prev: Entry | null;
  next: Entry | null;
}

/** The process's soft limit on open descriptors, from /proc/self/limits (Linux); undefined where unknown. */
export function softFdLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * How many segment files to keep open: `configured` (log.dir.max.open.files, 1000 by default), but at most half the
 * process's descriptor limit, so sockets and other files keep room (a laptop's default limit is often 1024, or 256
 * on macOS). Where the limit cannot be read, at most 128.
 */
export function defaultMaxOpenFiles(configured: number, limit: number | undefined): number {
  if (limit === undefined) return Math.min(configured, 128);
  return Math.min(configured, Math.max(16, Math.floor(limit / 2)));
}

export class FileCache {
  private readonly map = new Map<string, Entry>();
  private head: Entry | null = null;
  private tail: Entry | null = null;
  opens = 0;

  /** The bound in force: maxOpen, or less once the process ran out of descriptors (see open()). */
  private cap: number;

  constructor(readonly maxOpen = 1000) {
    this.cap = maxOpen;
  }

  /** The number of descriptors the cache keeps at most now. */
  get limit(): number {
    return this.cap;
  }

  get size(): number {
    return this.map.size;
  }

  /** Descriptor for `path` opened read-write (the file must exist). Valid until the next call into the cache. */
  fd(path: string): number {
    const e = this.map.get(path);
    if (e) {
      this.touch(e);
      return e.fd;
    }
    this.evict(this.cap - 1);
    const fd = this.open(path, 'r+');
    this.opens++;
    const n: Entry = { path, fd, pins: 0, orphan: false, prev: null, next: null };
    this.map.set(path, n);
    this.pushHead(n);
    return fd;
  }

  /** Creates (or empties) `path` and keeps its descriptor cached. */
  create(path: string): number {
    this.close(path);
    this.evict(this.cap - 1);
    const fd = this.open(path, 'w+');
    this.opens++;
    const n: Entry = { path, fd, pins: 0, orphan: false, prev: null, next: null };
    this.map.set(path, n);
    this.pushHead(n);
    return fd;
  }

  /**
   * Keeps the descriptor open (not evictable, and still valid if the file is closed or renamed meanwhile)
   * until release() is called. Meant for asynchronous work such as fdatasync.
   */
  pin(path: string): { fd: number; release: () => void } {
    const fd = this.fd(path);
    const e = this.map.get(path)!;
    e.pins++;
    let released = false;
    return {
      fd,
      release: () => {
        if (released) return;
        released = true;
        e.pins--;
        if (e.pins === 0 && e.orphan) fs.closeSync(e.fd);
        else if (this.map.size > this.cap) this.evict(this.cap);
      },
    };
  }

  /** Closes the descriptor of `path` if open (before unlink/rename, or when a segment is retired). */
  close(path: string): void {
    const e = this.map.get(path);
    if (!e) return;
    this.remove(e);
    if (e.pins > 0)
      e.orphan = true; // the last release closes it
    else fs.closeSync(e.fd);
  }

  closeAll(): void {
    for (const e of [...this.map.values()]) {
      this.remove(e);
      if (e.pins > 0) {
        e.orphan = true;
        continue;
      }
      try {
        fs.closeSync(e.fd);
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * openSync that survives the process running out of descriptors (sockets and other files count too): the
   * cache shrinks its bound to half of what it holds, so that other opens find room from then on, closes the idle
   * descriptors beyond it, and tries once more.
   */
  private open(path: string, flags: string): number {
    try {
      return fs.openSync(path, flags);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.map.size === 0) throw e;
      this.cap = Math.max(4, Math.floor(this.map.size / 2));
      this.evict(this.cap - 1);
      return fs.openSync(path, flags);
    }
  }

  private evict(target: number): void {
    let e = this.tail;
    while (this.map.size > target && e) {
      const prev = e.prev;
      if (e.pins === 0) {
        this.remove(e);
        fs.closeSync(e.fd);
      }
      e = prev;
    }
  }

  private remove(e: Entry): void {
    this.map.delete(e.path);
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
  }

  private pushHead(e: Entry): void {
    e.next = this.head;
    e.prev = null;
    if (this.head) this.head.prev = e;
    this.head = e;
    if (!this.tail) this.tail = e;
  }

  private touch(e: Entry): void {
    if (this.head === e) return;
    this.remove(e);
    this.map.set(e.path, e);
    this.pushHead(e);
  }
}
