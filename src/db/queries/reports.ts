/**
 * Report queries (响应率): the raw rows every figure is computed from, and risk-colour changes.
 * All SQL of reports lives here; the definitions (what counts) live in `workflows/reports/response-rate.ts`.
 */
import { and, asc, eq, gte, inArray, lt, ne } from 'drizzle-orm';
import type { Db } from '../client.js';
import {
  acknowledgements,
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
 * Target × acknowledgement rows of the directives and notices issued in `[from, to)` that asked for a
 * receipt and were not revoked, ordered by issue time, directive id, unit id.
 * @param opts.directiveId only this directive (its issue time must still fall in the period unless `from`/`to` are null)
 */
export async function responseRows(db: Db, range: { from: Date | null; to: Date | null }, opts: { directiveId?: number } = {}): Promise<ResponseRowRaw[]> {
  const conds = [eq(directives.ackRequired, true), ne(directives.status, 'revoked')];
  if (range.from) conds.push(gte(directives.issuedAt, range.from));
  if (range.to) conds.push(lt(directives.issuedAt, range.to));
  if (opts.directiveId !== undefined) conds.push(eq(directives.id, opts.directiveId));
  return (await db
    .select({ d: directives, t: directiveTargets, ackAt: acknowledgements.at, ackBy: acknowledgements.memberId, late: acknowledgements.late })
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
      .orderBy(asc(directives.issuedAt), asc(directives.id), asc(directiveTargets.unitId)))
    .map((r) => ({
      directiveId: r.d.id,
      kind: r.d.kind,
      seriesName: r.d.seriesName,
      year: r.d.year,
      number: r.d.number,
      issuedAt: r.d.issuedAt,
      revision: r.d.revision,
      ackDeadline: r.d.ackDeadline,
      unitId: r.t.unitId,
      unitKind: r.t.unitKind,
      unitName: r.t.unitName,
      townshipId: r.t.townshipId,
      ackAt: r.ackAt,
      ackBy: r.ackBy,
      late: r.late,
    }));
}

/** How many directives/notices asking for a receipt were revoked among those issued in `[from, to)`. */
export async function revokedCount(db: Db, range: { from: Date | null; to: Date | null }): Promise<number> {
  const conds = [eq(directives.ackRequired, true), eq(directives.status, 'revoked')];
  if (range.from) conds.push(gte(directives.issuedAt, range.from));
  if (range.to) conds.push(lt(directives.issuedAt, range.to));
  return (await db.select({ id: directives.id }).from(directives).where(and(...conds))).length;
}

/**
 * One target grid of one special task issued in `[from, to)` and not cancelled, with its completion and
 * its figures (`returns`; kept also while not done — counted only once done): ordered by issue time, task,
 * unit id.
 */
export async function taskRows(db: Db, range: { from: Date | null; to: Date | null }) {
  const conds = [ne(tasks.status, 'cancelled')];
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

/** Leads reported in `[from, to)`, ordered by report time. */
export async function leadsReported(db: Db, range: { from: Date | null; to: Date | null }): Promise<Lead[]> {
  const conds = [];
  if (range.from) conds.push(gte(leads.reportedAt, range.from));
  if (range.to) conds.push(lt(leads.reportedAt, range.to));
  return (await db
    .select()
    .from(leads)
    .where(conds.length ? and(...conds) : undefined)
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
