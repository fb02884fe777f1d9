/**
 * The console platform (PRODUCT.md §3): the embedded default. gridrelay holds the chats itself and serves
 * them over HTTP, so a person or a test can play any member in any group.
 *
 * - `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → `202 {msgId}` once
 *   stored; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`). `quotedSeq` makes it a
 *   quoted reply to the bot's message with that `seq`.
 * - `GET /console/v1/outbound?conversationId=&after=<seq>` → `{messages:[{seq, conversationId, text,
 *   markdown?, mentions?, sentAt}]}` in `seq` order, at most 1,000 per page.
 *
 * Input is checked (src/http/validate.ts): ids are 1–128 printable characters, `text` at most 4,000
 * characters (413 `text_too_long`), no unknown fields or parameters, `after` a non-negative integer;
 * a refusal is 4xx `{error, reason}` and stores nothing. With `CONSOLE_TOKEN` every route needs the
 * token (`Authorization: Bearer` or `?token=`), else 401.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { appendConsoleMessage, consoleMessagesAfter } from '../../db/queries/console.js';
import type { OutboundMessage } from '../../core/message.js';
import type { AdapterHealth, InboundSink, PlatformAdapter, SendReceipt } from '../port.js';
import { requireToken } from '../../http/access.js';
import { identifier, nonNegativeInt, parseInput, querySchema, refuse } from '../../http/validate.js';

const PAGE = 1000;

/** Longest `text` accepted (characters); longer → 413 `text_too_long`. */
export const CONSOLE_TEXT_MAX = 4000;
/** Longest request body accepted (bytes); longer → 413 `body_too_large`. */
const BODY_LIMIT = 64 * 1024;

/** Control characters a chat text may not hold (tab, newline and carriage return are fine), and lone surrogates. */
const BAD_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\p{Cs}/u;

const inboundBody = z.strictObject({
  conversationId: identifier('conversationId'),
  senderId: identifier('senderId'),
  text: z
    .string({ error: (iss) => (iss.input === undefined ? 'text is required' : 'text must be a string') })
    .max(CONSOLE_TEXT_MAX, `text is longer than ${CONSOLE_TEXT_MAX.toLocaleString('en')} characters`)
    .refine((t) => !BAD_TEXT.test(t), 'text holds control characters or broken unicode'),
  msgId: identifier('msgId').optional(),
  /** A quoted reply: the `seq` of the bot's message being quoted (e.g. the directive to acknowledge). */
  quotedSeq: z
    .number({ error: 'quotedSeq must be a seq (a number) from /console/v1/outbound' })
    .int('quotedSeq must be a seq from /console/v1/outbound')
    .positive('quotedSeq must be a seq from /console/v1/outbound')
    .max(Number.MAX_SAFE_INTEGER)
    .optional(),
});

const inboundQuery = querySchema({});

const outboundQuery = querySchema({
  conversationId: identifier('conversationId').optional(),
  after: nonNegativeInt('after').optional(),
});

export interface ConsoleOptions {
  /** `CONSOLE_TOKEN`: set → every `/console/` request must carry it (src/http/access.ts). */
  token?: string;
}

export class ConsoleAdapter implements PlatformAdapter {
  readonly name = 'console' as const;
  private sink: InboundSink | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: ConsoleOptions = {},
  ) {}

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  /** Appends the message to the conversation; idempotent per outbox id (a resend is not shown twice). */
  async send(message: OutboundMessage): Promise<SendReceipt> {
    const seq = appendConsoleMessage(this.db, {
      outboxId: message.id,
      conversationId: message.conversationId,
      text: message.text,
      markdown: message.markdown ?? null,
      mentions: message.mentions?.length ? message.mentions : null,
      sentAt: new Date(),
    });
    return { platformRef: String(seq ?? '') };
  }

  async stop(): Promise<void> {
    this.sink = null;
  }

  health(): AdapterHealth {
    return { ok: true, state: this.sink ? 'receiving' : 'stopped' };
  }

  routes(http: FastifyInstance): void {
    const onRequest = this.opts.token ? [requireToken(this.opts.token, 'CONSOLE_TOKEN')] : [];
    http.post('/console/v1/inbound', { onRequest, bodyLimit: BODY_LIMIT }, async (req, reply) => {
      if (!parseInput(inboundQuery, req.query, reply, 'query')) return reply;
      const body = parseInput(inboundBody, req.body, reply, 'body', { tooLarge: ['text'] });
      if (!body) return reply;
      if (!this.sink) return refuse(reply, 503, 'not_receiving', 'not receiving (starting or stopping)');
      const msgId = body.msgId ?? randomUUID();
      const text = body.text.trim();
      const result = await this.sink({
        platform: 'console',
        platformMsgId: msgId,
        conversationId: body.conversationId,
        senderId: body.senderId,
        text,
        ...(body.quotedSeq ? { quotedMsgId: String(body.quotedSeq) } : {}),
      });
      return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
    });

    http.get('/console/v1/outbound', { onRequest }, async (req, reply) => {
      const q = parseInput(outboundQuery, req.query, reply, 'query');
      if (!q) return reply;
      const after = q.after ?? 0;
      const rows = consoleMessagesAfter(this.db, after, PAGE, q.conversationId);
      return {
        messages: rows.map((r) => ({
          seq: r.seq,
          conversationId: r.conversationId,
          text: r.text,
          ...(r.markdown ? { markdown: r.markdown } : {}),
          ...(r.mentions ? { mentions: r.mentions } : {}),
          sentAt: r.sentAt.toISOString(),
        })),
      };
    });
  }
}
