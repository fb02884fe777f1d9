/**
 * The core's message as the console keeps and shows it: a stored row (plain text, the markdown rendition
 * and the mentions, as given) and the JSON message `GET /console/v1/outbound` answers. Pure.
 */
import type { OutboundMessage } from '../../core/message.js';

/** A message the bot posted to the console, as stored. */
export interface ConsoleRow {
  /** Position in the console's one sequence (all conversations). */
  seq: number;
  conversationId: string;
  text: string;
  markdown: string | null;
  mentions: string[] | null;
  sentAt: Date;
}

/** A row to store: keyed by the outbox id (a resend is stored once), without `seq` (assigned on insert). */
export type NewConsoleRow = Omit<ConsoleRow, 'seq'> & { outboxId: number };

/** `message` as a console row posted at `sentAt`: no markdown → null, no mentions → null. */
export function toConsoleRow(message: OutboundMessage, sentAt: Date): NewConsoleRow {
  return {
    outboxId: message.id,
    conversationId: message.conversationId,
    text: message.text,
    markdown: message.markdown ?? null,
    mentions: message.mentions?.length ? message.mentions : null,
    sentAt,
  };
}

/** One message of `GET /console/v1/outbound`: `markdown` and `mentions` only when present, `sentAt` as ISO 8601. */
export interface PostedMessage {
  seq: number;
  conversationId: string;
  text: string;
  markdown?: string;
  mentions?: string[];
  sentAt: string;
}

/** A stored row as the outbound API shows it. */
export function toPosted(r: ConsoleRow): PostedMessage {
  return {
    seq: r.seq,
    conversationId: r.conversationId,
    text: r.text,
    ...(r.markdown ? { markdown: r.markdown } : {}),
    ...(r.mentions ? { mentions: r.mentions } : {}),
    sentAt: r.sentAt.toISOString(),
  };
}
