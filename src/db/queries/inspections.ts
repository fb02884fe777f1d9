/** Inspection (督查) queries: numbering, lookups, state changes (compare-and-set), lists and report rows. */
import { and, asc, desc, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inspections, members, type Inspection, type InspectionState } from '../schema/index.js';

/** Stores a new finding and returns it with its id. */
export async function insertInspection(db: Db, values: typeof inspections.$inferInsert): Promise<Inspection> {
  return (await db.insert(inspections).values(values).returning())[0]!;
}

/** A finding by id. */
export async function getInspection(db: Db, id: number): Promise<Inspection | undefined> {
  return (await db.select().from(inspections).where(eq(inspections.id, id)))[0];
}

/** The finding numbered `number` in `year` (`督查〔year〕第number号`). */
export async function findInspection(db: Db, year: number, number: number): Promise<Inspection | undefined> {
  return (await db.select().from(inspections).where(and(eq(inspections.year, year), eq(inspections.number, number))))[0];
}

/** The latest year's finding numbered `number` before `year` (for the hint to write last year's with its year). */
export async function earlierInspection(db: Db, year: number, number: number): Promise<Inspection | undefined> {
  return (await db
    .select()
    .from(inspections)
    .where(and(lt(inspections.year, year), eq(inspections.number, number)))
      .orderBy(desc(inspections.year)))[0];
}

/**
 * Sets fields of a finding when its state is one of `from` (compare-and-set, so two people cannot both
 * rectify or close it). @returns the updated finding, or undefined when its state was no longer one of `from`.
 */
export async function updateInspection(db: Db, id: number, from: readonly InspectionState[], set: Partial<typeof inspections.$inferInsert>): Promise<Inspection | undefined> {
  return (await db
    .update(inspections)
    .set(set)
    .where(and(eq(inspections.id, id), inArray(inspections.state, [...from])))
      .returning())[0];
}

/** The sender's latest finding recorded in `conversationId` at or after `since` (a picture right after it is its evidence). */
export async function latestInspectionOf(db: Db, inspectorId: string, conversationId: string, since: Date): Promise<Inspection | undefined> {
  return (await db
    .select()
    .from(inspections)
    .where(and(eq(inspections.inspectorId, inspectorId), eq(inspections.recordedIn, conversationId), gte(inspections.recordedAt, since)))
      .orderBy(desc(inspections.recordedAt), desc(inspections.id)))[0];
}

/** The sender's latest rectification of a finding of `townshipId` at or after `since`. */
export async function latestRectificationOf(db: Db, memberId: string, townshipId: string, since: Date): Promise<Inspection | undefined> {
  return (await db
    .select()
    .from(inspections)
    .where(and(eq(inspections.rectifiedBy, memberId), eq(inspections.townshipId, townshipId), gte(inspections.rectifiedAt, since)))
      .orderBy(desc(inspections.rectifiedAt), desc(inspections.id)))[0];
}

/** Findings not closed, oldest first: all, or one township's. */
export async function openInspections(db: Db, townshipId?: string): Promise<Inspection[]> {
  const where = [ne(inspections.state, 'closed'), townshipId !== undefined ? eq(inspections.townshipId, townshipId) : undefined].filter((w) => w !== undefined);
  return await db.select().from(inspections).where(and(...where)).orderBy(asc(inspections.recordedAt), asc(inspections.id));
}

/** Findings tied to a directive or notice (`directives.id`), oldest first. */
export async function inspectionsOfDirective(db: Db, directiveId: number): Promise<Inspection[]> {
  return await db.select().from(inspections).where(eq(inspections.directiveId, directiveId)).orderBy(asc(inspections.id));
}

/** Findings recorded in `[from, to)` (null = unbounded), oldest first: the rows every inspection figure is computed from. */
export async function inspectionsRecorded(db: Db, range: { from: Date | null; to: Date | null }): Promise<Inspection[]> {
  const where = [range.from ? gte(inspections.recordedAt, range.from) : undefined, range.to ? lt(inspections.recordedAt, range.to) : undefined].filter((w) => w !== undefined);
  return (await db
    .select()
    .from(inspections)
    .where(where.length ? and(...where) : sql`1 = 1`)
      .orderBy(asc(inspections.recordedAt), asc(inspections.id)));
}

/** Every member's name in the roster (names are masked in relayed finding texts). */
export async function memberNames(db: Db): Promise<string[]> {
  return (await db
    .selectDistinct({ name: members.name })
      .from(members))
    .map((r) => r.name);
}
