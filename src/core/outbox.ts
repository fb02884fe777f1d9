/**
 * The outbox: every outbound message is stored in SQLite before it is queued in BullMQ (queue
 * `outbox-<instance id>`, job id `ob-<instance id>-<row id>`, see src/jobs/instance.ts); a worker sends
 * it through the platform port, at most `rate` messages per conversation; a restart re-queues what was
 * not sent and drops queued jobs of rows already sent or failed.
 *
 * Delivery is at-least-once for the message in flight: a row is stamped `sending_at` just before the
 * platform call and marked `sent` the moment the call returns (nothing else is awaited in between), but
 * a process killed after the platform took the message and before that write sends it again after the
 * restart (neither DingTalk nor Slack accepts an idempotency key on sends). At most one message per
 * worker slot (`OUTBOX_CONCURRENCY`) is exposed; docs/PRODUCT.md §5 gives the measured figure.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { and, eq, inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { instanceId, type Db } from '../db/client.js';
import { inboundMessages, outboundMessages, type OutboundRow } from '../db/schema/index.js';
import type { Rate } from '../time/duration.js';
import type { OutboundAction, OutboundMessage } from './message.js';
import { PlatformError, type PlatformAdapter, type SendReceipt } from '../platform/port.js';
import { WAITING_STATES, listOwnJobs, queueName } from '../jobs/instance.js';

/** A message to store: the outbox fills in id, status and timestamps. */
export interface NewOutbound {
  conversationId: string;
  text: string;
  markdown?: string;
  mentions?: string[];
  /** Buttons the platform may render (e.g. Slack's acknowledgement button); others ignore them. */
  actions?: OutboundAction[];
  /** Domain idempotency key (e.g. `dir-17-relay-<cid>`): a second message with the same key is not stored. */
  dedupKey?: string;
  replyToInboundId?: number;
  /** Conversation to tell if this message can never be delivered (e.g. the issuer's group of a relay). */
  notifyOnFail?: string;
}

export interface OutboxOptions {
  db: Db;
  /** A Redis connection with `maxRetriesPerRequest: null` (BullMQ requirement). */
  connection: Redis;
  /** BullMQ key prefix; tests use a random one. */
  prefix: string;
  log: Logger;
  /** Per-conversation send rate. */
  rate: Rate;
  /** Called (outside any transaction) after a message is marked failed for good, with its outbox id. */
  onFailed?: (outboxId: number) => void;
  concurrency: number;
}

const QUEUE = 'outbox';

/** Extra width of the rate window (ms), absorbing jitter between taking a slot and the send arriving. */
const RATE_MARGIN_MS = 100;

/** KEYS[1] sorted set of send times; ARGV now, window ms, max, member id. Returns 0 (slot taken) or ms to wait. */
const SLIDING_WINDOW = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, win)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + win - now + 1)
`;

/** What {@link Outbox.resume} did. */
export interface OutboxResume {
  /** Pending messages (all queued). */
  pending: number;
  /** Pending messages with a platform call that did not complete (a crash, a timeout, a refusal): possibly delivered, sent again. */
  possiblySent: number;
  /** Queued jobs removed: their row was already sent or failed, or is unknown to this database. */
  removed: number;
  /** Jobs of pending rows that had failed for good without the row being marked (e.g. stalled by crashes): queued again. */
  requeued: number;
}

export class Outbox {
  readonly queue: Queue;
  private worker: Worker | null = null;
  /** Ids stored since the last flush (a rolled-back row is simply skipped by the worker). */
  private unflushed: number[] = [];
  /** `ob-<instance id>-`: every job id of this database's outbox starts with it. */
  private readonly idPrefix: string;
  /** Redis came back (it may have come back empty): re-queue every unsent message. */
  private onReady = () =>
    void this.requeuePending().then(
      (n) => n && this.opts.log.info({ requeued: n }, 'outbox: Redis back, re-queued unsent messages'),
      (err) => this.opts.log.warn({ err: String(err) }, 'outbox: re-queue after reconnect failed'),
    );

  constructor(private readonly opts: OutboxOptions) {
    const instance = instanceId(opts.db);
    this.idPrefix = `ob-${instance}-`;
    this.queue = new Queue(queueName(QUEUE, instance), { connection: opts.connection, prefix: opts.prefix });
    this.queue.on('error', (err) => opts.log.warn({ err: err.message }, 'outbox queue error'));
  }

  /**
   * Stores one message (synchronously, inside the caller's transaction if any).
   * @returns the outbox id, or `null` when `dedupKey` was already stored.
   */
  store(db: Db, msg: NewOutbound): number | null {
    const row = db
      .insert(outboundMessages)
      .values({
        conversationId: msg.conversationId,
        text: msg.text,
        markdown: msg.markdown ?? null,
        mentions: msg.mentions?.length ? msg.mentions : null,
        actions: msg.actions?.length ? msg.actions : null,
        dedupKey: msg.dedupKey ?? null,
        replyToInboundId: msg.replyToInboundId ?? null,
        notifyOnFail: msg.notifyOnFail ?? null,
        createdAt: new Date(),
      })
      .onConflictDoNothing({ target: outboundMessages.dedupKey })
      .returning({ id: outboundMessages.id })
      .get();
    if (!row) return null;
    this.unflushed.push(row.id);
    return row.id;
  }

  /** Queues every message stored since the last flush. Call after the storing transaction commits. */
  async flush(): Promise<void> {
    const ids = this.unflushed;
    this.unflushed = [];
    await this.enqueue(ids);
  }

  /**
   * Queues every pending message again (Redis came back, possibly empty). Jobs still held are left as
   * they are (BullMQ ignores a re-added id). @returns how many messages are pending.
   */
  async requeuePending(): Promise<number> {
    const rows = this.opts.db.select({ id: outboundMessages.id }).from(outboundMessages).where(eq(outboundMessages.status, 'pending')).orderBy(outboundMessages.id).all();
    await this.enqueue(rows.map((r) => r.id));
    return rows.length;
  }

  /**
   * Start-up recovery, reconciling BullMQ with SQLite: removes this database's queued (waiting, delayed,
   * failed) send jobs whose row is sent, failed or missing — e.g. left by a newer copy of a restored
   * backup — takes back failed jobs of rows still pending, and queues every pending message. Running
   * jobs (another process on this database, or a crashed one's until its lock expires) are left alone.
   * Warns when messages were possibly delivered already (their last call started but never finished).
   */
  async resume(): Promise<OutboxResume> {
    const { db, log } = this.opts;
    const jobs = await listOwnJobs<{ outboxId: number }>(this.queue, this.idPrefix, [...WAITING_STATES, 'failed']);
    // rows are read after the jobs are listed: a job is only ever added after its row committed
    const rows = db
      .select({ id: outboundMessages.id, status: outboundMessages.status, sendingAt: outboundMessages.sendingAt })
      .from(outboundMessages)
      .where(eq(outboundMessages.status, 'pending'))
      .orderBy(outboundMessages.id)
      .all();
    const pending = new Set(rows.map((r) => r.id));
    let removed = 0;
    let requeued = 0;
    for (const job of jobs) {
      const live = pending.has(job.data?.outboxId) && job.id === this.jobId(job.data.outboxId);
      if (live && job.state !== 'failed') continue;
      if ((await this.queue.remove(job.id)) !== 1) continue;
      if (live) requeued++;
      else removed++;
    }
    await this.enqueue(rows.map((r) => r.id));
    const possiblySent = rows.filter((r) => r.sendingAt).map((r) => r.id);
    if (removed || requeued) log.info({ removed, requeued }, 'outbox: reconciled queued jobs with the database');
    if (possiblySent.length) {
      log.warn(
        { outboxIds: possiblySent.slice(0, 50), count: possiblySent.length },
        'outbox: unsent messages had a send attempt that did not complete (a crash, a timeout or a refusal); they are sent again, and any the platform had already taken will show twice',
      );
    }
    return { pending: rows.length, possiblySent: possiblySent.length, removed, requeued };
  }

  private jobId(outboxId: number): string {
    return `${this.idPrefix}${outboxId}`;
  }

  private async enqueue(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.queue.addBulk(
        ids.slice(i, i + 500).map((id) => ({
          name: 'send',
          data: { outboxId: id },
          opts: {
            jobId: this.jobId(id),
            attempts: 12,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: true,
            removeOnFail: 1000,
          },
        })),
      );
    }
  }

  /** Starts the send worker for `adapter`; resolves when it is connected. Whenever Redis reconnects, unsent messages are re-queued. */
  async startWorker(adapter: PlatformAdapter): Promise<void> {
    const { connection, prefix, concurrency, log } = this.opts;
    this.worker = new Worker(this.queue.name, (job, token) => this.process(adapter, job, token), {
      connection,
      prefix,
      concurrency,
      // a crashed process's in-flight sends come back within ~15 s
      lockDuration: 10_000,
      stalledInterval: 5_000,
      // a send caught by several crashes in a row is still sent, not failed as "stalled too often"
      maxStalledCount: 5,
    });
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      log.warn({ outboxId: job.data.outboxId, attempt: job.attemptsMade, err: err.message }, 'send failed');
      if (final) this.markFailed(job.data.outboxId, err.message);
    });
    this.worker.on('error', (err) => log.error({ err: err.message }, 'outbox worker error'));
    await this.worker.waitUntilReady(); // a stop right after start must not race the worker's start-up
    // a Redis that restarts empty loses every queued send; SQLite still holds them as pending
    connection.on('ready', this.onReady);
  }

  private async process(adapter: PlatformAdapter, job: Job<{ outboxId: number }>, token?: string): Promise<void> {
    const { db } = this.opts;
    const row = db.select().from(outboundMessages).where(eq(outboundMessages.id, job.data.outboxId)).get();
    if (!row || row.status !== 'pending') return;
    const slot = randomUUID();
    const waitMs = await this.takeSlot(row.conversationId, slot);
    if (waitMs > 0) {
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    const msg = this.toMessage(row);
    // from here until `sent` is written, a crash means the message may go out twice: keep it short
    db.update(outboundMessages).set({ attempts: row.attempts + 1, sendingAt: new Date() }).where(eq(outboundMessages.id, row.id)).run();
    let receipt: SendReceipt;
    try {
      receipt = await adapter.send(msg);
    } catch (err) {
      await this.slotUsedAt(row.conversationId, slot);
      if (err instanceof PlatformError && err.kind === 'permanent') {
        this.markFailed(row.id, err.message);
        this.opts.log.error({ outboxId: row.id, conversationId: row.conversationId, err: err.message }, 'send failed permanently');
        return;
      }
      if (err instanceof PlatformError && err.kind === 'throttled' && err.retryAfterMs) {
        await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      throw err;
    }
    // at once, before anything else is awaited
    db.update(outboundMessages)
      .set({ status: 'sent', sentAt: new Date(), platformRef: receipt.platformRef ?? null, error: null })
      .where(and(eq(outboundMessages.id, row.id), eq(outboundMessages.status, 'pending')))
      .run();
    await this.slotUsedAt(row.conversationId, slot);
  }

  /**
   * Sliding-window limit per conversation, shared by every worker through Redis: a sorted set of the
   * send times of the last window. A slot is taken only while fewer than `rate.max` sends fall in the
   * last `rate.perMs` (+ {@link RATE_MARGIN_MS}, so jitter between taking a slot and the platform
   * receiving the message cannot push a window over).
   * @returns 0 if a slot was taken, else ms to wait before trying again.
   */
  private async takeSlot(conversationId: string, slot: string): Promise<number> {
    const { rate, connection, prefix } = this.opts;
    const wait = await connection.eval(SLIDING_WINDOW, 1, `${prefix}:rate:${conversationId}`, Date.now(), rate.perMs + RATE_MARGIN_MS, rate.max, slot);
    return Number(wait);
  }

  /** Moves a taken slot to when its send finished, so a slow send cannot let the next window start early. */
  private async slotUsedAt(conversationId: string, slot: string): Promise<void> {
    const { rate, connection, prefix } = this.opts;
    const key = `${prefix}:rate:${conversationId}`;
    await connection.multi().zadd(key, 'XX', Date.now(), slot).pexpire(key, rate.perMs + RATE_MARGIN_MS).exec().catch(() => {});
  }

  private toMessage(row: OutboundRow): OutboundMessage {
    const msg: OutboundMessage = { id: row.id, conversationId: row.conversationId, text: row.text };
    if (row.markdown) msg.markdown = row.markdown;
    if (row.mentions?.length) msg.mentions = row.mentions;
    if (row.actions?.length) msg.actions = row.actions;
    if (row.replyToInboundId) {
      const inbound = this.opts.db
        .select({ platformMsgId: inboundMessages.platformMsgId, extra: inboundMessages.extra })
        .from(inboundMessages)
        .where(eq(inboundMessages.id, row.replyToInboundId))
        .get();
      if (inbound) {
        const ctx = inbound.extra?.replyContext as Record<string, unknown> | undefined;
        msg.replyTo = { inboundId: row.replyToInboundId, platformMsgId: inbound.platformMsgId, ...(ctx ? { replyContext: ctx } : {}) };
      }
    }
    return msg;
  }

  private markFailed(id: number, error: string): void {
    const r = this.opts.db
      .update(outboundMessages)
      .set({ status: 'failed', error })
      .where(and(eq(outboundMessages.id, id), inArray(outboundMessages.status, ['pending'])))
      .run();
    if (r.changes > 0) {
      try {
        this.opts.onFailed?.(id);
      } catch (err) {
        this.opts.log.error({ outboxId: id, err: String(err) }, 'reporting a failed send failed');
      }
    }
  }

  /** Counts of outbox rows by status, for `/healthz`. */
  counts(): Record<string, number> {
    const rows = this.opts.db.$client
      .prepare('select status, count(*) as n from outbound_messages group by status')
      .all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Stops the worker (in-flight sends finish) and closes the queue. */
  async close(): Promise<void> {
    this.opts.connection.off('ready', this.onReady);
    await this.worker?.close();
    await this.queue.close();
  }
}
