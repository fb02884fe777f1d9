/**
 * Durable timers (`timers`): the truth for every reminder, escalation and SLA check; BullMQ only wakes
 * them (src/jobs/timers.ts). All SQL of the timers lives here. Timer ids are the callers' domain keys:
 * nothing here knows how a workflow builds them.
 */
import { and, eq, like, lte, ne } from 'drizzle-orm';
import type { Db } from '../client.js';
import { timers, type TimerRow } from '../schema/index.js';

/** A timer by id. */
export function getTimer(db: Db, id: string): TimerRow | undefined {
  return db.select().from(timers).where(eq(timers.id, id)).get();
}

/** Inserts a pending timer (version 1). @returns the row. */
export function insertTimer(db: Db, values: Pick<TimerRow, 'id' | 'kind' | 'data' | 'dueAt' | 'urgent' | 'createdAt'>): TimerRow {
  return db.insert(timers).values(values).returning().get();
}

/** Moves timer `id` to `set.dueAt` (with new data and urgency), bumping its version. @returns the row. */
export function moveTimer(db: Db, id: string, version: number, set: Pick<TimerRow, 'dueAt' | 'data' | 'urgent'>): TimerRow | undefined {
  return db.update(timers).set({ ...set, version }).where(eq(timers.id, id)).returning().get();
}

/** Makes timer `id` pending again, whatever its status (a fired or cancelled timer re-armed under its id); no row, no change. */
export function resetTimer(db: Db, id: string): void {
  db.update(timers).set({ status: 'pending', firedAt: null, late: null }).where(eq(timers.id, id)).run();
}

/** Cancels the pending timer `id`, or (with `prefix`) every pending timer whose id starts with `id-`. @returns how many. */
export function cancelTimers(db: Db, id: string, opts: { prefix?: boolean } = {}): number {
  const which = opts.prefix ? like(timers.id, `${id}-%`) : eq(timers.id, id);
  return db.update(timers).set({ status: 'cancelled' }).where(and(which, eq(timers.status, 'pending'))).run().changes;
}

/** Cancels every pending timer of `kind` (a kind no longer handled). @returns how many. */
export function cancelTimersOfKind(db: Db, kind: string): number {
  return db.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.kind, kind), eq(timers.status, 'pending'))).run().changes;
}

/** Marks timer `id` fired (status `done`) at `at`, `late` if it fired well after it was due. */
export function markTimerFired(db: Db, id: string, at: Date, late: boolean): void {
  db.update(timers).set({ status: 'done', firedAt: at, late }).where(eq(timers.id, id)).run();
}

/** Every pending timer. */
export function pendingTimers(db: Db): TimerRow[] {
  return db.select().from(timers).where(eq(timers.status, 'pending')).all();
}

/**
 * Pending timers of `kind` due at or before `until`, other than `exceptId` — the ones a firing timer
 * may fold into its own message (their handlers cancel them).
 */
export function pendingTimersDue(db: Db, kind: string, until: Date, exceptId: string): TimerRow[] {
  return db
    .select()
    .from(timers)
    .where(and(eq(timers.status, 'pending'), eq(timers.kind, kind), lte(timers.dueAt, until), ne(timers.id, exceptId)))
    .all();
}
