/**
 * The console's send port and its reading side. A send appends the message to the console's chat
 * (idempotent per outbox id: a resend is not shown twice), with its console pictures, and returns its `seq`;
 * `GET /console/v1/outbound?conversationId=&after=<seq>` → `{messages:[{seq, conversationId, text,
 * markdown?, mentions?, attachments?: [{name, contentType, url}], sentAt}]}` in `seq` order, at most 1,000 per
 * page: the bot's messages only (people's rows of the chat are never in it; the page reads both through chat.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { InboundMessage, OutboundAction, OutboundMessage } from '../../core/message.js';
import type { ConsoleAttachment } from '../../db/schema/index.js';
import type { requireToken } from '../../http/access.js';
import { readInput } from '../../http/validate.js';
import type { SendReceipt } from '../port.js';
import { consoleAttachmentsOf, type ConsoleFiles } from './files.js';
import { toConsoleRow, toPosted, type ConsoleRow, type NewConsoleRow } from './format.js';
import { outboundQuery } from './parse.js';

/** Messages per page of `GET /console/v1/outbound`. */
export const PAGE = 1000;

/** Where the console keeps its chat (index.ts: the database). */
export interface ConsoleChat {
  /** Stores the bot's `row` unless its outbox id is stored already. @returns the `seq` of the stored row */
  append(row: NewConsoleRow): Promise<number | undefined>;
  /**
   * Stores a person's message the inbox has just accepted (found by `platform` + `platformMsgId`), at the time
   * it was received; `pressed`: the button it came from (`POST /console/v1/press`). Once per inbox row. Called
   * inside the inbox's transaction (the `alsoStore` of InboundSink), so the row commits with the message.
   * @returns its `seq`, or undefined when the inbox has no such message or the chat has it already
   */
  person(message: InboundMessage, extra?: { pressed?: OutboundAction; attachments?: ConsoleAttachment[] }): Promise<number | undefined>;
  /** Rows after `after` (in one conversation, if given; the bot's only with `botOnly`), in `seq` order, at most `limit`. */
  page(q: { after: number; conversationId?: string; limit: number; botOnly?: boolean }): Promise<ConsoleRow[]>;
  /** The row with `seq`, if any. */
  at(seq: number): Promise<ConsoleRow | undefined>;
  /**
   * Wakes the listeners ({@link onAppend}) now: after a transaction that stored rows through {@link person} committed
   * (a nudge from inside it may come before the rows can be read).
   */
  notify(): void;
  /**
   * Calls `listener` after each row this process stores (the in-process nudge of `GET /console/v1/events`;
   * other processes' rows are found by polling). @returns a function that removes it
   */
  onAppend(listener: () => void): () => void;
}

/**
 * Posts one message to the console, with its `console-file:` pictures (`files` describes them; other
 * platforms' references are left out). @returns `platformRef` = its `seq`
 * @throws whatever storing throws (not a PlatformError: the outbox retries it)
 */
export async function sendToConsole(chat: ConsoleChat, message: OutboundMessage, files?: Pick<ConsoleFiles, 'describe'>): Promise<SendReceipt> {
  const pictures = files ? await consoleAttachmentsOf(files, message.attachments) : [];
  const seq = await chat.append(toConsoleRow(message, new Date(), pictures));
  return { platformRef: String(seq ?? '') };
}

/** Registers `GET /console/v1/outbound` (query checked, 400 refusals): the bot's messages only. */
export function registerOutbound(http: FastifyInstance, deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; chat: ConsoleChat }): void {
  http.get('/console/v1/outbound', { onRequest: deps.onRequest }, async (req, reply) => {
    const q = readInput(outboundQuery, req.query, 'query');
    const rows = await deps.chat.page({ after: q.after ?? 0, ...(q.conversationId ? { conversationId: q.conversationId } : {}), limit: PAGE, botOnly: true });
    return { messages: rows.map(toPosted) };
  });
}
