/** Messages in and out: the inbox (dedup by platform message id), the outbox, and the console's chats. */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { OutboundAction } from '../../../core/message.js';

export const inboundMessages = sqliteTable(
  'inbound_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').notNull(),
    /** The platform's message id; unique per platform, so a redelivery is recognised. */
    platformMsgId: text('platform_msg_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    senderId: text('sender_id').notNull(),
    text: text('text').notNull(),
    /** JSON: attachments, reply context and other adapter-neutral extras. */
    extra: text('extra', { mode: 'json' }).$type<Record<string, unknown>>(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    status: text('status', { enum: ['received', 'processed', 'failed'] }).notNull().default('received'),
    processedAt: integer('processed_at', { mode: 'timestamp_ms' }),
    error: text('error'),
  },
  (t) => [uniqueIndex('inbound_platform_msg').on(t.platform, t.platformMsgId), index('inbound_status').on(t.status)],
);

export const outboundMessages = sqliteTable(
  'outbound_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    conversationId: text('conversation_id').notNull(),
    text: text('text').notNull(),
    markdown: text('markdown'),
    /** JSON array of member ids to @-mention. */
    mentions: text('mentions', { mode: 'json' }).$type<string[]>(),
    /** JSON array of adapter-neutral actions (e.g. an acknowledgement button), see OutboundAction. */
    actions: text('actions', { mode: 'json' }).$type<OutboundAction[]>(),
    /** Domain idempotency key, e.g. `dir-17-relay-<conversation>`; a second message with it is not stored. */
    dedupKey: text('dedup_key').unique(),
    /** The inbound message this answers, if any (lets DingTalk use the session webhook). */
    replyToInboundId: integer('reply_to_inbound_id'),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * When the last platform call for this message started (kept afterwards: `sent_at − sending_at` is
     * how long the successful call took). A `pending` row with it set had a call that did not complete
     * — a crash, a timeout, a refusal — so it was possibly delivered already; it is sent again
     * (at-least-once for the message in flight).
     */
    sendingAt: integer('sending_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
    /** Conversation told when this message fails for good (the issuer's group of a relay). */
    notifyOnFail: text('notify_on_fail'),
    /** Whether that conversation has been told. */
    failureReported: integer('failure_reported', { mode: 'boolean' }).notNull().default(false),
    /** What the platform returned for the send (e.g. DingTalk processQueryKey). */
    platformRef: text('platform_ref'),
    error: text('error'),
  },
  (t) => [index('outbound_status').on(t.status), index('outbound_conversation').on(t.conversationId)],
);

/** The console platform's chats: what the bot has posted, in `seq` order (PRODUCT.md §3). */
export const consoleMessages = sqliteTable(
  'console_messages',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** The outbox row delivered; unique, so a resend after a crash is never shown twice. */
    outboxId: integer('outbox_id').notNull().unique(),
    conversationId: text('conversation_id').notNull(),
    text: text('text').notNull(),
    markdown: text('markdown'),
    mentions: text('mentions', { mode: 'json' }).$type<string[]>(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('console_conversation').on(t.conversationId, t.seq)],
);

export type InboundRow = typeof inboundMessages.$inferSelect;
export type OutboundRow = typeof outboundMessages.$inferSelect;
