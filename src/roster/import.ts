/**
 * Roster import: validate every row (file, row, reason), then upsert units, groups and members in one
 * transaction — all or nothing. Control-level and risk-colour changes are written to the unit history.
 */
import { lockForTransaction, writeTx, type Db } from '../db/client.js';
import { audit } from '../db/queries/audit.js';
import { bindGroup, countyUnit, getUnit, insertUnitHistory, unitTree, upsertMember, upsertUnit } from '../db/queries/roster.js';
import {
  RISK_COLOURS,
  ROLES,
  UNIT_KINDS,
  type RiskColour,
  type Role,
  type UnitKind,
} from '../db/schema/index.js';
import { readRoster, RosterError, type RawRoster, type RosterProblem, type SourceRow } from './read.js';

export { RosterError } from './read.js';

/** Counts of what a roster file held. */
export interface RosterCounts {
  county: number;
  township: number;
  village: number;
  grid: number;
  groups: number;
  members: number;
}

interface UnitIn {
  id: string;
  kind: UnitKind;
  name: string;
  parentId: string | null;
  controlLevel: number | null;
  riskColour: RiskColour | null;
}

const PARENT_KIND: Record<UnitKind, UnitKind | null> = { county: null, township: 'county', village: 'township', grid: 'village' };
const ROLE_KIND: Record<Role, UnitKind> = {
  commander: 'county',
  duty_officer: 'county',
  inspector: 'county',
  township_officer: 'township',
  grid_leader: 'grid',
  grid_worker: 'grid',
  grid_member: 'grid',
};
/** Colour words accepted besides the English names. */
const COLOUR_ALIASES: Record<string, RiskColour> = { 红: 'red', 红色: 'red', 橙: 'orange', 橙色: 'orange', 黄: 'yellow', 黄色: 'yellow', 蓝: 'blue', 蓝色: 'blue', 绿: 'green', 绿色: 'green' };

interface Validated {
  units: UnitIn[];
  groups: { conversationId: string; unitId: string; title: string }[];
  members: { id: string; name: string; role: Role; unitId: string; mobile: string | null }[];
}

/**
 * Checks a raw roster against itself and the units already in `db` (a file may add grids to known villages).
 * @returns the rows ready to apply, or every problem found.
 */
export async function validateRoster(db: Db, raw: RawRoster): Promise<{ ok: true; data: Validated } | { ok: false; problems: RosterProblem[] }> {
  const problems: RosterProblem[] = [];
  const bad = (r: SourceRow, reason: string) => problems.push({ file: r.file, row: r.row, reason });
  const need = (rows: SourceRow[], cols: string[], optional: string[], file: string) => {
    const first = rows[0];
    if (!first) return;
    const missing = cols.filter((c) => !(c in first.values));
    if (missing.length) problems.push({ file, row: 1, reason: `missing column(s): ${missing.join(', ')}` });
    // a misspelt optional column would silently blank that field on every row
    const known = new Set([...cols, ...optional]);
    const unknown = Object.keys(first.values).filter((c) => c !== '' && !known.has(c));
    if (unknown.length) problems.push({ file, row: 1, reason: `unknown column(s): ${unknown.join(', ')} (columns are ${[...known].join(', ')})` });
  };
  need(raw.units, ['unit_id', 'kind', 'name', 'parent_id'], ['control_level', 'risk_color'], raw.units[0]?.file ?? 'units');
  need(raw.groups, ['conversation_id', 'unit_id', 'title'], [], raw.groups[0]?.file ?? 'groups');
  need(raw.members, ['member_id', 'name', 'role', 'unit_id'], ['mobile'], raw.members[0]?.file ?? 'members');
  if (problems.length) return { ok: false, problems };

  const existing = new Map((await unitTree(db)).map((u) => [u.id, u.kind]));
  const fileUnits = new Map<string, UnitIn>();
  for (const r of raw.units) {
    const v = r.values;
    const id = v.unit_id ?? '';
    if (!id) { bad(r, 'unit_id is empty'); continue; }
    if (fileUnits.has(id)) { bad(r, `unit_id ${id} appears twice`); continue; }
    const kind = v.kind as UnitKind;
    if (!UNIT_KINDS.includes(kind)) { bad(r, `kind "${v.kind}" is not one of ${UNIT_KINDS.join(', ')}`); continue; }
    if (!v.name) { bad(r, 'name is empty'); continue; }
    let controlLevel: number | null = null;
    if (v.control_level) {
      if (kind !== 'township') { bad(r, `control_level is only for townships, not a ${kind}`); continue; }
      if (!/^[123]$/.test(v.control_level)) { bad(r, `control_level "${v.control_level}" must be 1, 2 or 3`); continue; }
      controlLevel = Number(v.control_level);
    }
    let riskColour: RiskColour | null = null;
    if (v.risk_color) {
      if (kind !== 'grid') { bad(r, `risk_color is only for grids, not a ${kind}`); continue; }
      const c = (RISK_COLOURS as readonly string[]).includes(v.risk_color.toLowerCase()) ? (v.risk_color.toLowerCase() as RiskColour) : COLOUR_ALIASES[v.risk_color];
      if (!c) { bad(r, `risk_color "${v.risk_color}" must be one of ${RISK_COLOURS.join(', ')}`); continue; }
      riskColour = c;
    }
    fileUnits.set(id, { id, kind, name: v.name, parentId: v.parent_id || null, controlLevel, riskColour });
  }
  const kindOf = (id: string) => fileUnits.get(id)?.kind ?? existing.get(id);
  for (const r of raw.units) {
    const u = fileUnits.get(r.values.unit_id ?? '');
    if (!u) continue;
    const want = PARENT_KIND[u.kind];
    if (want === null) {
      if (u.parentId) bad(r, 'a county has no parent_id');
      continue;
    }
    if (!u.parentId) { bad(r, `a ${u.kind} needs a parent_id (a ${want})`); continue; }
    const pk = kindOf(u.parentId);
    if (!pk) bad(r, `parent_id ${u.parentId} is not a known unit`);
    else if (pk !== want) bad(r, `parent_id ${u.parentId} is a ${pk}; a ${u.kind}'s parent must be a ${want}`);
  }
  const counties = new Set([...fileUnits.values()].filter((u) => u.kind === 'county').map((u) => u.id));
  for (const [id, k] of existing) if (k === 'county') counties.add(id);
  if (counties.size > 1) problems.push({ file: raw.units[0]?.file ?? 'units', row: 0, reason: `more than one county: ${[...counties].join(', ')}` });

  const seenConv = new Set<string>();
  const seenUnitGroup = new Set<string>();
  const outGroups: Validated['groups'] = [];
  for (const r of raw.groups) {
    const { conversation_id: cid = '', unit_id: unitId = '', title = '' } = r.values;
    if (!cid) { bad(r, 'conversation_id is empty'); continue; }
    if (seenConv.has(cid)) { bad(r, `conversation_id ${cid} appears twice`); continue; }
    const k = kindOf(unitId);
    if (!k) { bad(r, `unit_id ${unitId || '(empty)'} is not a known unit`); continue; }
    if (k === 'village') { bad(r, `unit ${unitId} is a village; villages have no group of their own`); continue; }
    if (seenUnitGroup.has(unitId)) { bad(r, `unit ${unitId} already has a group in this file`); continue; }
    seenConv.add(cid);
    seenUnitGroup.add(unitId);
    outGroups.push({ conversationId: cid, unitId, title: title || unitId });
  }

  const seenMember = new Set<string>();
  const outMembers: Validated['members'] = [];
  for (const r of raw.members) {
    const { member_id: id = '', name = '', role = '', unit_id: unitId = '', mobile = '' } = r.values;
    if (!id) { bad(r, 'member_id is empty'); continue; }
    if (seenMember.has(id)) { bad(r, `member_id ${id} appears twice`); continue; }
    if (!name) { bad(r, 'name is empty'); continue; }
    if (!(ROLES as readonly string[]).includes(role)) { bad(r, `role "${role}" is not one of ${ROLES.join(', ')}`); continue; }
    const k = kindOf(unitId);
    if (!k) { bad(r, `unit_id ${unitId || '(empty)'} is not a known unit`); continue; }
    const want = ROLE_KIND[role as Role];
    if (k !== want) { bad(r, `role ${role} belongs to a ${want}, but ${unitId} is a ${k}`); continue; }
    if (mobile && !/^\+?[\d\- ]{5,20}$/.test(mobile)) { bad(r, `mobile "${mobile}" is not a phone number`); continue; }
    seenMember.add(id);
    outMembers.push({ id, name, role: role as Role, unitId, mobile: mobile || null });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, data: { units: [...fileUnits.values()], groups: outGroups, members: outMembers } };
}

/** Upserts validated rows in one transaction. @returns what the file held, by kind. */
export async function applyRoster(db: Db, data: Validated, source = 'roster-import'): Promise<RosterCounts> {
  const now = new Date();
  return await writeTx(db, async () => {
      const tree = await unitTree(db);
    const parents = new Map<string, string | null>(tree.map((u) => [u.id, u.parentId]));
    const kinds = new Map<string, string>(tree.map((u) => [u.id, u.kind]));
    for (const u of data.units) {
      parents.set(u.id, u.parentId);
      kinds.set(u.id, u.kind);
    }
    const townshipOf = (id: string): string | null => {
      for (let cur: string | null | undefined = id, i = 0; cur && i < 10; cur = parents.get(cur), i++) {
        if (kinds.get(cur) === 'township') return cur;
      }
      return null;
    };
    for (const u of data.units) {
        const before = await getUnit(db, u.id);
      const row = { ...u, townshipId: townshipOf(u.id), updatedAt: now };
        await upsertUnit(db, row);
      if (u.kind === 'township' && (before?.controlLevel ?? null) !== u.controlLevel && (before || u.controlLevel !== null)) {
          await insertUnitHistory(db, { unitId: u.id, field: 'control_level', value: u.controlLevel === null ? null : String(u.controlLevel), changedAt: now, source });
      }
      if (u.kind === 'grid' && (before?.riskColour ?? null) !== u.riskColour && (before || u.riskColour !== null)) {
          await insertUnitHistory(db, { unitId: u.id, field: 'risk_colour', value: u.riskColour, changedAt: now, source });
      }
    }
    for (const g of data.groups) {
      // a unit re-bound to another conversation: the old binding goes
        await bindGroup(db, g);
    }
    for (const m of data.members) {
        await upsertMember(db, m);
    }
    const counts: RosterCounts = {
      county: data.units.filter((u) => u.kind === 'county').length,
      township: data.units.filter((u) => u.kind === 'township').length,
      village: data.units.filter((u) => u.kind === 'village').length,
      grid: data.units.filter((u) => u.kind === 'grid').length,
      groups: data.groups.length,
      members: data.members.length,
    };
      await audit(db, { actorId: source, action: 'roster.import', subject: 'roster', detail: { ...counts }, at: now });
    return counts;
  });
}

/**
 * Reads, validates and applies the roster at `path` (folder of CSVs or XLSX). All or nothing.
 * @throws RosterError listing every problem as file, row and reason; nothing is applied then.
 */
export async function importRoster(db: Db, path: string): Promise<RosterCounts> {
  const raw = await readRoster(path);
  const v = await validateRoster(db, raw);
  if (!v.ok) throw new RosterError(v.problems);
  return await applyRoster(db, v.data);
}

/**
 * Imports the roster at `path` ({@link importRoster}) when the database has no county yet — what `npm start` does with
 * `DEMO_ROSTER` on an empty database. Processes starting together on one PostgreSQL database take turns (a lock for
 * the transaction), so the roster is loaded once, by the first. @returns the counts, or null when a county was
 * already there. @throws RosterError as importRoster
 */
export async function importRosterIfEmpty(db: Db, path: string): Promise<RosterCounts | null> {
  return await writeTx(db, async () => {
    await lockForTransaction(db, 'roster-if-empty');
    if (await countyUnit(db)) return null;
    return await importRoster(db, path);
  });
}

/** `1 county, 15 townships, 266 villages, 747 grids, 763 groups, 2,336 members`. */
export function describeCounts(c: RosterCounts): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const pl = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
  return [
    pl(c.county, 'county', 'counties'),
    pl(c.township, 'township', 'townships'),
    pl(c.village, 'village', 'villages'),
    pl(c.grid, 'grid', 'grids'),
    pl(c.groups, 'group', 'groups'),
    pl(c.members, 'member', 'members'),
  ].join(', ');
}
