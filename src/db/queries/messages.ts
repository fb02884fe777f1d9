/**
 * Messages in and out: the inbox's rows (`inbound_messages`, stored before the platform is acked, then
 * processed in arrival order) and the outbox's (`outbound_messages`, stored before they are queued,
 * then marked sending, sent or failed). All SQL of the inbox and the outbox lives here.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inboundMessages, outboundMessages, type InboundRow, type OutboundRow } from '../schema/index.js';

// ── inbound ────────────────────────────────────────────────────────────────────────────────────

/**
 * Stores an inbound message unless one with the same `platform` + `platformMsgId` is stored.
 * @returns true if stored, false for a repeat.
 */
export function insertInbound(db: Db, values: typeof inboundMessages.$inferInsert): boolean {
  return db.insert(inboundMessages).values(values).onConflictDoNothing().run().changes > 0;
}

/** The oldest stored message not yet processed (status `received`), if any. */
export function nextReceived(db: Db): InboundRow | undefined {
  return db.select().from(inboundMessages).where(eq(inboundMessages.status, 'received')).orderBy(asc(inboundMessages.id)).limit(1).get();
}

/** An inbound message's status (`received`, `processed`, `failed`), or undefined when there is no such row. */
export function inboundStatus(db: Db, id: number): InboundRow['status'] | undefined {
  return db.select({ status: inboundMessages.status }).from(inboundMessages).where(eq(inboundMessages.id, id)).get()?.status;
}

/** Marks an inbound message processed or failed (with the error's message), at `at`. */
export function markInboundDone(db: Db, id: number, status: 'processed' | 'failed', at: Date, error: string | null): void {
  db.update(inboundMessages).set({ status, processedAt: at, error }).where(eq(inboundMessages.id, id)).run();
}

/** What a reply needs of the inbound message it answers: the platform's message id and the reply context in `extra`. */
export function inboundReplyRef(db: Db, id: number): { platformMsgId: string; extra: Record<string, unknown> | null } | undefined {
  return db.select({ platformMsgId: inboundMessages.platformMsgId, extra: inboundMessages.extra }).from(inboundMessages).where(eq(inboundMessages.id, id)).get();
}

// ── outbound ───────────────────────────────────────────────────────────────────────────────────

/**
 * Stores an outbound message (status `pending`) unless its `dedupKey` is stored already.
 * @returns the new row id, or null for a repeated `dedupKey`.
 */
export function insertOutbound(db: Db, values: typeof outboundMessages.$inferInsert): number | null {
  return db.insert(outboundMessages).values(values).onConflictDoNothing({ target: outboundMessages.dedupKey }).returning({ id: outboundMessages.id }).get()?.id ?? null;
}

/** An outbound message by id. */
export function getOutbound(db: Db, id: number): OutboundRow | undefined {
  return db.select().from(outboundMessages).where(eq(outboundMessages.id, id)).get();
}

/**
 * The pending (not yet sent, not failed) outbound messages, oldest first, with when their last platform
 * call started (`sendingAt`, null if none did).
 */
export function pendingOutbound(db: Db): { id: number; sendingAt: Date | null }[] {
  return db
    .select({ id: outboundMessages.id, sendingAt: outboundMessages.sendingAt })
    .from(outboundMessages)
    .where(eq(outboundMessages.status, 'pending'))
    .orderBy(outboundMessages.id)
    .all();
}

/** Notes that a platform call for the message starts at `at` (one more attempt). */
export function markSending(db: Db, id: number, attempts: number, at: Date): void {
  db.update(outboundMessages).set({ attempts, sendingAt: at }).where(eq(outboundMessages.id, id)).run();
}

/** Marks a pending message sent at `at`, with what the platform returned. A message no longer pending is left as it is. */
export function markSent(db: Db, id: number, at: Date, platformRef: string | null): void {
  db.update(outboundMessages)
    .set({ status: 'sent', sentAt: at, platformRef, error: null })
    .where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, 'pending')))
    .run();
}

/** Marks a pending message failed for good. @returns true if it was pending (and is now failed). */
export function markOutboundFailed(db: Db, id: number, error: string): boolean {
  return db.update(outboundMessages).set({ status: 'failed', error }).where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, 'pending'))).run().changes > 0;
}

/** How many outbound messages there are of each status (`pending`, `sent`, `failed`; absent ones left out). */
export function outboundCountsByStatus(db: Db): Record<string, number> {
  const rows = db.select({ status: outboundMessages.status, n: sql<number>`count(*)` }).from(outboundMessages).groupBy(outboundMessages.status).all();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
