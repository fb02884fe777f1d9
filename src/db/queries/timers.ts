/**
 * Durable timers (`timers`): the truth for every reminder, escalation and SLA check; BullMQ only wakes
 * them (src/jobs/timers.ts). All SQL of the timers lives here. Timer ids are the callers' domain keys:
 * nothing here knows how a workflow builds them.
 */
import { and, eq, like, lte, ne } from 'drizzle-orm';
import { type Db, rowsAffected } from '../client.js';
import { timers, type TimerRow } from '../schema/index.js';

/** A timer by id. */
export async function getTimer(db: Db, id: string): Promise<TimerRow | undefined> {
  return (await db.select().from(timers).where(eq(timers.id, id)))[0];
}

/** Inserts a pending timer (version 1). @returns the row. */
export async function insertTimer(db: Db, values: Pick<TimerRow, 'id' | 'kind' | 'data' | 'dueAt' | 'urgent' | 'createdAt'>): Promise<TimerRow> {
  return (await db.insert(timers).values(values).returning())[0]!;
}

/** Moves timer `id` to `set.dueAt` (with new data and urgency), bumping its version. @returns the row. */
export async function moveTimer(db: Db, id: string, version: number, set: Pick<TimerRow, 'dueAt' | 'data' | 'urgent'>): Promise<TimerRow | undefined> {
  return (await db.update(timers).set({ ...set, version }).where(eq(timers.id, id)).returning())[0];
}

/** Makes timer `id` pending again, whatever its status (a fired or cancelled timer re-armed under its id); no row, no change. */
export async function resetTimer(db: Db, id: string): Promise<void> {
  await db.update(timers).set({ status: 'pending', firedAt: null, late: null }).where(eq(timers.id, id));
}

/** Cancels the pending timer `id`, or (with `prefix`) every pending timer whose id starts with `id-`. @returns how many. */
export async function cancelTimers(db: Db, id: string, opts: { prefix?: boolean } = {}): Promise<number> {
  const which = opts.prefix ? like(timers.id, `${id}-%`) : eq(timers.id, id);
  return rowsAffected(await db.update(timers).set({ status: 'cancelled' }).where(and(which, eq(timers.status, 'pending'))));
}

/** Cancels every pending timer of `kind` (a kind no longer handled). @returns how many. */
export async function cancelTimersOfKind(db: Db, kind: string): Promise<number> {
  return rowsAffected(await db.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.kind, kind), eq(timers.status, 'pending'))));
}

/** Marks timer `id` fired (status `done`) at `at`, `late` if it fired well after it was due. */
export async function markTimerFired(db: Db, id: string, at: Date, late: boolean): Promise<void> {
  await db.update(timers).set({ status: 'done', firedAt: at, late }).where(eq(timers.id, id));
}

/** Every pending timer. */
export async function pendingTimers(db: Db): Promise<TimerRow[]> {
  return await db.select().from(timers).where(eq(timers.status, 'pending'));
}

/**
 * Pending timers of `kind` due at or before `until`, other than `exceptId` — the ones a firing timer
 * may fold into its own message (their handlers cancel them).
 */
export async function pendingTimersDue(db: Db, kind: string, until: Date, exceptId: string): Promise<TimerRow[]> {
  return (await db
    .select()
    .from(timers)
      .where(and(eq(timers.status, 'pending'), eq(timers.kind, kind), lte(timers.dueAt, until), ne(timers.id, exceptId))));
}
