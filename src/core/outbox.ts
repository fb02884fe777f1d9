/**
 * The outbox: every outbound message is stored in SQLite before it is queued in BullMQ; a worker sends
 * it through the platform port, at most `rate` messages per conversation; a restart re-queues what was
 * not sent.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { and, eq, inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { inboundMessages, outboundMessages, type OutboundRow } from '../db/schema/index.js';
import type { Rate } from './duration.js';
import type { OutboundAction, OutboundMessage } from './message.js';
import { PlatformError, type PlatformAdapter } from '../platform/port.js';

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
const jobId = (id: number) => `ob-${id}`;

export class Outbox {
  readonly queue: Queue;
  private worker: Worker | null = null;
  /** Ids stored since the last flush (a rolled-back row is simply skipped by the worker). */
  private unflushed: number[] = [];
  /** Redis came back (it may have come back empty): re-queue every unsent message. */
  private onReady = () =>
    void this.resume().then(
      (n) => n && this.opts.log.info({ requeued: n }, 'outbox: Redis back, re-queued unsent messages'),
      (err) => this.opts.log.warn({ err: String(err) }, 'outbox: re-queue after reconnect failed'),
    );

  constructor(private readonly opts: OutboxOptions) {
    this.queue = new Queue(QUEUE, { connection: opts.connection, prefix: opts.prefix });
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

  /** Re-queues every pending message (start-up recovery). @returns how many were pending. */
  async resume(): Promise<number> {
    const rows = this.opts.db
      .select({ id: outboundMessages.id })
      .from(outboundMessages)
      .where(eq(outboundMessages.status, 'pending'))
      .orderBy(outboundMessages.id)
      .all();
    await this.enqueue(rows.map((r) => r.id));
    return rows.length;
  }

  private async enqueue(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.queue.addBulk(
        ids.slice(i, i + 500).map((id) => ({
          name: 'send',
          data: { outboxId: id },
          opts: {
            jobId: jobId(id),
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
    this.worker = new Worker(QUEUE, (job, token) => this.process(adapter, job, token), {
      connection,
      prefix,
      concurrency,
      // a crashed process's in-flight sends come back within ~15 s
      lockDuration: 10_000,
      stalledInterval: 5_000,
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
    db.update(outboundMessages).set({ attempts: row.attempts + 1 }).where(eq(outboundMessages.id, row.id)).run();
    try {
      const receipt = await adapter.send(this.toMessage(row)).finally(() => this.slotUsedAt(row.conversationId, slot));
      db.update(outboundMessages)
        .set({ status: 'sent', sentAt: new Date(), platformRef: receipt.platformRef ?? null, error: null })
        .where(and(eq(outboundMessages.id, row.id), eq(outboundMessages.status, 'pending')))
        .run();
    } catch (err) {
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
