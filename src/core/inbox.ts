/**
 * The inbox: an inbound message is stored (unique per platform message id) before the platform is
 * acked, then processed in arrival order — state change, reply and "processed" mark together, in a savepoint of its
 * own inside a write transaction that takes a burst of up to 25 messages. A restart processes whatever was stored but
 * not processed.
 */
import type { Logger } from 'pino';
import { claimNextReceived, insertInbound, markInboundDone } from '../db/queries/messages.js';
import { isLockConflict, writeTx } from '../db/client.js';
import { mapInOrder } from './in-order.js';
import { commitUnit, flushCommitted } from '../jobs/unit-of-work.js';
import type { CoreDeps } from './deps.js';
import type { Dispatcher } from './dispatch.js';
import { errorFields } from './errors.js';
import type { InboundMessage } from './message.js';

/** An inbound row as {@link Inbox.accept} stores it. */
type NewInbound = Parameters<typeof insertInbound>[1];

/** Messages processed in one transaction at most (each in a savepoint): a burst commits once per batch, not per message. */
const BATCH = 25;

/**
 * How many times a message whose processing lost a lock conflict (PostgreSQL with several processes: two batches
 * acknowledging in the same townships take the tally rows in opposite orders, and the server fails one as a deadlock)
 * is put back and taken again before it is marked failed and its sender told so.
 */
const LOCK_CONFLICT_RETRIES = 5;

export class Inbox {
  private running: Promise<void> | null = null;
  private stopped = false;
  private dirty = false;
  private poller: NodeJS.Timeout | null = null;
  /** Lock conflicts per inbound message id (see {@link LOCK_CONFLICT_RETRIES}); an entry lives until the message is done. */
  private conflicts = new Map<number, number>();
  /** Messages accepted and waiting for their group commit (see {@link accept}). */
  private accepting: { row: NewInbound; alsoStore?: () => Promise<void>; resolve: (stored: boolean) => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly deps: CoreDeps,
    private readonly dispatch: Dispatcher,
    private readonly log: Logger,
  ) {}

  /**
   * Stores a message durably; a repeat of the same `platform` + `platformMsgId` is reported as duplicate
   * and not stored again. Processing starts in the background. `received_at` is the platform's `sentAt`
   * when it gives a valid one, else now (the console's receive time): the time of the person's action.
   * Messages accepted in the same turn of the event loop are stored in one transaction (a group commit): each call
   * resolves once that transaction committed, so a burst pays one commit, not one each.
   * `alsoStore` runs in that transaction right after the message is stored, when it is new (InboundSink).
   * @throws what storing throws (the whole group's callers get it; nothing of the group is stored)
   */
  async accept(msg: InboundMessage, alsoStore?: () => Promise<void>): Promise<'accepted' | 'duplicate'> {
    const extra: Record<string, unknown> = {};
    if (msg.attachments?.length) extra.attachments = msg.attachments;
    if (msg.quotedMsgId) extra.quotedMsgId = msg.quotedMsgId;
    if (msg.replyContext) extra.replyContext = msg.replyContext;
    if (msg.drill) extra.drill = true;
    const row: NewInbound = {
      platform: msg.platform,
      platformMsgId: msg.platformMsgId,
      conversationId: msg.conversationId,
      senderId: msg.senderId,
      text: msg.text,
      extra: Object.keys(extra).length ? extra : null,
      receivedAt: msg.sentAt && Number.isFinite(msg.sentAt.getTime()) ? msg.sentAt : this.deps.now(),
    };
    const stored = await new Promise<boolean>((resolve, reject) => {
      this.accepting.push({ row, ...(alsoStore ? { alsoStore } : {}), resolve, reject });
      if (this.accepting.length === 1) setImmediate(() => void this.storeAccepted());
    });
    if (!stored) return 'duplicate';
    this.kick();
    return 'accepted';
  }

  /** Stores the messages accepted since the last group commit, in one transaction, and answers their callers. */
  private async storeAccepted(): Promise<void> {
    const group = this.accepting.splice(0);
    try {
      const stored = await writeTx(this.deps.db, async () =>
        await mapInOrder(group, async (g) => {
          const isNew = await insertInbound(this.deps.db, g.row);
          // the adapter's own record of a new message (the console's chat row) in the same transaction
          if (isNew && g.alsoStore) await g.alsoStore();
          return isNew;
        }),
      );
      group.forEach((g, i) => g.resolve(stored[i]!));
    } catch (err) {
      for (const g of group) g.reject(err);
    }
  }

  /** Starts processing stored messages if not already running; if running, it makes another pass. */
  kick(): void {
    this.dirty = true;
    if (this.running || this.stopped) return;
    this.running = (async () => {
      // a message stored while a pass is finishing (e.g. during its last flush) gets a pass of its own
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        await this.loop();
      }
    })().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when every stored message has been processed and its replies queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Looks for stored, unprocessed messages every `ms` (0: never) — those another process stored and could not
   * process (it died after storing), or that a database error left behind.
   */
  poll(ms: number): void {
    if (ms > 0 && !this.poller) this.poller = setInterval(() => this.kick(), ms).unref();
  }

  /** Stops taking new work; resolves when the message in hand is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let more: boolean;
      try {
        more = await this.processBatch(BATCH);
      } catch (err) {
        // the database itself failed (not a command): leave the messages stored; the next kick or poll retries
        this.log.error(errorFields(err), 'inbox: could not take the next message');
        break;
      }
      // queue what the processed messages stored (and run their after-commit work): one round of Redis calls
      // per batch, not per message
      await this.flush();
      if (!more) break;
    }
    await this.flush();
  }

  /**
   * Queues what the processed messages stored and runs their after-commit hooks. A failure (Redis
   * away, a hook throwing) is logged, never thrown out of the loop: what was stored is in SQLite and is
   * queued again when Redis is back (outbox, timers) or at start (task series).
   */
  private async flush(): Promise<void> {
    try {
      await flushCommitted(this.deps);
    } catch (err) {
      this.log.warn(errorFields(err), 'inbox: queueing after commit failed; stored work is re-queued on reconnect or start');
    }
  }

  /**
   * Takes the oldest unprocessed messages, up to `max`, and processes them in one transaction, each in a savepoint of
   * its own: claim (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so processes sharing the database take different messages),
   * state change, reply and the "processed" mark. A command that throws rolls back its own savepoint only; the
   * message is then marked failed and the person told so, in the same transaction — except when it lost a lock
   * conflict ({@link isLockConflict}): then the batch ends there, commits what it did (releasing its locks), and the
   * message stays waiting, to be taken first by the next batch (up to {@link LOCK_CONFLICT_RETRIES} times). One commit
   * for a burst of messages instead of one each. @returns whether more messages may be waiting
   */
  private async processBatch(max: number): Promise<boolean> {
    const { db, outbox } = this.deps;
    let taken = 0;
    let putBack = false;
    await commitUnit(this.deps, async () => {
      while (taken < max && !this.stopped) {
        const row = await claimNextReceived(db);
        if (!row) return;
        taken++;
        try {
          await commitUnit(this.deps, async () => {
            const { more, ...reply } = await this.dispatch(this.deps, row);
            await outbox.store(db, { conversationId: row.conversationId, ...reply, replyToInboundId: row.id, dedupKey: `reply-${row.id}` });
            for (const [i, text] of (more ?? []).entries()) {
              await outbox.store(db, { conversationId: row.conversationId, text, replyToInboundId: row.id, dedupKey: `reply-${row.id}-${i + 2}` });
            }
            await markInboundDone(db, row.id, 'processed', this.deps.now(), null);
          });
          this.conflicts.delete(row.id);
        } catch (err) {
          const conflicts = (this.conflicts.get(row.id) ?? 0) + 1;
          if (isLockConflict(err) && conflicts <= LOCK_CONFLICT_RETRIES) {
            this.conflicts.set(row.id, conflicts);
            // expected with several processes on PostgreSQL (docs/scaling.md): not an internal error, so no GR_ERR code
            this.log.warn({ inboundId: row.id, attempt: conflicts, reason: errorFields(err).err }, 'message lost a lock conflict; taken again');
            putBack = true;
            return;
          }
          this.conflicts.delete(row.id);
          const message = err instanceof Error ? err.message : String(err);
          this.log.error({ inboundId: row.id, platformMsgId: row.platformMsgId, ...errorFields(err) }, 'message failed');
          await outbox.store(db, {
            conversationId: row.conversationId,
            text: '处理这条消息时出错，已记录。请稍后重试，或联系指挥部值班员。',
            replyToInboundId: row.id,
            dedupKey: `reply-${row.id}`,
          });
          await markInboundDone(db, row.id, 'failed', this.deps.now(), message);
        }
      }
    });
    return putBack || taken === max;
  }
}
