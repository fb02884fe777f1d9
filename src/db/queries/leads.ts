/** Lead (线索) queries: day numbering, lookups for dedup and listing, state updates, move history. */
import { and, asc, desc, eq, gte, inArray, ne } from 'drizzle-orm';
import type { Db } from '../client.js';
import { nextNumber } from './directives.js';
import { leadEvents, leads, type Lead, type LeadEvent, type LeadState } from '../schema/index.js';

/** Counter kind for lead numbers; the counter's `year` column holds the day key `YYYYMMDD`. */
const COUNTER_KIND = 'lead';

/**
 * Takes the next lead number of `day` (`YYYYMMDD` in `TIMEZONE`) — call inside the write transaction,
 * so that concurrent reports get distinct consecutive numbers and a rollback leaves no gap.
 */
export async function nextLeadNumber(db: Db, day: number): Promise<number> {
  // the day is the counter's `year` key: one series per day
  return await nextNumber(db, COUNTER_KIND, day);
}

/** Stores a new lead and returns it with its id. */
export async function insertLead(db: Db, values: typeof leads.$inferInsert): Promise<Lead> {
  return (await db.insert(leads).values(values).returning())[0]!;
}

/** A lead by id. */
export async function getLead(db: Db, id: number): Promise<Lead | undefined> {
  return (await db.select().from(leads).where(eq(leads.id, id)))[0];
}

/** The lead numbered `number` on `day` (`YYYYMMDD`). */
export async function findLead(db: Db, day: number, number: number): Promise<Lead | undefined> {
  return (await db.select().from(leads).where(and(eq(leads.day, day), eq(leads.number, number))))[0];
}

/** The reporter's latest lead with the same normalised text reported at or after `since`. */
export async function findRepeat(db: Db, reporterId: string, dedupText: string, since: Date): Promise<Lead | undefined> {
  return (await db
    .select()
    .from(leads)
    .where(and(eq(leads.reporterId, reporterId), eq(leads.dedupText, dedupText), gte(leads.reportedAt, since)))
      .orderBy(desc(leads.reportedAt), desc(leads.id)))[0];
}

/** The reporter's latest lead reported in `conversationId` at or after `since`. */
export async function latestLeadOf(db: Db, reporterId: string, conversationId: string, since: Date): Promise<Lead | undefined> {
  return (await db
    .select()
    .from(leads)
    .where(and(eq(leads.reporterId, reporterId), eq(leads.reportedIn, conversationId), gte(leads.reportedAt, since)))
      .orderBy(desc(leads.reportedAt), desc(leads.id)))[0];
}


/** Sets fields of a lead; returns the updated row. */
export async function updateLead(db: Db, id: number, set: Partial<typeof leads.$inferInsert>): Promise<Lead> {
  return (await db.update(leads).set(set).where(eq(leads.id, id)).returning())[0]!;
}

/**
 * Moves a lead from one of `from` to `to` (compare-and-set, so two officers cannot both move it).
 * @returns the updated lead, or undefined when its state was no longer one of `from`.
 */
export async function moveLead(db: Db, id: number, from: readonly LeadState[], set: Partial<typeof leads.$inferInsert> & { state: LeadState }): Promise<Lead | undefined> {
  return (await db
    .update(leads)
    .set(set)
    .where(and(eq(leads.id, id), inArray(leads.state, [...from])))
      .returning())[0];
}

/** Records one move of a lead. */
export async function insertLeadEvent(db: Db, values: typeof leadEvents.$inferInsert): Promise<void> {
  await db.insert(leadEvents).values(values);
}

/** A lead's moves, oldest first. */
export async function leadEventsOf(db: Db, leadId: number): Promise<LeadEvent[]> {
  return await db.select().from(leadEvents).where(eq(leadEvents.leadId, leadId)).orderBy(asc(leadEvents.at), asc(leadEvents.id));
}

/** A scope of leads: all, one township's, or one grid unit's. */
export type LeadScope = { kind: 'all' } | { kind: 'township'; townshipId: string } | { kind: 'unit'; unitId: string };

/**
 * Leads in `scope`, oldest first: open ones (not closed) or, with `day`, every lead of that day.
 * @param opts.day `YYYYMMDD`: that day's leads in any state
 */
export async function listLeads(db: Db, scope: LeadScope, opts: { day?: number } = {}): Promise<Lead[]> {
  const where = [
    scope.kind === 'township' ? eq(leads.townshipId, scope.townshipId) : scope.kind === 'unit' ? eq(leads.unitId, scope.unitId) : undefined,
    opts.day !== undefined ? eq(leads.day, opts.day) : ne(leads.state, 'closed'),
  ].filter((w) => w !== undefined);
  return await db.select().from(leads).where(and(...where)).orderBy(asc(leads.reportedAt), asc(leads.id));
}
