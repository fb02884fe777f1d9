/**
 * Recurring special tasks (`/任务 … 每天18点`, `每周一9点`): a series in SQLite plus one BullMQ job
 * scheduler per series (`tser-<instance id>-<id>`, queue `task-series-<instance id>` — see
 * src/jobs/queues.ts — cron pattern in `TIMEZONE`).
 *
 * Occurrences: the series opens its first occurrence when it is created, due at the next recurrence time
 * (e.g. `每天18点` at 09:30 → today 18:00). At each scheduler tick it opens the next occurrence, a new
 * numbered task due one period later (the next tick: tomorrow 18:00, or next week). So at every tick one
 * occurrence falls due (overdue grids reported) and the next one opens.
 *
 * Exactly once: an occurrence is keyed by (series, tick time) in SQLite, so a retried or doubly-processed
 * tick opens nothing more. SQLite is the truth for whether a series is active: a series row carries
 * `synced = false` until its scheduler has been upserted or removed; {@link TaskRecurrence.reconcile}
 * applies those changes after the unit of work that made them commits (an after-commit hook noted by
 * {@link createSeries} and by cancelling an occurrence, change.ts) and at start — so a crash between the
 * commit and the hook loses nothing. A tick of an ended series opens nothing and removes the scheduler.
 *
 * Ticks missed while Redis was down are not caught up: the series goes on at its next tick (one
 * occurrence per tick that happened). On start and whenever Redis reconnects, every active series'
 * scheduler is upserted again (idempotent: the next job id is `repeat:tser-<instance id>-<id>:<tick ms>`)
 * and schedulers of this database with no active series (e.g. left by a newer copy of a restored
 * backup) are removed.
 *
 * `TASK_RECUR_EVERY` (tests only) replaces every series' pattern with a fixed interval.
 */
import type { Job, Queue } from 'bullmq';
import type { CoreDeps } from '../../src/core/deps.js';
import { nextRecurrence, type Recurrence } from '../../src/time/recurrence.js';
import { Refusal } from '../../src/core/errors.js';
import { instanceId, type Db } from '../../src/db/client.js';
import { audit } from '../../src/db/queries/audit.js';
import { getSeries, insertSeries, markSeriesSynced, unsyncedSeries, activeSeries } from '../../src/db/queries/tasks.js';
import { cancelTimersOfKind } from '../../src/db/queries/timers.js';
import type { TaskScope, TaskSeries } from '../../src/db/schema/index.js';
import { JobQueue, type JobsConnection } from '../../src/jobs/queues.js';
import { afterCommit, runUnitOfWork } from '../../src/jobs/unit-of-work.js';
import { formatTaskNumber } from './format.js';
import { issueTask, type IssueTaskResult } from './issue.js';

const EVERY = '@every ';

/** What a series' scheduler jobs carry. */
interface OccurrenceData {
  seriesId: number;
}

/**
 * The retired timer kind that used to wake the scheduler sync right after commit (now an after-commit
 * hook, {@link syncSeriesAfterCommit}). Rows of it left pending by an older version would find no handler.
 */
const RETIRED_SYNC_KIND = 'task.series-sync';

/**
 * Cancels the pending `task.series-sync` timers an older version left (call at start, before the timers
 * start, so none of them fails with "no handler"). Safe: {@link TaskRecurrence.start} reconciles every
 * series not yet synced anyway. @returns how many were cancelled.
 */
export async function cancelRetiredSyncTimers(db: Db): Promise<number> {
  return await cancelTimersOfKind(db, RETIRED_SYNC_KIND);
}

/**
 * Notes, inside the unit of work that created or ended a series, that the job schedulers are to be
 * brought in step with SQLite once it commits ({@link TaskRecurrence.reconcile}; several changes in
 * one flush make one pass). Without `deps.taskSeries` (no recurrence worker) nothing is noted: start-up
 * reconciles. @throws Error outside a unit of work (see `afterCommit`).
 */
export function syncSeriesAfterCommit(deps: CoreDeps): void {
  if (deps.taskSeries) afterCommit(deps.taskSeries.reconcile);
}

export interface CreateSeriesInput {
  title: string;
  note?: string | null;
  recurrence: Recurrence;
  scope: TaskScope;
  issuerId: string;
  conversationId: string;
  inboundId: number;
  urgent?: boolean;
  /** Figures each grid returns with `/完成`, asked of every occurrence. */
  returnFields?: string[];
}

/**
 * Creates a series and opens its first occurrence (due at the next recurrence time), inside the caller's
 * unit of work; the scheduler is upserted right after commit ({@link syncSeriesAfterCommit}).
 * @throws Refusal from {@link issueTask} when the scope names no grid.
 * @throws Error outside a unit of work.
 */
export async function createSeries(deps: CoreDeps, input: CreateSeriesInput): Promise<{ series: TaskSeries; first: IssueTaskResult }> {
  const { db, config } = deps;
  const now = deps.now();
  const every = config.TASK_RECUR_EVERY;
  const series = await insertSeries(db, {
    title: input.title,
    note: input.note ?? null,
    scope: input.scope,
    issuerId: input.issuerId,
    issuedIn: input.conversationId,
    pattern: every ? `${EVERY}${every}` : input.recurrence.pattern,
    tz: config.TIMEZONE,
    periodMs: every ?? input.recurrence.periodMs,
    label: input.recurrence.label,
    returnFields: input.returnFields?.length ? input.returnFields : null,
    createdAt: now,
  });
  const deadline = every ? new Date(now.getTime() + every) : nextRecurrence(input.recurrence, now, config.TIMEZONE);
  const first = (await issueTask(deps, {
    title: input.title,
    note: input.note ?? null,
    deadline,
    scope: input.scope,
    issuerId: input.issuerId,
    conversationId: input.conversationId,
    inboundId: input.inboundId,
    urgent: input.urgent ?? false,
    ...(input.returnFields?.length ? { returnFields: input.returnFields } : {}),
    seriesId: series.id,
    tickAt: now.getTime(),
    }))!;
  syncSeriesAfterCommit(deps);
  await audit(db, { actorId: input.issuerId, action: 'task.series.create', subject: `series-${series.id}`, detail: { pattern: series.pattern, first: formatTaskNumber(first.task) }, inboundId: input.inboundId, at: now });
  return { series, first };
}

export interface TaskRecurrenceOptions {
  deps: CoreDeps;
  /** The app's queues ({@link JobsConnection}). */
  jobs: JobsConnection;
}

/** The `task-series` queue and worker: keeps job schedulers in step with SQLite and opens occurrences. */
export class TaskRecurrence {
  private readonly jobs: JobQueue<OccurrenceData>;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TaskRecurrenceOptions) {
    this.jobs = new JobQueue<OccurrenceData>(opts.jobs, 'taskSeries', instanceId(opts.deps.db));
  }

  /** The BullMQ queue of this database's series (`task-series-<instance id>`). */
  get queue(): Queue {
    return this.jobs.queue;
  }

  /** Starts the worker and re-applies every active series' scheduler (idempotent); again whenever Redis reconnects. */
  async start(): Promise<void> {
    const { log } = this.opts.jobs;
    await this.jobs.start((job) => this.process(job), {
      concurrency: 1,
      onFailed: (job, err) => log.error({ series: job?.data?.seriesId, err: err.message }, 'task occurrence failed'),
    });
    this.jobs.onReconnect(this.onReady);
    await this.reapplyAll();
  }

  /**
   * Re-applies every active series' scheduler (start-up, Redis back after losing keys) and pending
   * changes, and removes this database's schedulers of series that are not active (listed before the
   * series are read: a scheduler is only ever upserted after its series committed).
   */
  private async reapplyAll(): Promise<void> {
    const schedulers = (await this.queue.getJobSchedulers(0, -1)).map((j) => j.key).filter((k) => k.startsWith(this.jobs.idPrefix));
    const active = await activeSeries(this.opts.deps.db);
    const keep = new Set(active.map((s) => this.schedulerId(s.id)));
    for (const key of schedulers) if (!keep.has(key)) await this.queue.removeJobScheduler(key);
    for (const s of active) await this.apply(s);
    await this.reconcile();
  }

  /** The job scheduler id of a series: `tser-<instance id>-<series id>`. */
  private schedulerId(seriesId: number): string {
    return this.jobs.jobId(seriesId);
  }

  private onReady = () => void this.reapplyAll().catch((err) => this.opts.jobs.log.warn({ err: String(err) }, 'task-series: re-apply failed'));

  /**
   * Upserts or removes the schedulers of series changed since the last call. A bound property (one
   * identity for the app's life), so noted as an after-commit hook several times in one flush it runs
   * once. Passes are serialised: each starts after the previous one.
   */
  readonly reconcile = (): Promise<void> => {
    const next = this.reconciling.then(() => this.reconcileOnce());
    this.reconciling = next.catch(() => {});
    return next;
  };

  private async reconcileOnce(): Promise<void> {
    for (const s of await unsyncedSeries(this.opts.deps.db)) {
      await this.apply(s);
      await markSeriesSynced(this.opts.deps.db, s.id, s.status);
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

  /** One scheduler tick: opens the series' next occurrence in one unit of work (queued after commit). */
  private async process(job: Job<OccurrenceData>): Promise<void> {
    const { deps } = this.opts;
    const { db } = deps;
    // scheduler job ids are `repeat:<scheduler id>:<tick ms>`: one job, hence one occurrence, per tick
    const tick = Number(String(job.id).split(':').pop());
    if (!Number.isFinite(tick)) throw new Error(`unexpected task-series job id ${job.id}`);
    const opened = await runUnitOfWork(deps, async () => {
      const s = await getSeries(db, job.data.seriesId);
      if (!s || s.status !== 'active') return 'ended' as const;
      let r: IssueTaskResult | null;
      try {
        r = await issueTask(deps, {
        title: s.title,
        note: s.note,
        deadline: new Date(tick + s.periodMs),
        scope: s.scope,
        issuerId: s.issuerId,
        conversationId: s.issuedIn,
        ...(s.returnFields?.length ? { returnFields: s.returnFields } : {}),
        seriesId: s.id,
        tickAt: tick,
        });
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        this.opts.jobs.log.warn({ series: s.id, err: err.message }, 'task occurrence not opened');
        return 'repeat' as const;
      }
      if (r) await audit(db, { actorId: 'system', action: 'task.series.occurrence', subject: formatTaskNumber(r.task), detail: { seriesId: s.id, tick }, at: deps.now() });
      return r ? ('opened' as const) : ('repeat' as const);
    });
    if (opened === 'ended') await this.queue.removeJobScheduler(this.schedulerId(job.data.seriesId));
  }

  /** Stops the worker (an occurrence in hand finishes) and closes the queue; schedulers stay in Redis. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
