/** SQL of errand orders (红色代办): numbering, storing, the cut-off's selections, the moves. */
import { and, asc, eq, gte, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { nextNumber } from './directives.js';
import { errands, type Errand, type ErrandState } from '../schema/index.js';

const COUNTER_KIND = 'errand';

/** The next gapless errand number of `day` (`YYYYMMDD`), taken in the caller's transaction. */
export async function nextErrandNumber(db: Db, day: number): Promise<number> {
  // the day is the counter's `year` key: one series per day
  return await nextNumber(db, COUNTER_KIND, day);
}

/** Stores a new order and returns it with its id. */
export async function insertErrand(db: Db, values: typeof errands.$inferInsert): Promise<Errand> {
  return (await db.insert(errands).values(values).returning())[0]!;
}

/** The order numbered `number` on `day`, if any. */
export async function findErrand(db: Db, day: number, number: number): Promise<Errand | undefined> {
  return (await db.select().from(errands).where(and(eq(errands.day, day), eq(errands.number, number))))[0];
}

/**
 * Changes an order when it is in one of `from` (the move's guard). @returns the changed row, or
 * undefined when it was in another state.
 */
export async function updateErrand(db: Db, id: number, from: readonly ErrandState[], set: Partial<typeof errands.$inferInsert>): Promise<Errand | undefined> {
  return (await db.update(errands).set(set).where(and(eq(errands.id, id), inArray(errands.state, [...from]))).returning())[0];
}

/** Open orders due on a list of `day` or earlier, not yet listed, oldest first (the cut-off's selection). */
export async function unlistedErrands(db: Db, day: number, townshipId?: string): Promise<Errand[]> {
  const conds = [eq(errands.state, 'open'), lte(errands.listDay, day), isNull(errands.listedDay)];
  if (townshipId) conds.push(eq(errands.townshipId, townshipId));
  return await db.select().from(errands).where(and(...conds)).orderBy(asc(errands.id));
}

/** Orders of one township's list of `day`, in any state. */
export async function errandsListedOn(db: Db, townshipId: string, day: number): Promise<Errand[]> {
  return await db.select().from(errands).where(and(eq(errands.townshipId, townshipId), eq(errands.listedDay, day))).orderBy(asc(errands.id));
}

/** Orders listed before `day`, not delivered and not yet told as overdue (the overdue list's selection). */
export async function overdueErrands(db: Db, day: number): Promise<Errand[]> {
  return (await db
    .select()
    .from(errands)
    .where(and(inArray(errands.state, ['listed', 'bought']), sql`${errands.listedDay} < ${day}`, isNull(errands.overdueAt)))
      .orderBy(asc(errands.id)));
}

/** The latest order `memberId` marked delivered in `conversationId` since `since` (for a picture after it). */
export async function latestDeliveredBy(db: Db, memberId: string, conversationId: string, since: Date): Promise<Errand | undefined> {
  return (await db
    .select()
    .from(errands)
      .where(and(eq(errands.deliveredBy, memberId), eq(errands.orderedIn, conversationId), eq(errands.state, 'delivered'), gte(errands.deliveredAt, since)))
      .orderBy(sql`${errands.deliveredAt} desc`))[0];
}

/** Orders placed in [from, to) (reports; a null bound is open), optionally of one township. */
export async function errandsBetween(db: Db, from: Date | null, to: Date | null, townshipId?: string): Promise<Errand[]> {
  const conds = [sql`1 = 1`];
  if (from) conds.push(gte(errands.orderedAt, from));
  if (to) conds.push(lt(errands.orderedAt, to));
  if (townshipId) conds.push(eq(errands.townshipId, townshipId));
  return await db.select().from(errands).where(and(...conds)).orderBy(asc(errands.id));
}

/** The newest list day of a township with orders still to buy (state listed), or null. */
export async function latestListDay(db: Db, townshipId: string): Promise<number | null> {
  const row = (await db
      .select({ d: sql<number | null>`max(${errands.listedDay})`.mapWith(Number) })
    .from(errands)
      .where(and(eq(errands.townshipId, townshipId), eq(errands.state, 'listed'))))[0];
  return row?.d ?? null;
}

/** Orders on the lists of cut-off day `day`, optionally of one township. */
export async function errandsListedOnDay(db: Db, day: number, townshipId?: string): Promise<Errand[]> {
  const conds = [eq(errands.listedDay, day)];
  if (townshipId) conds.push(eq(errands.townshipId, townshipId));
  return await db.select().from(errands).where(and(...conds)).orderBy(asc(errands.id));
}
