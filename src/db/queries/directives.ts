/** Directive and notice queries: numbering, targets, acknowledgements, history, ladder timers. */
import { and, asc, desc, eq, like, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  acknowledgements,
  counters,
  directiveEvents,
  directiveTargets,
  directives,
  groups,
  inboundMessages,
  units,
  outboundMessages,
  timers,
  type Directive,
  type DirectiveEvent,
  type DirectiveKind,
  type DirectiveTarget,
  type Unit,
} from '../schema/index.js';

/**
 * Takes the next number of series `kind` (see `counters`: `directive`, `notice`, `notice:<township id>`, `task`) for `year` — call inside a write transaction, so that concurrent
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

/**
 * A directive by kind and number (any year: the latest year first).
 * @param series '' for the county's numbering (default), a township id for that township's own notices
 */
export function findByNumber(db: Db, kind: DirectiveKind, number: number, series = ''): Directive | undefined {
  return db
    .select()
    .from(directives)
    .where(and(eq(directives.kind, kind), eq(directives.series, series), eq(directives.number, number)))
    .orderBy(desc(directives.year))
    .get();
}

/** Township notices numbered `number` (any township, any year), the latest first: to name them when a bare `通告N` finds none of the county's. */
export function townshipNoticesNumbered(db: Db, number: number): Directive[] {
  return db
    .select()
    .from(directives)
    .where(and(eq(directives.kind, 'notice'), ne(directives.series, ''), eq(directives.number, number)))
    .orderBy(desc(directives.year), desc(directives.id))
    .all();
}

/** A directive by its row id. */
export function getDirective(db: Db, id: number): Directive | undefined {
  return db.select().from(directives).where(eq(directives.id, id)).get();
}

/** Updates a directive's mutable fields (revision, deadline, status). @returns the updated row. */
export function updateDirective(db: Db, id: number, set: Partial<Pick<Directive, 'revision' | 'ackDeadline' | 'status' | 'revokedAt' | 'revisedAt'>>): Directive {
  return db.update(directives).set(set).where(eq(directives.id, id)).returning().get()!;
}

/**
 * Open directives and notices that target `unitId` and ask for a receipt, the one most recently sent
 * out (issued, or amended) first, with whether the unit acknowledged their current revision.
 */
export function openForUnit(db: Db, unitId: string): (Directive & { acknowledged: boolean })[] {
  return db
    .select({ d: directives, ackAt: acknowledgements.at })
    .from(directiveTargets)
    .innerJoin(directives, eq(directives.id, directiveTargets.directiveId))
    .leftJoin(
      acknowledgements,
      and(eq(acknowledgements.directiveId, directives.id), eq(acknowledgements.unitId, unitId), eq(acknowledgements.revision, directives.revision)),
    )
    .where(and(eq(directiveTargets.unitId, unitId), eq(directives.status, 'open'), eq(directives.ackRequired, true)))
    .orderBy(desc(sql`coalesce(${directives.revisedAt}, ${directives.issuedAt})`), desc(directives.id))
    .all()
    .map((r) => ({ ...r.d, acknowledged: r.ackAt !== null }));
}

/** The unit's acknowledgement of `revision` of a directive, if any. */
export function getAck(db: Db, directiveId: number, unitId: string, revision = 1) {
  return db
    .select()
    .from(acknowledgements)
    .where(and(eq(acknowledgements.directiveId, directiveId), eq(acknowledgements.unitId, unitId), eq(acknowledgements.revision, revision)))
    .get();
}

/**
 * Stores an acknowledgement (of `values.revision`) unless the unit already has one for that revision.
 * @returns true if stored, false if the unit had acknowledged before.
 */
export function insertAck(db: Db, values: typeof acknowledgements.$inferInsert): boolean {
  const r = db.insert(acknowledgements).values(values).onConflictDoNothing().run();
  return r.changes > 0;
}

/** Every target of a directive, ordered by unit id. */
export function targetsOf(db: Db, directiveId: number): DirectiveTarget[] {
  return db.select().from(directiveTargets).where(eq(directiveTargets.directiveId, directiveId)).orderBy(directiveTargets.unitId).all();
}

/**
 * Every target of a directive with its acknowledgement of `revision` (default 1; pass the directive's
 * current revision), ordered by unit id.
 */
export function targetsWithAcks(db: Db, directiveId: number, revision = 1) {
  return db
    .select({ t: directiveTargets, ackAt: acknowledgements.at, late: acknowledgements.late, memberId: acknowledgements.memberId })
    .from(directiveTargets)
    .leftJoin(
      acknowledgements,
      and(
        eq(acknowledgements.directiveId, directiveTargets.directiveId),
        eq(acknowledgements.unitId, directiveTargets.unitId),
        eq(acknowledgements.revision, revision),
      ),
    )
    .where(eq(directiveTargets.directiveId, directiveId))
    .orderBy(directiveTargets.unitId)
    .all()
    .map((r) => ({ ...r.t, ackAt: r.ackAt, late: r.late ?? false, ackBy: r.memberId }));
}

/** How many units acknowledged each revision of a directive: `revision → count`. */
export function ackCountsByRevision(db: Db, directiveId: number): Map<number, number> {
  const rows = db
    .select({ revision: acknowledgements.revision, n: sql<number>`count(*)` })
    .from(acknowledgements)
    .where(eq(acknowledgements.directiveId, directiveId))
    .groupBy(acknowledgements.revision)
    .all();
  return new Map(rows.map((r) => [r.revision, Number(r.n)]));
}

/** Appends to a directive's history. */
export function insertEvent(db: Db, values: typeof directiveEvents.$inferInsert): void {
  db.insert(directiveEvents).values(values).run();
}

/** A directive's history, oldest first. */
export function eventsOf(db: Db, directiveId: number): DirectiveEvent[] {
  return db.select().from(directiveEvents).where(eq(directiveEvents.directiveId, directiveId)).orderBy(asc(directiveEvents.id)).all();
}

/**
 * Pending ladder timers (ids `dir-<id>-r<rev>-s<step>`) of `step` due at or before `until`, other than
 * `exceptId` — the steps of other directives that can share one message with the one firing now.
 */
export function pendingLadderTimers(db: Db, step: number, until: Date, exceptId: string) {
  return db
    .select()
    .from(timers)
    .where(and(eq(timers.status, 'pending'), eq(timers.kind, 'directive.ladder'), like(timers.id, `dir-%-s${step}`), lte(timers.dueAt, until)))
    .all()
    .filter((t) => t.id !== exceptId);
}

/**
 * The directive a quoted reply points at: the inbound message's `extra.quotedMsgId` is looked up as the
 * `platform_ref` of a message the bot posted in the same conversation, whose outbox key starts `dir-<id>-`.
 * @returns the directive row id, or null when the message quotes nothing the bot knows as a directive.
 */
export function quotedDirectiveId(db: Db, inboundId: number): number | null {
  const inbound = db.select().from(inboundMessages).where(eq(inboundMessages.id, inboundId)).get();
  const quoted = inbound?.extra?.quotedMsgId;
  if (!inbound || typeof quoted !== 'string' || !quoted) return null;
  const out = db
    .select({ dedupKey: outboundMessages.dedupKey })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.conversationId, inbound.conversationId), eq(outboundMessages.platformRef, quoted)))
    .get();
  const m = out?.dedupKey ? /^dir-(\d+)-/.exec(out.dedupKey) : null;
  return m ? Number(m[1]) : null;
}

/** Every unit with its group's conversation id (null for villages and other units without a group), ordered by id. */
export function unitsForScope(db: Db): (Unit & { conversationId: string | null })[] {
  return db
    .select({ unit: units, conversationId: groups.conversationId })
    .from(units)
    .leftJoin(groups, eq(groups.unitId, units.id))
    .orderBy(units.id)
    .all()
    .map((r) => ({ ...r.unit, conversationId: r.conversationId }));
}

/** How far each relay of a directive's issue has gone: `conversation id → outbox status` (`pending`, `sent`, `failed`). */
export function relayStatusByConversation(db: Db, directiveId: number): Map<string, 'pending' | 'sent' | 'failed'> {
  const rows = db
    .select({ conversationId: outboundMessages.conversationId, status: outboundMessages.status })
    .from(outboundMessages)
    .where(like(outboundMessages.dedupKey, `dir-${directiveId}-relay-%`))
    .all();
  return new Map(rows.map((r) => [r.conversationId, r.status]));
}

/** The latest open directive or notice asking a receipt that was issued in `conversationId`, if any. */
export function latestOpenIssuedIn(db: Db, conversationId: string): Directive | undefined {
  return db
    .select()
    .from(directives)
    .where(and(eq(directives.issuedIn, conversationId), eq(directives.status, 'open'), eq(directives.ackRequired, true)))
    .orderBy(desc(directives.issuedAt), desc(directives.id))
    .get();
}
