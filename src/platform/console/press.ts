/**
 * `POST /console/v1/press` `{conversationId, senderId, seq, label, msgId?}` → `202 {msgId}`: `senderId` presses
 * the button `label` of the bot's message `seq` in `conversationId`. Like Slack's button
 * (src/platform/slack/inbound.ts `blockActionToInbound`), the press becomes an InboundMessage whose text is the
 * button's command (`/收到 令17`) from the presser in that group — quoting the message pressed — stored through the
 * inbox and answered like the typed command (a second press: "already acknowledged"). It is shown in the chat as
 * the person's message with `pressed: {label}`. A repeated `msgId` is one press (`202 {msgId, duplicate: true}`).
 * 404 `unknown_message` (no bot message `seq` in that group), 400 `no_such_button`; nothing stored then.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { InboundMessage, OutboundAction } from '../../core/message.js';
import type { requireToken } from '../../http/access.js';
import { HttpError, readInput } from '../../http/validate.js';
import type { InboundSink } from '../port.js';
import { notReceiving } from './errors.js';
import type { ConsoleChat } from './outbound.js';
import { BODY_LIMIT, pressBody, pressQuery, type PressBody } from './parse.js';

/** A press of `action` on the bot's message `body.seq` as an InboundMessage (the button's command, quoting it). Pure. */
export function pressToInbound(body: PressBody, action: OutboundAction, msgId: string): InboundMessage {
  return {
    platform: 'console',
    platformMsgId: msgId,
    conversationId: body.conversationId,
    senderId: body.senderId,
    text: action.command.trim(),
    quotedMsgId: String(body.seq),
  };
}

/** Registers `POST /console/v1/press` (query and body checked: 4xx refusals; 503 while `sink()` is null). */
export function registerPress(
  http: FastifyInstance,
  deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; sink: () => InboundSink | null; chat: ConsoleChat },
): void {
  http.post('/console/v1/press', { onRequest: deps.onRequest, bodyLimit: BODY_LIMIT }, async (req, reply) => {
    readInput(pressQuery, req.query, 'query');
    const body = readInput(pressBody, req.body, 'body');
    const pressed = await deps.chat.at(body.seq);
    if (!pressed || pressed.outboxId === null || pressed.conversationId !== body.conversationId) {
      throw new HttpError(404, 'unknown_message', `no message of the bot with seq ${body.seq} in this conversation`);
    }
    const action = pressed.actions?.find((a) => a.label === body.label);
    if (!action) {
      const labels = (pressed.actions ?? []).map((a) => JSON.stringify(a.label));
      throw new HttpError(400, 'no_such_button', `message ${body.seq} has no button ${JSON.stringify(body.label)}${labels.length ? ` (its buttons: ${labels.join(', ')})` : ' (it has no buttons)'}`);
    }
    const sink = deps.sink();
    if (!sink) throw notReceiving();
    const msgId = body.msgId ?? randomUUID();
    const msg = pressToInbound(body, action, msgId);
    const result = await sink(msg, async () => void (await deps.chat.person(msg, { pressed: action })));
    if (result === 'accepted') deps.chat.notify();
    return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
  });
}
