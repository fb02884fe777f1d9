/** Read receipts: which posted messages to poll, who read them, and read counts per unit. All SQL of read receipts lives here. */
import { and, count, eq, gte, isNotNull, like, or, sql } from 'drizzle-orm';
import { directiveTargets, directives, members, outboundMessages, readReceipts } from '../schema/index.js';
import { rowsAffected, storeOf, type Db } from '../client.js';
import { counted } from './reports.js';

/** A sent outbox message with its platform reference (what a read-receipt poll needs). */
export interface SentRow {
  outboxId: number;
  conversationId: string;
  platformRef: string;
}

/** Sent outbox messages whose `dedupKey` starts with one of `prefixes` and that have a platform reference. */
export async function sentWithKeyPrefixes(db: Db, prefixes: string[]): Promise<SentRow[]> {
  if (prefixes.length === 0) return [];
  return (await db
    .select({ outboxId: outboundMessages.id, conversationId: outboundMessages.conversationId, platformRef: outboundMessages.platformRef })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.status, 'sent'), isNotNull(outboundMessages.platformRef), or(...prefixes.map((p) => like(outboundMessages.dedupKey, `${p}%`)))))
      .orderBy(outboundMessages.id))
    .filter((r): r is SentRow => !!r.platformRef);
}

/**
 * Records readers of outbox messages; a reader already recorded keeps its first `readAt`.
 * @returns how many (message, member) pairs were new
 */
export async function recordReads(db: Db, reads: { outboxId: number; memberIds: string[] }[], at: Date): Promise<number> {
  let added = 0;
  for (const r of reads) {
    for (const memberId of r.memberIds) {
      added += rowsAffected(await db.insert(readReceipts).values({ outboxId: r.outboxId, memberId, readAt: at }).onConflictDoNothing());
    }
  }
  return added;
}

/**
 * Per target unit of a directive: roster size (members of that unit now) and readers — members of that
 * unit who read any message whose `dedupKey` starts with one of `prefixes` in the unit's group.
 * Units without members are listed with `members: 0`.
 */
export async function readCountsByUnit(db: Db, directiveId: number, prefixes: string[]): Promise<Map<string, { members: number; readers: string[] }>> {
  const out = new Map<string, { members: number; readers: string[] }>();
  const sizes = (await db
      .select({ unitId: directiveTargets.unitId, n: count(sql`${members.id}`) })
    .from(directiveTargets)
    .leftJoin(members, eq(members.unitId, directiveTargets.unitId))
    .where(eq(directiveTargets.directiveId, directiveId))
      .groupBy(directiveTargets.unitId));
  for (const s of sizes) out.set(s.unitId, { members: Number(s.n), readers: [] });
  if (prefixes.length === 0) return out;
  const reads = (await db
    .selectDistinct({ unitId: directiveTargets.unitId, memberId: readReceipts.memberId })
    .from(readReceipts)
    .innerJoin(outboundMessages, eq(outboundMessages.id, readReceipts.outboxId))
    .innerJoin(members, eq(members.id, readReceipts.memberId))
    .innerJoin(
      directiveTargets,
      and(eq(directiveTargets.directiveId, directiveId), eq(directiveTargets.conversationId, outboundMessages.conversationId), eq(directiveTargets.unitId, members.unitId)),
    )
      .where(or(...prefixes.map((p) => like(outboundMessages.dedupKey, `${p}%`)))));
  for (const r of reads) out.get(r.unitId)?.readers.push(r.memberId);
  return out;
}

/** Names of members of `unitId` who are not in `readers`, in roster order. */
export async function unreadMembers(db: Db, unitId: string, readers: string[]): Promise<{ id: string; name: string }[]> {
  const all = (await db.select({ id: members.id, name: members.name }).from(members).where(eq(members.unitId, unitId)).orderBy(members.id));
  const read = new Set(readers);
  return all.filter((m) => !read.has(m.id));
}


/** Directives issued or amended at or after `since` (for re-planning polls at start-up). */
export async function directivesChangedSince(db: Db, since: Date): Promise<{ id: number; issuedAt: Date; revision: number; revisedAt: Date | null }[]> {
  return (await db
    .select({ id: directives.id, issuedAt: directives.issuedAt, revision: directives.revision, revisedAt: directives.revisedAt })
    .from(directives)
    .where(or(gte(directives.issuedAt, since), gte(directives.revisedAt, since)))
      .orderBy(directives.id));
}

/**
 * Every (directive, target unit) of which at least one member of that unit has read one of the
 * directive's messages in the unit's group (relay, amendment), as keys `<directiveId>|<unitId>`.
 */
export async function unitsThatRead(db: Db): Promise<Set<string>> {
  const rows = await storeOf(db).rows<{ d: number; u: string }>(
    sql`select distinct t.directive_id as d, t.unit_id as u
         from read_receipts r
         join outbound_messages o on o.id = r.outbox_id
         join members m on m.id = r.member_id
         join directive_targets t on t.conversation_id = o.conversation_id and t.unit_id = m.unit_id
                                 and o.dedup_key like 'dir-' || t.directive_id || '-%'`,
  );
  return new Set(rows.map((r) => `${r.d}|${r.u}`));
}

/**
 * Per township, how many unit-items of the directives and notices a report counts over `[from, to)` (see
 * `counted` in reports.ts) were read — the (directive, target unit) pairs of {@link unitsThatRead} among them,
 * counted by the target's township. @returns township id → read unit-items (townships with none left out)
 */
export async function readsByTownship(db: Db, range: { from: Date | null; to: Date | null }): Promise<Map<string, number>> {
  const rows = await storeOf(db).rows<{ township: string; n: number | string }>(
    sql`select x.township_id as township, count(*) as n from (
          select distinct t.directive_id, t.unit_id, t.township_id
            from read_receipts r
            join outbound_messages o on o.id = r.outbox_id
            join members m on m.id = r.member_id
            join directive_targets t on t.conversation_id = o.conversation_id and t.unit_id = m.unit_id
                                    and o.dedup_key like 'dir-' || t.directive_id || '-%'
            join directives on directives.id = t.directive_id
           where ${counted(range)}) x
         group by x.township_id`,
  );
  return new Map(rows.map((r) => [r.township, Number(r.n)]));
}
