/**
 * SaslAuthenticate (v0-2): one SASL token of the exchange the handshake started, answered with the next token;
 * v1+ carry the session lifetime (connections.max.reauth.ms, KIP-368). A failed login is answered with
 * SASL_AUTHENTICATION_FAILED and the connection closes. On a listener without SASL: ILLEGAL_SASL_STATE.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslAuthenticate } from '../../protocol/messages/sasl-authenticate.js';
import { defineHandler } from './define.js';
import type { Handler } from '../dispatch.js';

export function saslAuthenticate(): Handler<typeof SaslAuthenticate> {
  return (ctx, req) => {
    const sasl = ctx.connection.sasl;
    if (sasl === undefined) {
      return {
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: `SaslAuthenticate on listener ${ctx.listenerName}, which does not use SASL`,
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0,
      };
    }
    return sasl.authenticate(ctx.header.apiVersion, req.authBytes);
  };
}

export const saslAuthenticateHandler = defineHandler(SaslAuthenticate, saslAuthenticate);
