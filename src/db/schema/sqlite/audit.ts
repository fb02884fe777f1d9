/** The audit log: every state change — who, what, when, from which message (PRODUCT.md §2.5). */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** Member id, or `system` / `roster-import`. */
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
    inboundId: integer('inbound_id'),
  },
  (t) => [index('audit_subject').on(t.subject)],
);
