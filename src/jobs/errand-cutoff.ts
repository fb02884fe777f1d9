/**
 * 红色代办's daily cut-off (PRODUCT.md §2.8): a BullMQ job scheduler on the `errands` queue fires at
 * `ERRAND_CUTOFF` in `TIMEZONE`; the worker runs the cut-off (workflows/errand/cutoff.ts) in one unit of
 * work — each township room's purchase list through the outbox with key `errand-list-<township>-<day>`, so
 * it goes out once per township per day even when two processes run the scheduler or it fires twice.
 * Queue `errands-<instance id>` and scheduler `errand-cutoff-<instance id>` (see ./queues.ts).
 */
import type { CoreDeps } from '../core/deps.js';
import { instanceId } from '../db/client.js';
import { runCutoff, type CutoffResult } from '../../workflows/errand/index.js';
import { JobQueue, type JobsConnection } from './queues.js';
import { runUnitOfWork } from './unit-of-work.js';
import { errorFields } from '../core/errors.js';

/** The cron pattern of the cut-off job: `ERRAND_CUTOFF_CRON` when set, else `M H * * *` from `ERRAND_CUTOFF`. */
export function cutoffPattern(config: CoreDeps['config']): string {
  if (config.ERRAND_CUTOFF_CRON) return config.ERRAND_CUTOFF_CRON;
  const [h, m] = config.ERRAND_CUTOFF.split(':').map(Number);
  return `${m} ${h} * * *`;
}

export class ErrandCutoff {
  private readonly jobs: JobQueue;

  constructor(private readonly opts: { deps: CoreDeps; jobs: JobsConnection }) {
    this.jobs = new JobQueue(opts.jobs, 'errands', instanceId(opts.deps.db));
  }

  /** Upserts the job scheduler (same id in every process on this database, so they keep one). */
  private async ensureScheduler(): Promise<void> {
    const { deps } = this.opts;
    await this.jobs.queue.upsertJobScheduler(
      this.jobs.jobId(),
      { pattern: cutoffPattern(deps.config), tz: deps.config.TIMEZONE },
      { name: 'errand-cutoff', data: {}, opts: { removeOnComplete: true, removeOnFail: 100, attempts: 5, backoff: { type: 'exponential', delay: 2000 } } },
    );
  }

  /** Upserts the job scheduler and starts the worker; the scheduler is upserted again whenever Redis reconnects. */
  async start(): Promise<void> {
    const { log } = this.opts.jobs;
    await this.ensureScheduler();
    await this.jobs.start(async () => this.run(), {
      concurrency: 1,
      onFailed: (_job, err) => log.error({ ...errorFields(err) }, 'errand cut-off failed'),
    });
    this.jobs.onReconnect(() => void this.ensureScheduler().catch((err) => log.warn({ ...errorFields(err) }, 'errand cut-off: could not restore the scheduler')));
  }

  /** Runs today's cut-off (in `TIMEZONE`) in one unit of work; the outbox sends after commit. */
  async run(): Promise<CutoffResult> {
    const { deps } = this.opts;
    return runUnitOfWork(deps, async (db) => await runCutoff({ ...deps, db }));
  }

  /** Stops the worker and closes the queue; the scheduler stays in Redis. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
