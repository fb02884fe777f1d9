/**
 * `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → the core's
 * InboundMessage, stored (`await sink(msg)`) and shown in the chat as the person's message before the answer
 * `202 {msgId}`; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`, not shown again). A
 * refused request stores nothing.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { InboundMessage } from '../../core/message.js';
import type { requireToken } from '../../http/access.js';
import { readInput } from '../../http/validate.js';
import type { InboundSink } from '../port.js';
import { notReceiving } from './errors.js';
import type { ConsoleChat } from './outbound.js';
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
 * null, a `msgId` made up when none is given; an accepted message is added to `chat` as the person's.
 */
export function registerInbound(
  http: FastifyInstance,
  deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; sink: () => InboundSink | null; chat: ConsoleChat },
): void {
  http.post('/console/v1/inbound', { onRequest: deps.onRequest, bodyLimit: BODY_LIMIT }, async (req, reply) => {
    readInput(inboundQuery, req.query, 'query');
    const body = readInput(inboundBody, req.body, 'body', { tooLarge: ['text'] });
    const sink = deps.sink();
    if (!sink) throw notReceiving();
    const msgId = body.msgId ?? randomUUID();
    const msg = toInbound(body, msgId);
    const result = await sink(msg);
    if (result === 'accepted') await deps.chat.person(msg);
    return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
  });
}
