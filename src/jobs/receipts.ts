/**
 * Read-receipt polls: BullMQ delayed jobs on the `receipts` queue that ask the platform who has read a
 * directive's relays, a few times after it goes out (`READ_RECEIPT_POLL`, e.g. `2m,10m,30m,2h`).
 * Only started when the platform reports reads (DingTalk); the core sees {@link ReceiptPolls} only.
 *
 * Queue `receipts-<instance id>`; job ids are domain keys — `receipts-<instance id>-<key>-<n>` for the
 * n-th offset (e.g. `receipts-3f9a1c2b7d40-dir-17-1`, see ./queues.ts) — and completed jobs are kept
 * for a day, so planning the same polls again (a restart re-planning recent directives) adds nothing.
 * A poll is idempotent (readers are recorded once), so a repeat is harmless. On start, polls of
 * directives this database does not know (left by a newer copy of a restored backup) are removed, so
 * the directive that now gets that number is polled.
 */
import type { Job } from 'bullmq';
import { JobQueue, WAITING_STATES, listOwnJobs, type JobsConnection } from './queues.js';
import { errorFields } from '../core/errors.js';
import { CommitBuffer } from './unit-of-work.js';

/** What a poll job carries: ids only. */
export interface ReceiptPollData {
  directiveId: number;
}

/** The core's view of read-receipt polling: plan polls inside a transaction, queue them after commit. */
export interface ReceiptPolls {
  /**
   * Plans one poll per `READ_RECEIPT_POLL` offset after `from`. Synchronous (call inside the storing
   * transaction); nothing is queued until {@link flush}.
   * @param key domain key, letters, digits, `-`, `_` (e.g. `dir-17`, `dir-17-amend2`)
   */
  schedule(p: { key: string; directiveId: number; from: Date }): void;
  /** Queues the polls planned since the last flush. Call after the transaction commits. */
  flush(): Promise<void>;
}

export interface ReceiptPollerOptions {
  /** The app's queues. */
  jobs: JobsConnection;
  /** This database's instance id (`instanceId(db)`): in the queue name and every job id. */
  instance: string;
  /** Whether a poll's directive exists in this database; polls of unknown directives are removed on start. */
  isLive: (data: ReceiptPollData) => Promise<boolean>;
  /** Offsets (ms) after issue at which to poll. */
  offsetsMs: number[];
  /** Does one poll: fetch readers, then record them. Throw to retry (with backoff). */
  poll: (data: ReceiptPollData) => Promise<void>;
}

/** Completed poll ids are kept this long (s) so that re-planning the same polls is a no-op. */
const KEEP_COMPLETED_S = 24 * 3600;

export class ReceiptPoller implements ReceiptPolls {
  private readonly jobs: JobQueue<ReceiptPollData>;
  private planned = new CommitBuffer<{ key: string; directiveId: number; from: Date }>();

  constructor(private readonly opts: ReceiptPollerOptions) {
    this.jobs = new JobQueue<ReceiptPollData>(opts.jobs, 'receipts', opts.instance);
  }

  /** The BullMQ queue of this database's polls. */
  get queue() {
    return this.jobs.queue;
  }

  schedule(p: { key: string; directiveId: number; from: Date }): void {
    if (!/^[A-Za-z0-9_-]+$/.test(p.key)) throw new Error(`bad receipt poll key "${p.key}": use letters, digits, - and _ only`);
    this.planned.add(p);
  }

  async flush(): Promise<void> {
    const planned = this.planned.take();
    if (planned.length === 0 || this.opts.offsetsMs.length === 0) return;
    const now = Date.now();
    await this.queue.addBulk(
      planned.flatMap((p) =>
        this.opts.offsetsMs.map((offset, i) => ({
          name: 'poll',
          data: { directiveId: p.directiveId } satisfies ReceiptPollData,
          opts: {
            jobId: this.jobs.jobId(p.key, i + 1),
            delay: Math.max(0, p.from.getTime() + offset - now),
            attempts: 4,
            backoff: { type: 'exponential', delay: 5000 },
            removeOnComplete: { age: KEEP_COMPLETED_S },
            removeOnFail: 1000,
          },
        })),
      ),
    );
  }

  /**
   * Removes this database's poll jobs (queued, failed or kept as completed) whose directive it does not
   * know. @returns how many were removed.
   */
  async reconcile(): Promise<number> {
    const jobs = await listOwnJobs<ReceiptPollData>(this.queue, this.jobs.idPrefix, [...WAITING_STATES, 'failed', 'completed']);
    let removed = 0;
    for (const job of jobs) {
      if (job.data && await this.opts.isLive(job.data)) continue;
      removed += (await this.queue.remove(job.id)) === 1 ? 1 : 0;
    }
    if (removed) this.opts.jobs.log.info({ removed }, 'read-receipt polls: removed polls of directives this database does not know');
    return removed;
  }

  /** Starts the worker (one poll at a time: polls share the platform's API rate with sends) after {@link reconcile}. */
  async start(): Promise<void> {
    const { log } = this.opts.jobs;
    await this.reconcile();
    await this.jobs.start((job: Job<ReceiptPollData>) => this.opts.poll(job.data), {
      concurrency: 1,
      lock: { durationMs: 60_000 },
      onFailed: (job, err) => log.warn({ job: job?.id, attempt: job?.attemptsMade, ...errorFields(err) }, 'read-receipt poll failed'),
    });
  }

  /** Stops the worker (an in-flight poll finishes) and closes the queue. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
