/**
 * The one message shape the core sees, whatever the platform. No SDK types here.
 */

/** A file or picture that came with a message (e.g. a DingTalk download code). */
export interface Attachment {
  kind: 'picture' | 'file';
  /** Platform reference to fetch it later (download code, URL). */
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
  /** Buttons the platform may render (Slack: Block Kit); platforms without buttons ignore them. */
  actions?: OutboundAction[];
  /** The inbound message this answers, with its adapter-private reply context, if any. */
  replyTo?: { inboundId: number; platformMsgId: string; replyContext?: Record<string, unknown> };
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
}
