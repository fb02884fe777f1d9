/** Directive and notice queries: numbering, targets, acknowledgements. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  acknowledgements,
  counters,
  directiveTargets,
  directives,
  type Directive,
  type DirectiveKind,
  type DirectiveTarget,
} from '../schema/index.js';

/**
 * Takes the next number of `kind` for `year` — call inside a write transaction, so that concurrent
 * issuers (also in other processes) get distinct consecutive numbers and a rollback leaves no gap.
 */
export function nextNumber(db: Db, kind: string, year: number): number {
  const row = db
    .insert(counters)
    .values({ kind, year, last: 1 })
    .onConflictDoUpdate({ target: [counters.kind, counters.year], set: { last: sql`${counters.last} + 1` } })
    .returning({ last: counters.last })
    .get();
  return row!.last;
}

export function insertDirective(db: Db, values: typeof directives.$inferInsert): Directive {
  return db.insert(directives).values(values).returning().get();
}

export function insertTargets(db: Db, rows: (typeof directiveTargets.$inferInsert)[]): void {
  for (let i = 0; i < rows.length; i += 200) db.insert(directiveTargets).values(rows.slice(i, i + 200)).run();
}

/** A directive by kind and number (any year: the latest year first). */
export function findByNumber(db: Db, kind: DirectiveKind, number: number): Directive | undefined {
  return db
    .select()
    .from(directives)
    .where(and(eq(directives.kind, kind), eq(directives.number, number)))
    .orderBy(desc(directives.year))
    .get();
}

/** Open directives and notices that target `unitId` and ask for a receipt, newest first, with whether the unit acknowledged. */
export function openForUnit(db: Db, unitId: string): (Directive & { acknowledged: boolean })[] {
  return db
    .select({ d: directives, ackAt: acknowledgements.at })
    .from(directiveTargets)
    .innerJoin(directives, eq(directives.id, directiveTargets.directiveId))
    .leftJoin(acknowledgements, and(eq(acknowledgements.directiveId, directives.id), eq(acknowledgements.unitId, unitId)))
    .where(and(eq(directiveTargets.unitId, unitId), eq(directives.status, 'open'), eq(directives.ackRequired, true)))
    .orderBy(desc(directives.issuedAt), desc(directives.id))
    .all()
    .map((r) => ({ ...r.d, acknowledged: r.ackAt !== null }));
}

export function getTarget(db: Db, directiveId: number, unitId: string): DirectiveTarget | undefined {
  return db
    .select()
    .from(directiveTargets)
    .where(and(eq(directiveTargets.directiveId, directiveId), eq(directiveTargets.unitId, unitId)))
    .get();
}

export function getAck(db: Db, directiveId: number, unitId: string) {
  return db
    .select()
    .from(acknowledgements)
    .where(and(eq(acknowledgements.directiveId, directiveId), eq(acknowledgements.unitId, unitId)))
    .get();
}

/**
 * Stores an acknowledgement unless the unit already has one.
 * @returns true if stored, false if the unit had acknowledged before.
 */
export function insertAck(db: Db, values: typeof acknowledgements.$inferInsert): boolean {
  const r = db.insert(acknowledgements).values(values).onConflictDoNothing().run();
  return r.changes > 0;
}

/** Every target of a directive with its acknowledgement (if any), ordered by unit id. */
export function targetsWithAcks(db: Db, directiveId: number) {
  return db
    .select({ t: directiveTargets, ackAt: acknowledgements.at, late: acknowledgements.late, memberId: acknowledgements.memberId })
    .from(directiveTargets)
    .leftJoin(acknowledgements, and(eq(acknowledgements.directiveId, directiveTargets.directiveId), eq(acknowledgements.unitId, directiveTargets.unitId)))
    .where(eq(directiveTargets.directiveId, directiveId))
    .orderBy(directiveTargets.unitId)
    .all()
    .map((r) => ({ ...r.t, ackAt: r.ackAt, late: r.late ?? false, ackBy: r.memberId }));
}
