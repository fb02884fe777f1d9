/** Directive and notice queries: numbering, targets, acknowledgements, history. */
import { and, asc, between, count, desc, eq, inArray, like, ne, or, sql } from 'drizzle-orm';
import { dialect, keptQuery, rowsAffected, type Db } from '../client.js';
import {
  acknowledgements,
  counters,
  directiveEvents,
  directiveTallies,
  directiveTargets,
  directives,
  groups,
  inboundMessages,
  units,
  outboundMessages,
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
export async function nextNumber(db: Db, kind: string, year: number): Promise<number> {
  const row = (await db
    .insert(counters)
    .values({ kind, year, last: 1 })
    .onConflictDoUpdate({ target: [counters.kind, counters.year], set: { last: sql`${counters.last} + 1` } })
      .returning({ last: counters.last }))[0];
  return row!.last;
}

/** The last number counted in series `kind` for `year` (see {@link nextNumber}); 0 when none was taken. */
export async function counterLast(db: Db, kind: string, year: number): Promise<number> {
  return (await db.select({ last: counters.last }).from(counters).where(and(eq(counters.kind, kind), eq(counters.year, year))))[0]?.last ?? 0;
}

/** Sets the last number counted in series `kind` for `year`: the next {@link nextNumber} takes `last + 1`. */
export async function setCounterLast(db: Db, kind: string, year: number, last: number): Promise<void> {
  await db.insert(counters).values({ kind, year, last }).onConflictDoUpdate({ target: [counters.kind, counters.year], set: { last } });
}

/** The highest number of `kind` stored for `year` in the county's series (`series` ''); 0 when none. */
export async function highestStored(db: Db, kind: DirectiveKind, year: number): Promise<number> {
  const row = (await db
      .select({ n: sql<number | null>`max(${directives.number})`.mapWith(Number) })
    .from(directives)
      .where(and(eq(directives.kind, kind), eq(directives.series, ''), eq(directives.year, year))))[0];
  return row?.n ?? 0;
}

export async function insertDirective(db: Db, values: typeof directives.$inferInsert): Promise<Directive> {
  return (await db.insert(directives).values(values).returning())[0]!;
}

/**
 * Stores a directive's target snapshot (taken at issue) and recomputes its response tallies
 * ({@link refreshTallies}) for its current revision.
 */
export async function insertTargets(db: Db, rows: (typeof directiveTargets.$inferInsert)[]): Promise<void> {
  // SQLite: one kept statement per row (cheaper than building a multi-row statement); PostgreSQL: 200 rows a statement
  if (dialect(db) === 'sqlite') for (const r of rows) await insertTarget(db, r);
  else for (let i = 0; i < rows.length; i += 200) await db.insert(directiveTargets).values(rows.slice(i, i + 200));
  for (const id of new Set(rows.map((r) => r.directiveId))) await refreshTallies(db, { directiveId: id });
}

const insertTarget = keptQuery(
  (db) =>
    db.insert(directiveTargets).values({
      directiveId: sql.placeholder('directiveId'),
      unitId: sql.placeholder('unitId'),
      unitKind: sql.placeholder('unitKind'),
      unitName: sql.placeholder('unitName'),
      townshipId: sql.placeholder('townshipId'),
      conversationId: sql.placeholder('conversationId'),
    }),
  { write: true },
);

/**
 * Recomputes the response tallies (`directive_tallies`: per township, target units, acknowledged, on time) of the
 * directives named — one, or every id in `[fromId, toId]` — at their current revision, from `directive_targets` and
 * `acknowledgements` (rows of earlier revisions go: they no longer count). Call inside a write
 * transaction. The queries below keep the tallies in step; this is for a new target snapshot, a new revision and
 * rows written by other means (a bulk load).
 */
export async function refreshTallies(db: Db, which: { directiveId: number } | { fromId: number; toId: number }): Promise<void> {
  const of = (col: typeof directives.id | typeof directiveTallies.directiveId) => ('directiveId' in which ? eq(col, which.directiveId) : between(col, which.fromId, which.toId));
  await db.delete(directiveTallies).where(of(directiveTallies.directiveId));
  await db.insert(directiveTallies).select(
    db
      .select({
        directiveId: directiveTargets.directiveId,
        townshipId: directiveTargets.townshipId,
        revision: directives.revision,
        targeted: sql<number>`count(*)`.as('targeted'),
        acknowledged: sql<number>`count(${acknowledgements.unitId})`.as('acknowledged'),
        onTime: sql<number>`coalesce(sum(case when ${acknowledgements.unitId} is not null and not ${acknowledgements.late} then 1 else 0 end), 0)`.as('on_time'),
      })
      .from(directiveTargets)
      .innerJoin(directives, eq(directives.id, directiveTargets.directiveId))
      .leftJoin(
        acknowledgements,
        and(eq(acknowledgements.directiveId, directiveTargets.directiveId), eq(acknowledgements.unitId, directiveTargets.unitId), eq(acknowledgements.revision, directives.revision)),
      )
      .where(of(directives.id))
      .groupBy(directiveTargets.directiveId, directiveTargets.townshipId, directives.revision),
  );
}

/**
 * A directive by kind and number (any year: the latest year first).
 * @param series '' for the county's numbering (default), a township id for that township's own notices
 */
export async function findByNumber(db: Db, kind: DirectiveKind, number: number, series = ''): Promise<Directive | undefined> {
  return (await db
    .select()
    .from(directives)
    .where(and(eq(directives.kind, kind), eq(directives.series, series), eq(directives.number, number)))
      .orderBy(desc(directives.year)))[0];
}

/** Township notices numbered `number` (any township, any year), the latest first: to name them when a bare `通告N` finds none of the county's. */
export async function townshipNoticesNumbered(db: Db, number: number): Promise<Directive[]> {
  return (await db
    .select()
    .from(directives)
    .where(and(eq(directives.kind, 'notice'), ne(directives.series, ''), eq(directives.number, number)))
      .orderBy(desc(directives.year), desc(directives.id)));
}

/**
 * A directive by kind, series, year and number (its name `指挥部令〔year〕第number号`, `大坑乡通告〔year〕第number号`).
 * @param series '' for the county's numbering (default), a township id for that township's own notices
 */
export async function findByKey(db: Db, kind: DirectiveKind, year: number, number: number, series = ''): Promise<Directive | undefined> {
  return (await db
    .select()
    .from(directives)
      .where(and(eq(directives.kind, kind), eq(directives.series, series), eq(directives.year, year), eq(directives.number, number))))[0];
}

/**
 * The open (not revoked) directives and notices a viewer can see, the latest issued first, at most `limit`:
 * `all` — every one (the command group); `township` — those reaching any unit of that township or issued
 * in `issuedIn` (its room); `unit` — those sent to that unit (a grid group).
 */
export async function latestOpen(db: Db, viewer: { all: true } | { township: string; issuedIn: string } | { unit: string }, limit: number): Promise<Directive[]> {
  const reaching = (col: typeof directiveTargets.unitId | typeof directiveTargets.townshipId, id: string) =>
    inArray(directives.id, db.select({ id: directiveTargets.directiveId }).from(directiveTargets).where(eq(col, id)));
  const seen =
    'all' in viewer
      ? undefined
      : 'township' in viewer
        ? or(reaching(directiveTargets.townshipId, viewer.township), eq(directives.issuedIn, viewer.issuedIn))
        : reaching(directiveTargets.unitId, viewer.unit);
  return (await db
    .select()
    .from(directives)
    .where(and(eq(directives.status, 'open'), seen))
    .orderBy(desc(directives.issuedAt), desc(directives.id))
      .limit(limit));
}

/** A directive by its row id. */
export async function getDirective(db: Db, id: number): Promise<Directive | undefined> {
  return (await db.select().from(directives).where(eq(directives.id, id)))[0];
}

/**
 * Updates a directive's mutable fields (revision, deadline, status); a new revision gets its response tallies
 * ({@link refreshTallies}: nobody has acknowledged it yet). @returns the updated row.
 */
export async function updateDirective(db: Db, id: number, set: Partial<Pick<Directive, 'revision' | 'ackDeadline' | 'status' | 'revokedAt' | 'revisedAt'>>): Promise<Directive> {
  const d = (await db.update(directives).set(set).where(eq(directives.id, id)).returning())[0]!;
  if (set.revision !== undefined) await refreshTallies(db, { directiveId: id });
  return d;
}

/**
 * Open directives and notices that target `unitId` and ask for a receipt, the one most recently sent
 * out (issued, or amended) first, with whether the unit acknowledged their current revision.
 */
export async function openForUnit(db: Db, unitId: string): Promise<(Directive & { acknowledged: boolean })[]> {
  return (await openForUnitQuery(db, { unitId })).map((r) => ({ ...r.d, acknowledged: r.ackAt !== null }));
}

/** {@link openForUnit}'s query, kept prepared: it runs for every acknowledgement. */
const openForUnitQuery = keptQuery((db) =>
  db
    .select({ d: directives, ackAt: acknowledgements.at })
    .from(directiveTargets)
    .innerJoin(directives, eq(directives.id, directiveTargets.directiveId))
    .leftJoin(
      acknowledgements,
      and(eq(acknowledgements.directiveId, directives.id), eq(acknowledgements.unitId, sql.placeholder('unitId')), eq(acknowledgements.revision, directives.revision)),
    )
    .where(and(eq(directiveTargets.unitId, sql.placeholder('unitId')), eq(directives.status, 'open'), eq(directives.ackRequired, true)))
    .orderBy(desc(sql`coalesce(${directives.revisedAt}, ${directives.issuedAt})`), desc(directives.id)),
);

/** The unit's acknowledgement of `revision` of a directive, if any. */
export async function getAck(db: Db, directiveId: number, unitId: string, revision = 1) {
  return (await db
    .select()
    .from(acknowledgements)
      .where(and(eq(acknowledgements.directiveId, directiveId), eq(acknowledgements.unitId, unitId), eq(acknowledgements.revision, revision))))[0];
}

/**
 * Stores an acknowledgement (of `values.revision`) unless the unit already has one for that revision, and counts it
 * in the response tallies of that revision (the unit's township: acknowledged, and on time unless `late`).
 * @returns true if stored, false if the unit had acknowledged before.
 */
export async function insertAck(db: Db, values: typeof acknowledgements.$inferInsert): Promise<boolean> {
  const { directiveId, unitId, revision = 1, memberId, words, at, late = false, inboundId = null } = values;
  if (rowsAffected(await insertAckQuery(db, { directiveId, unitId, revision, memberId, words, at, late, inboundId })) === 0) return false;
  // a unit outside the target snapshot is counted nowhere (as the reports' join of targets and acknowledgements)
  await countAckQuery(db, { directiveId, unitId, revision, onTime: late ? 0 : 1 });
  return true;
}

const insertAckQuery = keptQuery(
  (db) =>
    db
      .insert(acknowledgements)
      .values({
        directiveId: sql.placeholder('directiveId'),
        unitId: sql.placeholder('unitId'),
        revision: sql.placeholder('revision'),
        memberId: sql.placeholder('memberId'),
        words: sql.placeholder('words'),
        at: sql.placeholder('at'),
        late: sql.placeholder('late'),
        inboundId: sql.placeholder('inboundId'),
      })
      .onConflictDoNothing(),
  { write: true },
);

/** +1 acknowledged (and `onTime` 0 or 1 on time) in the tally of the unit's township for that revision. */
const countAckQuery = keptQuery(
  (db) =>
    db
      .update(directiveTallies)
      .set({ acknowledged: sql`${directiveTallies.acknowledged} + 1`, onTime: sql`${directiveTallies.onTime} + ${sql.placeholder('onTime')}` })
      .where(
        and(
          eq(directiveTallies.directiveId, sql.placeholder('directiveId')),
          eq(directiveTallies.revision, sql.placeholder('revision')),
          inArray(
            directiveTallies.townshipId,
            db
              .select({ t: directiveTargets.townshipId })
              .from(directiveTargets)
              .where(and(eq(directiveTargets.directiveId, sql.placeholder('directiveId')), eq(directiveTargets.unitId, sql.placeholder('unitId')))),
          ),
        ),
      ),
  { write: true },
);

/** Every target of a directive, ordered by unit id. */
export async function targetsOf(db: Db, directiveId: number): Promise<DirectiveTarget[]> {
  return await db.select().from(directiveTargets).where(eq(directiveTargets.directiveId, directiveId)).orderBy(directiveTargets.unitId);
}

/**
 * Every target of a directive with its acknowledgement of `revision` (default 1; pass the directive's
 * current revision), ordered by unit id.
 */
export async function targetsWithAcks(db: Db, directiveId: number, revision = 1) {
  return (await db
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
      .orderBy(directiveTargets.unitId))
    .map((r) => ({ ...r.t, ackAt: r.ackAt, late: r.late ?? false, ackBy: r.memberId }));
}

/** How many units acknowledged each revision of a directive: `revision → count`. */
export async function ackCountsByRevision(db: Db, directiveId: number): Promise<Map<number, number>> {
  const rows = (await db
      .select({ revision: acknowledgements.revision, n: count() })
    .from(acknowledgements)
    .where(eq(acknowledgements.directiveId, directiveId))
      .groupBy(acknowledgements.revision));
  return new Map(rows.map((r) => [r.revision, Number(r.n)]));
}

/** Appends to a directive's history. */
export async function insertEvent(db: Db, values: typeof directiveEvents.$inferInsert): Promise<void> {
  await db.insert(directiveEvents).values(values);
}

/** A directive's history, oldest first. */
export async function eventsOf(db: Db, directiveId: number): Promise<DirectiveEvent[]> {
  return await db.select().from(directiveEvents).where(eq(directiveEvents.directiveId, directiveId)).orderBy(asc(directiveEvents.id));
}

/** The directive an earlier message of a conversation acknowledged (by its inbound row id), if any. */
async function acknowledgedBy(db: Db, inboundId: number): Promise<number | null> {
  return (await db.select({ id: acknowledgements.directiveId }).from(acknowledgements).where(eq(acknowledgements.inboundId, inboundId)))[0]?.id ?? null;
}

/**
 * What a quoted reply points at. The inbound message's `extra.quotedMsgId` is looked up in the same
 * conversation: as the `platform_ref` of a message the bot posted — a relay, correction or reminder of an
 * item (outbox key `dir-<id>-…`), or the bot's answer to an acknowledgement (`reply-<inbound id>`) — or as
 * the platform id of a person's earlier message that acknowledged an item (quoting a colleague's 收到).
 * @returns null when the message quotes nothing; else `{ directiveId }`, null when the quoted message is
 *   none of those (another person's remark, a message of another group, one the bot does not know).
 */
export async function quotedItem(db: Db, inboundId: number): Promise<{ directiveId: number | null } | null> {
  const inbound = (await quotingInbound(db, { id: inboundId }))[0];
  const quoted = inbound?.extra?.quotedMsgId;
  if (!inbound || typeof quoted !== 'string' || !quoted) return null;
  const out = (await db
    .select({ dedupKey: outboundMessages.dedupKey })
    .from(outboundMessages)
      .where(and(eq(outboundMessages.conversationId, inbound.conversationId), eq(outboundMessages.platformRef, quoted))))[0];
  const item = out?.dedupKey ? /^dir-(\d+)-/.exec(out.dedupKey) : null;
  if (item) return { directiveId: Number(item[1]) };
  const reply = out?.dedupKey ? /^reply-(\d+)$/.exec(out.dedupKey) : null;
  if (reply) return { directiveId: await acknowledgedBy(db, Number(reply[1])) };
  const earlier = (await db
    .select({ id: inboundMessages.id })
    .from(inboundMessages)
      .where(and(eq(inboundMessages.conversationId, inbound.conversationId), eq(inboundMessages.platform, inbound.platform), eq(inboundMessages.platformMsgId, quoted))))[0];
  return { directiveId: earlier ? await acknowledgedBy(db, earlier.id) : null };
}

/** What {@link quotedItem} reads of the message itself, kept prepared (it runs for every plain acknowledgement). */
const quotingInbound = keptQuery((db) =>
  db
    .select({ conversationId: inboundMessages.conversationId, platform: inboundMessages.platform, extra: inboundMessages.extra })
    .from(inboundMessages)
    .where(eq(inboundMessages.id, sql.placeholder('id'))),
);

/** Every unit with its group's conversation id (null for villages and other units without a group), ordered by id. */
export async function unitsForScope(db: Db): Promise<(Unit & { conversationId: string | null })[]> {
  return (await db
    .select({ unit: units, conversationId: groups.conversationId })
    .from(units)
    .leftJoin(groups, eq(groups.unitId, units.id))
      .orderBy(units.id))
    .map((r) => ({ ...r.unit, conversationId: r.conversationId }));
}

/** How far each relay of a directive's issue has gone: `conversation id → outbox status` (`pending`, `sent`, `failed`). */
export async function relayStatusByConversation(db: Db, directiveId: number): Promise<Map<string, 'pending' | 'sent' | 'failed'>> {
  const rows = (await db
    .select({ conversationId: outboundMessages.conversationId, status: outboundMessages.status })
    .from(outboundMessages)
      .where(like(outboundMessages.dedupKey, `dir-${directiveId}-relay-%`)));
  return new Map(rows.map((r) => [r.conversationId, r.status]));
}

/** The latest open directive or notice asking a receipt that was issued in `conversationId`, if any. */
export async function latestOpenIssuedIn(db: Db, conversationId: string): Promise<Directive | undefined> {
  return (await db
    .select()
    .from(directives)
    .where(and(eq(directives.issuedIn, conversationId), eq(directives.status, 'open'), eq(directives.ackRequired, true)))
      .orderBy(desc(directives.issuedAt), desc(directives.id)))[0];
}
