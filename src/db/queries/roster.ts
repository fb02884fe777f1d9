/** Roster lookups. All SQL of the roster lives here. */
import { and, eq, inArray, isNotNull, ne } from 'drizzle-orm';
import type { Db } from '../client.js';
import { groups, members, units, unitStatusHistory, type Group, type Member, type Unit, type UnitKind } from '../schema/index.js';

export const getMember = (db: Db, id: string): Member | undefined => db.select().from(members).where(eq(members.id, id)).get();
export const getUnit = (db: Db, id: string): Unit | undefined => db.select().from(units).where(eq(units.id, id)).get();
export const getGroup = (db: Db, conversationId: string): Group | undefined =>
  db.select().from(groups).where(eq(groups.conversationId, conversationId)).get();
export const groupOfUnit = (db: Db, unitId: string): Group | undefined => db.select().from(groups).where(eq(groups.unitId, unitId)).get();

/** The county unit (the root); undefined before a roster is imported. */
export const countyUnit = (db: Db): Unit | undefined => db.select().from(units).where(eq(units.kind, 'county')).get();

/** Counts of units by kind, groups and members. */
export function rosterCounts(db: Db): { county: number; township: number; village: number; grid: number; groups: number; members: number } {
  const byKind = db.$client.prepare('select kind, count(*) as n from units group by kind').all() as { kind: string; n: number }[];
  const k = Object.fromEntries(byKind.map((r) => [r.kind, r.n]));
  const n = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;
  return {
    county: k.county ?? 0,
    township: k.township ?? 0,
    village: k.village ?? 0,
    grid: k.grid ?? 0,
    groups: n('select count(*) as n from groups'),
    members: n('select count(*) as n from members'),
  };
}

/** Units of the given kinds that have a group, with that group's conversation id, ordered by unit id. */
export function unitsWithGroups(db: Db, kinds: Unit['kind'][]): (Unit & { conversationId: string })[] {
  return db
    .select({ unit: units, conversationId: groups.conversationId })
    .from(units)
    .innerJoin(groups, eq(groups.unitId, units.id))
    .where(and(inArray(units.kind, kinds), isNotNull(groups.conversationId)))
    .orderBy(units.id)
    .all()
    .map((r) => ({ ...r.unit, conversationId: r.conversationId }));
}

/** All townships, ordered by id. */
export const townships = (db: Db): Unit[] => db.select().from(units).where(eq(units.kind, 'township')).orderBy(units.id).all();

/** Member ids of `unitId` with one of `roles`, ordered by role as given then id. */
export function membersWithRoles(db: Db, unitId: string, roles: readonly string[]): string[] {
  const rows = db
    .select({ id: members.id, role: members.role })
    .from(members)
    .where(and(eq(members.unitId, unitId), inArray(members.role, roles as Member['role'][])))
    .orderBy(members.id)
    .all();
  return roles.flatMap((r) => rows.filter((m) => m.role === r).map((m) => m.id));
}

// ── roster import (src/roster/import.ts) ─────────────────────────────────────────────────────

/** Every unit's id, kind and parent id: the tree a roster file is checked against and added to. */
export function unitTree(db: Db): { id: string; kind: UnitKind; parentId: string | null }[] {
  return db.select({ id: units.id, kind: units.kind, parentId: units.parentId }).from(units).all();
}

/** Inserts a unit, or overwrites the one with its id. */
export function upsertUnit(db: Db, row: typeof units.$inferInsert): void {
  db.insert(units).values(row).onConflictDoUpdate({ target: units.id, set: row }).run();
}

/** Appends a change of a unit's `control_level` or `risk_colour` to its history (`unit_status_history`). */
export function insertUnitHistory(db: Db, values: typeof unitStatusHistory.$inferInsert): void {
  db.insert(unitStatusHistory).values(values).run();
}

/** Binds conversation `g.conversationId` to unit `g.unitId` (with its title); the unit's binding to any other conversation goes. */
export function bindGroup(db: Db, g: { conversationId: string; unitId: string; title: string }): void {
  db.delete(groups).where(and(eq(groups.unitId, g.unitId), ne(groups.conversationId, g.conversationId))).run();
  db.insert(groups).values(g).onConflictDoUpdate({ target: groups.conversationId, set: { unitId: g.unitId, title: g.title } }).run();
}

/** Inserts a member, or overwrites the one with its id. */
export function upsertMember(db: Db, m: typeof members.$inferInsert): void {
  db.insert(members).values(m).onConflictDoUpdate({ target: members.id, set: m }).run();
}
