/** Named timers that are all cleared when the coordinator closes; setting a name again replaces its timer. */
export class Timers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  set(name: string, ms: number, fn: () => void): void {
    if (this.closed) return;
    this.clear(name);
    const t = setTimeout(
      () => {
        this.timers.delete(name);
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timers.set(name, t);
  }

  clear(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(name);
    }
  }

  has(name: string): boolean {
    return this.timers.has(name);
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
