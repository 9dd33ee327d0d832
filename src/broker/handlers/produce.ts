/**
 * Produce (v0-v11): appends record batches to partitions this broker leads, through the replica manager (which
 * answers NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS below min.insync.replicas, and holds acks=all until the
 * in-sync replicas have the records). v0-v2 carry legacy message sets (converted to batches first), v3+ magic-2
 * batches only and a transactional id; v8+ record errors; v9+ flexible; acks=0 gets no answer (a failure closes
 * the connection, as in Kafka).
 */
import { ErrorCode, errorName } from '../../protocol/errors.js';
import { Produce } from '../../protocol/messages/produce.js';
import {
  decodeBatches,
  encodeBatch,
  setLogAppendTimeAll,
  validateBatches,
  type ValidatedBatches,
} from '../../protocol/records/batch.js';
import { Compression, MAGIC, LEGACY_MAGIC } from '../../protocol/records/layout.js';
import { upConvert, validateMessageSet } from '../../protocol/records/message-set.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { StorageError } from '../../storage/partition-log.js';
import type { Handler, RequestContext } from '../dispatch.js';
import { SchemaValidator } from '../schema-validation.js';
import { Partition } from '../replica-manager.js';
import { AclOperation, topicResource, transactionalIdResource } from '../../security/authorizer.js';
import { escapeForLog } from '../logger.js';
import { defineHandler, type HandlerDeps } from './define.js';

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
 *
 * The common case (magic-2 batches, no topic-level recompression, no flush-per-write policy) runs synchronously,
 * so the connection handles pipelined requests back to back with no promise or microtask per request. Only
 * conversion, recompression and durable appends make a request asynchronous.
 */
export function produce({
  replicas,
  topics,
  txn,
  schemas,
}: HandlerDeps<'replicas' | 'topics' | 'txn' | 'schemas'>): Handler<typeof Produce> {
  interface Request {
    ctx: RequestContext;
    acks: number;
    timeoutMs: number;
    transactionalId: string | null;
    durable: Array<Promise<void>>;
  }

  const notServed = (topic: string, index: number, code: number): PartitionOut =>
    failed(
      index,
      code,
      code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        ? `This server does not host ${topic}-${index}.`
        : `This server is not the leader for ${topic}-${index}.`,
    );

  /** Checks that need no look inside the records; returns the failure, or the partition led here. */
  const target = (req: Request, topic: string, index: number, records: Buffer | null): PartitionOut | Partition => {
    if (!req.ctx.authorize(AclOperation.WRITE, topicResource(topic))) {
      return failed(index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }
    const partition = replicas.access(topic, index);
    if (typeof partition === 'number') return notServed(topic, index, partition);
    if (topics.isInternal(topic)) {
      return failed(
        index,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Clients may not produce to the internal topic ${topic}.`,
      );
    }
    if (records === null || records.length === 0) {
      return failed(index, ErrorCode.INVALID_RECORD, 'The produce request carried no records.');
    }
    const replicasError = replicas.checkEnoughReplicas(partition, req.acks);
    if (replicasError !== 0) return failed(index, replicasError, replicas.notEnoughReplicasMessage(partition));
    return partition;
  };

  const appendPartition = (
    req: Request,
    topic: string,
    index: number,
    records: Buffer | null,
  ): PartitionOut | Promise<PartitionOut> => {
    const partition = target(req, topic, index, records);
    if (!(partition instanceof Partition)) return partition;
    const log = partition.log;
    const magic = records!.length > MAGIC ? records![MAGIC]! : -1;
    if (magic === 2) return validated(req, topic, index, partition, records!);
    const version = req.ctx.header.apiVersion;
    if (version >= 3 || records!.length <= LEGACY_MAGIC || records![LEGACY_MAGIC]! > 1) {
      return failed(index, ErrorCode.INVALID_RECORD, `Produce v${version} requires record batches of magic 2.`);
    }
    const legacy = validateMessageSet(records!, { maxMessageBytes: log.config.maxMessageBytes });
    if (!legacy.ok) return failed(index, legacy.errorCode, legacy.message);
    return upConvert(records!).then((batches) => validated(req, topic, index, partition, batches));
  };

  /** Validates magic-2 batches, recompresses them when the topic asks for it, and appends them. */
  const validated = (
    req: Request,
    topic: string,
    index: number,
    partition: Partition,
    batches: Buffer,
  ): PartitionOut | Promise<PartitionOut> => {
    const log = partition.log;
    const v = validateBatches(batches, { maxBatchBytes: log.config.maxMessageBytes });
    if (!v.ok) return failed(index, v.errorCode, v.message);
    if (v.isControl) return failed(index, ErrorCode.INVALID_RECORD, 'Clients may not produce control batches.');
    if (SchemaValidator.wanted(log.config)) {
      return schemas.check(topic, batches, log.config).then(
        (rejected) => {
          if (rejected === null) return compressed(req, topic, index, partition, batches, v);
          const out = failed(index, ErrorCode.INVALID_RECORD, rejected.message);
          out.recordErrors = [{ batchIndex: rejected.recordIndex, batchIndexErrorMessage: rejected.message }];
          return out;
        },
        (err: Error) => failed(index, ErrorCode.CORRUPT_MESSAGE, `The records could not be decoded: ${err.message}`),
      );
    }
    return compressed(req, topic, index, partition, batches, v);
  };

  /** Recompresses the batches when the topic asks for another codec, then appends them. */
  const compressed = (
    req: Request,
    topic: string,
    index: number,
    partition: Partition,
    batches: Buffer,
    v: ValidatedBatches,
  ): PartitionOut | Promise<PartitionOut> => {
    const codec = TOPIC_CODECS[partition.log.config.compressionType];
    if (codec !== undefined && v.compression !== codec) {
      return recompress(batches, codec).then((b) => append(req, topic, index, partition, b, v));
    }
    return append(req, topic, index, partition, batches, v);
  };

  const append = (
    req: Request,
    topic: string,
    index: number,
    partition: Partition,
    batches: Buffer,
    v: ValidatedBatches,
  ): PartitionOut => {
    const log = partition.log;
    const now = Date.now();
    const logAppendTime = log.config.messageTimestampType === 'LogAppendTime';
    if (logAppendTime) setLogAppendTimeAll(batches, now);
    // The partition may have been deleted or its leadership moved while a conversion was awaited (a deleted log is
    // closed, so the replica manager is consulted only then).
    if (log.isClosed && replicas.get(topic, index) !== partition) {
      return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${index} was deleted.`);
    }
    if (!partition.isLeader) return notServed(topic, index, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // Validation already read the first batch's producer fields (conversion and recompression keep them).
    const pid = v.producerId;
    if (pid >= 0 && v.isTransactional && !log.producers.hasOngoingTxn(pid)) {
      // KIP-890 part 1: the first transactional write to a partition must belong to a transaction that added it.
      const code = txn.verifyPartition(req.transactionalId, pid, v.producerEpoch, topic, index);
      if (code !== 0)
        return failed(index, code, `${topic}-${index} is not part of an ongoing transaction of producer ${pid}.`);
    }
    let appended: ReturnType<typeof replicas.appendAsLeader>;
    try {
      const meta = { recordCount: v.recordCount, maxTimestamp: v.maxTimestamp };
      appended = replicas.appendAsLeader(partition, batches, meta, req.acks, req.timeoutMs);
    } catch (err) {
      if (err instanceof StorageError) return failed(index, err.code, err.message);
      throw err;
    }
    const res = appended.result;
    if (log.requiresDurableAppend) req.durable.push(log.awaitFlush(res.lastOffset + 1));
    const out: PartitionOut = {
      index,
      errorCode: 0,
      baseOffset: res.baseOffset,
      logAppendTimeMs: logAppendTime ? now : -1,
      logStartOffset: log.logStartOffset,
    };
    if (appended.replicated !== undefined) {
      // acks=all: answered once the in-sync replicas have the records, or with REQUEST_TIMED_OUT (or
      // NOT_LEADER_OR_FOLLOWER when leadership moved, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank).
      req.durable.push(
        appended.replicated.then((code: number) => {
          if (code === 0) return;
          out.errorCode = code;
          out.errorMessage =
            code === ErrorCode.REQUEST_TIMED_OUT
              ? `${topic}-${index} was not replicated to the in-sync replicas within ${req.timeoutMs} ms.`
              : code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                ? `${topic}-${index}: the records were written but the ISR is now below min.insync.replicas.`
                : `${topic}-${index}: leadership moved before the records were replicated.`;
        }),
      );
    }
    return out;
  };

  type Responses = Array<{ name: string; partitionResponses: PartitionOut[] }>;

  const respond = (req: Request, responses: Responses): Encodable<ResponseOf<typeof Produce>> | null => {
    if (req.acks !== 0) return { responses, throttleTimeMs: 0 };
    // With acks=0 the client reads no response; closing the connection is how Kafka tells it something failed.
    for (const r of responses) {
      const p = r.partitionResponses.find((x) => x.errorCode !== 0);
      if (p !== undefined) {
        req.ctx.connection.close(
          `acks=0 produce to ${escapeForLog(r.name)}-${p.index} failed: ${errorName(p.errorCode!)} ${escapeForLog(p.errorMessage ?? '')}`,
          'acks=0 produce failed',
        );
        break;
      }
    }
    return null;
  };

  return (ctx, body) => {
    const req: Request = {
      ctx,
      acks: body.acks,
      timeoutMs: body.timeoutMs,
      transactionalId: body.transactionalId ?? null,
      durable: [],
    };
    const validAcks = req.acks === 0 || req.acks === 1 || req.acks === -1;
    if (
      req.transactionalId !== null &&
      !ctx.authorize(AclOperation.WRITE, transactionalIdResource(req.transactionalId))
    ) {
      // A transactional producer needs WRITE on its transactional id: every partition is refused, as in Kafka.
      const refused = (p: { index: number }) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return respond(
        req,
        body.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map(refused) })),
      );
    }
    const responses: Responses = body.topicData.map((t) => ({ name: t.name, partitionResponses: [] }));
    const one = (ti: number, pi: number): PartitionOut | Promise<PartitionOut> => {
      const p = body.topicData[ti]!.partitionData[pi]!;
      if (!validAcks)
        return failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${req.acks}.`);
      return appendPartition(req, body.topicData[ti]!.name, p.index, p.records);
    };
    // Partitions are appended in request order; once one of them has to wait, the rest wait their turn behind it.
    const rest = async (ti: number, pi: number, first: Promise<PartitionOut>) => {
      responses[ti]!.partitionResponses.push(await first);
      for (; ti < body.topicData.length; ti++, pi = -1) {
        for (pi++; pi < body.topicData[ti]!.partitionData.length; pi++)
          responses[ti]!.partitionResponses.push(await one(ti, pi));
      }
      if (req.durable.length > 0) await Promise.all(req.durable);
      return respond(req, responses);
    };
    for (let ti = 0; ti < body.topicData.length; ti++) {
      for (let pi = 0; pi < body.topicData[ti]!.partitionData.length; pi++) {
        const out = one(ti, pi);
        if (out instanceof Promise) return rest(ti, pi, out);
        responses[ti]!.partitionResponses.push(out);
      }
    }
    if (req.durable.length > 0) {
      // Every record is appended; only the acknowledgement waits: the connection may go on with the next Produce.
      ctx.pipelined = true;
      return Promise.all(req.durable).then(() => respond(req, responses));
    }
    return respond(req, responses);
  };
}

export const produceHandler = defineHandler(Produce, produce);
