/**
 * The one message shape the core sees, whatever the platform. No SDK types here.
 */

/** A file or picture that came with a message (e.g. a DingTalk download code). */
export interface Attachment {
  kind: 'picture' | 'file';
  /**
   * Platform reference to fetch it later: a DingTalk download code, a Slack file URL, or
   * `console-file:<id>` for a picture posted through the console API (its bytes in `console_files`).
   */
  ref: string;
}

/** A message a person sent to the bot, as an adapter hands it to the core. */
export interface InboundMessage {
  /** Adapter name: `console`, `dingtalk` or `slack`. */
  platform: string;
  /** The platform's message id — the deduplication key together with `platform`. */
  platformMsgId: string;
  /** The roster's `conversation_id` of the group it was posted in. */
  conversationId: string;
  /** The roster's `member_id` of the sender. */
  senderId: string;
  /** The text with any @-mention of the bot and leading/trailing whitespace removed. */
  text: string;
  /** When the platform says it was sent (defaults to arrival). */
  sentAt?: Date;
  attachments?: Attachment[];
  /** The platform message id this message quotes, if it is a quoted reply. */
  quotedMsgId?: string;
  /** Adapter-private context kept with the message (e.g. DingTalk sessionWebhook); opaque to the core. */
  replyContext?: Record<string, unknown>;
  /**
   * Sent by the drill script (workflows/drill/), never taken from outside: a directive, notice, lead or task this
   * message creates is a drill item (marked 【演练】, left out of reports). Kept in the inbox row's `extra`.
   */
  drill?: boolean;
}

/**
 * The priority lane of an outbound message under the app's send rate, lower first (stored as the number in
 * `outbound_messages.lane`, used as the BullMQ job priority and by a platform's app-wide rate limiter):
 * 1 `reply` — an answer to a person's message; 2 `urgent` — urgent leads, urgent directives' relays,
 * reminders and escalations; 3 `bulk` — relays and reminders (the default); 4 `digest` — the daily digest
 * and other scheduled reports. Within a lane, messages go in the order they were stored.
 */
export type OutboxLane = 'reply' | 'urgent' | 'bulk' | 'digest';

/** The number of each {@link OutboxLane} (`outbound_messages.lane`, the BullMQ priority): lower goes first. */
export const OUTBOX_LANES: Readonly<Record<OutboxLane, number>> = { reply: 1, urgent: 2, bulk: 3, digest: 4 };

/** The lane stored as `n` (`outbound_messages.lane`); an unknown number reads as `bulk`. */
export function laneOf(n: number | null | undefined): OutboxLane {
  return (Object.keys(OUTBOX_LANES) as OutboxLane[]).find((k) => OUTBOX_LANES[k] === n) ?? 'bulk';
}

/** Something the bot posts into one conversation. */
export interface OutboundMessage {
  /** Outbox id: the idempotency key of this send. */
  id: number;
  conversationId: string;
  /** Plain text; always present. */
  text: string;
  /** Markdown rendition where the platform supports it. */
  markdown?: string;
  /** Roster member ids to @-mention (never "all"). */
  mentions?: string[];
  /**
   * The roster name of each id in `mentions` (`{staff00048: '张三'}`), filled in by the outbox when it loads the
   * row: a platform that cannot notify someone writes their name (`@张三`), never the raw id, in text people read.
   * An id the roster no longer has is left out.
   */
  mentionNames?: Record<string, string>;
  /**
   * Set on a DING row ({@link OutboxDing}): not a post in `conversationId` but an urgent in-app alert of `text` to
   * every member in `mentions` (DingTalk `robot/ding/send`). Only stored where the platform DINGs
   * (`platformDings`, src/config.ts); a platform without `ding` marks such a row sent without a call.
   */
  ding?: OutboxDing;
  /** Buttons the platform may render (Slack: Block Kit); platforms without buttons ignore them. */
  actions?: OutboundAction[];
  /**
   * Pictures the message carries (a lead's, a finding's, a delivery's), as they came in. The console shows
   * its own (`console-file:` refs); DingTalk and Slack ignore them (the text says `附图：N张`).
   */
  attachments?: Attachment[];
  /** The inbound message this answers, with its adapter-private reply context, if any. */
  replyTo?: { inboundId: number; platformMsgId: string; replyContext?: Record<string, unknown> };
  /**
   * Its priority lane ({@link OutboxLane}; absent = `bulk`): an adapter with an app-wide rate limit of its own
   * (DingTalk) lets a waiting call of a lower lane number go first; others ignore it.
   */
  lane?: OutboxLane;
  /**
   * The directive or notice this message relays, amends or revokes, for platforms that show items as cards
   * (DingTalk interactive cards: one card per item, revision and group); others ignore it.
   */
  item?: OutboundItem;
  /**
   * Where the acknowledgement this message answers stands (the answer to a `/收到`, typed or pressed), for
   * platforms that update the pressed card instead of posting the answer; others ignore it.
   */
  ackState?: AckState;
}

/**
 * The item (directive or notice) a message is about, as neutral data (kept in `outbound_messages.actions`).
 * A platform with cards makes one card per `key`, `revision` and conversation.
 */
export interface OutboundItem {
  kind: 'item';
  /** Stable id of the item within this database, e.g. `directive-17` (the row id, not the number). */
  key: string;
  /** The revision this message carries (1 at issue, +1 per amendment). */
  revision: number;
  /** How the item is named, e.g. `指挥部令〔2026〕第17号` (with 【演练】 for a drill item). */
  number: string;
  /** The acknowledgement deadline as shown to people (in `TIMEZONE`, e.g. `12月4日 18:00`), if a receipt is asked. */
  deadline?: string;
  /**
   * `open`: this message is the item's current version (a card with a 收到 button where it asks one);
   * `revoked`: the item was revoked — the cards of `revision` lose their button and say 【已撤回】.
   */
  state: 'open' | 'revoked';
  /** For an amendment: the revision it replaces, whose cards now say 【更正】 and lose their button. */
  supersedes?: number;
}

/**
 * Where one acknowledgement stands after a `/收到` (kept in `outbound_messages.actions`): `ok` — counted now;
 * `already` — the unit had acknowledged before (by `by`, at `at`).
 */
export interface AckState {
  kind: 'ack-state';
  result: 'ok' | 'already';
  /** The item, named as in {@link OutboundItem.number}. */
  number: string;
  /** Name of the member whose acknowledgement counts (the presser, or whoever acknowledged first). */
  by: string;
  /** When it was acknowledged, ISO 8601. */
  at: string;
  /** The same moment as shown to people (`10:42`, in `TIMEZONE`). */
  clock: string;
  /** Counted after its deadline. */
  late?: boolean;
  /** In a township room: how its own grids stand at that moment, e.g. `本乡镇网格已确认 3/52`. */
  count?: string;
}

/**
 * An adapter-neutral action a message offers. `ack`: a button labelled `label` that, when pressed, is
 * as if the presser had sent `command` (e.g. `/收到 令17`) in the same conversation.
 */
export interface OutboundAction {
  kind: 'ack';
  label: string;
  command: string;
}

/**
 * The mark of a DING row, kept in `outbound_messages.actions` beside nothing else: the row alerts its `mentions`
 * in-app instead of posting (OutboundMessage.ding). `subject` names the item it is about as the audit log does
 * (`线索 20260129-007`, `指挥部令〔2026〕第17号`): each DING actually sent is audited under it (action `ding`).
 */
export interface OutboxDing {
  kind: 'ding';
  subject: string;
}

/**
 * What the outbox keeps in `outbound_messages.actions` (JSON): the message's buttons and, after them, its
 * attachments, its item, its acknowledgement state and (a DING row) its DING mark — told apart by `kind` (`ack`,
 * `picture`/`file`, `item`, `ack-state`, `ding`), so none of them needs a column of its own.
 */
export type OutboxExtra = OutboundAction | Attachment | OutboundItem | AckState | OutboxDing;

/** Splits a stored `outbound_messages.actions` array into the message's buttons, attachments, item, acknowledgement state and DING mark. Pure. */
export function splitOutboxExtra(extra: readonly OutboxExtra[] | null | undefined): {
  actions: OutboundAction[];
  attachments: Attachment[];
  item?: OutboundItem;
  ackState?: AckState;
  ding?: OutboxDing;
} {
  const actions: OutboundAction[] = [];
  const attachments: Attachment[] = [];
  let item: OutboundItem | undefined;
  let ackState: AckState | undefined;
  let ding: OutboxDing | undefined;
  for (const x of extra ?? []) {
    if (x.kind === 'ack') actions.push(x);
    else if (x.kind === 'item') item = x;
    else if (x.kind === 'ack-state') ackState = x;
    else if (x.kind === 'ding') ding = x;
    else attachments.push(x);
  }
  return { actions, attachments, ...(item ? { item } : {}), ...(ackState ? { ackState } : {}), ...(ding ? { ding } : {}) };
}

/** What the bot answers to one person's message. */
export interface Reply {
  text: string;
  markdown?: string;
  mentions?: string[];
  /**
   * Further plain-text messages of the same answer, posted after `text` in the same conversation: a long
   * list split into phone-sized pieces (each piece says which it is, `（2/3）`, as sends may arrive out of order).
   */
  more?: string[];
  /** Where the acknowledgement stands, when this answers a `/收到` that was counted or already counted. */
  ackState?: AckState;
}
