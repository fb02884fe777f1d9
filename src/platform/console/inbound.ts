/**
 * `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → the core's
 * InboundMessage, stored (`await sink(msg)`) before the answer `202 {msgId}`; a repeated `msgId` is
 * accepted once (`202 {msgId, duplicate: true}`). A refused request stores nothing.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { InboundMessage } from '../../core/message.js';
import type { requireToken } from '../../http/access.js';
import { parseInput } from '../../http/validate.js';
import type { InboundSink } from '../port.js';
import { refuseNotReceiving } from './errors.js';
import { BODY_LIMIT, inboundBody, inboundQuery, type InboundBody } from './parse.js';

/** A checked console message as an InboundMessage: the text trimmed, a `quotedSeq` as `quotedMsgId`. Pure. */
export function toInbound(body: InboundBody, msgId: string): InboundMessage {
  return {
    platform: 'console',
    platformMsgId: msgId,
    conversationId: body.conversationId,
    senderId: body.senderId,
    text: body.text.trim(),
    ...(body.quotedSeq ? { quotedMsgId: String(body.quotedSeq) } : {}),
  };
}

/**
 * Registers `POST /console/v1/inbound`: query and body checked (400/413 refusals), 503 while `sink()` is
 * null, a `msgId` made up when none is given.
 */
export function registerInbound(http: FastifyInstance, deps: { onRequest: ReturnType<typeof requireToken>[]; sink: () => InboundSink | null }): void {
  http.post('/console/v1/inbound', { onRequest: deps.onRequest, bodyLimit: BODY_LIMIT }, async (req, reply) => {
    if (!parseInput(inboundQuery, req.query, reply, 'query')) return reply;
    const body = parseInput(inboundBody, req.body, reply, 'body', { tooLarge: ['text'] });
    if (!body) return reply;
    const sink = deps.sink();
    if (!sink) return refuseNotReceiving(reply);
    const msgId = body.msgId ?? randomUUID();
    const result = await sink(toInbound(body, msgId));
    return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
  });
}
