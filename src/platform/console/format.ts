/**
 * The core's message as the console keeps and shows it: a stored row (plain text, the markdown rendition,
 * the mentions and the pictures, as given) and the JSON message `GET /console/v1/outbound` answers. Pure.
 */
import type { OutboundMessage } from '../../core/message.js';
import type { ConsoleAttachment } from '../../db/schema/index.js';
import { fileUrl } from './files.js';

/** A message the bot posted to the console, as stored. */
export interface ConsoleRow {
  /** Position in the console's one sequence (all conversations). */
  seq: number;
  conversationId: string;
  text: string;
  markdown: string | null;
  mentions: string[] | null;
  /** Pictures the message carries (`console_files`), or null. */
  attachments: ConsoleAttachment[] | null;
  sentAt: Date;
}

/** A row to store: keyed by the outbox id (a resend is stored once), without `seq` (assigned on insert). */
export type NewConsoleRow = Omit<ConsoleRow, 'seq'> & { outboxId: number };

/**
 * `message` as a console row posted at `sentAt`: no markdown → null, no mentions → null; `files`: its
 * `console-file:` attachments described (files.ts `consoleAttachmentsOf`), none → null.
 */
export function toConsoleRow(message: OutboundMessage, sentAt: Date, files: ConsoleAttachment[] = []): NewConsoleRow {
  return {
    outboxId: message.id,
    conversationId: message.conversationId,
    text: message.text,
    markdown: message.markdown ?? null,
    mentions: message.mentions?.length ? message.mentions : null,
    attachments: files.length ? files : null,
    sentAt,
  };
}

/** A picture as the API shows it: its name, content type and where to fetch it (`/console/v1/files/<id>`). */
export interface PostedAttachment {
  name: string;
  contentType: string;
  url: string;
}

/** Stored attachments as the API shows them. */
export const toPostedAttachments = (xs: readonly ConsoleAttachment[]): PostedAttachment[] =>
  xs.map((a) => ({ name: a.name, contentType: a.contentType, url: fileUrl(a.fileId) }));

/** One message of `GET /console/v1/outbound`: `markdown`, `mentions` and `attachments` only when present, `sentAt` as ISO 8601. */
export interface PostedMessage {
  seq: number;
  conversationId: string;
  text: string;
  markdown?: string;
  mentions?: string[];
  attachments?: PostedAttachment[];
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
    ...(r.attachments?.length ? { attachments: toPostedAttachments(r.attachments) } : {}),
    sentAt: r.sentAt.toISOString(),
  };
}
