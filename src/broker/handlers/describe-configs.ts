/**
 * DescribeConfigs (v0-v4): topic configs (with the source of each value and, v1+, its synonyms) and this
 * broker's configs (static and dynamic, each with its source), or the cluster-wide dynamic defaults. v3+ carry each value's type and documentation; v4 is flexible.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeConfigs } from '../../protocol/messages/describe-configs.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import {
  aclResourceOf,
  authorizationError,
  badBrokerResource,
  brokerConfigViews,
  brokerDefaultViews,
  ResourceType,
  topicConfigViews,
  type ConfigView,
} from '../configs-view.js';
import { AclOperation } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';

type Result = Encodable<ResponseOf<typeof DescribeConfigs>['results'][number]>;
type ConfigOut = NonNullable<Result['configs']>[number];

/** Topic configs (with where each value comes from) and this broker's static configs. */
export function describeConfigs({
  config,
  nodeId,
  topics,
}: HandlerDeps<'config' | 'nodeId' | 'topics'>): Handler<typeof DescribeConfigs> {
  return (ctx, req) => {
    const version = ctx.header.apiVersion;
    const synonyms = version >= 1 && req.includeSynonyms;
    const docs = version >= 3 && req.includeDocumentation;
    const toWire = (c: ConfigView): ConfigOut => ({
      name: c.name,
      value: c.value,
      readOnly: c.readOnly,
      isDefault: c.isDefault,
      configSource: c.source,
      isSensitive: c.isSensitive,
      synonyms: synonyms ? c.synonyms : [],
      configType: c.configType,
      documentation: docs ? c.documentation : null,
    });

    const results: Result[] = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const fail = (errorCode: number, errorMessage: string): Result => ({
        ...base,
        errorCode,
        errorMessage,
        configs: [],
      });
      if (!ctx.authorize(AclOperation.DESCRIBE_CONFIGS, aclResourceOf(r.resourceType, r.resourceName)))
        return fail(authorizationError(r.resourceType), 'Authorization failed.');
      switch (r.resourceType) {
        case ResourceType.TOPIC: {
          const bad = invalidTopicName(r.resourceName);
          if (bad) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic name: ${bad}`);
          const t = topics.get(r.resourceName);
          if (!t) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${r.resourceName}' does not exist.`);
          return {
            ...base,
            errorCode: 0,
            errorMessage: null,
            configs: topicConfigViews(t.configs, config, r.configurationKeys).map(toWire),
          };
        }
        case ResourceType.BROKER: {
          const bad = badBrokerResource(nodeId, r.resourceName, true);
          if (bad) return fail(ErrorCode.INVALID_REQUEST, bad);
          // The empty name asks for the cluster-wide dynamic defaults: only those that are set.
          const views =
            r.resourceName === ''
              ? brokerDefaultViews(config, r.configurationKeys)
              : brokerConfigViews(config, r.configurationKeys);
          const configs = views.map(toWire);
          return { ...base, errorCode: 0, errorMessage: null, configs };
        }
        case ResourceType.BROKER_LOGGER: {
          const bad = badBrokerResource(nodeId, r.resourceName, false);
          if (bad) return fail(ErrorCode.INVALID_REQUEST, bad);
          // Samsa has no per-logger levels to report.
          return { ...base, errorCode: 0, errorMessage: null, configs: [] };
        }
        default:
          return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${r.resourceType}`);
      }
    });
    return { throttleTimeMs: 0, results };
  };
}

export const describeConfigsHandler = defineHandler(DescribeConfigs, describeConfigs);
