/**
 * The console platform (PRODUCT.md §3): the embedded default. gridrelay holds the chats itself and serves
 * them over HTTP, so a person or a test can play any member in any group.
 *
 * - `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → `202 {msgId}` once
 *   stored; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`). `quotedSeq` makes it a
 *   quoted reply to the bot's message with that `seq`.
 * - `GET /console/v1/outbound?conversationId=&after=<seq>` → `{messages:[{seq, conversationId, text,
 *   markdown?, mentions?, sentAt}]}` in `seq` order, at most 1,000 per page.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { consoleMessages } from '../../db/schema/index.js';
import type { OutboundMessage } from '../../core/message.js';
import type { AdapterHealth, InboundSink, PlatformAdapter, SendReceipt } from '../port.js';

const PAGE = 1000;

const inboundBody = z.object({
  conversationId: z.string().min(1, 'conversationId is required'),
  senderId: z.string().min(1, 'senderId is required'),
  text: z.string().max(20_000, 'text is longer than 20,000 characters'),
  msgId: z.string().min(1).max(200).optional(),
  /** A quoted reply: the `seq` of the bot's message being quoted (e.g. the directive to acknowledge). */
  quotedSeq: z.number().int().positive('quotedSeq must be a seq from /console/v1/outbound').optional(),
});

const outboundQuery = z.object({
  conversationId: z.string().min(1).optional(),
  after: z.coerce.number().int('after must be an integer seq').min(0).default(0),
});

export class ConsoleAdapter implements PlatformAdapter {
  readonly name = 'console' as const;
  private sink: InboundSink | null = null;

  constructor(private readonly db: Db) {}

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  /** Appends the message to the conversation; idempotent per outbox id (a resend is not shown twice). */
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.db
      .insert(consoleMessages)
      .values({
        outboxId: message.id,
        conversationId: message.conversationId,
        text: message.text,
        markdown: message.markdown ?? null,
        mentions: message.mentions?.length ? message.mentions : null,
        sentAt: new Date(),
      })
      .onConflictDoNothing()
      .run();
    const row = this.db.select({ seq: consoleMessages.seq }).from(consoleMessages).where(eq(consoleMessages.outboxId, message.id)).get();
    return { platformRef: String(row?.seq ?? '') };
  }

  async stop(): Promise<void> {
    this.sink = null;
  }

  health(): AdapterHealth {
    return { ok: true, state: this.sink ? 'receiving' : 'stopped' };
  }

  routes(http: FastifyInstance): void {
    http.post('/console/v1/inbound', async (req, reply) => {
      const body = inboundBody.safeParse(req.body);
      if (!body.success) return reply.code(400).send({ error: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      if (!this.sink) return reply.code(503).send({ error: 'not receiving (starting or stopping)' });
      const msgId = body.data.msgId ?? randomUUID();
      const text = body.data.text.trim();
      const result = await this.sink({
        platform: 'console',
        platformMsgId: msgId,
        conversationId: body.data.conversationId,
        senderId: body.data.senderId,
        text,
        ...(body.data.quotedSeq ? { quotedMsgId: String(body.data.quotedSeq) } : {}),
      });
      return reply.code(202).send(result === 'duplicate' ? { msgId, duplicate: true } : { msgId });
    });

    http.get('/console/v1/outbound', async (req, reply) => {
      const q = outboundQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send({ error: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      const where = q.data.conversationId
        ? and(gt(consoleMessages.seq, q.data.after), eq(consoleMessages.conversationId, q.data.conversationId))
        : gt(consoleMessages.seq, q.data.after);
      const rows = this.db.select().from(consoleMessages).where(where).orderBy(asc(consoleMessages.seq)).limit(PAGE).all();
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
