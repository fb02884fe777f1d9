/**
 * The audit log: every state change — who, what, when, from which message (PRODUCT.md §2.5).
 * PostgreSQL copy of ../sqlite/audit.ts (same tables, names and row shapes; see ./index.ts).
 */
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

export const auditLog = pgTable(
  'audit_log',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    at: timestamptz('at').notNull(),
    /** Member id, or `system` / `roster-import`. */
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    inboundId: integer('inbound_id'),
  },
  (t) => [index('audit_subject').on(t.subject)],
);
