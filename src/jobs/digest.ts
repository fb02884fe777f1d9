/**
 * The daily digest (每日汇总, PRODUCT.md §2.4): a BullMQ job scheduler on the `reports` queue fires at
 * `DAILY_REPORT_AT` in `TIMEZONE` (or at `DAILY_REPORT_CRON` when set); the worker stores the county's
 * figures for the day through the outbox with key `digest-YYYY-MM-DD` in the command group — so the
 * digest is posted once a day even when two workers run the scheduler or it fires twice. Queue
 * `reports-<instance id>` and scheduler `daily-digest-<instance id>` (see ./instance.ts): each
 * database on a shared `QUEUE_PREFIX` gets its own digest.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CoreDeps } from '../core/deps.js';
import { instanceId, writeTx } from '../db/client.js';
import { countyUnit, groupOfUnit } from '../db/queries/roster.js';
import { digestText } from '../../workflows/reports/text.js';
import { dayOf, namedPeriod } from '../../workflows/reports/period.js';
import { queueName } from './instance.js';

/** The queue's base name; the queue is `reports-<instance id>`. */
export const REPORTS_QUEUE = 'reports';
/** The job scheduler id's base; the scheduler is `daily-digest-<instance id>` (one per database). */
export const DIGEST_SCHEDULER_ID = 'daily-digest';

/** The cron pattern of the digest: `DAILY_REPORT_CRON`, else `M H * * *` from `DAILY_REPORT_AT`. */
export function digestPattern(config: CoreDeps['config']): string {
  if (config.DAILY_REPORT_CRON) return config.DAILY_REPORT_CRON;
  const [h, m] = config.DAILY_REPORT_AT.split(':').map(Number);
  return `${m} ${h} * * *`;
}

export class DailyDigest {
  readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly instance: string;
  /** Redis came back (possibly empty, without the scheduler): put the scheduler back. */
  private onReady = () => void this.ensureScheduler().catch((err) => this.opts.log.warn({ err: String(err) }, 'daily digest: could not restore the scheduler'));

  constructor(private readonly opts: { deps: CoreDeps; connection: Redis; prefix: string; log: Logger }) {
    this.instance = instanceId(opts.deps.db);
    this.queue = new Queue(queueName(REPORTS_QUEUE, this.instance), { connection: opts.connection, prefix: opts.prefix });
    this.queue.on('error', (err) => opts.log.warn({ err: err.message }, 'reports queue error'));
  }

  /** Upserts the job scheduler (same id in every process on this database, so they keep one). */
  private async ensureScheduler(): Promise<void> {
    const { deps } = this.opts;
    await this.queue.upsertJobScheduler(
      `${DIGEST_SCHEDULER_ID}-${this.instance}`,
      { pattern: digestPattern(deps.config), tz: deps.config.TIMEZONE },
      { name: 'digest', data: {}, opts: { removeOnComplete: true, removeOnFail: 100, attempts: 5, backoff: { type: 'exponential', delay: 2000 } } },
    );
  }

  /** Upserts the job scheduler and starts the worker; the scheduler is upserted again whenever Redis reconnects. */
  async start(): Promise<void> {
    const { connection, prefix, log } = this.opts;
    await this.ensureScheduler();
    this.worker = new Worker(this.queue.name, async () => this.post(), { connection, prefix, concurrency: 1 });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'reports worker error'));
    this.worker.on('failed', (_job, err) => log.error({ err: err.message }, 'daily digest failed'));
    await this.worker.waitUntilReady(); // a stop right after start must not race the worker's start-up
    connection.on('ready', this.onReady);
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
    const id = writeTx(deps.db, () => {
      const county = countyUnit(deps.db);
      const group = county && groupOfUnit(deps.db, county.id);
      if (!county || !group) return null;
      const text = digestText(deps, county, namedPeriod('今日', now, tz));
      return deps.outbox.store(deps.db, { conversationId: group.conversationId, text, dedupKey: `digest-${dayOf(now, tz)}` });
    });
    await deps.outbox.flush();
    return id;
  }

  /** Stops the worker (a digest in progress finishes) and closes the queue; the scheduler stays in Redis. */
  async close(): Promise<void> {
    this.opts.connection.off('ready', this.onReady);
    await this.worker?.close();
    await this.queue.close();
  }
}
