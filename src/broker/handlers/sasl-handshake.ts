/**
 * SaslHandshake (v0-1): the client names its mechanism; the connection's SASL session (src/broker/sasl.ts)
 * answers with the listener's enabled mechanisms. v0 switches the connection to raw SASL tokens, v1 to
 * SaslAuthenticate. On a listener without SASL the answer is ILLEGAL_SASL_STATE, as Kafka's.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SaslHandshake } from '../../protocol/messages/sasl-handshake.js';
import { defineHandler } from './define.js';
import type { Handler } from '../dispatch.js';

export function saslHandshake(): Handler<typeof SaslHandshake> {
  return (ctx, req) => {
    const sasl = ctx.connection.sasl;
    if (sasl === undefined) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    return sasl.handshake(ctx.header.apiVersion, req.mechanism);
  };
}

export const saslHandshakeHandler = defineHandler(SaslHandshake, saslHandshake);
