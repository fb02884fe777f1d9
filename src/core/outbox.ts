/**
 * The outbox: every outbound message is stored in SQLite before it is queued in BullMQ (queue
 * `outbox-<instance id>`, job id `ob-<instance id>-<row id>`, see src/jobs/queues.ts); a worker sends
 * it through the platform port, at most `rate` messages per conversation; a restart re-queues what was
 * not sent and drops queued jobs of rows already sent or failed.
 *
 * Lanes: each message has a priority lane (`NewOutbound.lane`, stored as 1..4 in `outbound_messages.lane`,
 * see OUTBOX_LANES): a reply to a person's message, urgent, relays and reminders, digests. The lane is its
 * send job's BullMQ `priority` (lower first, FIFO within one; every job has one — BullMQ would run a job
 * without a priority before all prioritized ones), so an answer waiting behind a county-wide relay is the next
 * job a worker takes; the platform gets it too (`OutboundMessage.lane`: DingTalk's app-wide limiter grants by
 * it). Adding a prioritized job costs O(log n) in the queue's prioritized set — a few ms more for a 762-group
 * relay. The per-conversation rate window is the same for every lane.
 *
 * Sending one message (the rate window, the platform call, marking it sent or failed) is ./outbox-send.ts;
 * delivery is at-least-once for the message in flight, as explained there.
 *
 * Times stored on a row (created, sending, sent) come from the app's clock (`now`, i.e. `deps.now`);
 * BullMQ delays and the per-conversation rate window are wall-clock epoch ms (`Date.now()`), the clock
 * Redis, BullMQ and every other worker share.
 */
import { instanceId, type Db } from '../db/client.js';
import { CommitBuffer } from '../jobs/unit-of-work.js';
import { insertOutbound, insertOutboundMany, outboundCountsByStatus, pendingOutbound } from '../db/queries/messages.js';
import type { Rate } from '../time/duration.js';
import { OUTBOX_LANES, type AckState, type Attachment, type OutboundAction, type OutboundItem, type OutboxDing, type OutboxLane } from './message.js';
import type { PlatformAdapter } from '../platform/port.js';
import { JobQueue, WAITING_STATES, listOwnJobs, type JobsConnection } from '../jobs/queues.js';
import { errorFields } from './errors.js';
import { drillFirst } from './drill.js';
import { OutboxSender } from './outbox-send.js';

/** A message to store: the outbox fills in id, status and timestamps. */
export interface NewOutbound {
  conversationId: string;
  text: string;
  markdown?: string;
  mentions?: string[];
  /** Buttons the platform may render (e.g. Slack's acknowledgement button); others ignore them. */
  actions?: OutboundAction[];
  /** Pictures the message carries (console: shown; DingTalk, Slack: ignored — say `附图` in the text). */
  attachments?: Attachment[];
  /** The item it relays, amends or revokes (a card on DingTalk; kept after the buttons, see OutboxExtra). */
  item?: OutboundItem;
  /** Where the acknowledgement it answers stands (DingTalk updates the pressed card with it). */
  ackState?: AckState;
  /**
   * Makes this a DING row (OutboundMessage.ding): an in-app alert of `text` to `mentions`, nothing posted. Store
   * DINGs through `storeDing` (src/core/ding.ts), which keeps them to platforms that DING and ≤ 200 receivers a row.
   */
  ding?: OutboxDing;
  /** Domain idempotency key (e.g. `dir-17-relay-<cid>`): a second message with the same key is not stored. */
  dedupKey?: string;
  replyToInboundId?: number;
  /** Conversation to tell if this message can never be delivered (e.g. the issuer's group of a relay). */
  notifyOnFail?: string;
  /**
   * Its priority lane under the app's send rate ({@link OutboxLane}); default `reply` when it has
   * `replyToInboundId` (an answer to a person), else `bulk`. Set it where the message is made: `urgent` for
   * urgent leads and urgent directives' relays, reminders and escalations, `digest` for scheduled reports.
   */
  lane?: OutboxLane;
}

export { OUTBOX_LANES, type OutboxLane } from './message.js';

/** The lane number (1..4) a message is stored and queued with ({@link NewOutbound.lane} and its default). */
export function laneNumber(msg: Pick<NewOutbound, 'lane' | 'replyToInboundId'>): number {
  return OUTBOX_LANES[msg.lane ?? (msg.replyToInboundId ? 'reply' : 'bulk')];
}

/** A message to queue: its outbox id and lane number (the job's priority). */
interface Queued {
  id: number;
  lane: number;
}

/** What the {@link Outbox} works with: the database, the queues, the clock, the send rate, the worker's concurrency. */
export interface OutboxOptions {
  db: Db;
  /** The app's queues (Redis connection, key prefix, log). */
  jobs: JobsConnection;
  /** The clock (`deps.now`): when messages are stored, their sends start and end. */
  now: () => Date;
  /** Per-conversation send rate. */
  rate: Rate;
  /**
   * Called (outside any transaction) after a message is marked failed for good, with its outbox id; may
   * return a promise (e.g. of a unit of work). Its errors, thrown or rejected, are logged.
   */
  onFailed?: (outboxId: number) => void | Promise<void>;
  concurrency: number;
}

/** What {@link Outbox.resume} did. */
export interface OutboxResume {
  /** Pending messages (all queued). */
  pending: number;
  /** Pending messages with a platform call that did not complete (a crash, a timeout, a refusal): possibly delivered, sent again. */
  possiblySent: number;
  /** Queued jobs removed: their row was already sent or failed, or is unknown to this database. */
  removed: number;
  /** Waiting jobs of pending rows whose BullMQ priority was not their lane's (e.g. queued before lanes): moved to it. */
  reprioritized: number;
  /** Jobs of pending rows that had failed for good without the row being marked (e.g. stalled by crashes): queued again. */
  requeued: number;
}

/** This database's outbox: stores messages, queues them after commit, reconciles the queue at start, runs the send worker. */
export class Outbox {
  private readonly jobs: JobQueue<{ outboxId: number }>;
  /** Ids stored since the last flush, per unit of work: a flush queues those of committed units only. */
  private unflushed = new CommitBuffer<Queued>();
  /** Sends each queued message (the worker's job processor). */
  private readonly sender: OutboxSender;

  constructor(private readonly opts: OutboxOptions) {
    this.jobs = new JobQueue<{ outboxId: number }>(opts.jobs, 'outbox', instanceId(opts.db));
    this.sender = new OutboxSender(opts);
  }

  /** The BullMQ queue of this database's sends. */
  get queue() {
    return this.jobs.queue;
  }

  /**
   * Stores one message (inside the caller's transaction if any).
   * @returns the outbox id, or `null` when `dedupKey` was already stored.
   */
  async store(db: Db, msg: NewOutbound): Promise<number | null> {
    const row = this.row(msg);
    const id = await insertOutbound(db, row);
    if (id === null) return null;
    this.unflushed.add({ id, lane: row.lane });
    return id;
  }

  /**
   * Stores many messages in a few multi-row statements (a relay to every group of a county), in order, inside the
   * caller's transaction if any; a message whose `dedupKey` is already stored is skipped. (Messages of
   * different lanes are stored one statement each.)
   * @returns how many were stored
   */
  async storeMany(db: Db, msgs: readonly NewOutbound[]): Promise<number> {
    const rows = msgs.map((m) => this.row(m));
    const lanes = new Set(rows.map((r) => r.lane));
    if (lanes.size > 1) {
      // a skipped duplicate leaves no id to match a row by: messages of several lanes are stored one by one
      let n = 0;
      for (const m of msgs) if ((await this.store(db, m)) !== null) n++;
      return n;
    }
    const ids = await insertOutboundMany(db, rows);
    for (const id of ids) this.unflushed.add({ id, lane: rows[0]!.lane });
    return ids.length;
  }

  /** The row of `msg`: a message naming a drill item starts with 【演练】 ({@link drillFirst}), text and markdown alike. */
  private row(msg: NewOutbound) {
    // attachments, the item, the acknowledgement state and a DING's mark are kept after the buttons in the one JSON column (see OutboxExtra)
    const extra = [...(msg.actions ?? []), ...(msg.attachments ?? []), ...(msg.item ? [msg.item] : []), ...(msg.ackState ? [msg.ackState] : []), ...(msg.ding ? [msg.ding] : [])];
    return {
      conversationId: msg.conversationId,
      text: drillFirst(msg.text),
      markdown: msg.markdown ? drillFirst(msg.markdown) : null,
      mentions: msg.mentions?.length ? msg.mentions : null,
      actions: extra.length ? extra : null,
      dedupKey: msg.dedupKey ?? null,
      replyToInboundId: msg.replyToInboundId ?? null,
      notifyOnFail: msg.notifyOnFail ?? null,
      lane: laneNumber(msg),
      createdAt: this.opts.now(),
    };
  }

  /** Queues every message stored since the last flush. Call after the storing transaction commits. */
  async flush(): Promise<void> {
    await this.enqueue(this.unflushed.take());
  }

  /**
   * Queues every pending message again (Redis came back, possibly empty). Jobs still held are left as
   * they are (BullMQ ignores a re-added id). @returns how many messages are pending.
   */
  async requeuePending(): Promise<number> {
    const rows = await pendingOutbound(this.opts.db);
    await this.enqueue(rows);
    return rows.length;
  }

  /**
   * Start-up recovery, reconciling BullMQ with SQLite: removes this database's queued (waiting, delayed,
   * failed) send jobs whose row is sent, failed or missing — e.g. left by a newer copy of a restored
   * backup — takes back failed jobs of rows still pending, moves waiting jobs of pending rows to their
   * lane's priority (jobs queued before lanes had none), and queues every pending message. Running
   * jobs (another process on this database, or a crashed one's until its lock expires) are left alone.
   * Warns when messages were possibly delivered already (their last call started but never finished).
   */
  async resume(): Promise<OutboxResume> {
    const { db } = this.opts;
    const { log } = this.opts.jobs;
    const jobs = await listOwnJobs<{ outboxId: number }>(this.queue, this.jobs.idPrefix, [...WAITING_STATES, 'failed']);
    // rows are read after the jobs are listed: a job is only ever added after its row committed
    const rows = await pendingOutbound(db);
    const pending = new Map(rows.map((r) => [r.id, r.lane]));
    let removed = 0;
    let requeued = 0;
    let reprioritized = 0;
    for (const job of jobs) {
      const lane = pending.get(job.data?.outboxId);
      const live = lane !== undefined && job.id === this.jobId(job.data.outboxId);
      if (live && job.state !== 'failed') {
        if (job.priority !== lane && (await this.reprioritize(job.id, lane))) reprioritized++;
        continue;
      }
      if ((await this.queue.remove(job.id)) !== 1) continue;
      if (live) requeued++;
      else removed++;
    }
    await this.enqueue(rows);
    const possiblySent = rows.filter((r) => r.sendingAt).map((r) => r.id);
    if (removed || requeued || reprioritized) log.info({ removed, requeued, reprioritized }, 'outbox: reconciled queued jobs with the database');
    if (possiblySent.length) {
      log.warn(
        { outboxIds: possiblySent.slice(0, 50), count: possiblySent.length },
        'outbox: unsent messages had a send attempt that did not complete (a crash, a timeout or a refusal); they are sent again, and any the platform had already taken will show twice',
      );
    }
    return { pending: rows.length, possiblySent: possiblySent.length, removed, requeued, reprioritized };
  }

  /** Gives queued job `id` the priority `lane` (a waiting job moves to its place in the queue). @returns false when the job is gone or running. */
  private async reprioritize(id: string, lane: number): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    try {
      await job.changePriority({ priority: lane });
      return true;
    } catch {
      return false; // taken by a worker meanwhile
    }
  }

  private jobId(outboxId: number): string {
    return this.jobs.jobId(outboxId);
  }

  /**
   * Queues a send job per message, its priority the message's lane (an id already queued is left as it is);
   * lower lanes are added first (in order within a lane), so a reply stored with a county-wide relay is not
   * added after hundreds of relay jobs workers have already started on.
   */
  private async enqueue(queued: readonly Queued[]): Promise<void> {
    const msgs = [...queued].sort((x, y) => x.lane - y.lane);
    for (let i = 0; i < msgs.length; i += 500) {
      await this.queue.addBulk(
        msgs.slice(i, i + 500).map(({ id, lane }) => ({
          name: 'send',
          data: { outboxId: id },
          opts: {
            jobId: this.jobId(id),
            priority: lane,
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
    const { concurrency } = this.opts;
    const { log } = this.opts.jobs;
    await this.jobs.start((job, token) => this.sender.send(adapter, job, token), {
      concurrency,
      // a crashed process's in-flight sends come back within ~15 s; a send caught by several crashes
      // in a row is still sent, not failed as "stalled too often"
      lock: { durationMs: 10_000, stalledIntervalMs: 5_000, maxStalledCount: 5 },
      onFailed: async (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1);
        log.warn({ outboxId: job.data.outboxId, attempt: job.attemptsMade, ...errorFields(err) }, 'send failed');
        if (final) await this.sender.markFailed(job.data.outboxId, err.message);
      },
    });
    // a Redis that restarts empty loses every queued send; SQLite still holds them as pending
    this.jobs.onReconnect(
      () =>
        void this.requeuePending().then(
          (n) => n && log.info({ requeued: n }, 'outbox: Redis back, re-queued unsent messages'),
          (err) => log.warn({ ...errorFields(err) }, 'outbox: re-queue after reconnect failed'),
        ),
    );
  }

  /** Counts of outbox rows by status, for `/healthz`. */
  async counts(): Promise<Record<string, number>> {
    return await outboundCountsByStatus(this.opts.db);
  }

  /** Stops the worker (in-flight sends finish) and closes the queue. */
  async close(): Promise<void> {
    await this.jobs.close();
  }
}
