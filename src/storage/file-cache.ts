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

export class FileCache {
  private readonly map = new Map<string, Entry>();
  private head: Entry | null = null;
  private tail: Entry | null = null;
  opens = 0;

  constructor(readonly maxOpen = 1000) {}

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
    this.evict(this.maxOpen - 1);
    const fd = fs.openSync(path, 'r+');
    this.opens++;
    const n: Entry = { path, fd, pins: 0, orphan: false, prev: null, next: null };
    this.map.set(path, n);
    this.pushHead(n);
    return fd;
  }

  /** Creates (or empties) `path` and keeps its descriptor cached. */
  create(path: string): number {
    this.close(path);
    this.evict(this.maxOpen - 1);
    const fd = fs.openSync(path, 'w+');
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
        else if (this.map.size > this.maxOpen) this.evict(this.maxOpen);
      },
    };
  }

  /** Closes the descriptor of `path` if open (before unlink/rename, or when a segment is retired). */
  close(path: string): void {
    const e = this.map.get(path);
    if (!e) return;
    this.remove(e);
    if (e.pins > 0) e.orphan = true; // the last release closes it
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
