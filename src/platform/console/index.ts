/**
 * The console platform (PRODUCT.md §3): the embedded default. gridrelay holds the chats itself and serves
 * them over HTTP, so a person or a test can play any member in any group.
 *
 * - `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → `202 {msgId}` once
 *   stored; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`). `quotedSeq` makes it a
 *   quoted reply to the bot's message with that `seq`.
 * - `GET /console/v1/outbound?conversationId=&after=<seq>` → `{messages:[{seq, conversationId, text,
 *   markdown?, mentions?, sentAt}]}` in `seq` order, at most 1,000 per page.
 *
 * Input is checked (src/http/validate.ts): ids are 1–128 printable characters, `text` at most 4,000
 * characters (413 `text_too_long`), no unknown fields or parameters, `after` a non-negative integer;
 * a refusal is 4xx `{code, message, error, reason}` and stores nothing. With `CONSOLE_TOKEN` every route needs the
 * token (`Authorization: Bearer` or `?token=`), else 401.
 *
 * The web console's page: `GET /console/` and `/console/assets/*` (page.ts), without the token.
 *
 * Files: this one is the adapter (start/stop, routes, the chat's storage); page.ts (the web page); inbound.ts (`POST` → InboundMessage),
 * outbound.ts (the send port, `GET`), parse.ts (what the API accepts), format.ts (message ↔ stored row ↔
 * API message), errors.ts (refusals; sends raise no PlatformError).
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import { appendConsoleMessage, consoleMessagesAfter } from '../../db/queries/console.js';
import type { OutboundMessage } from '../../core/message.js';
import type { AdapterHealth, InboundSink, PlatformAdapter, SendReceipt } from '../port.js';
import { requireToken } from '../../http/access.js';
import { registerInbound } from './inbound.js';
import { registerOutbound, sendToConsole, type ConsoleChat } from './outbound.js';
import { registerPage } from './page.js';

export interface ConsoleOptions {
  /** `CONSOLE_TOKEN`: set → every `/console/v1/` request must carry it (src/http/access.ts); the page's static files need none. */
  token?: string;
  /** The built web console's folder (default dist/console under the package root, page.ts). */
  pageDir?: string;
}

/**
 * The console's chat in the database (`console_messages`, queries in src/db/queries/console.ts): `append`
 * stores a message unless its outbox id is there already and gives its `seq`; `page` reads rows after a
 * `seq`, optionally in one conversation.
 */
export function consoleChat(db: Db): ConsoleChat {
  return {
    append: async (row) => await appendConsoleMessage(db, row),
    page: async ({ after, conversationId, limit }) => await consoleMessagesAfter(db, after, limit, conversationId),
  };
}

export class ConsoleAdapter implements PlatformAdapter {
  readonly name = 'console' as const;
  private sink: InboundSink | null = null;
  private readonly chat: ConsoleChat;

  constructor(
    db: Db,
    private readonly opts: ConsoleOptions = {},
  ) {
    this.chat = consoleChat(db);
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  /** Appends the message to the conversation; idempotent per outbox id (a resend is not shown twice). @see sendToConsole */
  send(message: OutboundMessage): Promise<SendReceipt> {
    return sendToConsole(this.chat, message);
  }

  async stop(): Promise<void> {
    this.sink = null;
  }

  health(): AdapterHealth {
    return { ok: true, state: this.sink ? 'receiving' : 'stopped' };
  }

  routes(http: FastifyInstance): void {
    const onRequest = this.opts.token ? [requireToken(this.opts.token, 'CONSOLE_TOKEN')] : [];
    registerInbound(http, { onRequest, sink: () => this.sink });
    registerOutbound(http, { onRequest, chat: this.chat });
    // the web console's static files: no token (they hold no data; the page passes its token on)
    registerPage(http, this.opts.pageDir ? { dir: this.opts.pageDir } : {});
  }
}
