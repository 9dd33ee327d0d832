/**
 * IncrementalAlterConfigs (v0-v1): SET, DELETE, APPEND and SUBTRACT on single config entries of topics and of
 * dynamic broker configs (this broker's node id, or the empty name for the cluster-wide default); nothing of a
 * resource is applied unless all of its operations are valid. v1 is flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { IncrementalAlterConfigs } from '../../protocol/messages/incremental-alter-configs.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { splitList, topicConfigDef } from '../../storage/log-config.js';
import { DEFINITIONS_BY_NAME } from '../config/index.js';
import {
  aclResourceOf,
  alterPrecheck,
  authorizationError,
  badBrokerResource,
  brokerAlterError,
  ResourceType,
} from '../configs-view.js';
import { AclOperation } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';

type Result = Encodable<ResponseOf<typeof IncrementalAlterConfigs>['responses'][number]>;
type ConfigOp = Parameters<Handler<typeof IncrementalAlterConfigs>>[1]['resources'][number]['configs'][number];

export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/**
 * Applies SET/DELETE/APPEND/SUBTRACT operations to a topic's overrides and returns the new override set, or an
 * error. APPEND and SUBTRACT work on list configs, starting from the current override or the Kafka default.
 */
export function applyConfigOps(
  current: Readonly<Record<string, string>>,
  ops: readonly ConfigOp[],
): { configs: Record<string, string> } | { errorCode: number; errorMessage: string } {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    const d = topicConfigDef(op.name);
    switch (op.configOperation) {
      case OpType.SET:
        next[op.name] = op.value!;
        break;
      case OpType.DELETE:
        // Removing an override that is not there (even of an unknown name) changes nothing, as in Kafka.
        delete next[op.name];
        break;
      case OpType.APPEND:
      case OpType.SUBTRACT: {
        if (!d) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown topic config name: ${op.name}` };
        if (d.type !== 'list') {
          return {
            errorCode: ErrorCode.INVALID_CONFIG,
            errorMessage: `Can't ${OP_NAMES[op.configOperation]} to key ${op.name} because its type is not LIST.`,
          };
        }
        next[op.name] = appendOrSubtract(next[op.name] ?? d.default ?? '', op);
        break;
      }
    }
  }
  return { configs: next };
}

/**
 * The same operations on a dynamic broker config set: APPEND and SUBTRACT work on list settings, starting from the
 * stored value or else the value in force.
 */
export function applyBrokerConfigOps(
  current: Readonly<Record<string, string>>,
  inForce: Readonly<Record<string, string>>,
  ops: readonly ConfigOp[],
): { configs: Record<string, string> } | { errorCode: number; errorMessage: string } {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    if (op.configOperation === OpType.SET) next[op.name] = op.value!;
    else if (op.configOperation === OpType.DELETE) delete next[op.name];
    else {
      const d = DEFINITIONS_BY_NAME.get(op.name);
      if (!d) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown broker config: ${op.name}` };
      if (d.type !== 'list') {
        return {
          errorCode: ErrorCode.INVALID_CONFIG,
          errorMessage: `Config value append is not allowed for config key: ${op.name}`,
        };
      }
      next[op.name] = appendOrSubtract(next[op.name] ?? inForce[op.name] ?? d.default ?? '', op);
    }
  }
  return { configs: next };
}

/** Changes single config entries of topics nothing of a resource is applied unless all of its operations are valid. */
export function incrementalAlterConfigs({
  config,
  nodeId,
  topics,
  dynamicConfigs,
}: HandlerDeps<'config' | 'nodeId' | 'topics' | 'dynamicConfigs'>): Handler<typeof IncrementalAlterConfigs> {
  return (ctx, req) => {
    const precheck = alterPrecheck(req.resources);
    const responses: Array<Result | Promise<Result>> = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const done = (errorCode: number, errorMessage: string | null): Result => ({ ...base, errorCode, errorMessage });
      const bad = precheck(r);
      if (bad) return done(bad.errorCode, bad.errorMessage);
      if (!ctx.authorize(AclOperation.ALTER_CONFIGS, aclResourceOf(r.resourceType, r.resourceName)))
        return done(authorizationError(r.resourceType), null);
      for (const c of r.configs) {
        if (c.configOperation < 0 || c.configOperation > 3) {
          return done(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation} for ${c.name}.`);
        }
        if (c.configOperation !== OpType.DELETE && c.value === null) {
          return done(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
        }
      }

      switch (r.resourceType) {
        case ResourceType.TOPIC: {
          const bad = invalidTopicName(r.resourceName);
          if (bad) return done(ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic name: ${bad}`);
          const t = topics.get(r.resourceName);
          if (!t) return done(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
          const applied = applyConfigOps(t.configs, r.configs);
          if ('errorCode' in applied) return done(applied.errorCode, applied.errorMessage);
          const res = topics.alterConfigs(r.resourceName, applied.configs, req.validateOnly);
          if (res instanceof Promise) return res.then((x) => done(x.errorCode, x.errorMessage));
          return done(res.errorCode, res.errorMessage);
        }
        case ResourceType.BROKER: {
          const bad = badBrokerResource(nodeId, r.resourceName, true);
          if (bad) return done(ErrorCode.INVALID_REQUEST, bad);
          const entity = r.resourceName === '' ? 'default' : nodeId;
          const applied = applyBrokerConfigOps(dynamicConfigs.layer(entity), config.raw, r.configs);
          if ('errorCode' in applied) return done(applied.errorCode, applied.errorMessage);
          return dynamicConfigs
            .alter(entity, applied.configs, req.validateOnly)
            .then((x) => done(x.errorCode, x.errorMessage));
        }
        case ResourceType.BROKER_LOGGER: {
          const err = brokerAlterError(
            nodeId,
            r.resourceType,
            r.resourceName,
            r.configs.map((c) => c.name),
          );
          return err ? done(err.errorCode, err.errorMessage) : done(0, null);
        }
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

export const incrementalAlterConfigsHandler = defineHandler(IncrementalAlterConfigs, incrementalAlterConfigs);

/** A list setting after APPEND (new items once, at the end) or SUBTRACT of the operation's items. */
function appendOrSubtract(current: string, op: ConfigOp): string {
  const items = splitList(current);
  const given = splitList(op.value!);
  const result =
    op.configOperation === OpType.APPEND
      ? [...items, ...given.filter((v, i) => !items.includes(v) && given.indexOf(v) === i)]
      : items.filter((v) => !given.includes(v));
  return result.join(',');
}
