/**
 * DescribeUserScramCredentials (v0): the mechanisms and iteration counts stored for the named users, or for every
 * user with credentials when none is named (`kafka-configs --describe --entity-type users`). Needs DESCRIBE on
 * the cluster. A named user without credentials gets RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeUserScramCredentials } from '../../protocol/messages/describe-user-scram-credentials.js';
import { SCRAM_MECHANISMS } from '../../protocol/sasl.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

export function describeUserScramCredentials({
  scram,
}: HandlerDeps<'scram'>): Handler<typeof DescribeUserScramCredentials> {
  return (ctx, req) => {
    if (!ctx.authorize(AclOperation.DESCRIBE, CLUSTER)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    }
    const infos = (user: string) =>
      scram.describe(user).map((c) => ({ mechanism: SCRAM_MECHANISMS[c.mechanism].code, iterations: c.iterations }));
    const names = req.users?.map((u) => u.name) ?? [];
    if (names.length === 0) {
      const results = scram.list().map((u) => ({
        user: u.user,
        errorCode: 0,
        errorMessage: null,
        credentialInfos: infos(u.user),
      }));
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
    }
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    const results = [...counts].map(([user, count]) => {
      if (count > 1) {
        return {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request',
          credentialInfos: [],
        };
      }
      const credentialInfos = infos(user);
      if (credentialInfos.length === 0) {
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
          credentialInfos,
        };
      }
      return { user, errorCode: 0, errorMessage: null, credentialInfos };
    });
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
  };
}

export const describeUserScramCredentialsHandler = defineHandler(
  DescribeUserScramCredentials,
  describeUserScramCredentials,
);
