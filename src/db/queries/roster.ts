/** Roster lookups. All SQL of the roster lives here. */
import { and, count, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import { keptQuery, type Db } from '../client.js';
import { groups, members, units, unitStatusHistory, type Group, type Member, type Unit, type UnitKind } from '../schema/index.js';

const memberById = keptQuery((db) => db.select().from(members).where(eq(members.id, sql.placeholder('id'))));
const unitById = keptQuery((db) => db.select().from(units).where(eq(units.id, sql.placeholder('id'))));
const groupByConversation = keptQuery((db) => db.select().from(groups).where(eq(groups.conversationId, sql.placeholder('id'))));

/** The member with id `id` (a platform user id). */
export const getMember = async (db: Db, id: string): Promise<Member | undefined> => (await memberById(db, { id }))[0];
/** The roster name of each of `ids` that is a member, in one query (ids of up to a few hundred: a message's mentions). */
export async function memberNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: members.id, name: members.name }).from(members).where(inArray(members.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}
/** The unit with id `id`. */
export const getUnit = async (db: Db, id: string): Promise<Unit | undefined> => (await unitById(db, { id }))[0];
/** The group of conversation `conversationId`. */
export const getGroup = async (db: Db, conversationId: string): Promise<Group | undefined> => (await groupByConversation(db, { id: conversationId }))[0];
export const groupOfUnit = async (db: Db, unitId: string): Promise<Group | undefined> => (await db.select().from(groups).where(eq(groups.unitId, unitId)))[0];

/** The county unit (the root); undefined before a roster is imported. */
export const countyUnit = async (db: Db): Promise<Unit | undefined> => (await db.select().from(units).where(eq(units.kind, 'county')))[0];

/** Counts of units by kind, groups and members. */
export async function rosterCounts(db: Db): Promise<{ county: number; township: number; village: number; grid: number; groups: number; members: number }> {
  const byKind = await db.select({ kind: units.kind, n: count() }).from(units).groupBy(units.kind);
  const k: Record<string, number> = Object.fromEntries(byKind.map((r) => [r.kind, r.n]));
  const [g] = await db.select({ n: count() }).from(groups);
  const [m] = await db.select({ n: count() }).from(members);
  return {
    county: k.county ?? 0,
    township: k.township ?? 0,
    village: k.village ?? 0,
    grid: k.grid ?? 0,
    groups: g?.n ?? 0,
    members: m?.n ?? 0,
  };
}

/** Units of the given kinds that have a group, with that group's conversation id, ordered by unit id. */
export async function unitsWithGroups(db: Db, kinds: Unit['kind'][]): Promise<(Unit & { conversationId: string })[]> {
  return (await db
    .select({ unit: units, conversationId: groups.conversationId })
    .from(units)
    .innerJoin(groups, eq(groups.unitId, units.id))
    .where(and(inArray(units.kind, kinds), isNotNull(groups.conversationId)))
      .orderBy(units.id))
    .map((r) => ({ ...r.unit, conversationId: r.conversationId }));
}

/** All townships, ordered by id. */
export const townships = async (db: Db): Promise<Unit[]> => (await db.select().from(units).where(eq(units.kind, 'township')).orderBy(units.id));

/** Member ids of `unitId` with one of `roles`, ordered by role as given then id. */
export async function membersWithRoles(db: Db, unitId: string, roles: readonly string[]): Promise<string[]> {
  const rows = (await db
    .select({ id: members.id, role: members.role })
    .from(members)
    .where(and(eq(members.unitId, unitId), inArray(members.role, roles as Member['role'][])))
      .orderBy(members.id));
  return roles.flatMap((r) => rows.filter((m) => m.role === r).map((m) => m.id));
}

/**
 * {@link membersWithRoles} for many units in one query per 500 units: unit id → its member ids with one of
 * `roles`, ordered by role as given then id; a unit with none maps to `[]`. For a step that @-mentions the
 * people of hundreds of grids at once (a task reminder to 747 grids is one query, not 747 round trips).
 */
export async function membersWithRolesByUnit(db: Db, unitIds: readonly string[], roles: readonly string[]): Promise<Map<string, string[]>> {
  const byUnit = new Map<string, { id: string; rank: number }[]>(unitIds.map((u) => [u, []]));
  const rank = new Map(roles.map((r, i) => [r, i]));
  const unique = [...byUnit.keys()];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .select({ id: members.id, role: members.role, unitId: members.unitId })
      .from(members)
      .where(and(inArray(members.unitId, unique.slice(i, i + 500)), inArray(members.role, roles as Member['role'][])))
      .orderBy(members.id);
    for (const m of rows) byUnit.get(m.unitId)!.push({ id: m.id, rank: rank.get(m.role)! });
  }
  // a stable sort by role keeps the id order within each role
  return new Map([...byUnit].map(([u, ms]) => [u, ms.sort((a, b) => a.rank - b.rank).map((m) => m.id)]));
}

// ── roster import (src/roster/import.ts) ─────────────────────────────────────────────────────

/** Every unit's id, kind and parent id: the tree a roster file is checked against and added to. */
export async function unitTree(db: Db): Promise<{ id: string; kind: UnitKind; parentId: string | null }[]> {
  return await db.select({ id: units.id, kind: units.kind, parentId: units.parentId }).from(units);
}

/** Inserts a unit, or overwrites the one with its id. */
export async function upsertUnit(db: Db, row: typeof units.$inferInsert): Promise<void> {
  await db.insert(units).values(row).onConflictDoUpdate({ target: units.id, set: row });
}

/** Appends a change of a unit's `control_level` or `risk_colour` to its history (`unit_status_history`). */
export async function insertUnitHistory(db: Db, values: typeof unitStatusHistory.$inferInsert): Promise<void> {
  await db.insert(unitStatusHistory).values(values);
}

/** Binds conversation `g.conversationId` to unit `g.unitId` (with its title); the unit's binding to any other conversation goes. */
export async function bindGroup(db: Db, g: { conversationId: string; unitId: string; title: string }): Promise<void> {
  await db.delete(groups).where(and(eq(groups.unitId, g.unitId), ne(groups.conversationId, g.conversationId)));
  await db.insert(groups).values(g).onConflictDoUpdate({ target: groups.conversationId, set: { unitId: g.unitId, title: g.title } });
}

/** Inserts a member, or overwrites the one with its id. */
export async function upsertMember(db: Db, m: typeof members.$inferInsert): Promise<void> {
  await db.insert(members).values(m).onConflictDoUpdate({ target: members.id, set: m });
}
