/** Roster lookups. All SQL of the roster lives here. */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Db } from '../client.js';
import { groups, members, units, type Group, type Member, type Unit } from '../schema/index.js';

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
