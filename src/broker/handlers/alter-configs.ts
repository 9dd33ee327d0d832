/**
 * AlterConfigs (v0-v2): replaces the whole override set of topics, or the whole dynamic config set of this broker
 * (its node id) or of the cluster-wide default (empty name) (the legacy, non-incremental API). v2+ are flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterConfigs } from '../../protocol/messages/alter-configs.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { aclResourceOf, alterPrecheck, authorizationError, badBrokerResource, ResourceType } from '../configs-view.js';
import { AclOperation } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';

type Result = Encodable<ResponseOf<typeof AlterConfigs>['responses'][number]>;

/** Replaces the whole override set of topics (the legacy, non-incremental API). */
export function alterConfigs({
  nodeId,
  topics,
  dynamicConfigs,
}: HandlerDeps<'nodeId' | 'topics' | 'dynamicConfigs'>): Handler<typeof AlterConfigs> {
  return (ctx, req) => {
    const precheck = alterPrecheck(req.resources);
    const responses: Array<Result | Promise<Result>> = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const done = (errorCode: number, errorMessage: string | null): Result => ({ ...base, errorCode, errorMessage });
      const bad = precheck(r);
      if (bad) return done(bad.errorCode, bad.errorMessage);
      if (!ctx.authorize(AclOperation.ALTER_CONFIGS, aclResourceOf(r.resourceType, r.resourceName)))
        return done(authorizationError(r.resourceType), null);
      const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
      if (nulls.length > 0)
        return done(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);

      switch (r.resourceType) {
        case ResourceType.TOPIC: {
          const bad = invalidTopicName(r.resourceName);
          if (bad) return done(ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic name: ${bad}`);
          if (!topics.get(r.resourceName))
            return done(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
          const configs: Record<string, string> = {};
          for (const c of r.configs) configs[c.name] = c.value!;
          const res = topics.alterConfigs(r.resourceName, configs, req.validateOnly);
          if (res instanceof Promise) return res.then((x) => done(x.errorCode, x.errorMessage));
          return done(res.errorCode, res.errorMessage);
        }
        case ResourceType.BROKER: {
          const bad = badBrokerResource(nodeId, r.resourceName, true);
          if (bad) return done(ErrorCode.INVALID_REQUEST, bad);
          const configs: Record<string, string> = {};
          for (const c of r.configs) configs[c.name] = c.value!;
          const entity = r.resourceName === '' ? 'default' : nodeId;
          return dynamicConfigs.alter(entity, configs, req.validateOnly).then((x) => done(x.errorCode, x.errorMessage));
        }
        case ResourceType.BROKER_LOGGER:
          return done(
            ErrorCode.INVALID_REQUEST,
            'AlterConfigs does not support BROKER_LOGGER resources; use IncrementalAlterConfigs.',
          );
        default:
          return done(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${r.resourceType}`);
      }
    });
    if (responses.some((r) => r instanceof Promise)) {
      return Promise.all(responses).then((all) => ({ throttleTimeMs: 0, responses: all }));
    }
    return { throttleTimeMs: 0, responses: responses as Result[] };
  };
}

export const alterConfigsHandler = defineHandler(AlterConfigs, alterConfigs);
