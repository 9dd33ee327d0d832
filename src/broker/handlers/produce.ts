import { ErrorCode, errorName } from '../../protocol/errors.js';
import { Produce } from '../../protocol/messages/produce.js';
import { decodeBatches, encodeBatch, setLogAppendTimeAll, validateBatches } from '../../protocol/records/batch.js';
import { Compression, MAGIC, LEGACY_MAGIC } from '../../protocol/records/layout.js';
import { upConvert, validateMessageSet } from '../../protocol/records/message-set.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { StorageError } from '../../storage/partition-log.js';
import type { Broker } from '../broker.js';
import type { Handler, RequestContext } from '../dispatch.js';
import { FetchWaiters } from '../fetch-waiters.js';

const TOPIC_CODECS: Record<string, Compression | undefined> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

/**
 * Re-encodes batches with the topic's codec (compression.type other than "producer"). This is the one produce path
 * that decodes records, and only topics configured for it pay for it. Producer ids, sequences, timestamps and
 * offset deltas are kept.
 */
async function recompress(batches: Buffer, codec: Compression): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const b of await decodeBatches(batches)) {
    const h = b.header;
    out.push(
      await encodeBatch({
        records: b.records.map((r) => ({
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
          offsetDelta: r.offset - h.baseOffset,
        })),
        compression: codec,
        producerId: h.producerId,
        producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence,
        transactional: h.isTransactional,
        timestampType: h.timestampType as 0 | 1,
        maxTimestamp: h.maxTimestamp,
      }),
    );
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}

type PartitionOut = Encodable<ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number]>;

const failed = (index: number, errorCode: number, errorMessage: string | null = null): PartitionOut => ({
  index,
  errorCode,
  baseOffset: -1,
  logAppendTimeMs: -1,
  logStartOffset: -1,
  errorMessage,
});

/**
 * Appends record batches. Magic-2 batches are validated (sizes, CRC, counts) and stored exactly as received with
 * offsets assigned; legacy message sets from Produce v0-v2 are converted to batches first.
 */
export function produce(broker: Broker): Handler<typeof Produce> {
  const appendPartition = async (
    ctx: RequestContext,
    topic: string,
    index: number,
    records: Buffer | null,
    acks: number,
    durable: Array<Promise<void>>,
    transactionalId: string | null,
  ): Promise<PartitionOut> => {
    const log = broker.topics.partition(topic, index);
    if (log === undefined) {
      return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host ${topic}-${index}.`);
    }
    if (broker.topics.isInternal(topic)) {
      return failed(index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Clients may not produce to the internal topic ${topic}.`);
    }
    if (records === null || records.length === 0) {
      return failed(index, ErrorCode.INVALID_RECORD, 'The produce request carried no records.');
    }
    const cfg = log.config;
    if (acks === -1 && cfg.minInsyncReplicas > 1) {
      return failed(
        index,
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `min.insync.replicas is ${cfg.minInsyncReplicas} but only 1 replica is in sync on a single broker.`,
      );
    }
    let batches = records;
    const magic = records.length > MAGIC ? records[MAGIC]! : -1;
    if (magic !== 2) {
      if (ctx.header.apiVersion >= 3 || records.length <= LEGACY_MAGIC || records[LEGACY_MAGIC]! > 1) {
        return failed(index, ErrorCode.INVALID_RECORD, `Produce v${ctx.header.apiVersion} requires record batches of magic 2.`);
      }
      const legacy = validateMessageSet(records, { maxMessageBytes: cfg.maxMessageBytes });
      if (!legacy.ok) return failed(index, legacy.errorCode, legacy.message);
      batches = await upConvert(records);
    }
    const v = validateBatches(batches, { maxBatchBytes: cfg.maxMessageBytes });
    if (!v.ok) return failed(index, v.errorCode, v.message);
    if (v.isControl) return failed(index, ErrorCode.INVALID_RECORD, 'Clients may not produce control batches.');
    const target = TOPIC_CODECS[cfg.compressionType];
    if (target !== undefined && v.compression !== target) batches = await recompress(batches, target);
    const now = Date.now();
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    if (logAppendTime) setLogAppendTimeAll(batches, now);
    // The partition may have been deleted while a legacy conversion was awaited.
    if (broker.topics.partition(topic, index) !== log) {
      return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${index} was deleted.`);
    }
    // Validation already read the first batch's producer fields (conversion and recompression keep them).
    const pid = v.producerId;
    if (pid >= 0 && v.isTransactional && !log.producers.hasOngoingTxn(pid)) {
      // KIP-890 part 1: the first transactional write to a partition must belong to a transaction that added it.
      const code = broker.txn.verifyPartition(transactionalId, pid, v.producerEpoch, topic, index);
      if (code !== 0) return failed(index, code, `${topic}-${index} is not part of an ongoing transaction of producer ${pid}.`);
    }
    let res;
    try {
      res = log.append(batches, { recordCount: v.recordCount, maxTimestamp: v.maxTimestamp });
    } catch (err) {
      if (err instanceof StorageError) return failed(index, err.code, err.message);
      throw err;
    }
    if (log.requiresDurableAppend) durable.push(log.awaitFlush(res.lastOffset + 1));
    if (!res.duplicate) broker.waiters.notify(FetchWaiters.key(topic, index), batches.length);
    return {
      index,
      errorCode: 0,
      baseOffset: res.baseOffset,
      logAppendTimeMs: logAppendTime ? now : -1,
      logStartOffset: log.logStartOffset,
    };
  };

  return async (ctx, req) => {
    const acks = req.acks;
    const responses: Array<{ name: string; partitionResponses: PartitionOut[] }> = [];
    const durable: Array<Promise<void>> = [];
    for (const t of req.topicData) {
      const out: PartitionOut[] = [];
      for (const p of t.partitionData) {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          out.push(failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${acks}.`));
          continue;
        }
        out.push(await appendPartition(ctx, t.name, p.index, p.records, acks, durable, req.transactionalId ?? null));
      }
      responses.push({ name: t.name, partitionResponses: out });
    }
    if (durable.length > 0) await Promise.all(durable);
    if (acks === 0) {
      // With acks=0 the client reads no response; closing the connection is how Kafka tells it something failed.
      const bad = responses.flatMap((r) => r.partitionResponses.filter((p) => p.errorCode !== 0).map((p) => [r.name, p] as const));
      if (bad.length > 0) {
        const [name, p] = bad[0]!;
        ctx.connection.close(`acks=0 produce to ${name}-${p.index} failed: ${errorName(p.errorCode!)} ${p.errorMessage ?? ''}`);
      }
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  };
}
