/**
 * The registry's durable log: one compacted partition of the `_schemas` topic, written and read through Samsa's
 * own client over the broker's listener, as any Kafka application would. A reader follows the partition and
 * hands each record to the state in offset order; a write is acknowledged only once the reader has applied it,
 * so every answer reflects the log. Before a write, the reader catches up with the partition's end, so a write
 * decides against everything written before it (the registry is the topic's single writer).
 */
import { createAdmin } from '../client/admin.js';
import type { ClientSecurity } from '../client/cluster.js';
import { createConsumer, type Consumer } from '../client/consumer.js';
import { ErrorCode, KafkaError } from '../client/errors.js';
import { createProducer, type Producer } from '../client/producer.js';
import { decodeEvent, encodeEvent, type StoreEvent } from './records.js';

export interface KafkaStoreOptions {
  bootstrap: string;
  /** TLS and SASL of the store's own clients, for a broker without a PLAINTEXT listener. */
  security?: ClientSecurity;
  topic: string;
  /** Replication factor of the topic when the store creates it (-1: the broker's default). */
  replicationFactor?: number;
  /** How long a write waits for its acknowledgement and for the reader to apply it. */
  timeoutMs?: number;
  onEvent(e: StoreEvent): void;
  onError(err: unknown): void;
}

export class KafkaStore {
  private producer!: Producer<string, string | null>;
  private consumer!: Consumer;
  /** The offset after the last record applied. */
  private applied = 0;
  private waiters: Array<{ offset: number; resolve: () => void }> = [];
  private closed = false;
  private reading: Promise<void> | undefined;

  constructor(private readonly opts: KafkaStoreOptions) {}

  /** Creates the topic if needed and reads it to its end. */
  async start(): Promise<void> {
    const admin = createAdmin({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      clientId: 'schema-registry',
    });
    try {
      await admin.createTopics([
        {
          name: this.opts.topic,
          numPartitions: 1,
          replicationFactor: this.opts.replicationFactor ?? -1,
          configs: { 'cleanup.policy': 'compact' },
        },
      ]);
    } catch (e) {
      if (!(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw e;
    } finally {
      admin.close();
    }
    this.producer = createProducer<string, string | null>({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      clientId: 'schema-registry',
      acks: 'all',
      lingerMs: 0,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
    this.consumer = createConsumer({
      bootstrapServers: this.opts.bootstrap,
      ...this.opts.security,
      clientId: 'schema-registry',
      autoOffsetReset: 'earliest',
      maxWaitMs: 100,
    });
    this.consumer.assign([{ topic: this.opts.topic, partition: 0 }]);
    this.consumer.seek({ topic: this.opts.topic, partition: 0 }, 0);
    this.reading = this.read();
    await this.catchUp();
  }

  private async read(): Promise<void> {
    try {
      for await (const batch of this.consumer.batches()) {
        for (const r of batch.records) {
          const e = decodeEvent(r.key, r.value);
          if (e !== null) this.opts.onEvent(e);
          this.applied = r.offset + 1;
        }
        this.release();
      }
    } catch (err) {
      if (!this.closed) this.opts.onError(err);
    }
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.applied >= w.offset) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once every record before `offset` has been applied. */
  private waitApplied(offset: number): Promise<void> {
    if (this.applied >= offset) return Promise.resolve();
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`the schemas topic was not read up to offset ${offset} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.push({ offset, resolve: done });
    });
  }

  /** Reads up to the partition's current end. */
  async catchUp(): Promise<void> {
    const ends = await this.consumer.listOffsets([{ topic: this.opts.topic, partition: 0 }], -1);
    const end = [...ends.values()][0] ?? 0;
    await this.waitApplied(end);
  }

  /** Appends events and returns once the reader has applied them. */
  async write(events: StoreEvent[]): Promise<void> {
    let last = -1;
    const sends = events.map((e) => {
      const { key, value } = encodeEvent(e);
      return this.producer.send({ topic: this.opts.topic, partition: 0, key, value });
    });
    for (const m of await Promise.all(sends)) last = Math.max(last, m.offset);
    if (last >= 0) await this.waitApplied(last + 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    await Promise.allSettled([this.producer?.close(), this.consumer?.close()]);
    await this.reading;
  }
}
