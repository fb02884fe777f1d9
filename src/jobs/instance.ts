/**
 * BullMQ keys of one database. Every database has an instance id (`instanceId(db)`, made with the
 * database); each queue is named `<queue>-<instance id>` and each job id carries the id too
 * (`tm-<instance>-…`, `ob-<instance>-…`), so two databases on one `QUEUE_PREFIX` — a re-created
 * database, staging beside production — never shadow, take or remove each other's jobs.
 *
 * A restored backup (or a copy) has the same instance id as the database it was taken from: what
 * Redis holds beyond the backup is cleared by each queue's start-up reconciliation, which only ever
 * looks at job ids starting with its own instance's prefix. Also here: the start-up check that Redis
 * does not evict keys (an evicted job is a timer that never fires).
 */
import type { JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The BullMQ queue name of `base` for one database, e.g. `timers-3f9a1c2b7d40`. */
export function queueName(base: string, instance: string): string {
  return `${base}-${instance}`;
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
      out.push({ id: ids[i]!, state, name: job.name, data: job.data as T, dueAt: score != null ? Math.floor(Number(score) / 0x1000) : null });
    });
  }
  return out;
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
