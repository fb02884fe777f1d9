/**
 * Read receipts: who has read which posted message (platforms that report reads, i.e. DingTalk).
 * PostgreSQL copy of ../sqlite/receipts.ts (same tables, names and row shapes; see ./index.ts).
 */
import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/** One member who has read one outbox message; `readAt` = when a poll first saw it (not the platform's read time). */
export const readReceipts = pgTable(
  'read_receipts',
  {
    outboxId: integer('outbox_id').notNull(),
    memberId: text('member_id').notNull(),
    readAt: timestamptz('read_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.outboxId, t.memberId] }), index('read_receipts_member').on(t.memberId)],
);
