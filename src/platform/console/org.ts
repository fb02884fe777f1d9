/**
 * The organisation as the console page shows it (the roster, read-only):
 *
 * - `GET /console/v1/org` → `{county, units: Unit[], groups: Group[]}`: every unit in tree order (the county, then
 *   each township followed by its villages, each village followed by its grids), with its risk colour, control
 *   level and group (`conversationId`, null for villages); every group with its title and unit.
 * - `GET /console/v1/members?conversationId=` → `{members:[{memberId, name, role, roleZh}]}`: the people who post in
 *   that group — the members of its unit (the command group: the county's roles) — commanders first, then by role
 *   as listed in PRODUCT.md §1, then by id. 404 `unknown_conversation` for an id that is not a group.
 * - `GET /console/v1/commands?conversationId=&senderId=` → `{commands:[{word, aliases, usage, summary}]}`: exactly the
 *   commands `/帮助` lists for that member in that group (the same function, commands/help.ts `helpCommands`).
 *   404 `unknown_conversation`, or `unknown_member` for a sender not in the roster.
 */
import type { FastifyInstance } from 'fastify';
import type { CommandContext, CommandDef } from '../../core/command.js';
import { ROLE_ZH, tierOf } from '../../core/permissions.js';
import type { Db } from '../../db/client.js';
import { membersOfUnit, unitsAndGroups } from '../../db/queries/console.js';
import { getGroup, getMember, getUnit } from '../../db/queries/roster.js';
import { ROLES, type Group, type Unit } from '../../db/schema/index.js';
import type { requireToken } from '../../http/access.js';
import { HttpError, readInput } from '../../http/validate.js';
import { unknownConversation } from './chat.js';
import { commandsQuery, emptyQuery, membersQuery } from './parse.js';

/** Who asks where, as `/帮助` sees it: the sender, the group, its unit and tier. */
export type Asking = Pick<CommandContext, 'sender' | 'tier' | 'group' | 'groupUnit'>;

/** The commands `/帮助` lists for a sender in a group (app.ts: commands/help.ts `helpCommands` over every command). */
export type CommandsFor = (who: Asking) => readonly Pick<CommandDef<unknown>, 'words' | 'usage' | 'summary'>[];

/** A unit of `GET /console/v1/org`. */
export interface OrgUnit {
  unitId: string;
  kind: Unit['kind'];
  name: string;
  parentId: string | null;
  riskColour: Unit['riskColour'];
  controlLevel: 1 | 2 | 3 | null;
  /** The unit's group; null for a unit without one (villages). */
  conversationId: string | null;
}

/** A group of `GET /console/v1/org`. */
export interface OrgGroup {
  conversationId: string;
  title: string;
  unitId: string;
}

/** Unit ids in a natural order: `G2` before `G10`. */
const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id, 'en', { numeric: true });

/**
 * The whole roster as a tree, depth first from the county (children in natural id order); units whose parent is
 * missing come last, so none is lost. Pure.
 */
export function orgTree(rows: readonly { unit: Unit; group: Pick<Group, 'conversationId'> | null }[]): OrgUnit[] {
  const children = new Map<string | null, { unit: Unit; group: Pick<Group, 'conversationId'> | null }[]>();
  for (const r of rows) {
    const list = children.get(r.unit.parentId) ?? [];
    list.push(r);
    children.set(r.unit.parentId, list);
  }
  for (const list of children.values()) list.sort((a, b) => byId(a.unit, b.unit));
  const out: OrgUnit[] = [];
  const seen = new Set<string>();
  const visit = (r: { unit: Unit; group: Pick<Group, 'conversationId'> | null }) => {
    if (seen.has(r.unit.id)) return;
    seen.add(r.unit.id);
    const level = r.unit.controlLevel;
    out.push({
      unitId: r.unit.id,
      kind: r.unit.kind,
      name: r.unit.name,
      parentId: r.unit.parentId,
      riskColour: r.unit.riskColour ?? null,
      controlLevel: level === 1 || level === 2 || level === 3 ? level : null,
      conversationId: r.group?.conversationId ?? null,
    });
    for (const c of children.get(r.unit.id) ?? []) visit(c);
  };
  for (const root of children.get(null) ?? []) visit(root);
  for (const r of [...rows].sort((a, b) => byId(a.unit, b.unit))) visit(r);
  return out;
}

/** Where a role comes in a group's member list: PRODUCT.md §1's order (commander first). */
const roleRank = (role: string) => ROLES.indexOf(role as (typeof ROLES)[number]);

/**
 * Who asks in `conversationId`: the member and the group with its unit and tier, from the roster.
 * @throws HttpError 404 `unknown_conversation` (not a group, or its unit has no tier), `unknown_member`
 */
async function asking(db: Db, conversationId: string, senderId: string): Promise<Asking> {
  const group = await getGroup(db, conversationId);
  const groupUnit = group && (await getUnit(db, group.unitId));
  const tier = groupUnit && tierOf(groupUnit.kind);
  if (!group || !groupUnit || !tier) throw unknownConversation(conversationId);
  const sender = await getMember(db, senderId);
  if (!sender) throw new HttpError(404, 'unknown_member', `no member with id ${JSON.stringify(senderId.slice(0, 40))} in the roster`);
  return { sender, group, groupUnit, tier };
}

/**
 * Registers `GET /console/v1/org` (`{county, timeZone, units, groups}`: `timeZone` the IANA zone the bot's messages use),
 * `/members` and `/commands` (queries checked, 4xx refusals).
 */
export function registerOrg(
  http: FastifyInstance,
  deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; db: Db; commandsFor: CommandsFor; timeZone: string },
): void {
  const { db } = deps;
  http.get('/console/v1/org', { onRequest: deps.onRequest }, async (req) => {
    readInput(emptyQuery, req.query, 'query');
    const rows = await unitsAndGroups(db);
    const units = orgTree(rows);
    const groupOf = new Map(rows.flatMap((r) => (r.group ? [[r.unit.id, r.group] as const] : [])));
    const groups: OrgGroup[] = units.flatMap((u) => {
      const g = groupOf.get(u.unitId);
      return g ? [{ conversationId: g.conversationId, title: g.title, unitId: g.unitId }] : [];
    });
    return { county: units.find((u) => u.kind === 'county')?.name ?? '', timeZone: deps.timeZone, units, groups };
  });
  http.get('/console/v1/members', { onRequest: deps.onRequest }, async (req) => {
    const q = readInput(membersQuery, req.query, 'query');
    const group = await getGroup(db, q.conversationId);
    if (!group) throw unknownConversation(q.conversationId);
    const members = (await membersOfUnit(db, group.unitId)).sort((a, b) => roleRank(a.role) - roleRank(b.role) || byId(a, b));
    return { members: members.map((m) => ({ memberId: m.id, name: m.name, role: m.role, roleZh: ROLE_ZH[m.role] })) };
  });
  http.get('/console/v1/commands', { onRequest: deps.onRequest }, async (req) => {
    const q = readInput(commandsQuery, req.query, 'query');
    const who = await asking(db, q.conversationId, q.senderId);
    return { commands: deps.commandsFor(who).map((c) => ({ word: c.words[0]!, aliases: c.words.slice(1), usage: c.usage, summary: c.summary })) };
  });
}
