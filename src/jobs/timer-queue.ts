/**
 * Timers: reminders, escalations and SLA checks that must fire once — never twice, never lost.
 *
 * SQLite's `timers` table is the truth (src/db/queries/timers.ts); BullMQ delayed jobs only wake them:
 * queue `timers-<instance id>`, job id `tm-<instance id>-<timer id>-v<version>` (see ./queues.ts), so a
 * second database on the same `QUEUE_PREFIX` never collides with this one's timers. A handler runs
 * inside a unit of work (./unit-of-work.ts) whose transaction first checks the timer is still pending
 * at the same version and marks it done, so two workers, a restart or a stale job can never fire it
 * twice; what the handler stores is queued after commit.
 * On start and whenever Redis comes back, BullMQ is reconciled with SQLite ({@link Timers.resync}): a
 * job with no pending row at its version is removed, a job due at another time than its row is
 * replaced, and every pending timer is queued (BullMQ ignores ids it already holds) — so a timer due
 * while Redis was down fires when it is back, marked late, and a restored backup fires on its own times.
 * Non-urgent timers falling in quiet hours are delayed until the quiet hours end.
 *
 * A kind of timer is declared with `defineTimer` (./timers.ts) and registered here with
 * {@link Timers.register}.
 */
import { DelayedError, type Job } from 'bullmq';
import { instanceId, lockForTransaction, type Db } from '../db/client.js';
import { getTimer, insertTimer, markTimerFired, moveTimer, pendingTimers, resetTimer } from '../db/queries/timers.js';
import type { TimerRow } from '../db/schema/index.js';
import { quietUntil, type QuietHours } from '../time/quiet.js';
import { JobQueue, WAITING_STATES, listOwnJobs, type JobsConnection } from './queues.js';
import { CommitBuffer, commitUnit } from './unit-of-work.js';
import { errorFields } from '../core/errors.js';
import type { Fired, Timer, TimerDef, TimerDeps } from './timers.js';

/** What {@link Timers} works with: the database, the queues, quiet hours in `timeZone`, the app's clock. */
export interface TimersOptions {
  db: Db;
  /** The app's queues ({@link JobsConnection}). */
  jobs: JobsConnection;
  quietHours: QuietHours | null;
  timeZone: string;
  now: () => Date;
  /** Called after a handler's unit of work commits: flushes it (`flushCommitted`) and anything else after a fire. */
  afterFire?: () => Promise<void>;
}

/** Fired this long (ms) after due counts as late. */
export const LATE_AFTER_MS = 60_000;
/** A queued job due this far (ms) from when its row says is left alone by reconciliation. */
const DUE_TOLERANCE_MS = 1000;

/** What {@link Timers.resync} did. */
export interface TimerResync {
  /** Pending timers (all queued). */
  pending: number;
  /** Jobs removed: no pending row at their version (fired, cancelled, moved, or unknown to this database). */
  removed: number;
  /** Jobs replaced: due at another time than their row (e.g. left by a newer copy of a restored backup), or failed for good. */
  replaced: number;
}

/** What a timer's wake-up job carries. */
interface WakeData {
  timerId: string;
  version: number;
}

/** Checks a timer id: BullMQ job ids may not contain `:`; we allow letters, digits, `-` and `_`. @throws Error on a bad id. */
function checkId(id: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`bad timer id "${id}": use letters, digits, - and _ only`);
}

/** A new or moved timer: id, kind, due time, data; urgency when given. */
type TimerSpec = { id: string; kind: string; dueAt: Date; data?: Record<string, unknown>; urgent?: boolean };

/**
 * A stored timer as its handler sees it, `data` typed as the kind's own.
 * @internal for {@link Timers.register} and the handles of `defineTimer` (./timers.ts)
 */
export const typed = <Data>(row: TimerRow): Timer<Data> => ({
  id: row.id,
  kind: row.kind,
  version: row.version,
  // the one place data is typed: it was stored by this kind's schedule() from a `Data`
  data: row.data as Data,
  dueAt: row.dueAt,
  urgent: row.urgent,
});

/**
 * This database's timers: stores and moves their rows (for the handles of `defineTimer`), queues their
 * BullMQ wake-ups after commit, reconciles the queue with the rows ({@link Timers.resync}) and runs the
 * worker that fires each timer exactly once.
 */
export class Timers {
  private readonly jobs: JobQueue<WakeData>;
  private handlers = new Map<string, (db: Db, timer: TimerRow, fired: Fired) => void | Promise<void>>();
  /** The kinds whose handlers take over the timers due with them (`defineTimer`'s `bundles`): fired one at a time. */
  private bundling = new Set<string>();
  private unflushed = new CommitBuffer<TimerRow>();

  constructor(private readonly opts: TimersOptions) {
    this.jobs = new JobQueue<WakeData>(opts.jobs, 'timers', instanceId(opts.db));
  }

  /** The BullMQ queue of this database's timers. */
  get queue() {
    return this.jobs.queue;
  }

  /** The app's database (the connection every transaction runs on). */
  get db(): Db {
    return this.opts.db;
  }

  /**
   * Registers typed timer kinds (`defineTimer`); each handler will get `deps` with `db` the firing
   * transaction's.
   * @throws Error when a kind already has a handler
   */
  register<D extends TimerDeps>(deps: D, ...defs: TimerDef<any, D>[]): void {
    for (const def of defs) {
      if (this.handlers.has(def.kind)) throw new Error(`timer kind ${def.kind} registered twice`);
      this.handlers.set(def.kind, (db, row, fired) => def.handler({ ...deps, db }, typed(row), fired));
      if (def.bundles) this.bundling.add(def.kind);
    }
  }

  /**
   * @internal for the handles of `defineTimer` (`schedule`): creates a timer, or moves a pending one
   * with the same id to `dueAt` (bumping its version); a timer that already fired or was cancelled stays
   * as it is. Synchronous; queued by {@link flush} after commit.
   * @returns true if the timer is now pending at `dueAt`
   * @throws Error on a bad id (see `checkId`)
   */
  async scheduleRow(db: Db, t: TimerSpec): Promise<boolean> {
    checkId(t.id);
    const existing = await getTimer(db, t.id);
    if (existing && existing.status !== 'pending') return false;
    const row = existing
      ? await moveTimer(db, t.id, existing.version + 1, { dueAt: t.dueAt, data: t.data ?? existing.data, urgent: t.urgent ?? existing.urgent })
      : await insertTimer(db, { id: t.id, kind: t.kind, data: t.data ?? {}, dueAt: t.dueAt, urgent: t.urgent ?? false, createdAt: this.opts.now() });
    if (row) this.unflushed.add(row);
    return true;
  }

  /**
   * @internal for the handles of `defineTimer` (`rearm`): like {@link scheduleRow}, but also re-arms
   * a timer that already fired or was cancelled (a new version), for recurring checks under one id.
   */
  async rearmRow(db: Db, t: TimerSpec): Promise<void> {
    checkId(t.id);
    await resetTimer(db, t.id);
    await this.scheduleRow(db, t);
  }

  /** Queues BullMQ wake-ups for timers scheduled since the last flush (called after commit by the unit of work's `flushCommitted`). */
  async flush(): Promise<void> {
    const rows = this.unflushed.take();
    await this.enqueue(rows);
  }

  private jobId(t: Pick<TimerRow, 'id' | 'version'>): string {
    return this.jobs.jobId(t.id, `v${t.version}`);
  }

  /**
   * Reconciles BullMQ with SQLite (start-up, Redis back): among this database's waiting, delayed and
   * failed timer jobs, removes those with no pending row at their version and replaces those due at
   * another time than their row says (more than 1 s off; a non-urgent timer held for quiet hours
   * counts as due when they end), then queues every pending timer. Running jobs are left alone, and so
   * are other databases' jobs. Safe while other processes on the same database run: jobs are listed
   * before rows are read, and a job is only ever added after its row committed.
   */
  async resync(): Promise<TimerResync> {
    const now = Date.now();
    const jobs = await listOwnJobs<WakeData>(this.queue, this.jobs.idPrefix, [...WAITING_STATES, 'failed']);
    const rows = await pendingTimers(this.opts.db);
    const byId = new Map(rows.map((r) => [r.id, r]));
    let removed = 0;
    let replaced = 0;
    for (const job of jobs) {
      const row = byId.get(job.data?.timerId);
      const live = row && row.version === job.data.version && row.kind === job.name && job.id === this.jobId(row);
      if (live && job.state !== 'failed' && this.onTime(job.dueAt ?? now, this.wakeAt(row, now), now)) continue;
      if ((await this.queue.remove(job.id)) !== 1) continue; // it started running meanwhile
      if (live) replaced++;
      else removed++;
    }
    if (removed || replaced) this.opts.jobs.log.info({ removed, replaced }, 'timers: reconciled queued jobs with the database');
    await this.enqueue(rows);
    return { pending: rows.length, removed, replaced };
  }

  /** Whether a job due at `due` wakes its timer on time: at `target`, or (target already past) by now. */
  private onTime(due: number, target: number, now: number): boolean {
    return target <= now ? due <= now + DUE_TOLERANCE_MS : Math.abs(due - target) <= DUE_TOLERANCE_MS;
  }

  /** When the job of pending timer `t` should wake (epoch ms), seen at `now`: its due time, or the end of quiet hours for a non-urgent one already due. */
  private wakeAt(t: TimerRow, now: number): number {
    const due = t.dueAt.getTime();
    if (due > now || t.urgent) return due;
    return quietUntil(new Date(now), this.opts.quietHours, this.opts.timeZone)?.getTime() ?? now;
  }

  private async enqueue(rows: TimerRow[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < rows.length; i += 500) {
      await this.queue.addBulk(
        rows.slice(i, i + 500).map((t) => ({
          name: t.kind,
          data: { timerId: t.id, version: t.version } satisfies WakeData,
          opts: { jobId: this.jobId(t), delay: Math.max(0, t.dueAt.getTime() - now), attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
        })),
      );
    }
  }

  /** Starts the worker and re-queues pending timers; re-queues again whenever Redis reconnects. */
  async start(concurrency = 4): Promise<void> {
    const { log } = this.opts.jobs;
    await this.jobs.start((job, token) => this.process(job, token), {
      concurrency,
      lock: { durationMs: 10_000, stalledIntervalMs: 5_000 },
      onFailed: (job, err) => log.error({ timer: job?.data.timerId, ...errorFields(err) }, 'timer handler failed'),
    });
    this.jobs.onReconnect(() => void this.resync().catch((err) => log.warn({ ...errorFields(err) }, 'timers: resync failed')));
    await this.resync();
  }

  private async process(job: Job<WakeData>, token?: string): Promise<void> {
    const { db } = this.opts;
    const { log } = this.opts.jobs;
    const peek = await getTimer(db, job.data.timerId);
    if (!peek || peek.status !== 'pending' || peek.version !== job.data.version) return;
    const now = this.opts.now();
    const wakeAt = peek.dueAt.getTime() > now.getTime() + 20 ? peek.dueAt : peek.urgent ? null : quietUntil(now, this.opts.quietHours, this.opts.timeZone);
    if (wakeAt) {
      await job.moveToDelayed(wakeAt.getTime(), token);
      throw new DelayedError();
    }
    const handler = this.handlers.get(peek.kind);
    if (!handler) throw new Error(`no handler for timer kind ${peek.kind}`);
    const fired = await commitUnit({ db }, async () => {
      // before the timer's own row: a bundling handler takes over the rows of the others due with it
      if (this.bundling.has(peek.kind)) await lockForTransaction(db, `timers:${peek.kind}`);
      const t = await getTimer(db, job.data.timerId);
      if (!t || t.status !== 'pending' || t.version !== job.data.version) return false;
      const late = now.getTime() - t.dueAt.getTime() > LATE_AFTER_MS;
      await markTimerFired(db, t.id, now, late);
      await handler(db, t, { at: now, late });
      return true;
    });
    if (fired) {
      log.debug({ timer: job.data.timerId }, 'timer fired');
      await this.opts.afterFire?.();
    }
  }

  /** Stops the worker (an in-flight handler finishes) and closes the queue. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
