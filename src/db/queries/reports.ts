/**
 * Report queries (响应率): the raw rows every figure is computed from, and risk-colour changes.
 * All SQL of reports lives here; the definitions (what counts) live in `workflows/reports/response-rate.ts`.
 */
import { and, asc, count, eq, exists, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  acknowledgements,
  directiveTallies,
  directiveTargets,
  directives,
  leads,
  members,
  taskTargets,
  tasks,
  unitStatusHistory,
  units,
  type Lead,
  type RiskColour,
  type Unit,
} from '../schema/index.js';

/**
 * One target unit of one directive or notice issued in the period, with that unit's acknowledgement of
 * the directive's **current** revision (null when none). Exactly one row per (directive, target unit):
 * the target snapshot has one row per unit and the acknowledgement key is (directive, unit, revision).
 */
export interface ResponseRowRaw {
  directiveId: number;
  kind: 'directive' | 'notice';
  /** The township of a township's own notice series (printed before its number); null for the county's. */
  seriesName: string | null;
  year: number;
  number: number;
  issuedAt: Date;
  revision: number;
  /** Deadline of the current revision (restarted by an amendment). */
  ackDeadline: Date | null;
  unitId: string;
  unitKind: string;
  unitName: string;
  townshipId: string;
  ackAt: Date | null;
  ackBy: string | null;
  late: boolean | null;
}

/**
 * The condition on `directives` of the items a response report counts: issued in `[from, to)` (null = unbounded),
 * asking for a receipt, not revoked, not a drill item (演练).
 */
export function counted(range: { from: Date | null; to: Date | null }): SQL {
  const conds = [eq(directives.ackRequired, true), ne(directives.status, 'revoked'), eq(directives.drill, false)];
  if (range.from) conds.push(gte(directives.issuedAt, range.from));
  if (range.to) conds.push(lt(directives.issuedAt, range.to));
  return and(...conds)!;
}

/**
 * Target × acknowledgement rows of the directives and notices issued in `[from, to)` that asked for a
 * receipt and were not revoked (nor drill items), ordered by issue time, directive id, unit id.
 * @param opts.directiveId only this directive (its issue time must still fall in the period unless `from`/`to` are null)
 * @param opts.townshipId only target units of this township (its room and grids)
 * @param opts.unitId only this target unit
 */
export async function responseRows(
  db: Db,
  range: { from: Date | null; to: Date | null },
  opts: { directiveId?: number; townshipId?: string; unitId?: string } = {},
): Promise<ResponseRowRaw[]> {
  const conds = [counted(range)];
  if (opts.directiveId !== undefined) conds.push(eq(directives.id, opts.directiveId));
  if (opts.townshipId !== undefined) conds.push(eq(directiveTargets.townshipId, opts.townshipId));
  if (opts.unitId !== undefined) conds.push(eq(directiveTargets.unitId, opts.unitId));
  return await db
    .select({
      directiveId: directives.id,
      kind: directives.kind,
      seriesName: directives.seriesName,
      year: directives.year,
      number: directives.number,
      issuedAt: directives.issuedAt,
      revision: directives.revision,
      ackDeadline: directives.ackDeadline,
      unitId: directiveTargets.unitId,
      unitKind: directiveTargets.unitKind,
      unitName: directiveTargets.unitName,
      townshipId: directiveTargets.townshipId,
      ackAt: acknowledgements.at,
      ackBy: acknowledgements.memberId,
      late: acknowledgements.late,
    })
    .from(directiveTargets)
    .innerJoin(directives, eq(directives.id, directiveTargets.directiveId))
    .leftJoin(
      acknowledgements,
      and(
        eq(acknowledgements.directiveId, directiveTargets.directiveId),
        eq(acknowledgements.unitId, directiveTargets.unitId),
        eq(acknowledgements.revision, directives.revision),
      ),
    )
    .where(and(...conds))
    .orderBy(asc(directives.issuedAt), asc(directives.id), asc(directiveTargets.unitId));
}

/** One township's unit-items of a period: targeted, acknowledged (current revision), on time, and items reaching it. */
export interface TownshipTally {
  townshipId: string;
  targeted: number;
  acknowledged: number;
  onTime: number;
  items: number;
}

/**
 * Per township, the unit-items of the directives and notices issued in `[from, to)` that asked for a receipt and were
 * not revoked — the sums of their response tallies (`directive_tallies`) at each one's current revision: the same
 * counts as tallying {@link responseRows} per township, without reading a row per target unit. Also the number of
 * distinct such items with at least one target. Townships no item reached are left out; ordered by township id.
 */
export async function townshipTallies(db: Db, range: { from: Date | null; to: Date | null }): Promise<{ townships: TownshipTally[]; items: number }> {
  const join = and(eq(directiveTallies.directiveId, directives.id), eq(directiveTallies.revision, directives.revision));
  const where = and(counted(range), sql`${directiveTallies.targeted} > 0`);
  const townships = (await db
    .select({
      townshipId: directiveTallies.townshipId,
      targeted: sql<number>`sum(${directiveTallies.targeted})`.mapWith(Number),
      acknowledged: sql<number>`sum(${directiveTallies.acknowledged})`.mapWith(Number),
      onTime: sql<number>`sum(${directiveTallies.onTime})`.mapWith(Number),
      // one row per item and township at its current revision: a township's rows are its items
      items: count(),
    })
    .from(directives)
    .innerJoin(directiveTallies, join)
    .where(where)
    .groupBy(directiveTallies.townshipId)
    .orderBy(asc(directiveTallies.townshipId))).map((t) => ({ ...t, items: Number(t.items) }));
  const reached = db.select({ one: sql`1` }).from(directiveTallies).where(and(join, sql`${directiveTallies.targeted} > 0`));
  const items = townships.length ? Number((await db.select({ n: count() }).from(directives).where(and(counted(range), exists(reached))))[0]?.n ?? 0) : 0;
  return { townships, items };
}

/** How many directives/notices asking for a receipt were revoked among those issued in `[from, to)` (drill items left out). */
export async function revokedCount(db: Db, range: { from: Date | null; to: Date | null }): Promise<number> {
  const conds = [eq(directives.ackRequired, true), eq(directives.status, 'revoked'), eq(directives.drill, false)];
  if (range.from) conds.push(gte(directives.issuedAt, range.from));
  if (range.to) conds.push(lt(directives.issuedAt, range.to));
  return (await db.select({ id: directives.id }).from(directives).where(and(...conds))).length;
}

/**
 * One target grid of one special task issued in `[from, to)`, not cancelled and not a drill task, with its completion and
 * its figures (`returns`; kept also while not done — counted only once done): ordered by issue time, task,
 * unit id.
 */
export async function taskRows(db: Db, range: { from: Date | null; to: Date | null }) {
  const conds = [ne(tasks.status, 'cancelled'), eq(tasks.drill, false)];
  if (range.from) conds.push(gte(tasks.issuedAt, range.from));
  if (range.to) conds.push(lt(tasks.issuedAt, range.to));
  return (await db
    .select({
      taskId: tasks.id,
      year: tasks.year,
      number: tasks.number,
      title: tasks.title,
      issuedAt: tasks.issuedAt,
      deadline: tasks.deadline,
      unitId: taskTargets.unitId,
      unitName: taskTargets.unitName,
      townshipId: taskTargets.townshipId,
      doneAt: taskTargets.doneAt,
      late: taskTargets.late,
      returnFields: tasks.returnFields,
      returns: taskTargets.returns,
    })
    .from(taskTargets)
    .innerJoin(tasks, eq(tasks.id, taskTargets.taskId))
    .where(and(...conds))
      .orderBy(asc(tasks.issuedAt), asc(tasks.id), asc(taskTargets.unitId)));
}

/** Leads reported in `[from, to)`, drill leads left out, ordered by report time. */
export async function leadsReported(db: Db, range: { from: Date | null; to: Date | null }): Promise<Lead[]> {
  const conds = [eq(leads.drill, false)];
  if (range.from) conds.push(gte(leads.reportedAt, range.from));
  if (range.to) conds.push(lt(leads.reportedAt, range.to));
  return (await db
    .select()
    .from(leads)
    .where(and(...conds))
      .orderBy(asc(leads.reportedAt), asc(leads.id)));
}

/** Members' names by id (ids not in the roster are left out). */
export async function memberNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const m of (await db.select({ id: members.id, name: members.name }).from(members).where(inArray(members.id, ids.slice(i, i + 500))))) out.set(m.id, m.name);
  }
  return out;
}

/** Every risk-colour change (`unit_status_history`), oldest first, grouped by unit id. */
export async function riskColourHistory(db: Db): Promise<Map<string, { value: RiskColour | null; changedAt: Date }[]>> {
  const rows = (await db
    .select()
    .from(unitStatusHistory)
    .where(eq(unitStatusHistory.field, 'risk_colour'))
      .orderBy(asc(unitStatusHistory.changedAt), asc(unitStatusHistory.id)));
  const out = new Map<string, { value: RiskColour | null; changedAt: Date }[]>();
  for (const r of rows) out.set(r.unitId, [...(out.get(r.unitId) ?? []), { value: r.value as RiskColour | null, changedAt: r.changedAt }]);
  return out;
}

/** All grids, ordered by id (with their current risk colour and township). */
export const allGrids = async (db: Db): Promise<Unit[]> => (await db.select().from(units).where(eq(units.kind, 'grid')).orderBy(asc(units.id)));

/** Units by id (any kind). */
export async function unitsById(db: Db, ids: string[]): Promise<Map<string, Unit>> {
  const out = new Map<string, Unit>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const u of (await db.select().from(units).where(inArray(units.id, ids.slice(i, i + 500))))) out.set(u.id, u);
  }
  return out;
}

/**
 * Sets a grid's risk colour and appends the change to `unit_status_history` (source = the inbound
 * message id, or `source` as given). No-op (returns false) when the colour is already `colour`.
 */
export async function setRiskColour(db: Db, unitId: string, colour: RiskColour, at: Date, source: string): Promise<boolean> {
  const before = (await db.select().from(units).where(eq(units.id, unitId)))[0];
  if (!before || before.riskColour === colour) return false;
  await db.update(units).set({ riskColour: colour, updatedAt: at }).where(eq(units.id, unitId));
  await db.insert(unitStatusHistory).values({ unitId, field: 'risk_colour', value: colour, changedAt: at, source });
  return true;
}
