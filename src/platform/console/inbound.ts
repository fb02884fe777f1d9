/**
 * `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?, attachments?}` → the core's
 * InboundMessage, stored (`await sink(msg)`) and shown in the chat as the person's message (with its pictures)
 * before the answer `202 {msgId}`; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`, not
 * shown again). A refused request stores nothing.
 *
 * Pictures (files.ts) are checked before anything is stored, then stored in `console_files` in the transaction that
 * stores the inbox row (their ids are made up first, so the message can name them): a message is stored with its
 * pictures or not at all, and a duplicate stores none.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Attachment, InboundMessage } from '../../core/message.js';
import type { requireToken } from '../../http/access.js';
import { readInput } from '../../http/validate.js';
import type { InboundSink } from '../port.js';
import { notReceiving } from './errors.js';
import { asConsoleAttachments, fileRef, readAttachments, type ConsoleFiles } from './files.js';
import type { ConsoleChat } from './outbound.js';
import { BODY_LIMIT, inboundBody, inboundQuery, type InboundBody } from './parse.js';

/**
 * A checked console message as an InboundMessage: the text trimmed, a `quotedSeq` as `quotedMsgId`, the
 * stored pictures (`console_files` ids) as `{kind: 'picture', ref: 'console-file:<id>'}`. Pure.
 */
export function toInbound(body: InboundBody, msgId: string, fileIds: readonly string[] = []): InboundMessage {
  const attachments: Attachment[] = fileIds.map(fileRef);
  return {
    platform: 'console',
    platformMsgId: msgId,
    conversationId: body.conversationId,
    senderId: body.senderId,
    text: body.text.trim(),
    ...(body.quotedSeq ? { quotedMsgId: String(body.quotedSeq) } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

/**
 * Registers `POST /console/v1/inbound`: query, body and pictures checked (400/413/415 refusals), 503 while
 * `sink()` is null, a `msgId` made up when none is given; an accepted message is added to `chat` as the
 * person's, with its pictures.
 */
export function registerInbound(
  http: FastifyInstance,
  deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; sink: () => InboundSink | null; chat: ConsoleChat; files: ConsoleFiles },
): void {
  http.post('/console/v1/inbound', { onRequest: deps.onRequest, bodyLimit: BODY_LIMIT }, async (req, reply) => {
    readInput(inboundQuery, req.query, 'query');
    const body = readInput(inboundBody, req.body, 'body', { tooLarge: ['text'] });
    const pictures = readAttachments(body.attachments);
    const sink = deps.sink();
    if (!sink) throw notReceiving();
    const msgId = body.msgId ?? randomUUID();
    const fileIds = pictures.map(() => randomUUID());
    const msg = toInbound(body, msgId, fileIds);
    // the pictures and the person's chat row are stored in the inbox's transaction, only when the message is new:
    // shown exactly when it is accepted, and a repeated msgId keeps the first request's pictures
    const result = await sink(msg, async () => {
      if (pictures.length) await deps.files.store(pictures, fileIds);
      await deps.chat.person(msg, fileIds.length ? { attachments: asConsoleAttachments(pictures, fileIds) } : {});
    });
    if (result !== 'duplicate') deps.chat.notify();
    return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
  });
}
