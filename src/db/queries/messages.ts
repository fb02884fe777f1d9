/**
 * Messages in and out: the inbox's rows (`inbound_messages`, stored before the platform is acked, then
 * processed in arrival order) and the outbox's (`outbound_messages`, stored before they are queued,
 * then marked sending, sent or failed). All SQL of the inbox and the outbox lives here.
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { type Db, dialect, keptQuery, placeholder, rowsAffected } from '../client.js';
import { inboundMessages, outboundMessages, type InboundRow, type OutboundRow } from '../schema/index.js';

// ── inbound ────────────────────────────────────────────────────────────────────────────────────

/**
 * Stores an inbound message unless one with the same `platform` + `platformMsgId` is stored.
 * @returns true if stored, false for a repeat.
 */
export async function insertInbound(db: Db, values: typeof inboundMessages.$inferInsert): Promise<boolean> {
  // the common message (no attachments, quote or reply context) through a kept statement; a null placeholder cannot be
  // JSON-encoded, so one with `extra` is built as usual
  if (values.extra == null && values.status === undefined && values.receivedAt) {
    const { platform, platformMsgId, conversationId, senderId, text, receivedAt } = values;
    return rowsAffected(await insertPlainInbound(db, { platform, platformMsgId, conversationId, senderId, text, receivedAt })) > 0;
  }
  return rowsAffected(await db.insert(inboundMessages).values(values).onConflictDoNothing()) > 0;
}

const insertPlainInbound = keptQuery(
  (db) =>
    db
      .insert(inboundMessages)
      .values({
        platform: sql.placeholder('platform'),
        platformMsgId: sql.placeholder('platformMsgId'),
        conversationId: sql.placeholder('conversationId'),
        senderId: sql.placeholder('senderId'),
        text: sql.placeholder('text'),
        receivedAt: sql.placeholder('receivedAt'),
      })
      .onConflictDoNothing(),
  { write: true },
);

const oldestReceived = keptQuery((db) => db.select().from(inboundMessages).where(eq(inboundMessages.status, 'received')).orderBy(asc(inboundMessages.id)).limit(1));

/**
 * Inside a transaction: takes the oldest message not yet processed for this transaction. On PostgreSQL the row is
 * locked `FOR UPDATE SKIP LOCKED`, so processes sharing the database take different messages and none waits on
 * another; on SQLite the transaction already holds the write lock.
 */
export async function claimNextReceived(db: Db): Promise<InboundRow | undefined> {
  if (dialect(db) !== 'pg') return (await oldestReceived(db))[0];
  const q = db.select().from(inboundMessages).where(eq(inboundMessages.status, 'received')).orderBy(asc(inboundMessages.id)).limit(1);
  return (await (q as unknown as PgLockable<InboundRow[]>).for('update', { skipLocked: true }))[0];
}

/** The oldest message still waiting to be processed: when it was received, or null when none waits (the inbox's lag). */
export async function oldestReceivedAt(db: Db): Promise<Date | null> {
  return (await db.select({ at: inboundMessages.receivedAt }).from(inboundMessages).where(eq(inboundMessages.status, 'received')).orderBy(asc(inboundMessages.id)).limit(1))[0]?.at ?? null;
}

/** A PostgreSQL select builder's row-lock clause (the SQLite builder the queries are typed with has none). */
type PgLockable<R> = { for(strength: 'update', config?: { skipLocked?: boolean }): Promise<R> };

/** Marks an inbound message processed or failed (with the error's message), at `at`. */
export async function markInboundDone(db: Db, id: number, status: 'processed' | 'failed', at: Date, error: string | null): Promise<void> {
  await inboundDone(db, { id, status, at, error });
}

const inboundDone = keptQuery(
  (db) =>
    db
      .update(inboundMessages)
      .set({ status: placeholder('status'), processedAt: placeholder('at'), error: placeholder('error') })
      .where(eq(inboundMessages.id, sql.placeholder('id'))),
  { write: true },
);

/** What a reply needs of the inbound message it answers: the platform's message id and the reply context in `extra`. */
export async function inboundReplyRef(db: Db, id: number): Promise<{ platformMsgId: string; extra: Record<string, unknown> | null } | undefined> {
  return (await replyRef(db, { id }))[0];
}

const replyRef = keptQuery((db) =>
  db.select({ platformMsgId: inboundMessages.platformMsgId, extra: inboundMessages.extra }).from(inboundMessages).where(eq(inboundMessages.id, sql.placeholder('id'))),
);

// ── outbound ───────────────────────────────────────────────────────────────────────────────────

/**
 * Stores an outbound message (status `pending`) unless its `dedupKey` is stored already.
 * @returns the new row id, or null for a repeated `dedupKey`.
 */
export async function insertOutbound(db: Db, values: typeof outboundMessages.$inferInsert): Promise<number | null> {
  if (values.status === undefined && values.createdAt) return (await insertKeptOutbound(db, keptOutbound(values)))[0]?.id ?? null;
  return (await db.insert(outboundMessages).values(values).onConflictDoNothing({ target: outboundMessages.dedupKey }).returning({ id: outboundMessages.id }))[0]?.id ?? null;
}

/** The placeholder values of {@link insertKeptOutbound}: JSON columns encoded here (SQLite text), absent ones null. */
function keptOutbound(v: typeof outboundMessages.$inferInsert): Record<string, unknown> {
  const json = (x: unknown) => (x == null ? null : JSON.stringify(x));
  return {
    conversationId: v.conversationId,
    text: v.text,
    markdown: v.markdown ?? null,
    mentions: json(v.mentions),
    actions: json(v.actions),
    dedupKey: v.dedupKey ?? null,
    replyToInboundId: v.replyToInboundId ?? null,
    notifyOnFail: v.notifyOnFail ?? null,
    lane: v.lane ?? 3,
    createdAt: v.createdAt,
  };
}

/** One pending message, kept prepared; `mentions` and `actions` pass through as given (JSON text or null). */
const insertKeptOutbound = keptQuery(
  (db) =>
    db
      .insert(outboundMessages)
      .values({
        conversationId: sql.placeholder('conversationId'),
        text: sql.placeholder('text'),
        markdown: sql.placeholder('markdown'),
        mentions: sql`${sql.placeholder('mentions')}`,
        actions: sql`${sql.placeholder('actions')}`,
        dedupKey: sql.placeholder('dedupKey'),
        replyToInboundId: sql.placeholder('replyToInboundId'),
        notifyOnFail: sql.placeholder('notifyOnFail'),
        lane: sql.placeholder('lane'),
        createdAt: sql.placeholder('createdAt'),
      })
      .onConflictDoNothing({ target: outboundMessages.dedupKey })
      .returning({ id: outboundMessages.id }),
  { write: true },
);

/**
 * Stores outbound messages (status `pending`), skipping those whose `dedupKey` is stored already: on SQLite one kept
 * statement per message (cheaper than building a multi-row statement), on PostgreSQL statements of up to 200 rows
 * (fewer round trips). @returns the new row ids, in order.
 */
export async function insertOutboundMany(db: Db, values: (typeof outboundMessages.$inferInsert)[]): Promise<number[]> {
  const ids: number[] = [];
  if (dialect(db) === 'sqlite') {
    for (const v of values) {
      const id = await insertOutbound(db, v);
      if (id !== null) ids.push(id);
    }
    return ids;
  }
  for (let i = 0; i < values.length; i += 200) {
    const rows = await db.insert(outboundMessages).values(values.slice(i, i + 200)).onConflictDoNothing({ target: outboundMessages.dedupKey }).returning({ id: outboundMessages.id });
    ids.push(...rows.map((r) => r.id).sort((a, b) => a - b));
  }
  return ids;
}

/** An outbound message by id. */
export async function getOutbound(db: Db, id: number): Promise<OutboundRow | undefined> {
  return (await outboundById(db, { id }))[0];
}

const outboundById = keptQuery((db) => db.select().from(outboundMessages).where(eq(outboundMessages.id, sql.placeholder('id'))));

/**
 * The pending (not yet sent, not failed) outbound messages, oldest first, with their lane (1..4, the BullMQ
 * priority of their send job) and when their last platform call started (`sendingAt`, null if none did).
 */
export async function pendingOutbound(db: Db): Promise<{ id: number; lane: number; sendingAt: Date | null }[]> {
  return (await db
    .select({ id: outboundMessages.id, lane: outboundMessages.lane, sendingAt: outboundMessages.sendingAt })
    .from(outboundMessages)
    .where(eq(outboundMessages.status, 'pending'))
      .orderBy(outboundMessages.id));
}

/** Notes that a platform call for the message starts at `at` (one more attempt). */
export async function markSending(db: Db, id: number, attempts: number, at: Date): Promise<void> {
  await sendingNow(db, { id, attempts, at });
}

const sendingNow = keptQuery(
  (db) => db.update(outboundMessages).set({ attempts: placeholder('attempts'), sendingAt: placeholder('at') }).where(eq(outboundMessages.id, sql.placeholder('id'))),
  { write: true },
);

/** Marks a pending message sent at `at`, with what the platform returned. A message no longer pending is left as it is. */
export async function markSent(db: Db, id: number, at: Date, platformRef: string | null): Promise<void> {
  await sentNow(db, { id, at, platformRef });
}

const sentNow = keptQuery(
  (db) =>
    db
      .update(outboundMessages)
      .set({ status: 'sent', sentAt: placeholder('at'), platformRef: placeholder('platformRef'), error: null })
      .where(and(eq(outboundMessages.id, sql.placeholder('id')), eq(outboundMessages.status, 'pending'))),
  { write: true },
);

/** Marks a pending message failed for good. @returns true if it was pending (and is now failed). */
export async function markOutboundFailed(db: Db, id: number, error: string): Promise<boolean> {
  return rowsAffected(await db.update(outboundMessages).set({ status: 'failed', error }).where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, 'pending')))) > 0;
}

/** How many outbound messages there are of each status (`pending`, `sent`, `failed`; absent ones left out). */
export async function outboundCountsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = (await db.select({ status: outboundMessages.status, n: count() }).from(outboundMessages).groupBy(outboundMessages.status));
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
