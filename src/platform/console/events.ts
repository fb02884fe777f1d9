/**
 * `GET /console/v1/events?after=<seq>` → `text/event-stream`: every chat row (all groups, people's and the bot's)
 * after `seq`, live, as `id: <seq>` / `event: message` / `data: <ChatMessage JSON>`; a comment line as a ping
 * every `pingMs` (15 s). Where it starts: the `Last-Event-ID` header (an EventSource reconnecting), else `after`,
 * else the newest row now (only what comes next).
 *
 * Rows are found by polling the table by `seq` (every `pollMs`, 250 ms: rows stored by other processes on the same
 * database) and at once on the in-process nudge (rows stored by this process). A `seq` missing between rows read
 * may be a row another transaction has taken but not yet committed (PostgreSQL); the rows after it are held back
 * until it appears or `gapMs` (1 s) has passed since it was first missed — or at once when those rows are older than
 * that — so no row is skipped and none is sent twice.
 *
 * The stream ends when the client goes away or the adapter stops ({@link EventStreams.closeAll}: the app's stop does
 * not wait on open streams).
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import { lastConsoleSeq } from '../../db/queries/console.js';
import type { requireToken } from '../../http/access.js';
import { readInput } from '../../http/validate.js';
import { toChatMessages } from './chat.js';
import { notReceiving } from './errors.js';
import type { ConsoleRow } from './format.js';
import { PAGE, type ConsoleChat } from './outbound.js';
import { eventsQuery, lastEventId } from './parse.js';

/** How the event streams poll and ping (ms). */
export interface EventTiming {
  /** Between two reads of the table when nothing nudged (other processes' rows). */
  pollMs: number;
  /** Between two comment pings (keeps proxies from closing an idle stream). */
  pingMs: number;
  /** How long rows after a missing `seq` are held back waiting for it. */
  gapMs: number;
}

/** The default timing: poll every 250 ms, ping every 15 s, wait 1 s for a missing `seq`. */
export const EVENT_TIMING: EventTiming = { pollMs: 250, pingMs: 15_000, gapMs: 1_000 };

/** The open event streams of one adapter: refused once closed. */
export class EventStreams {
  private readonly open = new Map<() => void, Promise<void>>();
  private closed = false;

  /** Whether new streams are refused (the adapter stopped). */
  get stopped(): boolean {
    return this.closed;
  }

  /** Keeps `stream` (its `close` and the promise of its loop) until its loop ends. */
  add(close: () => void, loop: Promise<void>): void {
    this.open.set(close, loop);
    void loop.finally(() => this.open.delete(close));
  }

  /** How many streams are open. */
  get size(): number {
    return this.open.size;
  }

  /** Refuses new streams, ends every open one, and resolves when their loops have ended. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const loops = [...this.open.entries()];
    for (const [close] of loops) close();
    await Promise.allSettled(loops.map(([, loop]) => loop));
  }

  /** Takes streams again (the adapter restarted). */
  reopen(): void {
    this.closed = false;
  }
}

/** A missing `seq` waited on: the first one missing, and when it was first missed (ms since the epoch). */
export interface Gap {
  seq: number;
  since: number;
}

/**
 * The rows of `rows` (read after `cursor`, in `seq` order) that may be sent now: up to the first missing `seq`,
 * unless that gap was first missed `gapMs` ago (`gap`, from the last read) or the row after it is older than that.
 * Pure. @returns the rows to send and the gap still waited on (null: none)
 */
export function sendable(rows: readonly ConsoleRow[], cursor: number, gap: Gap | null, now: number, gapMs: number): { rows: ConsoleRow[]; gap: Gap | null } {
  const out: ConsoleRow[] = [];
  let expected = cursor + 1;
  for (const r of rows) {
    if (r.seq !== expected) {
      const since = gap?.seq === expected ? gap.since : now;
      const settled = now - since >= gapMs || now - r.sentAt.getTime() >= gapMs;
      if (!settled) return { rows: out, gap: { seq: expected, since } };
    }
    out.push(r);
    expected = r.seq + 1;
  }
  return { rows: out, gap: null };
}

/** One `message` event: `id`, `event`, `data` (one line of JSON), a blank line. */
const frame = (seq: number, data: unknown) => `id: ${seq}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`;

/** Registers `GET /console/v1/events` (query and `Last-Event-ID` checked: 400 refusals; 503 once stopped). */
export function registerEvents(
  http: FastifyInstance,
  deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; db: Db; chat: ConsoleChat; streams: EventStreams; timing: EventTiming },
): void {
  const { db, chat, streams, timing } = deps;
  http.get('/console/v1/events', { onRequest: deps.onRequest }, async (req, reply) => {
    const q = readInput(eventsQuery, req.query, 'query');
    const header = req.headers['last-event-id'];
    const resumed = header === undefined ? undefined : readInput(lastEventId, header, 'query');
    if (streams.stopped) throw notReceiving();
    let cursor = resumed ?? q.after ?? (await lastConsoleSeq(db));

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // the first bytes at once, so the client's request resolves before any row comes
    res.write(`retry: 2000\n: gridrelay console events after ${cursor}\n\n`);

    let closed = false;
    let wake: (() => void) | null = null;
    let nudged = false;
    const off = chat.onAppend(() => {
      nudged = true;
      wake?.();
    });
    const ping = setInterval(() => res.write(': ping\n\n'), timing.pingMs);
    ping.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      off();
      clearInterval(ping);
      wake?.();
      if (!res.writableEnded) res.end();
    };
    res.on('close', close);

    const loop = (async () => {
      let gap: Gap | null = null;
      while (!closed) {
        nudged = false;
        let full = false;
        try {
          const read = await chat.page({ after: cursor, limit: PAGE });
          const ready = sendable(read, cursor, gap, Date.now(), timing.gapMs);
          gap = ready.gap;
          if (ready.rows.length && !closed) {
            const messages = await toChatMessages(db, ready.rows);
            if (closed) break;
            res.write(messages.map((m) => frame(m.seq, m)).join(''));
            cursor = ready.rows[ready.rows.length - 1]!.seq;
          }
          full = read.length === PAGE && ready.rows.length === read.length;
        } catch (err) {
          req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'console events: reading the chat failed; stream closed');
          break;
        }
        if (full || nudged || closed) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, timing.pollMs);
          function done() {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
      close();
    })();
    streams.add(close, loop);
  });
}
