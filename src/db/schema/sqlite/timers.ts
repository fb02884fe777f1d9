/** Durable timers: the source of truth for every reminder, escalation and SLA check. BullMQ only wakes them. */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const timers = sqliteTable(
  'timers',
  {
    /** Domain key, e.g. `dir-17-T01-s2`: letters, digits, `-`, `_` only. */
    id: text('id').primaryKey(),
    /** Handler name, e.g. `directive.ladder`. */
    kind: text('kind').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    dueAt: integer('due_at', { mode: 'timestamp_ms' }).notNull(),
    /** Urgent timers fire during quiet hours; others wait until they end. */
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: ['pending', 'done', 'cancelled'] }).notNull().default('pending'),
    /** Bumped on every reschedule; a BullMQ job of an older version does nothing. */
    version: integer('version').notNull().default(1),
    firedAt: integer('fired_at', { mode: 'timestamp_ms' }),
    /** Fired more than a minute after it was due (Redis down, process down, quiet hours). */
    late: integer('late', { mode: 'boolean' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('timers_status_due').on(t.status, t.dueAt)],
);

export type TimerRow = typeof timers.$inferSelect;
