/**
 * The county as the bench's clients see it: read from a roster folder (units.csv, groups.csv, members.csv, as
 * `gridrelay roster import` takes it) — the command group and a commander, and each grid's group with its grid
 * worker, each township's room with an officer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** One group and the person who answers in it. */
export interface Seat {
  conversationId: string;
  memberId: string;
  unitId: string;
  /** the unit's name (`清溪街道`) */
  name: string;
}

/** The people and groups the bench drives. */
export interface BenchCounty {
  command: Seat;
  /** one per grid (its group, its grid worker) */
  grids: Seat[];
  /** one per township (its room, a township officer) */
  townships: Seat[];
}

const rows = (dir: string, file: string) => parse(readFileSync(join(dir, file)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

/**
 * Reads the roster folder `dir`.
 * @throws when the county has no commander or command group, or a grid has no group or grid worker
 */
export function readCounty(dir: string): BenchCounty {
  const units = rows(dir, 'units.csv');
  const groups = new Map(rows(dir, 'groups.csv').map((g) => [g.unit_id!, g.conversation_id!]));
  const members = rows(dir, 'members.csv');
  const person = (unitId: string, role: string) => members.find((m) => m.unit_id === unitId && m.role === role)?.member_id;
  const byRole = new Map<string, string>();
  for (const m of members) if (!byRole.has(`${m.unit_id}|${m.role}`)) byRole.set(`${m.unit_id}|${m.role}`, m.member_id!);
  const names = new Map(units.map((u) => [u.unit_id!, u.name!]));
  const seat = (unitId: string, role: string): Seat => {
    const conversationId = groups.get(unitId);
    const memberId = byRole.get(`${unitId}|${role}`) ?? person(unitId, role);
    if (!conversationId || !memberId) throw new Error(`bench: unit ${unitId} has no group or no ${role}`);
    return { conversationId, memberId, unitId, name: names.get(unitId) ?? unitId };
  };
  const county = units.find((u) => u.kind === 'county');
  if (!county) throw new Error('bench: the roster has no county unit');
  return {
    command: seat(county.unit_id!, 'commander'),
    grids: units.filter((u) => u.kind === 'grid').map((u) => seat(u.unit_id!, 'grid_worker')),
    townships: units.filter((u) => u.kind === 'township').map((u) => seat(u.unit_id!, 'township_officer')),
  };
}
