/** Special tasks (专项任务): numbered tasks with a deadline, their target grids, and recurring series. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** What a task or series targets, as written (`范围:`), kept so a recurring series re-resolves it each time. */
export interface TaskScope {
  /** `county` = any grids of the county; `township` = only grids of `townshipId`. */
  tier: 'county' | 'township';
  townshipId?: string;
  /** Township names, grid names or risk colours as parsed by workflows/task/scope.ts; empty = all allowed grids. */
  townshipIds?: string[];
  gridIds?: string[];
  colours?: string[];
  /** The `范围:` text as written, for display. */
  label: string;
}

export const taskSeries = sqliteTable('task_series', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  title: text('title').notNull(),
  note: text('note'),
  scope: text('scope', { mode: 'json' }).$type<TaskScope>().notNull(),
  issuerId: text('issuer_id').notNull(),
  /** Conversation the series was created in (the issuer's group: roll-ups go there). */
  issuedIn: text('issued_in').notNull(),
  /** Cron pattern in `tz`, e.g. `0 18 * * *`. */
  pattern: text('pattern').notNull(),
  tz: text('tz').notNull(),
  /** Time between occurrences (ms); an occurrence's deadline is its opening tick + this. */
  periodMs: integer('period_ms').notNull(),
  label: text('label').notNull(),
  /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`), copied to every occurrence; null = none. */
  returnFields: text('return_fields', { mode: 'json' }).$type<string[]>(),
  status: text('status', { enum: ['active', 'ended'] }).notNull().default('active'),
  /** False until the BullMQ job scheduler matches `status` (upserted or removed). */
  synced: integer('synced', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  endedAt: integer('ended_at', { mode: 'timestamp_ms' }),
});

export const tasks = sqliteTable(
  'tasks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    year: integer('year').notNull(),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    note: text('note'),
    issuerId: text('issuer_id').notNull(),
    /** The issuer's group (command group or township room): the roll-up goes there. */
    issuedIn: text('issued_in').notNull(),
    issuedAt: integer('issued_at', { mode: 'timestamp_ms' }).notNull(),
    deadline: integer('deadline', { mode: 'timestamp_ms' }).notNull(),
    /** Bumped by every `/改期`; reminders carry it so a stale one does nothing. */
    rev: integer('rev').notNull().default(1),
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    /** Created in a drill (演练): marked 【演练】 in every message, left out of response-rate reports, the digest and exports. */
    drill: integer('drill', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: ['open', 'cancelled'] }).notNull().default('open'),
    scopeLabel: text('scope_label').notNull(),
    /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`), in the order declared; null = none. */
    returnFields: text('return_fields', { mode: 'json' }).$type<string[]>(),
    seriesId: integer('series_id'),
    /** For an occurrence of a series: the scheduler tick (ms) that opened it — one occurrence per tick. */
    tickAt: integer('tick_at'),
    sourceInboundId: integer('source_inbound_id'),
  },
  (t) => [uniqueIndex('tasks_number').on(t.year, t.number), uniqueIndex('tasks_series_tick').on(t.seriesId, t.tickAt)],
);

/** Evidence kept with a completion: attachments of the message (platform references). */
export interface TaskEvidence {
  kind: string;
  ref: string;
}

/** A grid's return: field name → whole number ≥ 0 (`{ 排查户数: 86, 返乡人数: 3 }`). */
export type TaskReturns = Record<string, number>;

/** The grids a task targets (snapshot at issue) and each one's completion. */
export const taskTargets = sqliteTable(
  'task_targets',
  {
    taskId: integer('task_id').notNull(),
    unitId: text('unit_id').notNull(),
    unitName: text('unit_name').notNull(),
    townshipId: text('township_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    doneAt: integer('done_at', { mode: 'timestamp_ms' }),
    doneBy: text('done_by'),
    late: integer('late', { mode: 'boolean' }),
    doneNote: text('done_note'),
    evidence: text('evidence', { mode: 'json' }).$type<TaskEvidence[]>(),
    doneInboundId: integer('done_inbound_id'),
    /**
     * The grid's figures for the task's return fields (whole numbers ≥ 0, by field name). Filled as the
     * grid sends them: while some are missing the target stays not done (`done_at` null) and only the
     * figures given so far are kept; counted in sums only once done.
     */
    returns: text('returns', { mode: 'json' }).$type<TaskReturns>(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.unitId] }), index('task_targets_unit').on(t.unitId), index('task_targets_township').on(t.taskId, t.townshipId)],
);

export type Task = typeof tasks.$inferSelect;
export type TaskTarget = typeof taskTargets.$inferSelect;
export type TaskSeries = typeof taskSeries.$inferSelect;
