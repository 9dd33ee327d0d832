import { ErrorCode } from '../../protocol/errors.js';
import type { Metadata } from '../../protocol/messages/metadata.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';

type TopicOut = Encodable<ResponseOf<typeof Metadata>['topics'][number]>;

/** Topics and partition leaders; creates requested topics that do not exist when auto-creation is enabled and asked. */
export function metadata(broker: Broker): Handler<typeof Metadata> {
  const describe = (name: string): TopicOut => {
    const t = broker.topics.get(name)!;
    const logs = broker.topics.partitionsOf(name) ?? [];
    return {
      errorCode: 0,
      name,
      topicId: t.topicId,
      isInternal: broker.topics.isInternal(name),
      partitions: logs.map((log, i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId: broker.nodeId,
        leaderEpoch: log.leaderEpoch,
        replicaNodes: [broker.nodeId],
        isrNodes: [broker.nodeId],
        offlineReplicas: [],
      })),
    };
  };

  return (ctx, req) => {
    const version = ctx.header.apiVersion;
    const topics: TopicOut[] = [];
    // v0: an empty list means every topic; v1+: null means every topic and an empty list none.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    if (all) {
      for (const name of broker.topics.names()) topics.push(describe(name));
    } else {
      const allowAuto = version < 4 || req.allowAutoTopicCreation;
      // Kafka answers each topic once however often it is asked for (a list of 100,000 copies of a big topic
      // would otherwise cost seconds of encoding).
      const seen = new Set<string>();
      for (const t of req.topics!) {
        const key = `${t.name ?? ''}/${t.topicId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let name = t.name;
        if ((name === null || name === '') && t.topicId !== ZERO_UUID) {
          name = broker.topics.nameForId(t.topicId) ?? null;
          if (name === null) {
            // Only v12+ can carry a null name; before, the topic id is all the client asked by.
            const unnamed = version >= 12 ? null : '';
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: unnamed, topicId: t.topicId, partitions: [] });
            continue;
          }
        }
        if (name === null || name === '') {
          // Neither a name nor an id (an unset variable on the client, say): Kafka refuses the name.
          const bad = version >= 12 ? name : '';
          topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: bad, topicId: ZERO_UUID, partitions: [] });
          continue;
        }
        if (broker.topics.get(name)) {
          topics.push(describe(name));
          continue;
        }
        const invalid = invalidTopicName(name);
        if (invalid) {
          topics.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] });
          continue;
        }
        // Internal topics are created by their coordinators with their own partition counts, never by a client.
        if (allowAuto && broker.config.autoCreateTopicsEnable && !broker.topics.isInternal(name)) {
          const res = broker.topics.autoCreate(name);
          if (res.errorCode === 0) {
            topics.push(describe(name));
            continue;
          }
          topics.push({ errorCode: res.errorCode, name, partitions: [] });
          continue;
        }
        topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] });
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
    };
  };
}
