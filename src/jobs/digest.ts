/**
 * The daily digest (每日汇总, PRODUCT.md §2.4): a BullMQ job scheduler on the `reports` queue fires at
 * `DAILY_REPORT_AT` in `TIMEZONE` (or at `DAILY_REPORT_CRON` when set); the worker stores the county's
 * figures for the day through the outbox with key `digest-YYYY-MM-DD` in the command group — so the
 * digest is posted once a day even when two workers run the scheduler or it fires twice. Queue
 * `reports-<instance id>` and scheduler `daily-digest-<instance id>` (see ./queues.ts): each
 * database on a shared `QUEUE_PREFIX` gets its own digest.
 */
import type { CoreDeps } from '../core/deps.js';
import { instanceId } from '../db/client.js';
import { countyUnit, groupOfUnit } from '../db/queries/roster.js';
import { digestText } from '../../workflows/reports/text.js';
import { dayOf, namedPeriod } from '../../workflows/reports/period.js';
import { JobQueue, type JobsConnection } from './queues.js';
import { runUnitOfWork } from './unit-of-work.js';
import { errorFields } from '../core/errors.js';

/** The cron pattern of the digest: `DAILY_REPORT_CRON`, else `M H * * *` from `DAILY_REPORT_AT`. */
export function digestPattern(config: CoreDeps['config']): string {
  if (config.DAILY_REPORT_CRON) return config.DAILY_REPORT_CRON;
  const [h, m] = config.DAILY_REPORT_AT.split(':').map(Number);
  return `${m} ${h} * * *`;
}

export class DailyDigest {
  private readonly jobs: JobQueue;

  constructor(private readonly opts: { deps: CoreDeps; jobs: JobsConnection }) {
    this.jobs = new JobQueue(opts.jobs, 'reports', instanceId(opts.deps.db));
  }

  /** The BullMQ queue of this database's digest. */
  get queue() {
    return this.jobs.queue;
  }

  /** Upserts the job scheduler (same id in every process on this database, so they keep one). */
  private async ensureScheduler(): Promise<void> {
    const { deps } = this.opts;
    await this.queue.upsertJobScheduler(
      this.jobs.jobId(),
      { pattern: digestPattern(deps.config), tz: deps.config.TIMEZONE },
      { name: 'digest', data: {}, opts: { removeOnComplete: true, removeOnFail: 100, attempts: 5, backoff: { type: 'exponential', delay: 2000 } } },
    );
  }

  /** Upserts the job scheduler and starts the worker; the scheduler is upserted again whenever Redis reconnects. */
  async start(): Promise<void> {
    const { log } = this.opts.jobs;
    await this.ensureScheduler();
    await this.jobs.start(async () => this.post(), {
      concurrency: 1,
      onFailed: (_job, err) => log.error({ ...errorFields(err) }, 'daily digest failed'),
    });
    // Redis came back (possibly empty, without the scheduler): put the scheduler back
    this.jobs.onReconnect(() => void this.ensureScheduler().catch((err) => log.warn({ ...errorFields(err) }, 'daily digest: could not restore the scheduler')));
  }

  /**
   * Stores today's digest (in `TIMEZONE`) for the command group, once per day (outbox key
   * `digest-YYYY-MM-DD`), and queues it. @returns the outbox id, or null when already stored or there
   * is no command group.
   */
  async post(): Promise<number | null> {
    const { deps } = this.opts;
    const now = deps.now();
    const tz = deps.config.TIMEZONE;
    return runUnitOfWork(deps, async (db) => {
      const county = await countyUnit(db);
      const group = county && await groupOfUnit(db, county.id);
      if (!county || !group) return null;
      const text = await digestText(deps, county, namedPeriod('今日', now, tz));
      return await deps.outbox.store(db, { conversationId: group.conversationId, text, dedupKey: `digest-${dayOf(now, tz)}`, lane: 'digest' });
    });
  }

  /** Stops the worker (a digest in progress finishes) and closes the queue; the scheduler stays in Redis. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
