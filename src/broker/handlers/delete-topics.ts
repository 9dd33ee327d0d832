/**
 * DeleteTopics (v0-v6): deletes topics by name; v6 by topic id as well (an entry naming both is refused). The
 * groups' committed offsets of a deleted topic go with it. v4+ are flexible; v5+ carry error messages.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DeleteTopics } from '../../protocol/messages/delete-topics.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { internalTopicChange } from '../validate.js';

type Result = Encodable<ResponseOf<typeof DeleteTopics>['responses'][number]>;

/** Deletes topics by name (all versions) or by topic id (v6+). */
export function deleteTopics({
  config,
  groups,
  topics,
}: HandlerDeps<'config' | 'groups' | 'topics'>): Handler<typeof DeleteTopics> {
  return async (ctx, req) => {
    const version = ctx.header.apiVersion;
    const wanted: Array<{ name: string | null; topicId: string }> =
      version >= 6
        ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));

    // Resolve every entry to a topic name first, so duplicates (by name or by id) can be refused together.
    const resolved: Array<{ entry: (typeof wanted)[number]; name: string | null; error?: Result }> = [];
    for (const w of wanted) {
      if (w.name !== null && w.topicId !== ZERO_UUID) {
        resolved.push({
          entry: w,
          name: null,
          error: {
            name: w.name,
            topicId: w.topicId,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'You may not specify both topic name and topic id.',
          },
        });
      } else if (w.name !== null) {
        resolved.push({ entry: w, name: w.name });
      } else if (w.topicId === ZERO_UUID) {
        resolved.push({
          entry: w,
          name: null,
          error: {
            name: null,
            topicId: ZERO_UUID,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'Neither topic name nor id were specified.',
          },
        });
      } else {
        const name = topics.nameForId(w.topicId);
        if (name === undefined) {
          resolved.push({
            entry: w,
            name: null,
            error: {
              name: null,
              topicId: w.topicId,
              errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
              errorMessage: `Topic id ${w.topicId} does not exist.`,
            },
          });
        } else resolved.push({ entry: w, name });
      }
    }
    const counts = new Map<string, number>();
    for (const r of resolved) if (r.name !== null && !r.error) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);

    const responses: Result[] = [];
    const cleanups: Array<Promise<void>> = [];
    for (const r of resolved) {
      if (r.error) {
        responses.push(r.error);
        continue;
      }
      const name = r.name!;
      const topicId = topics.get(name)?.topicId ?? ZERO_UUID;
      const base = { name, topicId };
      if (counts.get(name)! > 1) {
        const byId = r.entry.name === null;
        responses.push({
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: byId ? 'Duplicate topic id.' : 'Duplicate topic name.',
        });
        continue;
      }
      if (!ctx.authorize(AclOperation.DELETE, topicResource(name))) {
        responses.push({
          ...base,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: 'Authorization failed.',
        });
        continue;
      }
      if (!config.deleteTopicEnable) {
        // Before v3 clients did not know TOPIC_DELETION_DISABLED; Kafka answers them with INVALID_REQUEST.
        responses.push({
          ...base,
          errorCode: version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED,
          errorMessage: 'Topic deletion is disabled (delete.topic.enable=false).',
        });
        continue;
      }
      if (!topics.get(name)) {
        responses.push({
          ...base,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `Topic '${name}' does not exist.`,
        });
        continue;
      }
      const internal = internalTopicChange(name, 'delete');
      if (internal) {
        responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: internal });
        continue;
      }
      // Cluster mode: deleted in etcd (the controller's rules); every broker drops its copy as the change arrives.
      const res = topics.cluster !== undefined ? await topics.cluster.deleteTopic(name) : topics.delete(name);
      // Committed offsets of a deleted topic go with it, so a re-created topic starts with none.
      if (res.errorCode === 0) cleanups.push(groups.deleteTopic(name));
      responses.push({ ...base, errorCode: res.errorCode, errorMessage: res.errorMessage });
    }
    if (cleanups.length > 0) await Promise.all(cleanups);
    return { throttleTimeMs: 0, responses };
  };
}

export const deleteTopicsHandler = defineHandler(DeleteTopics, deleteTopics);
