/**
 * The core's message as the console keeps and shows it: a stored row (plain text, the markdown rendition,
/**
 * The core's message as the console keeps and shows it: a stored row (plain text, the markdown rendition,
 * the mentions, the buttons and the pictures, as given), the JSON message `GET /console/v1/outbound` answers
 * (the bot's messages only, the shape of the first console plus `attachments`), and the {@link ChatMessage} of
 * the console page's API (`/chat`, `/events`: people's messages and the bot's). Pure.
 */
import type { OutboundAction, OutboundMessage } from '../../core/message.js';
import { ROLE_ZH } from '../../core/permissions.js';
import type { ConsoleAttachment, Member } from '../../db/schema/index.js';
import { fileUrl } from './files.js';

/** A message of the console's chat, as stored: the bot's (`outboxId` set) or a person's (`senderId` set). */
export interface ConsoleRow {
  /** Position in the console's one sequence (all conversations). */
  seq: number;
  conversationId: string;
  /** The outbox row delivered (bot messages); null for people's. */
  outboxId: number | null;
  /** The inbox row (people's messages); null for the bot's. */
  inboundId: number | null;
  /** Who said it; null for the bot. */
  senderId: string | null;
  text: string;
  markdown: string | null;
  mentions: string[] | null;
  /** The bot's buttons; on a person's row, the one button that person pressed. */
  actions: OutboundAction[] | null;
  /** Pictures the message carries (`console_files`), or null. */
  attachments: ConsoleAttachment[] | null;
  sentAt: Date;
}

/** A bot message to store: keyed by the outbox id (a resend is stored once), without `seq` (assigned on insert). */
export type NewConsoleRow = Omit<ConsoleRow, 'seq' | 'outboxId' | 'inboundId' | 'senderId'> & { outboxId: number };

/**
 * `message` as a console row posted at `sentAt`: no markdown, mentions or actions → null; `files`: its
 * `console-file:` attachments described (files.ts `consoleAttachmentsOf`), none → null.
 */
export function toConsoleRow(message: OutboundMessage, sentAt: Date, files: ConsoleAttachment[] = []): NewConsoleRow {
  return {
    outboxId: message.id,
    conversationId: message.conversationId,
    text: message.text,
    markdown: message.markdown ?? null,
    mentions: message.mentions?.length ? message.mentions : null,
    actions: message.actions?.length ? message.actions : null,
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

/** A stored bot row as the outbound API shows it (the same shape as before people's rows and buttons were kept). */
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


/**
 * One message of the console page's chat (`GET /console/v1/chat`, `GET /console/v1/events`): the bot's (`from: 'bot'`, with its markdown, mentions and buttons) or a person's
 * (`from: 'person'`, with the sender's name and role in Chinese; `pressed` when it was a button press).
 */
export interface ChatMessage {
  seq: number;
  conversationId: string;
  from: 'bot' | 'person';
  senderId?: string;
  /** The sender's name from the roster (absent for a sender not in it). */
  senderName?: string;
  /** The sender's role in Chinese (ROLE_ZH: 指挥长, 网格员 …). */
  senderRole?: string;
  text: string;
  markdown?: string;
  mentions?: { memberId: string; name: string }[];
  actions?: { kind: 'ack'; label: string; command: string }[];
  attachments?: { name: string; contentType: string; url: string }[];
  /** A person's button press: shown as "张三 按下「收到」". */
  pressed?: { label: string };
  /** ISO 8601. */
  sentAt: string;
}

/** Names and roles of the members a page of rows names, by member id. */
export type People = ReadonlyMap<string, Pick<Member, 'name' | 'role'>>;

/** The member ids `rows` name (senders and mentions): what {@link toChat} needs in `people`. */
export function peopleOf(rows: readonly ConsoleRow[]): string[] {
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.senderId) ids.add(r.senderId);
    for (const m of r.mentions ?? []) ids.add(m);
  }
  return [...ids];
}

/** A stored row as the page's {@link ChatMessage}; a member missing from `people` is named by its id. */
export function toChat(r: ConsoleRow, people: People): ChatMessage {
  const person = r.outboxId === null && r.senderId !== null;
  const sender = r.senderId ? people.get(r.senderId) : undefined;
  return {
    seq: r.seq,
    conversationId: r.conversationId,
    from: person ? 'person' : 'bot',
    ...(person ? { senderId: r.senderId! } : {}),
    ...(person && sender ? { senderName: sender.name, senderRole: ROLE_ZH[sender.role] } : {}),
    text: r.text,
    ...(r.markdown ? { markdown: r.markdown } : {}),
    ...(r.mentions?.length ? { mentions: r.mentions.map((id) => ({ memberId: id, name: people.get(id)?.name ?? id })) } : {}),
    ...(!person && r.actions?.length ? { actions: r.actions.map((a) => ({ kind: a.kind, label: a.label, command: a.command })) } : {}),
    ...(r.attachments?.length ? { attachments: toPostedAttachments(r.attachments) } : {}),
    ...(person && r.actions?.length ? { pressed: { label: r.actions[0]!.label } } : {}),
    sentAt: r.sentAt.toISOString(),
  };
}
