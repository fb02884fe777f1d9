/**
 * The BullMQ plumbing of gridrelay, in one place: the queue names, the job-id builders, one Redis
 * connection for them, and one factory for a queue with its worker ({@link JobQueue}) — used by the
 * outbox, the timers, the read-receipt polls, the daily digest and the recurring task series.
 *
 * Keys of one database. Every database has an instance id (`instanceId(db)`, made with the database);
 * each queue is named `<queue>-<instance id>` and each job id carries the id too (`tm-<instance>-…`,
 * `ob-<instance>-…`), so two databases on one `QUEUE_PREFIX` — a re-created database, staging beside
 * production — never shadow, take or remove each other's jobs. BullMQ's own rules for a custom job id:
 * no `:` (it separates the parts of its keys) and not all digits (those are its own ids); every id
 * here starts with a word and carries only letters, digits, `-` and `_`.
 *
 * A restored backup (or a copy) has the same instance id as the database it was taken from: what
 * Redis holds beyond the backup is cleared by each queue's start-up reconciliation, which only ever
 * looks at job ids starting with its own instance's prefix ({@link listOwnJobs}). Also here: the
 * start-up check that Redis does not evict keys (an evicted job is a timer that never fires).
 */
import { Queue, Worker, type Job, type JobType, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorFields } from '../core/errors.js';

/**
 * Every queue: its base name (the queue is `<base>-<instance id>`) and the word its job ids (or job
 * scheduler ids) start with.
 */
export const QUEUES = {
  /** Outbound messages; job `ob-<instance>-<outbox id>`. */
  outbox: { base: 'outbox', idWord: 'ob' },
  /** Durable timers' wake-ups; job `tm-<instance>-<timer id>-v<version>`. */
  timers: { base: 'timers', idWord: 'tm' },
  /** Read-receipt polls; job `receipts-<instance>-<key>-<n>`. */
  receipts: { base: 'receipts', idWord: 'receipts' },
  /** The daily digest; job scheduler `daily-digest-<instance>`. */
  reports: { base: 'reports', idWord: 'daily-digest' },
  /** 红色代办's daily cut-off; job scheduler `errand-cutoff-<instance>`. */
  errands: { base: 'errands', idWord: 'errand-cutoff' },
  /** Recurring task series; job scheduler `tser-<instance>-<series id>`. */
  taskSeries: { base: 'task-series', idWord: 'tser' },
} as const;

export type QueueKey = keyof typeof QUEUES;

/** The BullMQ queue name of `base` for one database, e.g. `timers-3f9a1c2b7d40`. */
export function queueName(base: string, instance: string): string {
  return `${base}-${instance}`;
}

/** What may stand in a job id between the dashes: letters, digits, `-`, `_`. */
const ID_PART = /^[A-Za-z0-9_-]+$/;

/**
 * The job id (or job scheduler id) of queue `queue` for one database: `<word>-<instance>-<part>-<part>…`,
 * e.g. `jobId('timers', inst, 'dir-17-r1-s2', 'v1')` → `tm-<inst>-dir-17-r1-s2-v1`; no parts gives
 * `<word>-<instance>` (the digest's scheduler).
 * @throws Error when a part is empty or holds anything but letters, digits, `-` and `_` (BullMQ forbids `:`).
 */
export function jobId(queue: QueueKey, instance: string, ...parts: (string | number)[]): string {
  const all = [QUEUES[queue].idWord, instance, ...parts.map(String)];
  for (const p of all) if (!ID_PART.test(p)) throw new Error(`bad job id part "${p}" (queue ${queue}): use letters, digits, - and _ only`);
  const id = all.join('-');
  if (/^\d+$/.test(id)) throw new Error(`bad job id "${id}": BullMQ keeps all-digit ids for its own`);
  return id;
}

/** `<word>-<instance>-`: every job id of this database's jobs on `queue` starts with it (see {@link listOwnJobs}). */
export function jobIdPrefix(queue: QueueKey, instance: string): string {
  return `${QUEUES[queue].idWord}-${instance}-`;
}

/** States a job waits in (not running, not finished); reconciliation may remove or replace these. */
export const WAITING_STATES: JobType[] = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children'];

/** One job found by {@link listOwnJobs}. */
export interface OwnJob<T> {
  id: string;
  state: JobType;
  name: string;
  data: T;
  /** When a delayed job is due (epoch ms); `null` for other states. */
  dueAt: number | null;
  /** Its BullMQ priority (0 = none; lower first). */
  priority: number;
}

/**
 * The jobs of `queue` in `states` whose id starts with `idPrefix` (e.g. `tm-3f9a1c2b7d40-`). Jobs that
 * vanish while being read are left out.
 */
export async function listOwnJobs<T>(queue: Queue, idPrefix: string, states: JobType[]): Promise<OwnJob<T>[]> {
  const out: OwnJob<T>[] = [];
  const client = await queue.client;
  for (const state of states) {
    const ids = (await queue.getRanges([state], 0, -1)).filter((id) => id.startsWith(idPrefix));
    if (ids.length === 0) continue;
    // a delayed job's due time is its score in the delayed set (ms × 4096 + a tie-breaker)
    const scores = state === 'delayed' ? await Promise.all(ids.map((id) => client.zscore(queue.keys.delayed!, id))) : [];
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    jobs.forEach((job, i) => {
      if (!job) return;
      const score = scores[i];
      out.push({ id: ids[i]!, state, name: job.name, data: job.data as T, dueAt: score != null ? Math.floor(Number(score) / 0x1000) : null, priority: job.priority ?? 0 });
    });
  }
  return out;
}

/**
 * The Redis connection every queue and worker of one app shares: `maxRetriesPerRequest: null` (BullMQ
 * requires it for workers: a blocking call must wait out a reconnect, not fail), errors logged as warnings.
 */
export function createJobsConnection(url: string, log: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (err) => log.warn({ ...errorFields(err) }, 'redis error'));
  return redis;
}

/** Where the queues live: one app's Redis connection, its key prefix and its log. */
export interface JobsConnection {
  /** A Redis connection with `maxRetriesPerRequest: null` ({@link createJobsConnection}). */
  connection: Redis;
  /** BullMQ key prefix (`QUEUE_PREFIX`); tests use a random one. */
  prefix: string;
  log: Logger;
}

/** How a {@link JobQueue}'s worker runs. */
export interface WorkerSpec<D> {
  /** Jobs run at once by this process. */
  concurrency: number;
  /**
   * Lock options: a job's lock lasts `durationMs` and is renewed while it runs; a crashed process's
   * jobs are taken back after the lock expires, checked every `stalledIntervalMs`; a job stalled more
   * than `maxStalledCount` times fails. BullMQ's defaults (30 s, 30 s, 1) when absent.
   */
  lock?: { durationMs: number; stalledIntervalMs?: number; maxStalledCount?: number };
  /** Called when a job fails (an attempt, or for good: compare `job.attemptsMade` with `job.opts.attempts`); logs it. */
  onFailed(job: Job<D> | undefined, err: Error): void | Promise<void>;
}

/**
 * One queue of one database with (once {@link start}ed) its worker: named `<base>-<instance id>`
 * ({@link QUEUES}), errors of queue and worker logged as `<label> queue error` / `<label> worker error`,
 * reconnect hooks detached and worker and queue closed by {@link close}.
 */
export class JobQueue<D = unknown> {
  readonly queue: Queue;
  private worker: Worker<D> | null = null;
  private readonly reconnectHooks: (() => void)[] = [];

  /**
   * @param key which queue ({@link QUEUES})
   * @param instance this database's instance id (`instanceId(db)`)
   * @param label how logs name it, e.g. `timers`
   * @throws Error when the connection does not have `maxRetriesPerRequest: null`
   */
  constructor(
    private readonly jobs: JobsConnection,
    readonly key: QueueKey,
    readonly instance: string,
    private readonly label: string = QUEUES[key].base,
  ) {
    if (jobs.connection.options.maxRetriesPerRequest !== null) {
      throw new Error(`${label}: the BullMQ connection needs maxRetriesPerRequest: null (use createJobsConnection)`);
    }
    this.queue = new Queue(queueName(QUEUES[key].base, instance), { connection: jobs.connection, prefix: jobs.prefix });
    this.queue.on('error', (err) => jobs.log.warn({ ...errorFields(err) }, `${label} queue error`));
  }

  /** {@link jobId} on this queue for this database. */
  jobId(...parts: (string | number)[]): string {
    return jobId(this.key, this.instance, ...parts);
  }

  /** {@link jobIdPrefix} on this queue for this database. */
  get idPrefix(): string {
    return jobIdPrefix(this.key, this.instance);
  }

  /** Starts the worker; resolves when it is connected (so a stop right after start does not race its start-up). */
  async start(processor: Processor<D>, spec: WorkerSpec<D>): Promise<void> {
    const { connection, prefix, log } = this.jobs;
    const lock = spec.lock
      ? {
          lockDuration: spec.lock.durationMs,
          ...(spec.lock.stalledIntervalMs !== undefined ? { stalledInterval: spec.lock.stalledIntervalMs } : {}),
          ...(spec.lock.maxStalledCount !== undefined ? { maxStalledCount: spec.lock.maxStalledCount } : {}),
        }
      : {};
    this.worker = new Worker<D>(this.queue.name, processor, { connection, prefix, concurrency: spec.concurrency, ...lock });
    this.worker.on('failed', (job, err) => {
      Promise.resolve(spec.onFailed(job, err)).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'job failure handler failed'));
    });
    this.worker.on('error', (err) => log.warn({ ...errorFields(err) }, `${this.label} worker error`));
    await this.worker.waitUntilReady();
  }

  /** Runs `fn` whenever Redis (re)connects, until {@link close} — e.g. to re-queue what a Redis that came back empty lost. */
  onReconnect(fn: () => void): void {
    this.reconnectHooks.push(fn);
    this.jobs.connection.on('ready', fn);
  }

  /** Detaches the reconnect hooks, stops the worker (jobs in hand finish) and closes the queue. */
  async close(): Promise<void> {
    for (const fn of this.reconnectHooks.splice(0)) this.jobs.connection.off('ready', fn);
    await this.worker?.close();
    await this.queue.close();
  }
}

/**
 * Warns (once, at start) when Redis may evict keys: BullMQ needs `maxmemory-policy noeviction`, else a
 * full Redis silently drops queued jobs. Managed Redis may refuse `CONFIG GET`: then warns that the
 * policy could not be checked. Never throws.
 * @returns the policy, or null when it could not be read.
 */
export async function checkRedisEviction(redis: Redis, log: Logger): Promise<string | null> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? null;
    if (policy === null) {
      log.warn('redis: could not read maxmemory-policy; make sure it is noeviction, or queued reminders and sends may be dropped when Redis is full');
    } else if (policy !== 'noeviction') {
      log.warn({ policy }, `redis maxmemory-policy is ${policy}, not noeviction: when Redis is full it may drop queued reminders and sends`);
    }
    return policy;
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis: could not check maxmemory-policy (CONFIG GET refused); make sure it is noeviction, or queued reminders and sends may be dropped when Redis is full');
    return null;
  }
}
