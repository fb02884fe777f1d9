/**
 * The console's chat in the database and the page's reading of it:
 *
 * - {@link consoleChat}: `console_messages` (queries in src/db/queries/console.ts) — the bot's messages (stored by
 *   the send port, once per outbox id) and people's (stored in the transaction that accepts them, once per inbox row),
 *   with an in-process nudge for `GET /console/v1/events`.
 * - `GET /console/v1/chat?conversationId=&after=<seq>` → `{messages: ChatMessage[]}`: one group's messages, people's
 *   and the bot's, in `seq` order, at most 1,000; 404 `unknown_conversation` for an id that is not a group.
 * - `GET /console/v1/summary` → `{lastSeq, conversations:[{conversationId, lastSeq, botMessages}]}`: per group with
 *   messages its highest `seq` and the count of the bot's messages (the page's unseen dots).
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import {
  appendConsoleMessage,
  appendPersonMessage,
  consoleMessageAt,
  consoleMessagesAfter,
  consoleSummary,
  inboundRowOf,
  membersById,
} from '../../db/queries/console.js';
import { getGroup } from '../../db/queries/roster.js';
import type { requireToken } from '../../http/access.js';
import { HttpError, readInput } from '../../http/validate.js';
import { peopleOf, toChat, type ChatMessage, type ConsoleRow } from './format.js';
import { PAGE, type ConsoleChat } from './outbound.js';
import { chatQuery, emptyQuery } from './parse.js';

/** The chat in `db`: see {@link ConsoleChat}. Each stored row nudges the listeners of this process. */
export function consoleChat(db: Db): ConsoleChat {
  const listeners = new Set<() => void>();
  // after the current turn: a row stored inside a transaction (the outbox's send, the inbox's accept) is committed by
  // then on SQLite, so the listeners' read finds it; where it is not yet (PostgreSQL), their next poll does
  const nudge = (seq: number | undefined) => {
    if (seq === undefined || listeners.size === 0) return;
    setImmediate(() => {
      for (const l of listeners) l();
    });
  };
  return {
    async append(row) {
      const seq = await appendConsoleMessage(db, row);
      nudge(seq);
      return seq;
    },
    async person(message, extra = {}) {
      const inbox = await inboundRowOf(db, message.platform, message.platformMsgId);
      if (!inbox) return undefined;
      const seq = await appendPersonMessage(db, {
        inboundId: inbox.id,
        senderId: message.senderId,
        conversationId: message.conversationId,
        text: message.text,
        ...(extra.pressed ? { pressed: extra.pressed } : {}),
        ...(extra.attachments?.length ? { attachments: extra.attachments } : {}),
        sentAt: inbox.receivedAt,
      });
      nudge(seq);
      return seq;
    },
    notify: () => nudge(0),
    page: async ({ after, conversationId, limit, botOnly }) => await consoleMessagesAfter(db, after, limit, conversationId, { botOnly: botOnly ?? false }),
    at: async (seq) => await consoleMessageAt(db, seq),
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** `rows` as the page's messages: the senders' and mentioned members' names and roles read in one query. */
export async function toChatMessages(db: Db, rows: readonly ConsoleRow[]): Promise<ChatMessage[]> {
  const people = new Map((await membersById(db, peopleOf(rows))).map((m) => [m.id, m]));
  return rows.map((r) => toChat(r, people));
}

/** The 404 `unknown_conversation` refusal: `conversationId` is not a group of the roster. */
export function unknownConversation(conversationId: string): HttpError {
  return new HttpError(404, 'unknown_conversation', `no group with conversationId ${JSON.stringify(conversationId.slice(0, 40))} in the roster`);
}

/** Registers `GET /console/v1/chat` and `GET /console/v1/summary` (queries checked, 4xx refusals). */
export function registerChat(http: FastifyInstance, deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; db: Db; chat: ConsoleChat }): void {
  http.get('/console/v1/chat', { onRequest: deps.onRequest }, async (req) => {
    const q = readInput(chatQuery, req.query, 'query');
    if (!(await getGroup(deps.db, q.conversationId))) throw unknownConversation(q.conversationId);
    const rows = await deps.chat.page({ after: q.after ?? 0, conversationId: q.conversationId, limit: PAGE });
    return { messages: await toChatMessages(deps.db, rows) };
  });
  http.get('/console/v1/summary', { onRequest: deps.onRequest }, async (req) => {
    readInput(emptyQuery, req.query, 'query');
    const conversations = await consoleSummary(deps.db);
    return { lastSeq: conversations.reduce((m, c) => Math.max(m, c.lastSeq), 0), conversations };
  });
}
