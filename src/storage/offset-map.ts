import crypto from 'node:crypto';

/** Keys longer than this are stored by digest, so one huge key cannot blow up the cleaner's memory. */
const MAX_INLINE_KEY = 64;

/**
 * Record key -> latest offset seen, built by the cleaner over the dirty part of a log. Short keys are kept
 * verbatim (as latin1 strings, one char per byte); long ones by their SHA-1, tagged so the two never collide.
 */
export class KeyOffsetMap {
  private readonly map = new Map<string, number>();
  /** Largest offset put into the map, -1 when empty. */
  latestOffset = -1;

  static keyOf(key: Buffer): string {
    if (key.length <= MAX_INLINE_KEY) return 'k' + key.toString('latin1');
    return 'h' + crypto.createHash('sha1').update(key).digest().toString('latin1');
  }

  get size(): number {
    return this.map.size;
  }

  /** Records `offset` for `key` unless a later offset is already known for it. */
  put(key: Buffer, offset: number): void {
    this.putId(KeyOffsetMap.keyOf(key), offset);
  }

  putId(id: string, offset: number): void {
    const cur = this.map.get(id);
    if (cur === undefined || cur < offset) this.map.set(id, offset);
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  /** Latest offset for the key, or -1 if the map has not seen it. */
  get(key: Buffer): number {
    return this.map.get(KeyOffsetMap.keyOf(key)) ?? -1;
  }

  clear(): void {
    this.map.clear();
    this.latestOffset = -1;
  }
}
