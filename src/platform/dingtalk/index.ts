/**
 * The DingTalk platform (PRODUCT.md §3): Stream mode in through `dingtalk-stream` (our own connection
 * manager), OpenAPI and session webhooks out, read receipts from `groupMessages/query`. The Stream
 * connection is opened only by the leader process (`exclusiveInbound`); every process sends.
 *
 * Files: this one wires the adapter; inbound.ts (robot CALLBACK → InboundMessage, ack after storing),
 * outbound.ts (session webhook or `groupMessages/send`), parse.ts (text, mentions, attachments of a robot
 * message), format.ts (webhook body, `msgParam`s, splitting), errors.ts (DingTalk errors → PlatformError);
 * beside them connection.ts and gateway-client.ts (the Stream connection), api.ts (OpenAPI client and
 * token), limiter.ts (app-wide QPS, by outbox lane) and receipts.ts (who has read); cards.ts (interactive
 * cards, when `DINGTALK_CARD_TEMPLATE_ID` is set: card sends and updates, the 收到 button's callbacks);
 * webhooks.ts (each group's latest session webhook in Redis, kept by the leader as messages arrive, read by
 * every process to @ members).
 */
import type { Logger } from 'pino';
import { OUTBOX_LANES, type InboundMessage, type OutboundMessage } from '../../core/message.js';
import type { AdapterHealth, ExclusiveInbound, InboundSink, PlatformAdapter, ReadReceipt, SendReceipt, SentMessage } from '../port.js';
import { OpenApiClient } from './api.js';
import { StreamConnection } from './connection.js';
import { callbackHandler, type InboundStats } from './inbound.js';
import { CardSender, cardCallbackHandler, newCardStats, type CardStats } from './cards.js';
import { SlidingWindowLimiter } from './limiter.js';
import { sendDing, sendMessage, type SendDeps } from './outbound.js';
import { readReceipts } from './receipts.js';
import { SessionWebhooks } from './webhooks.js';
import type { DingTalkReplyContext } from './inbound.js';
import type { Redis } from 'ioredis';

/** What the adapter needs from configuration (PRODUCT.md §4), durations in ms. */
export interface DingTalkOptions {
  clientId: string;
  clientSecret: string;
  /** robotCode for OpenAPI sends; defaults to the client id. */
  robotCode?: string;
  apiBase: string;
  gatewayUrl: string;
  /** App-wide calls per second (`DINGTALK_APP_QPS`). */
  appQps: number;
  idleTimeoutMs: number;
  ticketTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  httpTimeoutMs: number;
  /** `DINGTALK_CARD_TEMPLATE_ID`: set → interactive cards (cards.ts); unset → text. */
  cardTemplateId?: string;
  log: Logger;
  /**
   * Where every process finds each group's latest session webhook (webhooks.ts): the app's Redis and key prefix
   * (`QUEUE_PREFIX`). Absent → a message that @-mentions members outside a reply goes with names only.
   */
  sessionWebhooks?: { redis: Redis; prefix: string };
  /** `DINGTALK_DING=app`: DING rows are sent (`robot/ding/send`); else they are marked sent without a call. */
  ding?: boolean;
}

export class DingTalkAdapter implements PlatformAdapter {
  readonly name = 'dingtalk' as const;
  private sink: InboundSink | null = null;
  private readonly api: OpenApiClient;
  private readonly stream: StreamConnection;
  private readonly robotCode: string;
  private readonly inboundStats: InboundStats = { callbacks: 0, accepted: 0, duplicates: 0, unparsable: 0, sinkErrors: 0, acks: 0 };
  private readonly sendDeps: SendDeps;
  /** Whether the Stream connection is meant to be open (this process leads). */
  private streamOpen = false;
  /** Interactive cards, when a template id is configured (cards.ts). */
  private readonly cards: CardSender | null;
  private readonly cardStats: CardStats = newCardStats();

  constructor(opts: DingTalkOptions) {
    this.robotCode = opts.robotCode || opts.clientId;
    this.api = new OpenApiClient({
      apiBase: opts.apiBase,
      appKey: opts.clientId,
      appSecret: opts.clientSecret,
      timeoutMs: opts.httpTimeoutMs,
      // a free slot goes to the waiting call of the lowest outbox lane (a reply before relays), then the earliest
      limiter: new SlidingWindowLimiter(opts.appQps, 1000, OUTBOX_LANES.bulk),
    });
    this.sendDeps = { api: this.api, robotCode: this.robotCode, stats: { webhookSends: 0, openApiSends: 0, webhookFallbacks: 0 }, ...this.mentionDeps(opts) };
    const log = opts.log.child({ platform: 'dingtalk' });
    this.stream = new StreamConnection({
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      gatewayUrl: opts.gatewayUrl,
      ticketTimeoutMs: opts.ticketTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      baseDelayMs: opts.reconnectBaseMs,
      maxDelayMs: opts.reconnectMaxMs,
      log,
      onCallback: callbackHandler({ sink: () => this.sink, robotCode: this.robotCode, log, stats: this.inboundStats, onStored: (m) => this.keepWebhook(m) }),
      ...(opts.cardTemplateId ? { onCardCallback: cardCallbackHandler({ sink: () => this.sink, log, stats: this.cardStats }) } : {}),
    });
    this.cards = opts.cardTemplateId ? new CardSender({ api: this.api, robotCode: this.robotCode, templateId: opts.cardTemplateId, stats: this.cardStats, log }) : null;
  }

  /** Takes `sink` for the callbacks of the Stream connection, opened by {@link exclusiveInbound}; sends work at once. */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  /**
   * The Stream connection (DingTalk allows one per app at a time): `open` connects (retrying in the
   * background if DingTalk is unreachable), `close` disconnects; only the leader process holds it.
   */
  readonly exclusiveInbound: ExclusiveInbound = {
    open: async () => {
      this.streamOpen = true;
    await this.stream.start();
    },
    close: async () => {
      this.streamOpen = false;
      await this.stream.stop();
    },
  };

  /**
   * With cards on, first the card way (cards.ts: a card for a message with a 收到 button or mentions, a card
   * update for the answer to a press); otherwise, and for whatever is not a card, {@link sendMessage} — session
   * webhook for fresh replies, else `groupMessages/send`.
   */
  async send(message: OutboundMessage): Promise<SendReceipt> {
    const card = this.cards ? await this.cards.send(message) : null;
    return card ?? sendMessage(this.sendDeps, message);
  }

  /** @see sendDing — an in-app DING to the row's mentions (`robot/ding/send`), nothing when DING is off. */
  ding(message: OutboundMessage): Promise<SendReceipt> {
    return sendDing(this.sendDeps, message);
  }

  /** The send dependencies of mentions and DINGs: the shared webhook store, their counters, DING on or off. */
  private mentionDeps(opts: DingTalkOptions): Pick<SendDeps, 'webhooks' | 'mentionStats' | 'ding'> {
    return {
      ...(opts.sessionWebhooks ? { webhooks: new SessionWebhooks(opts.sessionWebhooks.redis, opts.sessionWebhooks.prefix, this.robotCode) } : {}),
      mentionStats: { webhookSends: 0, namesOnlySends: 0 },
      ding: { enabled: opts.ding ?? false, calls: 0, receivers: 0, skipped: 0 },
    };
  }

  /** Keeps a stored robot message's session webhook as its group's latest (webhooks.ts), for every process to @ with. */
  private async keepWebhook(msg: InboundMessage): Promise<void> {
    const ctx = msg.replyContext as Partial<DingTalkReplyContext> | undefined;
    if (!this.sendDeps.webhooks || !ctx?.sessionWebhook) return;
    await this.sendDeps.webhooks.remember(msg.conversationId, ctx.sessionWebhook, Number(ctx.sessionWebhookExpiredTime));
  }

  /**
   * How mentions go, for `health()`: through a group's fresh session webhook with `atUserIds`, else names in the
   * text (`mode`; without the shared webhook store, names only), with counters of each; and DING on or off.
   */
  private mentionHealth(): Record<string, unknown> {
    const d = this.sendDeps;
    return {
      mentions: { mode: this.cards ? 'card' : d.webhooks ? 'session-webhook-or-names' : 'names', ...d.mentionStats },
      ding: { ...d.ding },
    };
  }

  /** @see readReceipts — readers of an OpenAPI-sent message (`platformRef` = processQueryKey). */
  readReceipts(sent: SentMessage): Promise<ReadReceipt[]> {
    return readReceipts(this.api, this.robotCode, sent);
  }

  async stop(): Promise<void> {
    this.sink = null;
    this.streamOpen = false;
    await this.stream.stop();
  }

  /** `ok` when the Stream connection is up, or closed on purpose (`standby`: another process leads). */
  health(): AdapterHealth {
    const stream = this.stream.health();
    const standby = this.sink !== null && !this.streamOpen;
    return {
      ok: standby || stream.state === 'connected',
      state: standby ? 'standby' : stream.state,
      stream,
      inbound: { ...this.inboundStats },
      outbound: { ...this.sendDeps.stats, ...this.api.stats },
      cards: this.cards ? 'on' : 'off',
      ...(this.cards ? { cardCounts: { ...this.cardStats } } : {}),
      ...this.mentionHealth(),
    };
  }
}
