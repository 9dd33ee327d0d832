/**
 * Fetch (v0-v17): reads whole record batches from many partitions for consumers and, through the replica
 * manager, for follower replicas (replica id >= 0, in ReplicaState from v15), which a single node refuses as Kafka
 * refuses an unknown replica. Long polling on max wait and min bytes, response and partition byte limits,
 * incremental fetch sessions (v7+, KIP-227) and down-conversion to message sets for v0-v3. v4+ isolation level and
 * aborted transactions; v9+ current leader epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH); v12+ flexible;
 * v13+ topics by id.
 *
 * Client quotas (consumers only, as in Kafka): `max_bytes` is capped at what the consumer_byte_rate quota allows
 * in one quota window, and a response that puts the client over its quota is not sent: the client gets an empty
 * response with throttle_time_ms (its session kept, a new session not created) and the connection is muted.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { Fetch } from '../../protocol/messages/fetch.js';
import { downConvert } from '../../protocol/records/message-set.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import { AclOperation, CLUSTER, topicResource } from '../../security/authorizer.js';
import { DEBUGGING_REPLICA_ID } from '../replica-manager.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { FetchWaiters } from '../fetch-waiters.js';
import { channels, type FetchOutEvent } from '../observe.js';
import { nextEpoch, partKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';

type PartitionOut = Encodable<ResponseOf<typeof Fetch>['responses'][number]['partitions'][number]>;
type TopicOut = { topic: string; topicId: string; partitions: PartitionOut[] };

interface Want {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** A follower's epoch of its last fetched batch (v12+); -1 when not sent. */
  lastFetchedEpoch: number;
  /** Set when the topic could not be resolved: the partition is answered with this error. */
  error?: number;
  session?: SessionPartition;
}

const EMPTY = Buffer.alloc(0);

const isEpochError = (code: number) =>
  code === ErrorCode.FENCED_LEADER_EPOCH || code === ErrorCode.UNKNOWN_LEADER_EPOCH;

/**
 * Reads whole record batches from many partitions, with long polling on max wait and min bytes, response and
 * partition byte limits, incremental fetch sessions (KIP-227) and down-conversion for Fetch v0-v3.
 */
export function fetch({
  config,
  nodeId,
  fetchSessions: sessions,
  metadata: view,
  replicas,
  waiters,
  quotas,
}: HandlerDeps<'config' | 'nodeId' | 'fetchSessions' | 'metadata' | 'replicas' | 'waiters' | 'quotas'>): Handler<
  typeof Fetch
> {
  const topError = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] });
  /** KIP-392 is on (replica.selector.class is a static setting): read once, not per request. */
  const rackAware = Boolean(config.values.get('replica.selector.class'));

  /**
   * KIP-392 with the rack-aware selector: the in-sync replica on a live broker of the consumer's rack that it should
   * read `p` from instead of this leader, or -1 (this broker is in that rack, or no replica is).
   */
  const preferredReplica = (p: { replicas: readonly number[]; isr: readonly number[] }, rack: string): number => {
    if (view.broker(nodeId)?.rack === rack) return -1;
    for (const id of p.replicas) {
      if (id !== nodeId && p.isr.includes(id) && view.broker(id)?.rack === rack) return id;
    }
    return -1;
  };

  /** Reads every wanted partition once; pure apart from reading the logs (and a follower's reported position). */
  const collect = (
    wants: Want[],
    maxBytes: number,
    readCommitted: boolean,
    replicaId: number,
    /** KIP-392: a consumer's rack (Fetch v11+) when fetching from the closest replica is on; else null. */
    consumerRack: string | null = null,
  ) => {
    const fromFollower = replicaId >= 0;
    let used = 0;
    let anyError = false;
    const out: Array<{ want: Want; part: PartitionOut; hw: number; lso: number; lsoStart: number }> = [];
    for (const w of wants) {
      const base = { partitionIndex: w.partition, abortedTransactions: readCommitted ? [] : null, records: EMPTY };
      if (w.error !== undefined) {
        anyError = true;
        out.push({
          want: w,
          part: { ...base, errorCode: w.error, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 },
          hw: -1,
          lso: -1,
          lsoStart: -1,
        });
        continue;
      }
      const access = replicas.access(w.topic, w.partition, {
        currentLeaderEpoch: w.currentLeaderEpoch,
        // With fetching from the closest replica on, a consumer may read from a follower (up to its high watermark).
        requireLeader: replicaId !== DEBUGGING_REPLICA_ID && consumerRack === null,
      });
      // An epoch mismatch still reports the partition's offsets, as Samsa always has.
      const partition = typeof access === 'number' ? replicas.get(w.topic, w.partition) : access;
      if (partition === undefined || (typeof access === 'number' && !isEpochError(access))) {
        anyError = true;
        const errorCode = typeof access === 'number' ? access : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.push({
          want: w,
          part: { ...base, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 },
          hw: -1,
          lso: -1,
          lsoStart: -1,
        });
        continue;
      }
      const log = partition.log;
      const hw = log.highWatermark;
      const lso = log.lastStableOffset;
      const start = log.logStartOffset;
      const part: PartitionOut = {
        ...base,
        errorCode: 0,
        highWatermark: hw,
        lastStableOffset: lso,
        logStartOffset: start,
      };
      // A follower's fetch also reports its position; one from a replica this leader does not know (on one node:
      // any replica) is refused.
      if (typeof access === 'number') part.errorCode = access;
      else if (fromFollower && w.lastFetchedEpoch >= 0) {
        // The follower's log may have taken another branch after its last epoch: tell it where ours ends
        // (KIP-595's diverging epoch) instead of sending records, and do not count its position.
        const e = log.endOffsetForEpoch(w.lastFetchedEpoch);
        if (e.epoch >= 0 && (e.epoch < w.lastFetchedEpoch || e.endOffset < w.fetchOffset)) {
          part.divergingEpoch = { epoch: e.epoch, endOffset: e.endOffset };
          anyError = true; // answered at once, not parked
          out.push({ want: w, part, hw, lso, lsoStart: start });
          continue;
        }
      }
      if (typeof access !== 'number' && fromFollower)
        part.errorCode = replicas.followerFetch(partition, replicaId, w.fetchOffset);
      if (part.errorCode === 0 && (w.fetchOffset < start || w.fetchOffset > log.logEndOffset)) {
        part.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      }
      if (part.errorCode === 0 && consumerRack && partition.isLeader) {
        const preferred = preferredReplica(partition, consumerRack);
        if (preferred >= 0) {
          // No records: the consumer goes to the replica in its rack, and is answered at once (as Kafka does).
          part.preferredReadReplica = preferred;
          anyError = true;
          out.push({ want: w, part, hw, lso, lsoStart: start });
          continue;
        }
      }
      if (part.errorCode === 0) {
        const limit = Math.min(w.maxBytes, maxBytes - used);
        if (limit > 0 || used === 0) {
          const res = replicas.read(partition, w.fetchOffset, Math.max(0, limit), {
            minOneBatch: used === 0,
            readCommitted,
            fromFollower,
          });
          part.records = res.records;
          used += res.records.length;
          if (readCommitted && res.records.length > 0) {
            // Tell the client which producers' records in the returned range belong to aborted transactions.
            const aborted = log.collectAbortedTxns(w.fetchOffset, endOfBatches(res.records));
            if (aborted.length > 0)
              part.abortedTransactions = aborted.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
          }
        }
      }
      if (part.errorCode !== 0) anyError = true;
      out.push({ want: w, part, hw, lso, lsoStart: start });
    }
    return { out, bytes: used, anyError };
  };

  return async (ctx, req) => {
    const v = ctx.header.apiVersion;
    const useIds = v >= 13;
    const readCommitted = v >= 4 && req.isolationLevel === 1;
    let maxBytes = v >= 3 ? Math.max(0, req.maxBytes) : 0x7fffffff;
    // Followers name themselves (v15+ in ReplicaState); consumers send -1.
    const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
    const quotaUser = ctx.principal.name;
    const consumerQuota = quotas.active && replicaId < 0;
    if (consumerQuota)
      maxBytes = Math.min(maxBytes, Math.floor(quotas.maxFetchBytes(quotaUser, ctx.clientId, Date.now())));
    else if (replicaId >= 0) ctx.quotaExempt = true;
    const minBytes = Math.min(req.minBytes, maxBytes);
    const mayRead =
      replicaId >= 0
        ? (_topic: string) => ctx.authorize(AclOperation.CLUSTER_ACTION, CLUSTER)
        : (topic: string) => ctx.authorize(AclOperation.READ, topicResource(topic));

    // Resolve the fetch session.
    let session: FetchSession | undefined;
    let incremental = false;
    if (v >= 7) {
      const { sessionId, sessionEpoch } = req;
      if (sessionEpoch === -1) {
        if (sessionId !== 0) sessions.remove(sessionId);
      } else if (sessionEpoch === 0) {
        if (sessionId !== 0) sessions.remove(sessionId);
        session = sessions.create();
      } else {
        session = sessions.get(sessionId);
        if (session === undefined) return topError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
        if (session.epoch !== sessionEpoch) return topError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
        incremental = true;
      }
    }

    // The partitions of this request, merged into the session when there is one.
    const named: Want[] = [];
    // A partition asked for twice is fetched once, as in Kafka (whose request keeps partitions in a map): 1,000
    // copies of a big partition would otherwise read and, for old versions, down-convert it 1,000 times.
    const asked = new Set<string>();
    for (const t of req.topics) {
      let name: string | undefined = t.topic;
      let error: number | undefined;
      if (useIds) {
        name = view.topicNameForId(t.topicId);
        if (name === undefined) error = ErrorCode.UNKNOWN_TOPIC_ID;
      }
      if (name !== undefined && !mayRead(name)) error = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      for (const p of t.partitions) {
        const askedKey = `${useIds ? t.topicId : t.topic}/${p.partition}`;
        if (asked.has(askedKey)) continue;
        asked.add(askedKey);
        const w: Want = {
          topic: name ?? '',
          topicId: useIds ? t.topicId : (view.topic(name!)?.topicId ?? ZERO_UUID),
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          maxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
          lastFetchedEpoch: v >= 12 ? p.lastFetchedEpoch : -1,
          error,
        };
        if (session && error === undefined) {
          const k = partKey(w.topic, w.partition);
          const sp = session.partitions.get(k);
          if (sp) {
            sp.fetchOffset = w.fetchOffset;
            sp.maxBytes = w.maxBytes;
          } else {
            session.partitions.set(k, {
              topic: w.topic,
              topicId: w.topicId,
              partition: w.partition,
              fetchOffset: w.fetchOffset,
              maxBytes: w.maxBytes,
              lastHighWatermark: -2,
              lastLogStartOffset: -2,
              lastStableOffset: -2,
            });
          }
        }
        named.push(w);
      }
    }
    let wants = named;
    if (session && incremental) {
      for (const f of req.forgottenTopicsData) {
        const name = useIds ? view.topicNameForId(f.topicId) : f.topic;
        if (name === undefined) continue;
        for (const p of f.partitions) session.partitions.delete(partKey(name, p));
      }
      const errors = named.filter((w) => w.error !== undefined);
      wants = [...errors];
      for (const sp of session.partitions.values()) {
        wants.push({
          topic: sp.topic,
          topicId: sp.topicId,
          partition: sp.partition,
          fetchOffset: sp.fetchOffset,
          maxBytes: sp.maxBytes,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
          session: sp,
        });
      }
    } else if (session) {
      for (const w of wants)
        if (w.error === undefined) w.session = session.partitions.get(partKey(w.topic, w.partition));
    }

    // KIP-392: consumers sending their rack (v11+) when replica.selector.class is set.
    const consumerRack =
      v >= 11 && replicaId < 0 && replicaId !== DEBUGGING_REPLICA_ID && rackAware ? req.rackId : null;
    // Read, and if there is less than min bytes and no error, park until enough arrives or max wait passes.
    let result = collect(wants, maxBytes, readCommitted, replicaId, consumerRack);
    if (result.bytes < minBytes && req.maxWaitMs > 0 && !result.anyError && wants.length > 0) {
      const keys = wants.map((w) => FetchWaiters.key(w.topic, w.partition));
      const waitMs = replicaId >= 0 ? replicas.parkLimitMs(replicaId, req.maxWaitMs) : req.maxWaitMs;
      await waiters.wait(keys, minBytes - result.bytes, waitMs, replicaId);
      result = collect(wants, maxBytes, readCommitted, replicaId, consumerRack);
    }

    if (consumerQuota) {
      const now = Date.now();
      const throttleTimeMs = quotas.recordFetch(quotaUser, ctx.clientId, result.bytes, now);
      if (throttleTimeMs > 0) {
        // The data is not sent, so it does not count; the client retries from the same offsets after the wait.
        quotas.unrecordFetch(quotaUser, ctx.clientId, result.bytes, now);
        ctx.throttle(throttleTimeMs);
        let sessionId = 0;
        if (session && incremental) {
          session.epoch = nextEpoch(session.epoch);
          session.lastUsed = now;
          sessionId = session.id;
        } else if (session) sessions.remove(session.id);
        return { throttleTimeMs, errorCode: 0, sessionId, responses: [] };
      }
    }

    // Build the response: an incremental session answers only partitions with news.
    const byTopic = new Map<string, TopicOut>();
    for (const { want, part, hw, lso, lsoStart } of result.out) {
      const sp = want.session;
      if (incremental && sp) {
        const news =
          (part.records as Buffer).length > 0 ||
          part.errorCode !== 0 ||
          (part.preferredReadReplica ?? -1) >= 0 ||
          sp.lastHighWatermark !== hw ||
          sp.lastStableOffset !== lso ||
          sp.lastLogStartOffset !== lsoStart;
        if (!news) continue;
      }
      if (sp) {
        sp.lastHighWatermark = hw;
        sp.lastStableOffset = lso;
        sp.lastLogStartOffset = lsoStart;
      }
      const key = useIds ? want.topicId : want.topic;
      let t = byTopic.get(key);
      if (t === undefined) byTopic.set(key, (t = { topic: want.topic, topicId: want.topicId, partitions: [] }));
      t.partitions.push(part);
    }
    if (v <= 3) {
      // Old clients read message sets: convert the stored batches (magic 0 for v0-v1, 1 for v2-v3).
      const magic = v <= 1 ? 0 : 1;
      for (const t of byTopic.values()) {
        for (const p of t.partitions) {
          if ((p.records as Buffer).length > 0) p.records = await downConvert(p.records as Buffer, magic);
        }
      }
    }
    if (channels.fetchOut.hasSubscribers) {
      for (const t of byTopic.values()) {
        for (const p of t.partitions) {
          const records = p.records as Buffer;
          if (records.length === 0) continue;
          channels.fetchOut.publish({
            topic: t.topic,
            partition: p.partitionIndex ?? 0,
            bytes: records.length,
            records,
          } satisfies FetchOutEvent);
        }
      }
    }
    if (session) {
      session.epoch = nextEpoch(session.epoch);
      session.lastUsed = Date.now();
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: session?.id ?? 0,
      responses: [...byTopic.values()],
    };
  };
}

/** The offset after the last whole batch in `buf`. */
function endOfBatches(buf: Buffer): number {
  let p = 0;
  let end = 0;
  while (p + 61 <= buf.length) {
    const size = 12 + buf.readInt32BE(p + 8);
    if (p + size > buf.length) break;
    end = Number(buf.readBigInt64BE(p)) + buf.readInt32BE(p + 23) + 1;
    p += size;
  }
  return end;
}

export const fetchHandler = defineHandler(Fetch, fetch);
