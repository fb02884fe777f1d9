/**
 * Durable timers: the source of truth for every reminder, escalation and SLA check. BullMQ only wakes them.
 * PostgreSQL copy of ../sqlite/timers.ts (same tables, names and row shapes; see ./index.ts).
 */
import { boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

export const timers = pgTable(
  'timers',
  {
    /** Domain key, e.g. `dir-17-T01-s2`: letters, digits, `-`, `_` only. */
    id: text('id').primaryKey(),
    /** Handler name, e.g. `directive.ladder`. */
    kind: text('kind').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    dueAt: timestamptz('due_at').notNull(),
    /** Urgent timers fire during quiet hours; others wait until they end. */
    urgent: boolean('urgent').notNull().default(false),
    status: text('status', { enum: ['pending', 'done', 'cancelled'] }).notNull().default('pending'),
    /** Bumped on every reschedule; a BullMQ job of an older version does nothing. */
    version: integer('version').notNull().default(1),
    firedAt: timestamptz('fired_at'),
    /** Fired more than a minute after it was due (Redis down, process down, quiet hours). */
    late: boolean('late'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('timers_status_due').on(t.status, t.dueAt)],
);
