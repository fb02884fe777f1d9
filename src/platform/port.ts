/**
 * The platform port: one small interface every adapter (console, DingTalk, Slack) implements.
 */
import type { FastifyInstance } from 'fastify';
import type { InboundMessage, OutboundMessage } from '../core/message.js';
import { GridrelayError } from '../core/errors.js';

/**
 * Hands an inbound message to the core; resolves once it is durably stored. Ack the platform only then.
 * `alsoStore`, if given, runs inside the transaction that stores the message, only when the message is new (not a
 * duplicate): what the adapter keeps beside it (the console's chat row) commits, or rolls back, with it.
 */
export type InboundSink = (message: InboundMessage, alsoStore?: () => Promise<void>) => Promise<'accepted' | 'duplicate'>;

/** What a successful send returns. */
export interface SendReceipt {
  /** Platform reference of the posted message (console seq, DingTalk processQueryKey, Slack ts). */
  platformRef?: string;
  /** A DING ({@link PlatformAdapter.ding}): the members actually alerted (none when the platform's DING is off). */
  dinged?: string[];
}

/** A message the bot posted, as far as read receipts need it. */
export interface SentMessage {
  conversationId: string;
  /** The `platformRef` the send returned. */
  platformRef: string;
}

/** One member who has read a posted message (read is not acknowledged). */
export interface ReadReceipt {
  /** The roster's `member_id` of the reader. */
  memberId: string;
}

/** Health of the adapter's connection, shown on `/healthz`. */
export interface AdapterHealth {
  ok: boolean;
  state: string;
  [detail: string]: unknown;
}

/**
 * A send failure (`GR_ERR_PLATFORM`), classified: `retry` (transient, try again with backoff), `throttled`
 * (rate limited; try again after `retryAfterMs`), `permanent` (never succeeds: bot not in group, invalid
 * conversation).
 */
export class PlatformError extends GridrelayError {
  override name = 'PlatformError';
  constructor(
    readonly kind: 'retry' | 'throttled' | 'permanent',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super('GR_ERR_PLATFORM', message);
  }
}

/**
 * An inbound connection that only one process may hold at a time (DingTalk Stream: one connection per
 * app; Slack Socket Mode). The app opens it only while this process holds the leader lease
 * (src/jobs/leader.ts) and closes it when the lease is lost; `open` and `close` alternate, `open` only
 * after `start`.
 */
export interface ExclusiveInbound {
  /** Opens the connection (resolves after the first attempt; the adapter keeps reconnecting on its own). */
  open(): Promise<void>;
  /** Closes it; the adapter keeps sending. */
  close(): Promise<void>;
}

export interface PlatformAdapter {
  readonly name: 'console' | 'dingtalk' | 'slack';
  /**
   * Begins receiving; every inbound message goes to `sink`, and the platform is acked only after it
   * resolves. With {@link exclusiveInbound}, messages come only once that connection is opened.
   */
  start(sink: InboundSink): Promise<void>;
  /** The connection only the leader opens, where the platform has one; absent → every process receives (console, Slack HTTP events). */
  readonly exclusiveInbound?: ExclusiveInbound;
  /**
   * Posts one message. Must be idempotent per `message.id` where the platform allows.
   * @throws PlatformError classified as retry / throttled / permanent.
   */
  send(message: OutboundMessage): Promise<SendReceipt>;
  /**
   * Sends a DING row (`message.ding`): an urgent in-app alert of `message.text` to every member in
   * `message.mentions`, nothing posted in the group (DingTalk `POST /v1.0/robot/ding/send`). Absent: the platform
   * cannot DING, and the outbox marks such a row sent without a call. Idempotency as for `send`.
   * @returns `dinged`: who was alerted (empty when DING is configured off)
   * @throws PlatformError like `send`
   */
  ding?(message: OutboundMessage): Promise<SendReceipt>;
  /**
   * `send` only writes the app's own database (the console): the outbox runs it inside one transaction with the row's
   * sending and sent marks (one commit; a crash leaves the message unsent, never sent twice). Never set for a
   * platform reached over the network (a transaction must not wait on one).
   */
  readonly sendsInDatabase?: boolean;
  /** Stops receiving (closing {@link exclusiveInbound} if open) and sending. */
  stop(): Promise<void>;
  /** For `/healthz`; an exclusive connection left closed on purpose (a follower) counts as healthy. */
  health(): AdapterHealth;
  /** Registers the adapter's own HTTP routes (the console API; Slack's HTTP receiver). */
  routes?(http: FastifyInstance): void;
  /** Who has read a posted message so far (DingTalk only). @throws PlatformError like `send`. */
  readReceipts?(sent: SentMessage): Promise<ReadReceipt[]>;
}
