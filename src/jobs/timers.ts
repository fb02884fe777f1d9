/**
 * Timers: reminders, escalations and SLA checks that must fire once — never twice, never lost.
 *
 * SQLite's `timers` table is the truth; BullMQ delayed jobs only wake them: queue
 * `timers-<instance id>`, job id `tm-<instance id>-<timer id>-v<version>` (see ./instance.ts), so a
 * second database on the same `QUEUE_PREFIX` never collides with this one's timers. A handler runs
 * inside a write transaction that first checks the timer is still pending at the same version and marks
 * it done, so two workers, a restart or a stale job can never fire it twice.
 * On start and whenever Redis comes back, BullMQ is reconciled with SQLite ({@link Timers.resync}): a
 * job with no pending row at its version is removed, a job due at another time than its row is
 * replaced, and every pending timer is queued (BullMQ ignores ids it already holds) — so a timer due
 * while Redis was down fires when it is back, marked late, and a restored backup fires on its own times.
 * Non-urgent timers falling in quiet hours are delayed until the quiet hours end.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { and, eq, like } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { instanceId, writeTx, type Db } from '../db/client.js';
import { timers, type TimerRow } from '../db/schema/index.js';
import { quietUntil, type QuietHours } from '../time/quiet.js';
import { WAITING_STATES, listOwnJobs, queueName } from './instance.js';

/** A timer handler: runs synchronously inside the write transaction that marks the timer done. */
export type TimerHandler = (db: Db, timer: TimerRow, fired: { at: Date; late: boolean }) => void;

export interface TimersOptions {
  db: Db;
  connection: Redis;
  prefix: string;
  log: Logger;
  quietHours: QuietHours | null;
  timeZone: string;
  now: () => Date;
  /** Called after a handler's transaction commits (e.g. to queue the outbox). */
  afterFire?: () => Promise<void>;
}

/** Fired this long (ms) after due counts as late. */
export const LATE_AFTER_MS = 60_000;
const QUEUE = 'timers';
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

/** Checks a timer id: BullMQ job ids may not contain `:`; we allow letters, digits, `-` and `_`. @throws Error on a bad id. */
function checkId(id: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`bad timer id "${id}": use letters, digits, - and _ only`);
}

export class Timers {
  readonly queue: Queue;
  private worker: Worker | null = null;
  private handlers = new Map<string, TimerHandler>();
  private unflushed: TimerRow[] = [];
  private onReady = () => void this.resync().catch((err) => this.opts.log.warn({ err: String(err) }, 'timers: resync failed'));
  /** This database's instance id; in the queue name and every job id. */
  private readonly instance: string;
  private readonly idPrefix: string;

  constructor(private readonly opts: TimersOptions) {
    this.instance = instanceId(opts.db);
    this.idPrefix = `tm-${this.instance}-`;
    this.queue = new Queue(queueName(QUEUE, this.instance), { connection: opts.connection, prefix: opts.prefix });
    this.queue.on('error', (err) => opts.log.warn({ err: err.message }, 'timers queue error'));
  }

  /** Registers the handler for timers of `kind`. */
  on(kind: string, handler: TimerHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Creates a timer, or moves a pending one with the same id to `dueAt` (bumping its version).
   * A timer that already fired or was cancelled stays as it is. Synchronous; call {@link flush} after commit.
   * @param t.id domain key (letters, digits, `-`, `_`), e.g. `dir-17-T01-s1`
   * @returns true if the timer is now pending at `dueAt`.
   */
  schedule(db: Db, t: { id: string; kind: string; dueAt: Date; data?: Record<string, unknown>; urgent?: boolean }): boolean {
    checkId(t.id);
    const existing = db.select().from(timers).where(eq(timers.id, t.id)).get();
    if (existing && existing.status !== 'pending') return false;
    const row = existing
      ? db.update(timers).set({ dueAt: t.dueAt, version: existing.version + 1, data: t.data ?? existing.data, urgent: t.urgent ?? existing.urgent }).where(eq(timers.id, t.id)).returning().get()
      : db.insert(timers).values({ id: t.id, kind: t.kind, data: t.data ?? {}, dueAt: t.dueAt, urgent: t.urgent ?? false, createdAt: this.opts.now() }).returning().get();
    if (row) this.unflushed.push(row);
    return true;
  }

  /** Whether the timer `id` is pending. */
  isPending(db: Db, id: string): boolean {
    return db.select({ s: timers.status }).from(timers).where(eq(timers.id, id)).get()?.s === 'pending';
  }

  /**
   * Like {@link schedule}, but also re-arms a timer that already fired or was cancelled (a new version),
   * for recurring checks keyed by one id. Synchronous; call {@link flush} after commit.
   */
  rearm(db: Db, t: { id: string; kind: string; dueAt: Date; data?: Record<string, unknown>; urgent?: boolean }): void {
    checkId(t.id);
    db.update(timers).set({ status: 'pending', firedAt: null, late: null }).where(eq(timers.id, t.id)).run();
    this.schedule(db, t);
  }

  /** Cancels pending timers whose id is `id` or starts with `idPrefix-` when `prefix` is set. @returns how many. */
  cancel(db: Db, id: string, opts: { prefix?: boolean } = {}): number {
    const where = opts.prefix ? like(timers.id, `${id}-%`) : eq(timers.id, id);
    return db.update(timers).set({ status: 'cancelled' }).where(and(where, eq(timers.status, 'pending'))).run().changes;
  }

  /** Queues BullMQ wake-ups for timers scheduled since the last flush. */
  async flush(): Promise<void> {
    const rows = this.unflushed;
    this.unflushed = [];
    await this.enqueue(rows);
  }

  private jobId(t: Pick<TimerRow, 'id' | 'version'>): string {
    return `${this.idPrefix}${t.id}-v${t.version}`;
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
    const jobs = await listOwnJobs<{ timerId: string; version: number }>(this.queue, this.idPrefix, [...WAITING_STATES, 'failed']);
    const rows = this.opts.db.select().from(timers).where(eq(timers.status, 'pending')).all();
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
    if (removed || replaced) this.opts.log.info({ removed, replaced }, 'timers: reconciled queued jobs with the database');
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
          data: { timerId: t.id, version: t.version },
          opts: { jobId: this.jobId(t), delay: Math.max(0, t.dueAt.getTime() - now), attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
        })),
      );
    }
  }

  /** Starts the worker and re-queues pending timers; re-queues again whenever Redis reconnects. */
  async start(concurrency = 4): Promise<void> {
    const { connection, prefix, log } = this.opts;
    this.worker = new Worker(this.queue.name, (job, token) => this.process(job, token), { connection, prefix, concurrency, lockDuration: 10_000, stalledInterval: 5_000 });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'timers worker error'));
    this.worker.on('failed', (job, err) => log.error({ timer: job?.data.timerId, err: err.message }, 'timer handler failed'));
    await this.worker.waitUntilReady(); // a stop right after start must not race the worker's start-up
    connection.on('ready', this.onReady);
    await this.resync();
  }

  private async process(job: Job<{ timerId: string; version: number }>, token?: string): Promise<void> {
    const { db, log } = this.opts;
    const peek = db.select().from(timers).where(eq(timers.id, job.data.timerId)).get();
    if (!peek || peek.status !== 'pending' || peek.version !== job.data.version) return;
    const now = this.opts.now();
    const wakeAt = peek.dueAt.getTime() > now.getTime() + 20 ? peek.dueAt : peek.urgent ? null : quietUntil(now, this.opts.quietHours, this.opts.timeZone);
    if (wakeAt) {
      await job.moveToDelayed(wakeAt.getTime(), token);
      throw new DelayedError();
    }
    const handler = this.handlers.get(peek.kind);
    if (!handler) throw new Error(`no handler for timer kind ${peek.kind}`);
    const fired = writeTx(db, () => {
      const t = db.select().from(timers).where(eq(timers.id, job.data.timerId)).get();
      if (!t || t.status !== 'pending' || t.version !== job.data.version) return false;
      const late = now.getTime() - t.dueAt.getTime() > LATE_AFTER_MS;
      db.update(timers).set({ status: 'done', firedAt: now, late }).where(eq(timers.id, t.id)).run();
      handler(db, t, { at: now, late });
      return true;
    });
    if (fired) {
      log.debug({ timer: job.data.timerId }, 'timer fired');
      await this.opts.afterFire?.();
    }
  }

  /** Stops the worker (an in-flight handler finishes) and closes the queue. */
  async close(): Promise<void> {
    this.opts.connection.off('ready', this.onReady);
    await this.worker?.close();
    await this.queue.close();
  }
}
