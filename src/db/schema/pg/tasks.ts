/**
 * Special tasks (专项任务): numbered tasks with a deadline, their target grids, and recurring series.
 * PostgreSQL copy of ../sqlite/tasks.ts (same tables, names and row shapes; see ./index.ts).
 */
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import type { TaskEvidence, TaskReturns, TaskScope } from '../sqlite/tasks.js';

export const taskSeries = pgTable('task_series', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  title: text('title').notNull(),
  note: text('note'),
  scope: jsonb('scope').$type<TaskScope>().notNull(),
  issuerId: text('issuer_id').notNull(),
  /** Conversation the series was created in (the issuer's group: roll-ups go there). */
  issuedIn: text('issued_in').notNull(),
  /** Cron pattern in `tz`, e.g. `0 18 * * *`. */
  pattern: text('pattern').notNull(),
  tz: text('tz').notNull(),
  /** Time between occurrences (ms); an occurrence's deadline is its opening tick + this. bigint: a weekly period (604 800 000) fits in int4, but milliseconds pass 2^31 at about 24.8 days. */
  periodMs: bigint('period_ms', { mode: 'number' }).notNull(),
  label: text('label').notNull(),
  /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`), copied to every occurrence; null = none. */
  returnFields: jsonb('return_fields').$type<string[]>(),
  status: text('status', { enum: ['active', 'ended'] }).notNull().default('active'),
  /** False until the BullMQ job scheduler matches `status` (upserted or removed). */
  synced: boolean('synced').notNull().default(false),
  createdAt: timestamptz('created_at').notNull(),
  endedAt: timestamptz('ended_at'),
});

export const tasks = pgTable(
  'tasks',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    year: integer('year').notNull(),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    note: text('note'),
    issuerId: text('issuer_id').notNull(),
    /** The issuer's group (command group or township room): the roll-up goes there. */
    issuedIn: text('issued_in').notNull(),
    issuedAt: timestamptz('issued_at').notNull(),
    deadline: timestamptz('deadline').notNull(),
    /** Bumped by every `/改期`; reminders carry it so a stale one does nothing. */
    rev: integer('rev').notNull().default(1),
    urgent: boolean('urgent').notNull().default(false),
    /** Created in a drill (演练): marked 【演练】 in every message, left out of response-rate reports, the digest and exports. */
    drill: boolean('drill').notNull().default(false),
    status: text('status', { enum: ['open', 'cancelled'] }).notNull().default('open'),
    scopeLabel: text('scope_label').notNull(),
    /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`), in the order declared; null = none. */
    returnFields: jsonb('return_fields').$type<string[]>(),
    seriesId: integer('series_id'),
    /** For an occurrence of a series: the scheduler tick (epoch ms, a plain number as on SQLite) that opened it — one occurrence per tick. bigint: epoch ms pass 2^31. */
    tickAt: bigint('tick_at', { mode: 'number' }),
    sourceInboundId: integer('source_inbound_id'),
  },
  (t) => [uniqueIndex('tasks_number').on(t.year, t.number), uniqueIndex('tasks_series_tick').on(t.seriesId, t.tickAt)],
);

/** The grids a task targets (snapshot at issue) and each one's completion. */
export const taskTargets = pgTable(
  'task_targets',
  {
    taskId: integer('task_id').notNull(),
    unitId: text('unit_id').notNull(),
    unitName: text('unit_name').notNull(),
    townshipId: text('township_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    doneAt: timestamptz('done_at'),
    doneBy: text('done_by'),
    late: boolean('late'),
    doneNote: text('done_note'),
    evidence: jsonb('evidence').$type<TaskEvidence[]>(),
    doneInboundId: integer('done_inbound_id'),
    /**
     * The grid's figures for the task's return fields (whole numbers ≥ 0, by field name). Filled as the
     * grid sends them: while some are missing the target stays not done (`done_at` null) and only the
     * figures given so far are kept; counted in sums only once done.
     */
    returns: jsonb('returns').$type<TaskReturns>(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.unitId] }), index('task_targets_unit').on(t.unitId), index('task_targets_township').on(t.taskId, t.townshipId)],
);
