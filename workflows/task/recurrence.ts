/**
 * Recurring special tasks (`/任务 … 每天18点`, `每周一9点`): a series in SQLite plus one BullMQ job
 * scheduler per series (`tser-<instance id>-<id>`, queue `task-series-<instance id>` — see
 * src/jobs/instance.ts — cron pattern in `TIMEZONE`).
 *
 * Occurrences: the series opens its first occurrence when it is created, due at the next recurrence time
 * (e.g. `每天18点` at 09:30 → today 18:00). At each scheduler tick it opens the next occurrence, a new
 * numbered task due one period later (the next tick: tomorrow 18:00, or next week). So at every tick one
 * occurrence falls due (overdue grids reported) and the next one opens.
 *
 * Exactly once: an occurrence is keyed by (series, tick time) in SQLite, so a retried or doubly-processed
 * tick opens nothing more. SQLite is the truth for whether a series is active: a series row carries
 * `synced = false` until its scheduler has been upserted or removed; {@link TaskRecurrence.reconcile}
 * applies those changes after every timer fire (a `task.series-sync` timer is scheduled in the same
 * transaction as the change, so it runs right after commit) and at start. A tick of an ended series
 * opens nothing and removes the scheduler.
 *
 * Ticks missed while Redis was down are not caught up: the series goes on at its next tick (one
 * occurrence per tick that happened). On start and whenever Redis reconnects, every active series'
 * scheduler is upserted again (idempotent: the next job id is `repeat:tser-<instance id>-<id>:<tick ms>`)
 * and schedulers of this database with no active series (e.g. left by a newer copy of a restored
 * backup) are removed.
 *
 * `TASK_RECUR_EVERY` (tests only) replaces every series' pattern with a fixed interval.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CoreDeps } from '../../src/core/deps.js';
import { nextRecurrence, type Recurrence } from '../../src/time/recurrence.js';
import { Refusal } from '../../src/core/errors.js';
import { instanceId, writeTx } from '../../src/db/client.js';
import { audit } from '../../src/db/queries/audit.js';
import { getSeries, insertSeries, markSeriesSynced, unsyncedSeries, activeSeries } from '../../src/db/queries/tasks.js';
import type { TaskScope, TaskSeries } from '../../src/db/schema/index.js';
import { formatTaskNumber } from './format.js';
import { issueTask, type IssueTaskResult } from './issue.js';
import { queueName } from '../../src/jobs/instance.js';

export const SERIES_SYNC = 'task.series-sync';
const QUEUE = 'task-series';
const EVERY = '@every ';

export interface CreateSeriesInput {
  title: string;
  note?: string | null;
  recurrence: Recurrence;
  scope: TaskScope;
  issuerId: string;
  conversationId: string;
  inboundId: number;
  urgent?: boolean;
}

/**
 * Creates a series and opens its first occurrence (due at the next recurrence time), inside the caller's
 * transaction; the scheduler is upserted right after commit.
 * @throws Refusal from {@link issueTask} when the scope names no grid.
 */
export function createSeries(deps: CoreDeps, input: CreateSeriesInput): { series: TaskSeries; first: IssueTaskResult } {
  const { db, config } = deps;
  const now = deps.now();
  const every = config.TASK_RECUR_EVERY;
  const series = insertSeries(db, {
    title: input.title,
    note: input.note ?? null,
    scope: input.scope,
    issuerId: input.issuerId,
    issuedIn: input.conversationId,
    pattern: every ? `${EVERY}${every}` : input.recurrence.pattern,
    tz: config.TIMEZONE,
    periodMs: every ?? input.recurrence.periodMs,
    label: input.recurrence.label,
    createdAt: now,
  });
  const deadline = every ? new Date(now.getTime() + every) : nextRecurrence(input.recurrence, now, config.TIMEZONE);
  const first = issueTask(deps, {
    title: input.title,
    note: input.note ?? null,
    deadline,
    scope: input.scope,
    issuerId: input.issuerId,
    conversationId: input.conversationId,
    inboundId: input.inboundId,
    urgent: input.urgent ?? false,
    seriesId: series.id,
    tickAt: now.getTime(),
  })!;
  deps.timers.schedule(db, { id: `tser-${series.id}-sync`, kind: SERIES_SYNC, dueAt: now, urgent: true });
  audit(db, { actorId: input.issuerId, action: 'task.series.create', subject: `series-${series.id}`, detail: { pattern: series.pattern, first: formatTaskNumber(first.task) }, inboundId: input.inboundId, at: now });
  return { series, first };
}

/** Registers the no-op handler of the post-commit sync timer (the work happens in {@link TaskRecurrence.reconcile}). */
export function registerTimers(deps: CoreDeps): void {
  deps.timers.on(SERIES_SYNC, () => {});
}

export interface TaskRecurrenceOptions {
  deps: CoreDeps;
  /** A Redis connection with `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** BullMQ key prefix (`QUEUE_PREFIX`). */
  prefix: string;
  log: Logger;
}

/** The `task-series` queue and worker: keeps job schedulers in step with SQLite and opens occurrences. */
export class TaskRecurrence {
  readonly queue: Queue;
  private worker: Worker | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  /** `tser-<instance id>-`: every scheduler id of this database starts with it. */
  private readonly idPrefix: string;

  constructor(private readonly opts: TaskRecurrenceOptions) {
    const instance = instanceId(opts.deps.db);
    this.idPrefix = `tser-${instance}-`;
    this.queue = new Queue(queueName(QUEUE, instance), { connection: opts.connection, prefix: opts.prefix });
    this.queue.on('error', (err) => opts.log.warn({ err: err.message }, 'task-series queue error'));
  }

  /** Starts the worker and re-applies every active series' scheduler (idempotent). */
  async start(): Promise<void> {
    const { connection, prefix, log } = this.opts;
    this.worker = new Worker(this.queue.name, (job) => this.process(job), { connection, prefix, concurrency: 1 });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'task-series worker error'));
    this.worker.on('failed', (job, err) => log.error({ series: job?.data?.seriesId, err: err.message }, 'task occurrence failed'));
    await this.worker.waitUntilReady(); // a stop right after start must not race the worker's start-up
    connection.on('ready', this.onReady);
    await this.reapplyAll();
  }

  /**
   * Re-applies every active series' scheduler (start-up, Redis back after losing keys) and pending
   * changes, and removes this database's schedulers of series that are not active (listed before the
   * series are read: a scheduler is only ever upserted after its series committed).
   */
  private async reapplyAll(): Promise<void> {
    const schedulers = (await this.queue.getJobSchedulers(0, -1)).map((j) => j.key).filter((k) => k.startsWith(this.idPrefix));
    const active = activeSeries(this.opts.deps.db);
    const keep = new Set(active.map((s) => this.schedulerId(s.id)));
    for (const key of schedulers) if (!keep.has(key)) await this.queue.removeJobScheduler(key);
    for (const s of active) await this.apply(s);
    await this.reconcile();
  }

  private schedulerId(seriesId: number): string {
    return `${this.idPrefix}${seriesId}`;
  }

  private onReady = () => void this.reapplyAll().catch((err) => this.opts.log.warn({ err: String(err) }, 'task-series: re-apply failed'));

  /** Upserts or removes the schedulers of series changed since the last call. */
  reconcile(): Promise<void> {
    // serialised: one pass at a time, each pass after the previous one
    const next = this.reconciling.then(() => this.reconcileOnce());
    this.reconciling = next.catch(() => {});
    return next;
  }

  private async reconcileOnce(): Promise<void> {
    for (const s of unsyncedSeries(this.opts.deps.db)) {
      await this.apply(s);
      markSeriesSynced(this.opts.deps.db, s.id, s.status);
    }
  }

  private async apply(s: TaskSeries): Promise<void> {
    const id = this.schedulerId(s.id);
    if (s.status !== 'active') {
      await this.queue.removeJobScheduler(id);
      return;
    }
    const repeat = s.pattern.startsWith(EVERY)
      ? { every: Number(s.pattern.slice(EVERY.length)), startDate: new Date(s.createdAt.getTime() + s.periodMs) }
      : { pattern: s.pattern, tz: s.tz };
    await this.queue.upsertJobScheduler(id, repeat, { name: 'occurrence', data: { seriesId: s.id }, opts: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 1000 } } });
  }

  private async process(job: Job<{ seriesId: number }>): Promise<void> {
    const { deps } = this.opts;
    const { db } = deps;
    // scheduler job ids are `repeat:<scheduler id>:<tick ms>`: one job, hence one occurrence, per tick
    const tick = Number(String(job.id).split(':').pop());
    if (!Number.isFinite(tick)) throw new Error(`unexpected task-series job id ${job.id}`);
    const opened = writeTx(db, () => {
      const s = getSeries(db, job.data.seriesId);
      if (!s || s.status !== 'active') return 'ended' as const;
      let r: IssueTaskResult | null;
      try {
        r = issueTask(deps, {
        title: s.title,
        note: s.note,
        deadline: new Date(tick + s.periodMs),
        scope: s.scope,
        issuerId: s.issuerId,
        conversationId: s.issuedIn,
        seriesId: s.id,
        tickAt: tick,
        });
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        this.opts.log.warn({ series: s.id, err: err.message }, 'task occurrence not opened');
        return 'repeat' as const;
      }
      if (r) audit(db, { actorId: 'system', action: 'task.series.occurrence', subject: formatTaskNumber(r.task), detail: { seriesId: s.id, tick }, at: deps.now() });
      return r ? ('opened' as const) : ('repeat' as const);
    });
    if (opened === 'ended') {
      await this.queue.removeJobScheduler(this.schedulerId(job.data.seriesId));
      return;
    }
    await deps.outbox.flush();
    await deps.timers.flush();
  }

  /** Stops the worker (an occurrence in hand finishes) and closes the queue; schedulers stay in Redis. */
  async close(): Promise<void> {
    this.opts.connection.off('ready', this.onReady);
    await this.worker?.close();
    await this.queue.close();
  }
}
