/**
 * Sending one queued outbox message (the outbox's worker, ./outbox.ts, runs it for each send job): take a
 * slot in the conversation's rate window, stamp the row `sending_at`, call the platform port, mark the
 * row `sent` — or failed for good, telling `onFailed` — and turn a platform's throttling into a delay.
 *
 * Delivery is at-least-once for the message in flight: a row is stamped `sending_at` just before the
 * platform call and marked `sent` the moment the call returns (nothing else is awaited in between), but
 * a process killed after the platform took the message and before that write sends it again after the
 * restart (neither DingTalk nor Slack accepts an idempotency key on sends). At most one message per
 * worker slot (`OUTBOX_CONCURRENCY`) is exposed; docs/PRODUCT.md §5 gives the measured figure.
 *
 * A DING row (`OutboundMessage.ding`) goes to the adapter's `ding` instead of `send` (marked sent without a call
 * where the platform has none); each DING the platform reports sent is written to the audit log (action `ding`).
 *
 * Row times come from the app's clock (`now`); the rate window and BullMQ delays are wall-clock epoch ms
 * (`Date.now()`), shared with Redis and every other worker.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, type Job } from 'bullmq';
import { getOutbound, inboundReplyRef, markOutboundFailed, markSending, markSent } from '../db/queries/messages.js';
import { writeTx } from '../db/client.js';
import type { OutboundRow } from '../db/schema/index.js';
import { memberNames } from '../db/queries/roster.js';
import { audit } from '../db/queries/audit.js';
import { laneOf, splitOutboxExtra, type OutboundMessage, type OutboxDing } from './message.js';
import { PlatformError, type PlatformAdapter, type SendReceipt } from '../platform/port.js';
import { errorFields } from './errors.js';
import type { OutboxOptions } from './outbox.js';

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

/** Sends outbox messages one job at a time, for the outbox's worker (`Outbox.startWorker` in ./outbox.ts). */
export class OutboxSender {
  constructor(private readonly opts: Pick<OutboxOptions, 'db' | 'jobs' | 'now' | 'rate' | 'onFailed'>) {}

  /**
   * Sends the message of one send job through `adapter`, unless its row is no longer pending. Marks it
   * sent, or failed for good on a permanent refusal.
   * @throws DelayedError when the job was moved to later (rate window full, or the platform asked to wait)
   * @throws the platform's error when the send may be retried (BullMQ retries the job)
   */
  async send(adapter: PlatformAdapter, job: Job<{ outboxId: number }>, token?: string): Promise<void> {
    const { db } = this.opts;
    const row = await getOutbound(db, job.data.outboxId);
    if (!row || row.status !== 'pending') return;
    const slot = randomUUID();
    const waitMs = await this.takeSlot(row.conversationId, slot);
    if (waitMs > 0) {
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    const msg = await this.toMessage(row);
    // a platform whose send only writes this database (the console) sends in one transaction with the marks: the
    // message is stored as sent, or not at all — one commit, and no window in which a crash could send it twice
    const inDatabase = adapter.sendsInDatabase === true && !msg.ding;
    const callStarted = Date.now();
    let receipt: SendReceipt;
    try {
      if (inDatabase) {
        receipt = await writeTx(db, async () => {
          await markSending(db, row.id, row.attempts + 1, this.opts.now());
          const r = await adapter.send(msg);
          await markSent(db, row.id, this.opts.now(), r.platformRef ?? null);
          return r;
        });
      } else {
        // from here until `sent` is written, a crash means the message may go out twice: keep it short
        await markSending(db, row.id, row.attempts + 1, this.opts.now());
        // a DING row alerts its members and posts nothing: a platform that cannot DING marks it sent without a call
        receipt = msg.ding ? (adapter.ding ? await adapter.ding(msg) : {}) : await adapter.send(msg);
      }
    } catch (err) {
      await this.slotUsedAt(row.conversationId, slot);
      if (err instanceof PlatformError && err.kind === 'permanent') {
        await this.markFailed(row.id, err.message);
        this.opts.jobs.log.error({ outboxId: row.id, conversationId: row.conversationId, ...errorFields(err) }, 'send failed permanently');
        return;
      }
      if (err instanceof PlatformError && err.kind === 'throttled' && err.retryAfterMs) {
        await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      throw err;
    }
    // at once, before anything else is awaited
    if (!inDatabase) await markSent(db, row.id, this.opts.now(), receipt.platformRef ?? null);
    if (msg.ding && receipt.dinged?.length) {
      await this.auditDing(msg, msg.ding, receipt).catch((err) => this.opts.jobs.log.error({ outboxId: row.id, ...errorFields(err) }, 'auditing a DING failed'));
    }
    // a send that took longer than the window's margin moves its slot to when it ended; a quick one (most) stays where
    // it was taken, the margin covering the difference — one Redis round trip fewer per message
    if (Date.now() - callStarted > RATE_MARGIN_MS / 2) await this.slotUsedAt(row.conversationId, slot);
  }

  /**
   * Sliding-window limit per conversation, shared by every worker through Redis: a sorted set of the
   * send times of the last window. A slot is taken only while fewer than `rate.max` sends fall in the
   * last `rate.perMs` (+ {@link RATE_MARGIN_MS}, so jitter between taking a slot and the platform
   * receiving the message cannot push a window over).
   * @returns 0 if a slot was taken, else ms to wait before trying again.
   */
  private async takeSlot(conversationId: string, slot: string): Promise<number> {
    const { rate } = this.opts;
    const { connection, prefix } = this.opts.jobs;
    const wait = await connection.eval(SLIDING_WINDOW, 1, `${prefix}:rate:${conversationId}`, Date.now(), rate.perMs + RATE_MARGIN_MS, rate.max, slot);
    return Number(wait);
  }

  /** Moves a taken slot to when its send finished, so a slow send cannot let the next window start early. */
  private async slotUsedAt(conversationId: string, slot: string): Promise<void> {
    const { rate } = this.opts;
    const { connection, prefix } = this.opts.jobs;
    const key = `${prefix}:rate:${conversationId}`;
    await connection.multi().zadd(key, 'XX', Date.now(), slot).pexpire(key, rate.perMs + RATE_MARGIN_MS).exec().catch(() => {});
  }

  /**
   * Writes a DING actually sent to the audit log: actor `system`, action `ding`, the item's subject, and who was
   * alerted (`detail.receivers`, with the outbox id, the group it is about and the platform's DING id).
   */
  private async auditDing(msg: OutboundMessage, ding: OutboxDing, receipt: SendReceipt): Promise<void> {
    await audit(this.opts.db, {
      actorId: 'system',
      action: 'ding',
      subject: ding.subject,
      detail: { outboxId: msg.id, conversationId: msg.conversationId, receivers: receipt.dinged, ...(receipt.platformRef ? { platformRef: receipt.platformRef } : {}) },
      at: this.opts.now(),
    });
  }

  /** The message of a stored row, as the platform port takes it (with its lane, and what to reply to if the row replies to an inbound message). */
  private async toMessage(row: OutboundRow): Promise<OutboundMessage> {
    const msg: OutboundMessage = { id: row.id, conversationId: row.conversationId, text: row.text, lane: laneOf(row.lane) };
    if (row.markdown) msg.markdown = row.markdown;
    if (row.mentions?.length) {
      msg.mentions = row.mentions;
      msg.mentionNames = await this.namesOf(row.mentions);
    }
    const { actions, attachments, item, ackState, ding } = splitOutboxExtra(row.actions);
    if (actions.length) msg.actions = actions;
    if (attachments.length) msg.attachments = attachments;
    if (item) msg.item = item;
    if (ackState) msg.ackState = ackState;
    if (ding) msg.ding = ding;
    if (row.replyToInboundId) {
      const inbound = await inboundReplyRef(this.opts.db, row.replyToInboundId);
      if (inbound) {
        const ctx = inbound.extra?.replyContext as Record<string, unknown> | undefined;
        msg.replyTo = { inboundId: row.replyToInboundId, platformMsgId: inbound.platformMsgId, ...(ctx ? { replyContext: ctx } : {}) };
      }
    }
    return msg;
  }

  /** The roster name of each member id (OutboundMessage.mentionNames), in one query; ids no longer in the roster are left out. */
  private async namesOf(ids: readonly string[]): Promise<Record<string, string>> {
    return Object.fromEntries(await memberNames(this.opts.db, ids));
  }

  /**
   * Marks row `id` failed with `error` and, if it was not already, tells `onFailed` (outside any
   * transaction); errors of `onFailed`, thrown or rejected, are logged.
   */
  async markFailed(id: number, error: string): Promise<void> {
    if (!await markOutboundFailed(this.opts.db, id, error)) return;
    const report = (err: unknown) => this.opts.jobs.log.error({ outboxId: id, ...errorFields(err) }, 'reporting a failed send failed');
    try {
      void this.opts.onFailed?.(id)?.catch(report);
    } catch (err) {
      report(err);
    }
  }
}
