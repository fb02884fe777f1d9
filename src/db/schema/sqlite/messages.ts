/** Messages in and out: the inbox (dedup by platform message id), the outbox, and the console's chats. */
import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { OutboundAction, OutboxExtra } from '../../../core/message.js';

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
    /**
     * JSON array of adapter-neutral actions (e.g. an acknowledgement button), see OutboundAction, followed by the
     * message's attachments (kind `picture`/`file`; see OutboxExtra, splitOutboxExtra).
     */
    actions: text('actions', { mode: 'json' }).$type<OutboxExtra[]>(),
    /** Domain idempotency key, e.g. `dir-17-relay-<conversation>`; a second message with it is not stored. */
    dedupKey: text('dedup_key').unique(),
    /**
     * Priority lane under the app's send rate (src/core/outbox.ts OUTBOX_LANES): 1 a reply to a person's message,
     * 2 urgent (urgent leads and directives), 3 relays and reminders (the default), 4 digests. Lower goes first.
     */
    lane: integer('lane').notNull().default(3),
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

/** A file attached to a console message, as the chat stores it: the bytes are in `console_files`. */
export interface ConsoleAttachment {
  /** `console_files.id`; served at `GET /console/v1/files/<id>`. */
  fileId: string;
  name: string;
  contentType: string;
}

/**
 * The console platform's chats, in `seq` order (PRODUCT.md §3): what the bot has posted (`outbox_id` set,
 * `sender_id` null) and what people said (`inbound_id` and `sender_id` set).
 */
export const consoleMessages = sqliteTable(
  'console_messages',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** The outbox row delivered (bot messages); unique, so a resend after a crash is never shown twice. */
    outboxId: integer('outbox_id').unique(),
    /** The inbox row (people's messages); unique, so a repeated msgId is shown once. */
    inboundId: integer('inbound_id').unique(),
    /** The member who said it; null for the bot. */
    senderId: text('sender_id'),
    conversationId: text('conversation_id').notNull(),
    text: text('text').notNull(),
    markdown: text('markdown'),
    mentions: text('mentions', { mode: 'json' }).$type<string[]>(),
    /** Buttons the bot attached (the 「收到」 button). */
    actions: text('actions', { mode: 'json' }).$type<OutboundAction[]>(),
    attachments: text('attachments', { mode: 'json' }).$type<ConsoleAttachment[]>(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('console_conversation').on(t.conversationId, t.seq)],
);

/** Pictures posted through the console API (`attachments` of `POST /console/v1/inbound`), ≤ 5 MB each. */
export const consoleFiles = sqliteTable('console_files', {
  /** Random id (UUID); the file's address is `/console/v1/files/<id>`. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  contentType: text('content_type').notNull(),
  /** Size in bytes. */
  size: integer('size').notNull(),
  data: blob('data', { mode: 'buffer' }).$type<Buffer>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export type InboundRow = typeof inboundMessages.$inferSelect;
export type OutboundRow = typeof outboundMessages.$inferSelect;
