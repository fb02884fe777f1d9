/**
 * The bare-stack floor of `npm run bench` (issue 14): a standalone server on gridrelay's own dependencies (fastify,
 * better-sqlite3 or pg, BullMQ on ioredis) doing only the pipeline every gridrelay message goes through, with no
 * domain logic, so gridrelay's figures can be read against what the stack itself does in the same run. No shortcut
 * gridrelay could not take: a message is stored (committed) before the 202; ONE transaction per message takes the
 * oldest unprocessed row, marks it processed and stores one reply; after commit the replies are queued as real
 * BullMQ jobs (`addBulk` every 25 processed messages and at the end of a pass, as gridrelay's inbox does); a worker
 * (gridrelay's concurrency, lock settings and job options) reads each row and marks it sent. SQLite gets gridrelay's
 * pragmas (src/db/client.ts), PostgreSQL gridrelay's claim (`FOR UPDATE SKIP LOCKED`) and pool size.
 *
 * Run `node --import tsx scripts/bench/bare.ts`; prints `listening <port>` once ready. Env: `DATABASE_URL`
 * (required; `file:<path>` → SQLite, `postgres://…` → an existing database, `PG_POOL_MAX` default 10; tables made if
 * missing), `QUEUE_PREFIX` (required, random; the queue is obliterated on SIGTERM/SIGINT, then exit 0), `PORT`
 * (0: any), `HOST` (127.0.0.1), `REDIS_URL` (redis://127.0.0.1:6379), `CONCURRENCY` (worker, 16). Times are epoch ms.
 * - `POST /console/v1/inbound` `{msgId, conversationId, senderId, text}` → 202 `{msgId}` once stored; 202
 *   `{msgId, duplicate: true}` for a known msgId; 400 `{error}` for a bad body.
 * - `POST /bare/fanout` `{n}` (1…100,000) → `{fanoutId, storedQueuedMs}`: n rows (conversations `fan-<i>`) in ONE
 *   transaction, then ONE `addBulk` of n jobs; storedQueuedMs from the handler's start until that resolved.
 * - `GET /bare/fanout/:id` → `{n, sent, storedQueuedMs, sentMs}`; sentMs: handler start → the last row's `sent_at`
 *   (1 ms grain), null until all are sent; 404 for an unknown id.
 * - `GET /bare/replies?after=<inbound id>` → `{replies: [{inboundId, msgId, sentAt}]}`: sent replies to inbound rows
 *   with id > after, by inbound id, at most 5,000 (page on the last inboundId once all are sent).
 * - `GET /bare/status` → `{received, processed, sent}` (inbound rows, processed ones, replies sent; not fan-out
 *   rows). `GET /healthz` → 200 `{ok: true}`.
 */
import Database from 'better-sqlite3';
import { Queue, Worker } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const REPLY_TEXT = '已收到';
const FANOUT_TEXT = '基准测试通知';
const PAGE = 5000;
/** Processed messages between two `addBulk`s of their replies (gridrelay's inbox flushes every 25). */
const FLUSH_EVERY = 25;
const QUEUE_NAME = 'bare-outbox';

/** Every statement, in one place; `?` placeholders (numbered `$n` for PostgreSQL by {@link numbered}). */
const SQL = {
  /**
   * The tables: `id` is the row id's type (INTEGER / BIGSERIAL), `int` that of the other integers. The claim's index
   * is (status, id): on PostgreSQL a (status) index alone leaves the oldest-first claim scanning every processed row.
   */
  schema: (id: string, int: string) => `CREATE TABLE IF NOT EXISTS inbound (id ${id} PRIMARY KEY, msg_id TEXT NOT NULL
      UNIQUE, conversation_id TEXT NOT NULL, sender_id TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL DEFAULT
      'received', received_at ${int} NOT NULL, processed_at ${int});
    CREATE TABLE IF NOT EXISTS outbound (id ${id} PRIMARY KEY, inbound_id ${int} REFERENCES inbound (id), fanout_id
      TEXT, conversation_id TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', created_at
      ${int} NOT NULL, sent_at ${int});
    CREATE INDEX IF NOT EXISTS inbound_status ON inbound (status, id);
    CREATE INDEX IF NOT EXISTS outbound_inbound ON outbound (inbound_id);
    CREATE INDEX IF NOT EXISTS outbound_fanout ON outbound (fanout_id);`,
  insertInbound: `INSERT INTO inbound (msg_id, conversation_id, sender_id, text, received_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (msg_id) DO NOTHING RETURNING id`,
  nextReceived: `SELECT id, conversation_id, text FROM inbound WHERE status = 'received' ORDER BY id LIMIT 1`,
  /** PostgreSQL: processes sharing the database take different rows (gridrelay's claim). */
  lockSuffix: ' FOR UPDATE SKIP LOCKED',
  markProcessed: `UPDATE inbound SET status = 'processed', processed_at = ? WHERE id = ?`,
  insertReply: `INSERT INTO outbound (inbound_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
  insertFanoutRow: `INSERT INTO outbound (fanout_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
  insertFanoutRows: `INSERT INTO outbound (fanout_id, conversation_id, text, created_at)
    SELECT ?, c, ?, ? FROM unnest(?::text[]) WITH ORDINALITY AS u (c, i) ORDER BY i RETURNING id`,
  getOutbound: `SELECT id, conversation_id, text, status FROM outbound WHERE id = ?`,
  markSent: `UPDATE outbound SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'pending'`,
  fanout: `SELECT count(*) AS n, sum(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, max(sent_at) AS last
    FROM outbound WHERE fanout_id = ?`,
  replies: `SELECT i.id AS inbound_id, i.msg_id, o.sent_at FROM outbound o JOIN inbound i ON i.id = o.inbound_id
    WHERE o.inbound_id > ? AND o.status = 'sent' ORDER BY o.inbound_id LIMIT ${PAGE}`,
  status: `SELECT (SELECT count(*) FROM inbound) AS received,
    (SELECT count(*) FROM inbound WHERE status = 'processed') AS processed,
    (SELECT count(*) FROM outbound WHERE inbound_id IS NOT NULL AND status = 'sent') AS sent`,
};

/** `?` → `$1, $2, …` (no statement above holds a `?` in a literal). */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

type Row = Record<string, unknown>;
/** Runs one statement (in a transaction of its own) and gives its rows (none for a write without RETURNING). */
type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** The database, either dialect: single statements, and the two multi-statement transactions. */
interface Store {
  q: Query;
  /** ONE transaction: the oldest received message → processed, plus one pending reply. @returns the reply's id, null when none waits. */
  processNext(now: number): Promise<number | null>;
  /** ONE transaction: one pending row per conversation, tagged `fanoutId`. @returns their ids, in order. */
  storeFanout(fanoutId: string, conversations: string[], now: number): Promise<number[]>;
  close(): Promise<void>;
}

/** SQLite through better-sqlite3 (synchronous, so a transaction cannot interleave with another statement). */
function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  // gridrelay's pragmas (src/db/client.ts openSqlite), so both run on the same file settings
  for (const p of ['journal_mode = WAL', 'busy_timeout = 5000', 'synchronous = NORMAL', 'foreign_keys = ON', 'wal_autocheckpoint = 10000']) db.pragma(p);
  db.exec(SQL.schema('INTEGER', 'INTEGER'));
  const cache = new Map<string, Database.Statement>();
  const run = (sql: string, params: unknown[] = []): Row[] => {
    let st = cache.get(sql);
    if (!st) cache.set(sql, (st = db.prepare(sql)));
    if (st.reader) return st.all(...params) as Row[];
    st.run(...params);
    return [];
  };
  const processNext = db.transaction((now: number): number | null => {
    const row = run(SQL.nextReceived)[0];
    if (!row) return null;
    run(SQL.markProcessed, [now, row.id]);
    return Number(run(SQL.insertReply, [row.id, row.conversation_id, REPLY_TEXT, now])[0]!.id);
  });
  const storeFanout = db.transaction((id: string, conversations: string[], now: number): number[] =>
    conversations.map((c) => Number(run(SQL.insertFanoutRow, [id, c, FANOUT_TEXT, now])[0]!.id)),
  );
  return {
    q: async (sql, params) => run(sql, params),
    // BEGIN IMMEDIATE, as gridrelay's SQLite transactions
    processNext: async (now) => processNext.immediate(now),
    storeFanout: async (id, conversations, now) => storeFanout.immediate(id, conversations, now),
    close: async () => void db.close(),
  };
}

/** PostgreSQL through a `pg` pool (a transaction holds one pooled connection). */
async function openPg(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.PG_POOL_MAX) || 10 });
  pool.on('error', () => {});
  await pool.query(SQL.schema('BIGSERIAL', 'BIGINT'));
  const tx = async <T>(fn: (q: Query) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const r = await fn(async (sql, params = []) => (await client.query(numbered(sql), params)).rows as Row[]);
      await client.query('COMMIT');
      return r;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    q: async (sql, params = []) => (await pool.query(numbered(sql), params)).rows as Row[],
    processNext: (now) =>
      tx(async (q) => {
        const row = (await q(SQL.nextReceived + SQL.lockSuffix))[0];
        if (!row) return null;
        await q(SQL.markProcessed, [now, row.id]);
        return Number((await q(SQL.insertReply, [row.id, row.conversation_id, REPLY_TEXT, now]))[0]!.id);
      }),
    storeFanout: (id, conversations, now) =>
      tx(async (q) => (await q(SQL.insertFanoutRows, [id, FANOUT_TEXT, now, conversations])).map((r) => Number(r.id))),
    close: () => pool.end(),
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const dbUrl = env.DATABASE_URL ?? '';
  const prefix = env.QUEUE_PREFIX ?? '';
  if (!dbUrl || !prefix) throw new Error('bare: DATABASE_URL and QUEUE_PREFIX are required');
  const concurrency = Number(env.CONCURRENCY ?? 16);
  const store = /^postgres(ql)?:\/\//.test(dbUrl) ? await openPg(dbUrl) : openSqlite(dbUrl.replace(/^file:/, ''));

  const connection = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  connection.on('error', (err) => console.error(`bare: redis: ${err.message}`));
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  const enqueue = async (ids: number[]): Promise<void> => {
    if (!ids.length) return;
    // gridrelay's outbox job options
    const opts = { attempts: 12, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 };
    await queue.addBulk(ids.map((id) => ({ name: 'send', data: { outboxId: id }, opts: { ...opts, jobId: `ob-${id}` } })));
  };
  const worker = new Worker<{ outboxId: number }>(QUEUE_NAME, async (job) => {
    const row = (await store.q(SQL.getOutbound, [job.data.outboxId]))[0];
    if (!row || row.status !== 'pending') return;
    await store.q(SQL.markSent, [Date.now(), row.id]);
  }, { connection, prefix, concurrency, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 });
  worker.on('error', (err) => console.error(`bare: worker: ${err.message}`));
  await worker.waitUntilReady();

  // the inbox loop: one pass at a time; a kick during a pass makes another
  let dirty = false;
  let stopped = false;
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    const ids: number[] = [];
    while (!stopped) {
      const id = await store.processNext(Date.now());
      if (id === null) break;
      ids.push(id);
      if (ids.length >= FLUSH_EVERY) await enqueue(ids.splice(0));
    }
    await enqueue(ids);
  };
  const kick = (): void => {
    dirty = true;
    if (running || stopped) return;
    running = (async () => {
      while (dirty && !stopped) {
        dirty = false;
        await pass();
      }
    })()
      .catch((err: Error) => console.error(`bare: processing stopped (the next message retries): ${err.message}`))
      .finally(() => {
        running = null;
        if (dirty) kick(); // kicked between the pass's last look and here
      });
  };

  const fanouts = new Map<string, { n: number; startedAt: number; storedQueuedMs: number }>();
  const num = (v: unknown): number => Number(v ?? 0);
  const http = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  http.get('/healthz', async () => ({ ok: true }));
  http.post('/console/v1/inbound', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const bad = ['msgId', 'conversationId', 'senderId', 'text'].find((k) => typeof b[k] !== 'string' || (k !== 'text' && !b[k]));
    if (bad) return reply.code(400).send({ error: `${bad} must be a non-empty string` });
    const stored = await store.q(SQL.insertInbound, [b.msgId, b.conversationId, b.senderId, b.text, Date.now()]);
    if (!stored.length) return reply.code(202).send({ msgId: b.msgId, duplicate: true });
    kick();
    return reply.code(202).send({ msgId: b.msgId });
  });
  http.post('/bare/fanout', async (req, reply) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const n = (req.body as { n?: unknown } | null)?.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100_000) return reply.code(400).send({ error: 'n must be an integer 1…100000' });
    const fanoutId = `fan${randomBytes(5).toString('hex')}`;
    await enqueue(await store.storeFanout(fanoutId, Array.from({ length: n }, (_, i) => `fan-${i}`), startedAt));
    const storedQueuedMs = performance.now() - t0;
    fanouts.set(fanoutId, { n, startedAt, storedQueuedMs });
    return { fanoutId, storedQueuedMs };
  });
  http.get('/bare/fanout/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const f = fanouts.get(id);
    if (!f) return reply.code(404).send({ error: 'unknown fanout' });
    const r = (await store.q(SQL.fanout, [id]))[0] ?? {};
    const sent = num(r.sent);
    return { n: f.n, sent, storedQueuedMs: f.storedQueuedMs, sentMs: sent === f.n ? num(r.last) - f.startedAt : null };
  });
  http.get('/bare/replies', async (req) => {
    const after = Math.max(0, Math.floor(Number((req.query as { after?: string }).after ?? 0)) || 0);
    const rows = await store.q(SQL.replies, [after]);
    return { replies: rows.map((r) => ({ inboundId: num(r.inbound_id), msgId: r.msg_id, sentAt: num(r.sent_at) })) };
  });
  http.get('/bare/status', async () => {
    const r = (await store.q(SQL.status))[0] ?? {};
    return { received: num(r.received), processed: num(r.processed), sent: num(r.sent) };
  });
  await http.listen({ port: Number(env.PORT ?? 0), host: env.HOST ?? '127.0.0.1' });
  const addr = http.server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : env.PORT}`);

  const shutdown = async (): Promise<void> => {
    await http.close();
    stopped = true;
    await running;
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
    await store.close();
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => void shutdown().catch((err: Error) => (console.error(`bare: shutdown: ${err.message}`), process.exit(1))));
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
