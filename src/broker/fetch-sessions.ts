/**
 * Incremental fetch sessions (KIP-227). A consumer that opens a session sends its full partition list once; later
 * fetches name only the partitions that changed, and responses carry only partitions with news.
 */

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  /** What the last response told the client, to decide whether this partition has news. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
  lastStableOffset: number;
}

export interface FetchSession {
  id: number;
  /** The epoch the next request must carry (a new session starts at 0 and moves to 1 with its first response). */
  epoch: number;
  partitions: Map<string, SessionPartition>;
  lastUsed: number;
}

export const partKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Epoch arithmetic of fetch sessions: 1..2^31-1, wrapping to 1. */
export const nextEpoch = (e: number): number => (e >= 0x7fffffff ? 1 : e + 1);

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1 + Math.floor(Math.random() * 1000);

  constructor(private readonly maxSessions = 1000) {}

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  create(): FetchSession {
    if (this.sessions.size >= this.maxSessions) {
      // Evict the session idle the longest.
      let oldest: FetchSession | undefined;
      for (const s of this.sessions.values()) if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
      if (oldest) this.sessions.delete(oldest.id);
    }
    let id = this.nextId;
    while (this.sessions.has(id) || id === 0) id = id >= 0x7fffffff ? 1 : id + 1;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    const s: FetchSession = { id, epoch: 0, partitions: new Map(), lastUsed: Date.now() };
    this.sessions.set(id, s);
    return s;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** Drops a topic's partitions from every session (topic deleted). */
  forgetTopic(topic: string): void {
    for (const s of this.sessions.values()) {
      for (const [k, p] of s.partitions) if (p.topic === topic) s.partitions.delete(k);
    }
  }

  get size(): number {
    return this.sessions.size;
  }
}
