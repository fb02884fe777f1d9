/**
 * Ingest: people's acknowledgements posted through the console API of a running server (gridrelay or the bare
 * floor), until every one of them has its reply sent. Figures: throughput (messages per second from the first post
 * to the last reply sent) and the time from each person's post to the bot's answer being sent (p50/p99, ms).
 *
 * The replies are read from the server's database after the run: gridrelay's `inbound_messages` ↔
 * `outbound_messages.reply_to_inbound_id` (the first piece of the answer), or the bare floor's `GET /bare/replies`.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { percentile, sleep, type ChatMessage } from './lib.js';

/** Where the replies of a run are read from. */
export type ReplySource =
  | { kind: 'gridrelay'; databaseUrl: string }
  | { kind: 'bare'; url: string };

/** Send time (epoch ms) of the first reply to each answered message (by the client's msgId), among `msgIds`. */
export async function replyTimes(src: ReplySource, msgIds: ReadonlySet<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (src.kind === 'bare') {
    let after = 0;
    for (;;) {
      const res = (await (await fetch(`${src.url}/bare/replies?after=${after}`)).json()) as { replies: { inboundId: number; msgId: string; sentAt: number }[] };
      for (const r of res.replies) if (msgIds.has(r.msgId)) out.set(r.msgId, r.sentAt);
      if (!res.replies.length) break;
      after = res.replies[res.replies.length - 1]!.inboundId;
    }
    return out;
  }
  const sql = `SELECT i.platform_msg_id AS msg, o.sent_at AS sent FROM inbound_messages i JOIN outbound_messages o
    ON o.reply_to_inbound_id = i.id AND o.dedup_key = 'reply-' || i.id WHERE o.status = 'sent'`;
  if (/^postgres(ql)?:/.test(src.databaseUrl)) {
    const client = new pg.Client({ connectionString: src.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ msg: string; sent: Date }>(sql);
      for (const r of rows) if (msgIds.has(r.msg)) out.set(r.msg, new Date(r.sent).getTime());
    } finally {
      await client.end();
    }
    return out;
  }
  const file = src.databaseUrl.replace(/^file:/, '');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    for (const r of db.prepare(sql).all() as { msg: string; sent: number }[]) if (msgIds.has(r.msg)) out.set(r.msg, r.sent);
  } finally {
    db.close();
  }
  return out;
}

/**
 * How many replies the server has sent so far (all runs): gridrelay's sent `reply-…` rows, or the bare floor's `sent`.
 */
async function sentReplies(src: ReplySource): Promise<number> {
  if (src.kind === 'bare') return ((await (await fetch(`${src.url}/bare/status`)).json()) as { sent: number }).sent;
  const sql = `SELECT count(*) AS n FROM outbound_messages WHERE status = 'sent' AND dedup_key LIKE 'reply-%' AND dedup_key NOT LIKE 'reply-%-%'`;
  if (/^postgres(ql)?:/.test(src.databaseUrl)) {
    const client = new pg.Client({ connectionString: src.databaseUrl });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
    } finally {
      await client.end();
    }
  }
  const db = new Database(src.databaseUrl.replace(/^file:/, ''), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What one ingest run measured. */
export interface IngestResult {
  messages: number;
  /** messages per second, first post → last reply sent */
  perSecond: number;
  /** post → reply sent, ms */
  p50: number;
  p99: number;
  max: number;
}

/**
 * Posts `msgs` with `drive` (a closed or open loop from ./lib.ts), then waits (up to `timeoutMs`) until every one
 * has its reply sent, polling the replies every 200 ms.
 * @throws when replies are missing after `timeoutMs`
 */
export async function runIngest(
  msgs: readonly ChatMessage[],
  drive: (msgs: readonly ChatMessage[]) => Promise<Map<string, number>>,
  src: ReplySource,
  timeoutMs = 120_000,
): Promise<IngestResult> {
  const ids = new Set(msgs.map((m) => m.msgId));
  const before = await sentReplies(src);
  const sent = await drive(msgs);
  const deadline = performance.now() + timeoutMs;
  // a cheap count while waiting (reading every reply each time would load the server being measured)
  const target = before + ids.size;
  for (let n = 0; n < target; n = await sentReplies(src)) {
    if (performance.now() > deadline) throw new Error(`bench: ${target - n} of ${ids.size} messages got no reply within ${timeoutMs} ms`);
    await sleep(200);
  }
  const replies = await replyTimes(src, ids);
  if (replies.size < ids.size) throw new Error(`bench: ${ids.size - replies.size} of ${ids.size} messages got no reply`);
  const first = Math.min(...sent.values());
  const last = Math.max(...replies.values());
  const lat = [...ids].map((id) => replies.get(id)! - sent.get(id)!);
  return { messages: ids.size, perSecond: ids.size / ((last - first) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat) };
}
