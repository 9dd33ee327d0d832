/**
 * AlterUserScramCredentials (v0): adds or replaces (upsertions, salted by the client) and deletes users' SCRAM
 * credentials, as `kafka-configs --alter --entity-type users --add-config 'SCRAM-SHA-256=[password=...]'` sends
 * them. Needs ALTER on the cluster. Validated as Kafka does, per user: a known mechanism, 4096 to 16384
 * iterations, a non-empty salt and a salted password of the hash's length, one change per user and mechanism,
 * deletions only of existing credentials. A user with any invalid change keeps its credentials unchanged; the
 * valid users' changes are made durable before the response.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { AlterUserScramCredentials } from '../../protocol/messages/alter-user-scram-credentials.js';
import {
  SCRAM_MAX_ITERATIONS,
  SCRAM_MECHANISMS,
  scramCredentialFromSalted,
  scramMechanismByCode,
} from '../../protocol/sasl.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import type { ScramChange } from '../../security/sasl/scram-store.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

type Failure = { code: number; message: string };

export function alterUserScramCredentials({ scram }: HandlerDeps<'scram'>): Handler<typeof AlterUserScramCredentials> {
  return async (ctx, req) => {
    const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    if (!ctx.authorize(AclOperation.ALTER, CLUSTER)) {
      return {
        throttleTimeMs: 0,
        results: users.map((user) => ({
          user,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: null,
        })),
      };
    }
    const failures = new Map<string, Failure>();
    const fail = (user: string, code: number, message: string) => {
      if (!failures.has(user)) failures.set(user, { code, message });
    };
    const seen = new Set<string>();
    const changes: ScramChange[] = [];
    const check = (user: string, mechanismCode: number) => {
      if (user === '') fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      const mechanism = scramMechanismByCode(mechanismCode);
      if (mechanism === undefined) {
        fail(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${mechanismCode}`);
        return undefined;
      }
      const key = `${mechanism}\u0000${user}`;
      if (seen.has(key)) {
        fail(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
      }
      seen.add(key);
      return mechanism;
    };
    for (const d of req.deletions) {
      const mechanism = check(d.name, d.mechanism);
      if (mechanism === undefined) continue;
      if (scram.get(d.name, mechanism) === undefined) {
        fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      }
      changes.push({ user: d.name, mechanism, credential: null });
    }
    for (const u of req.upsertions) {
      const mechanism = check(u.name, u.mechanism);
      if (mechanism === undefined) continue;
      const spec = SCRAM_MECHANISMS[mechanism];
      if (u.iterations < spec.minIterations) {
        fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations (minimum ${spec.minIterations})`);
      } else if (u.iterations > SCRAM_MAX_ITERATIONS) {
        fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations (maximum ${SCRAM_MAX_ITERATIONS})`);
      } else if (u.salt.length === 0) {
        fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty');
      } else if (u.saltedPassword.length !== spec.keyLength) {
        fail(
          u.name,
          ErrorCode.UNACCEPTABLE_CREDENTIAL,
          `Salted password must be ${spec.keyLength} bytes for ${mechanism}`,
        );
      }
      const credential = scramCredentialFromSalted(
        mechanism,
        Buffer.from(u.saltedPassword),
        Buffer.from(u.salt),
        u.iterations,
      );
      changes.push({ user: u.name, mechanism, credential });
    }
    const valid = changes.filter((c) => !failures.has(c.user));
    try {
      await scram.apply(valid);
    } catch (err) {
      // Shared credentials (cluster mode) are written to etcd, which may be away.
      const message = `could not store the SCRAM credentials: ${(err as Error).message}`;
      for (const c of valid) fail(c.user, ErrorCode.UNKNOWN_SERVER_ERROR, message);
    }
    return {
      throttleTimeMs: 0,
      results: users.map((user) => {
        const f = failures.get(user);
        return { user, errorCode: f?.code ?? 0, errorMessage: f?.message ?? null };
      }),
    };
  };
}

export const alterUserScramCredentialsHandler = defineHandler(AlterUserScramCredentials, alterUserScramCredentials);
