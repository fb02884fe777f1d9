/** Read receipts: who has read which posted message (platforms that report reads, i.e. DingTalk). */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One member who has read one outbox message; `readAt` = when a poll first saw it (not the platform's read time). */
export const readReceipts = sqliteTable(
  'read_receipts',
  {
    outboxId: integer('outbox_id').notNull(),
    memberId: text('member_id').notNull(),
    readAt: integer('read_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.outboxId, t.memberId] }), index('read_receipts_member').on(t.memberId)],
);

export type ReadReceiptRow = typeof readReceipts.$inferSelect;
