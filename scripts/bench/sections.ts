/**
 * The sections of `npm run bench` that drive running servers: ingest (closed and open loop), fan-out, the relay
 * against the DingTalk fake at the app's QPS, reminder lateness. Each returns plain figures; scripts/bench.ts puts
 * them in the table. Servers are gridrelay's compiled entry (`dist/src/main.js`) and the bare floor
 * (`dist/scripts/bench/bare.js`), each a process of its own, driven through the console API.
 *
 * Times compared across processes are epoch ms (a client's post against a row's `sent_at`); durations in this process
 * are `performance.now()` ms.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { closedLoop, openLoop, percentile, post, quiet, sleep, type ChatMessage, type Server } from './lib.js';
import { runIngest, type IngestResult, type ReplySource } from './ingest.js';
import type { BenchCounty } from './roster.js';

/** Rows of one SQL query on gridrelay's database (SQLite file or PostgreSQL), read from this process. */
export async function query<R>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<R[]> {
  if (/^postgres(ql)?:/.test(databaseUrl)) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      let i = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++i}`), params)).rows as R[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(databaseUrl.replace(/^file:/, ''), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as R[];
  } finally {
    db.close();
  }
}

/** A stored time as epoch ms (SQLite keeps ms integers, PostgreSQL timestamptz). */
const ms = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'string' && !/^\d+$/.test(v) ? Date.parse(v) : Number(v));

/** `n` acknowledgements (`收到`) from grid workers in their grid groups, cycling through the grids; msgIds `<tag>-<i>`. */
export function acks(county: BenchCounty, n: number, tag: string): ChatMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const g = county.grids[i % county.grids.length]!;
    return { msgId: `${tag}-${i}`, conversationId: g.conversationId, senderId: g.memberId, text: '收到' };
  });
}

/** What a server is, for the sections: its URL and where its replies are read. */
export interface Target {
  server: Server;
  replies: ReplySource;
}

/** Closed loop: `n` acknowledgements from `clients` concurrent clients, until every reply is sent. */
export async function ingestClosed(t: Target, county: BenchCounty, n: number, clients: number, tag: string): Promise<IngestResult> {
  return await runIngest(acks(county, n, tag), (m) => closedLoop(t.server.url, m, clients), t.replies);
}

/**
 * Open loop: acknowledgements at `perMinute` (747 = the whole county answering within a minute) for `seconds` s, each
 * posted on time whatever the server does, until every reply is sent.
 */
export async function ingestOpen(t: Target, county: BenchCounty, perMinute: number, seconds: number, tag: string): Promise<IngestResult> {
  const n = Math.round((perMinute / 60) * seconds);
  return await runIngest(acks(county, n, tag), (m) => openLoop(t.server.url, m, perMinute / 60), t.replies);
}

/** What one fan-out measured (ms from the post of the command). */
export interface FanOut {
  groups: number;
  /** until every relay row was stored (gridrelay: the command's processing done, its transaction committing; the relays are queued right after it commits) */
  storedMs: number;
  /** until the last relay was sent */
  sentMs: number;
}

/**
 * gridrelay: the commander posts `/令` to the whole county; measures until all relays (`dir-<id>-relay-…`) are
 * stored, and sent. @throws when fewer than `expect` relays are sent within `timeoutMs`
 */
export async function fanOutGridrelay(t: Target & { databaseUrl: string }, county: BenchCounty, expect: number, tag: string, timeoutMs = 120_000): Promise<FanOut> {
  const postedAt = await post(t.server.url, { msgId: tag, conversationId: county.command.conversationId, senderId: county.command.memberId, text: `/令 基准测试${tag}：请各单位收到后回复` });
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const [row] = await query<{ n: number | string; stored: unknown; sent: unknown; done: number | string }>(
      t.databaseUrl,
      `SELECT count(*) AS n, max(i.processed_at) AS stored, max(o.sent_at) AS sent, sum(CASE WHEN o.status = 'sent' THEN 1 ELSE 0 END) AS done
         FROM inbound_messages i JOIN directives d ON d.source_inbound_id = i.id
         JOIN outbound_messages o ON o.dedup_key LIKE 'dir-' || d.id || '-relay-%'
        WHERE i.platform_msg_id = ?`,
      [tag],
    );
    if (row && Number(row.done) >= expect) return { groups: Number(row.n), storedMs: ms(row.stored) - postedAt, sentMs: ms(row.sent) - postedAt };
    if (performance.now() > deadline) throw new Error(`bench: fan-out ${tag}: ${row?.done ?? 0}/${expect} sent after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The bare floor: `n` rows in one transaction + one `addBulk`, until all are marked sent. */
export async function fanOutBare(url: string, n: number, timeoutMs = 60_000): Promise<FanOut> {
  const res = (await (await fetch(`${url}/bare/fanout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) })).json()) as { fanoutId: string; storedQueuedMs: number };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = (await (await fetch(`${url}/bare/fanout/${res.fanoutId}`)).json()) as { sent: number; storedQueuedMs: number; sentMs: number | null };
    if (s.sentMs != null) return { groups: n, storedMs: s.storedQueuedMs, sentMs: s.sentMs };
    if (performance.now() > deadline) throw new Error(`bench: bare fan-out: ${s.sent}/${n} sent after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Lateness figures of reminders, ms after they were due. */
export interface Lateness {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

const lateness = (values: number[]): Lateness => ({ count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values) });

/**
 * The first ladder step of an unanswered directive: posts `/令` (nobody acknowledges), waits `remindAfterMs` (the
 * server's `ACK_REMIND_AFTER`) and until every step-1 reminder (`dir-<id>-r…-s1-…`) is sent; lateness = sent −
 * (issued + remindAfterMs). @throws when fewer than `expect` are sent within the time
 */
export async function ladderLateness(t: Target & { databaseUrl: string }, county: BenchCounty, remindAfterMs: number, expect: number, tag: string): Promise<Lateness> {
  await post(t.server.url, { msgId: tag, conversationId: county.command.conversationId, senderId: county.command.memberId, text: `/令 基准测试${tag}：提醒阶梯` });
  await sleep(remindAfterMs);
  const deadline = performance.now() + remindAfterMs + 60_000;
  for (;;) {
    const rows = await query<{ issued: unknown; sent: unknown; status: string }>(
      t.databaseUrl,
      `SELECT d.issued_at AS issued, o.sent_at AS sent, o.status AS status
         FROM inbound_messages i JOIN directives d ON d.source_inbound_id = i.id
         JOIN outbound_messages o ON o.dedup_key LIKE 'dir-' || d.id || '-r%-s1-%'
        WHERE i.platform_msg_id = ?`,
      [tag],
    );
    const sent = rows.filter((r) => r.status === 'sent');
    if (sent.length >= expect) return lateness(sent.map((r) => ms(r.sent) - (ms(r.issued) + remindAfterMs)));
    if (performance.now() > deadline) throw new Error(`bench: ladder ${tag}: ${sent.length}/${expect} reminders sent`);
    await sleep(200);
  }
}

/**
 * `tasks` special tasks issued by the commander, task i to the grids of township i mod 15 (`范围:<township>`), all with
 * the deadline `deadline` (`deadlineWords`: `YYYY-MM-DD HH:MM` in the server's time zone), so that with the server's
 * `TASK_REMIND_BEFORE` = `remindBeforeMs` their first reminders fall due at the same instant. Waits until the
 * reminders (`task-<id>-v…-<unit>-…`: one per grid, the tasks due together bundled in it) reached every grid;
 * lateness = sent − (deadline − remindBeforeMs).
 */
export async function taskLateness(
  t: Target & { databaseUrl: string },
  county: BenchCounty,
  opts: { tasks: number; deadline: Date; deadlineWords: string; remindBeforeMs: number; tag: string },
): Promise<Lateness & { issuedMs: number }> {
  const t0 = performance.now();
  for (let i = 0; i < opts.tasks; i++) {
    await post(t.server.url, { msgId: `${opts.tag}-${i}`, conversationId: county.command.conversationId, senderId: county.command.memberId, text: `/任务 基准任务${i + 1} 截止:${opts.deadlineWords} 范围:${county.townships[i % county.townships.length]!.name}` });
  }
  await quiet(t.server.url);
  const issuedMs = performance.now() - t0;
  const due = opts.deadline.getTime() - opts.remindBeforeMs;
  if (Date.now() > due - 1000) throw new Error(`bench: issuing ${opts.tasks} tasks took ${Math.round(issuedMs)} ms, past their reminders' due time: give them more time`);
  const [{ n } = { n: 0 }] = await query<{ n: number | string }>(t.databaseUrl, `SELECT count(*) AS n FROM tasks WHERE deadline = ?`, [/^postgres/.test(t.databaseUrl) ? opts.deadline : opts.deadline.getTime()]);
  if (Number(n) < opts.tasks) throw new Error(`bench: only ${n} of ${opts.tasks} tasks were issued with the deadline`);
  await sleep(Math.max(0, due - Date.now()));
  const deadline = performance.now() + 90_000;
  for (;;) {
    const rows = await query<{ sent: unknown; status: string }>(
      t.databaseUrl,
      `SELECT o.sent_at AS sent, o.status AS status FROM outbound_messages o JOIN tasks k ON o.dedup_key LIKE 'task-' || k.id || '-v%'
        WHERE k.deadline = ? AND o.dedup_key NOT LIKE '%-moved' AND o.dedup_key NOT LIKE '%-due'`,
      [/^postgres/.test(t.databaseUrl) ? opts.deadline : opts.deadline.getTime()],
    );
    const sent = rows.filter((r) => r.status === 'sent');
    if (sent.length >= county.grids.length && rows.every((r) => r.status !== 'pending')) return { ...lateness(sent.map((r) => ms(r.sent) - due)), issuedMs };
    if (performance.now() > deadline) throw new Error(`bench: task reminders: ${sent.length} sent`);
    await sleep(200);
  }
}
