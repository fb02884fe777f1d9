/**
 * The console platform (PRODUCT.md §3): the embedded default. gridrelay holds the chats itself and serves
 * them over HTTP, so a person, a test or the console's web page can play any member in any group.
 *
 * - `POST /console/v1/inbound` `{conversationId, senderId, text, msgId?, quotedSeq?}` → `202 {msgId}` once
 *   stored; a repeated `msgId` is accepted once (`202 {msgId, duplicate: true}`). `quotedSeq` makes it a
 *   quoted reply to the bot's message with that `seq`. The message is shown in the chat as the person's.
 * - `GET /console/v1/outbound?conversationId=&after=<seq>` → `{messages:[{seq, conversationId, text,
 *   markdown?, mentions?, attachments?, sentAt}]}` in `seq` order, at most 1,000 per page: the bot's messages only.
 * - Pictures: inbound `attachments: [{kind?: 'image', name, contentType, dataBase64}]`, served back at
 *   `GET /console/v1/files/<id>` (files.ts).
 * - For the web page: `GET /console/v1/org`, `/members?conversationId=`, `/commands?conversationId=&senderId=`
 *   (the roster, and what `/帮助` lists), `/chat?conversationId=&after=` (people's messages and the bot's),
 *   `/summary`, `/events?after=` (server-sent events, live across processes), `POST /console/v1/press` (a
 *   button, as Slack's).
 *
 * Input is checked (src/http/validate.ts): ids are 1–128 printable characters, `text` at most 4,000
 * characters (413 `text_too_long`), no unknown fields or parameters, `after` a non-negative integer;
 * a refusal is 4xx `{code, message, error, reason}` and stores nothing. With `CONSOLE_TOKEN` every route needs the
 * token (`Authorization: Bearer` or `?token=`; an EventSource can only give `?token=`), else 401.
 *
 * The web console's page: `GET /console/` and `/console/assets/*` (page.ts), without the token.
 *
 * Files: this one is the adapter (start/stop, routes); page.ts (the web page); inbound.ts (`POST inbound` →
 * InboundMessage), press.ts (`POST press` → InboundMessage, as Slack's button), outbound.ts (the send port,
 * `GET outbound`, the `ConsoleChat` port), chat.ts (the chat's storage, `GET chat`, `GET summary`), events.ts
 * (`GET events`: SSE), org.ts (`GET org`, `members`, `commands`), files.ts (pictures: checks, `console_files`,
 * `GET files/:id`), parse.ts (what the API accepts), format.ts (message ↔ stored row ↔ API message,
 * ChatMessage), errors.ts (refusals; sends raise no PlatformError).
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import type { InboundMessage, OutboundMessage } from '../../core/message.js';
import type { AdapterHealth, InboundSink, PlatformAdapter, SendReceipt } from '../port.js';
import { requireToken } from '../../http/access.js';
import { consoleChat, registerChat } from './chat.js';
import { EVENT_TIMING, EventStreams, registerEvents, type EventTiming } from './events.js';
import { consoleFiles, registerFiles, type ConsoleFiles } from './files.js';
import { registerInbound } from './inbound.js';
import { registerOrg, type CommandsFor } from './org.js';
import { registerOutbound, sendToConsole, type ConsoleChat } from './outbound.js';
import { registerPress } from './press.js';
import { registerPage } from './page.js';

export { consoleChat } from './chat.js';

export interface ConsoleOptions {
  /** `CONSOLE_TOKEN`: set → every `/console/v1/` request must carry it (src/http/access.ts); the page's static files need none. */
  token?: string;
  /** What `/帮助` lists for a sender in a group (app.ts: commands/help.ts); absent → `GET /console/v1/commands` lists none. */
  commandsFor?: CommandsFor;
  /** How the event streams poll and ping; default {@link EVENT_TIMING}. */
  events?: Partial<EventTiming>;
  /** IANA time zone the page shows times in (`TIMEZONE`, as in the bot's messages); default Asia/Shanghai. */
  timeZone?: string;
  /** The built web console's folder (default dist/console under the package root, page.ts). */
  pageDir?: string;
}

export class ConsoleAdapter implements PlatformAdapter {
  readonly name = 'console' as const;
  /** Sending is a row of `console_messages`: the outbox stores it with the sent mark, in one transaction. */
  readonly sendsInDatabase = true;
  private sink: InboundSink | null = null;
  private readonly chat: ConsoleChat;
  private readonly streams = new EventStreams();
  private readonly files: ConsoleFiles;

  constructor(
    private readonly db: Db,
    private readonly opts: ConsoleOptions = {},
  ) {
    this.chat = consoleChat(db);
    this.files = consoleFiles(db);
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.streams.reopen();
  }

  /** Appends the message to the conversation; idempotent per outbox id (a resend is not shown twice). @see sendToConsole */
  send(message: OutboundMessage): Promise<SendReceipt> {
    return sendToConsole(this.chat, message, this.files);
  }

  /**
   * Stores a message through `accept` (the inbox) and, when accepted, shows it in the chat as the person's — what
   * `POST /console/v1/inbound` does, for messages made inside gridrelay (the drill's people). @returns what `accept` said
   */
  async acceptShown(message: InboundMessage, accept: InboundSink): Promise<'accepted' | 'duplicate'> {
    const result = await accept(message, async () => void (await this.chat.person(message)));
    if (result === 'accepted') this.chat.notify();
    return result;
  }

  /** Stops receiving and ends every open event stream (the app's stop never waits on a browser). */
  async stop(): Promise<void> {
    this.sink = null;
    await this.streams.closeAll();
  }

  health(): AdapterHealth {
    return { ok: true, state: this.sink ? 'receiving' : 'stopped', eventStreams: this.streams.size };
  }

  routes(http: FastifyInstance): void {
    const onRequest = this.opts.token ? [requireToken(this.opts.token, 'CONSOLE_TOKEN')] : [];
    const sink = () => this.sink;
    const { db, chat, files } = this;
    registerInbound(http, { onRequest, sink, chat, files });
    registerOutbound(http, { onRequest, chat });
    registerFiles(http, { onRequest, files });
    registerChat(http, { onRequest, db, chat });
    registerOrg(http, { onRequest, db, commandsFor: this.opts.commandsFor ?? (() => []), timeZone: this.opts.timeZone ?? 'Asia/Shanghai' });
    registerEvents(http, { onRequest, db, chat, streams: this.streams, timing: { ...EVENT_TIMING, ...this.opts.events } });
    registerPress(http, { onRequest, sink, chat });
    // the web console's static files: no token (they hold no data; the page passes its token on)
    registerPage(http, this.opts.pageDir ? { dir: this.opts.pageDir } : {});
  }
}
