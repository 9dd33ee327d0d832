/**
 * Choosing a partition for a record. Keyed records go where the Java client's default partitioner puts them
 * (murmur2 of the key bytes, made positive, modulo the partition count), so mixed-language producers agree.
 * Records without a key stick to one partition until about a batch worth of bytes went there, then move on,
 * which fills batches instead of spreading single records over every partition.
 */

/** Kafka's murmur2 (32-bit, seed 0x9747b28c) over `data[start, end)`, as a signed int like Java's. */
export function murmur2(data: Uint8Array, start = 0, end = data.length): number {
  const length = end - start;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const tail = start + (length & ~3);
  for (let i = start; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // Fold in the 1-3 trailing bytes (Java does this with a fall-through switch).
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client's default partitioner picks for these key bytes. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

export interface PartitionerContext {
  topic: string;
  /** Serialized key, or null. */
  key: Buffer | null;
  /** The record value as given by the application (before serialization). */
  value: unknown;
  numPartitions: number;
  /** Partitions that currently have a leader (may be empty while a topic is being created). */
  availablePartitions: readonly number[];
}

/** Returns a partition in [0, numPartitions). */
export type Partitioner = (ctx: PartitionerContext) => number;

/** The Java-compatible hash for keyed records; records without a key get -1 (the producer's sticky choice). */
export const defaultPartitioner: Partitioner = (ctx) =>
  ctx.key === null ? -1 : partitionForKey(ctx.key, ctx.numPartitions);

/**
 * Per-topic sticky choice for records without a key: a random available partition, changed after `batchSize` bytes
 * went to it (as Kafka's uniform sticky partitioner does since KIP-794).
 */
export class StickyPartitions {
  private readonly current = new Map<string, { partition: number; bytes: number }>();

  constructor(private readonly batchSize: number) {}

  partition(topic: string, numPartitions: number, available: readonly number[], bytes: number): number {
    let s = this.current.get(topic);
    if (s === undefined || s.partition >= numPartitions || s.bytes >= this.batchSize) {
      const prev = s?.partition ?? -1;
      let next: number;
      const pool = available.length > 0 ? available : null;
      const n = pool ? pool.length : numPartitions;
      if (n === 1) next = pool ? pool[0]! : 0;
      else {
        do {
          const i = Math.floor(Math.random() * n);
          next = pool ? pool[i]! : i;
        } while (next === prev);
      }
      if (s === undefined) {
        s = { partition: next, bytes: 0 };
        this.current.set(topic, s);
      } else {
        s.partition = next;
        s.bytes = 0;
      }
    }
    s.bytes += bytes;
    return s.partition;
  }
}
