/** Inspection (督查) queries: numbering, lookups, state changes (compare-and-set), lists and report rows. */
import { and, asc, desc, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inspections, members, type Inspection, type InspectionState } from '../schema/index.js';

/** Stores a new finding and returns it with its id. */
export function insertInspection(db: Db, values: typeof inspections.$inferInsert): Inspection {
  return db.insert(inspections).values(values).returning().get();
}

/** A finding by id. */
export function getInspection(db: Db, id: number): Inspection | undefined {
  return db.select().from(inspections).where(eq(inspections.id, id)).get();
}

/** The finding numbered `number` in `year` (`督查〔year〕第number号`). */
export function findInspection(db: Db, year: number, number: number): Inspection | undefined {
  return db.select().from(inspections).where(and(eq(inspections.year, year), eq(inspections.number, number))).get();
}

/** The latest year's finding numbered `number` before `year` (for the hint to write last year's with its year). */
export function earlierInspection(db: Db, year: number, number: number): Inspection | undefined {
  return db
    .select()
    .from(inspections)
    .where(and(lt(inspections.year, year), eq(inspections.number, number)))
    .orderBy(desc(inspections.year))
    .get();
}

/**
 * Sets fields of a finding when its state is one of `from` (compare-and-set, so two people cannot both
 * rectify or close it). @returns the updated finding, or undefined when its state was no longer one of `from`.
 */
export function updateInspection(db: Db, id: number, from: readonly InspectionState[], set: Partial<typeof inspections.$inferInsert>): Inspection | undefined {
  return db
    .update(inspections)
    .set(set)
    .where(and(eq(inspections.id, id), inArray(inspections.state, [...from])))
    .returning()
    .get();
}

/** The sender's latest finding recorded in `conversationId` at or after `since` (a picture right after it is its evidence). */
export function latestInspectionOf(db: Db, inspectorId: string, conversationId: string, since: Date): Inspection | undefined {
  return db
    .select()
    .from(inspections)
    .where(and(eq(inspections.inspectorId, inspectorId), eq(inspections.recordedIn, conversationId), gte(inspections.recordedAt, since)))
    .orderBy(desc(inspections.recordedAt), desc(inspections.id))
    .get();
}

/** The sender's latest rectification of a finding of `townshipId` at or after `since`. */
export function latestRectificationOf(db: Db, memberId: string, townshipId: string, since: Date): Inspection | undefined {
  return db
    .select()
    .from(inspections)
    .where(and(eq(inspections.rectifiedBy, memberId), eq(inspections.townshipId, townshipId), gte(inspections.rectifiedAt, since)))
    .orderBy(desc(inspections.rectifiedAt), desc(inspections.id))
    .get();
}

/** Findings not closed, oldest first: all, or one township's. */
export function openInspections(db: Db, townshipId?: string): Inspection[] {
  const where = [ne(inspections.state, 'closed'), townshipId !== undefined ? eq(inspections.townshipId, townshipId) : undefined].filter((w) => w !== undefined);
  return db.select().from(inspections).where(and(...where)).orderBy(asc(inspections.recordedAt), asc(inspections.id)).all();
}

/** Findings tied to a directive or notice (`directives.id`), oldest first. */
export function inspectionsOfDirective(db: Db, directiveId: number): Inspection[] {
  return db.select().from(inspections).where(eq(inspections.directiveId, directiveId)).orderBy(asc(inspections.id)).all();
}

/** Findings recorded in `[from, to)` (null = unbounded), oldest first: the rows every inspection figure is computed from. */
export function inspectionsRecorded(db: Db, range: { from: Date | null; to: Date | null }): Inspection[] {
  const where = [range.from ? gte(inspections.recordedAt, range.from) : undefined, range.to ? lt(inspections.recordedAt, range.to) : undefined].filter((w) => w !== undefined);
  return db
    .select()
    .from(inspections)
    .where(where.length ? and(...where) : sql`1 = 1`)
    .orderBy(asc(inspections.recordedAt), asc(inspections.id))
    .all();
}

/** Every member's name in the roster (names are masked in relayed finding texts). */
export function memberNames(db: Db): string[] {
  return db
    .selectDistinct({ name: members.name })
    .from(members)
    .all()
    .map((r) => r.name);
}
