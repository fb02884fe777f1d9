/**
 * Scopes of directives and notices (`范围:`): which township rooms and grid groups an item reaches.
 *
 * Terms (separated by 、 , ， ; ；):
 * - `全县` — the whole county (also the default when there is no `范围:`);
 * - a township name (`清溪街道`, or without its suffix: `清溪`) — its room and all its grids;
 * - a control level (`一级管控`, `二级及以上管控`) — every township at that level: rooms and grids;
 * - a risk colour (`红色网格`, `橙色及以上`) — only the grids of that colour (or more severe);
 * - a village name (`周家坞村`) — its grids; a grid name (`周家坞村第1网格`) — that grid. A name used in
 *   several townships is refused as ambiguous; write the township first (`大坑乡胡桥头村第1网格`).
 *
 * A township room is included whenever any of its grids is: it supervises them, gets the list of its
 * silent grids when the deadline passes, and so must have seen the item; it acknowledges for itself.
 * A township not touched by the scope gets nothing.
 */
import { Refusal } from '../src/core/errors.js';
import type { Db } from '../src/db/client.js';
import { unitsForScope } from '../src/db/queries/directives.js';
import { RISK_COLOURS, type RiskColour, type Unit } from '../src/db/schema/index.js';

/** A unit the item is relayed to, with its group. */
export type ScopeUnit = Unit & { conversationId: string };

export interface ResolvedScope {
  /** Township rooms then grid groups, ordered by unit id. */
  units: ScopeUnit[];
  townships: number;
  grids: number;
  /** The scope as written, for the confirmation and `/进度`; null for the whole county. */
  label: string | null;
}

const COLOUR_ZH: Record<string, RiskColour> = { 红: 'red', 橙: 'orange', 黄: 'yellow', 蓝: 'blue', 绿: 'green' };
const LEVEL_ZH: Record<string, number> = { 一: 1, 二: 2, 三: 3, '1': 1, '2': 2, '3': 3 };

/** Splits the text after `范围:` into terms. */
export function splitScope(text: string): string[] {
  return text
    .split(/[、,，;；\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

type Term =
  | { kind: 'all' }
  | { kind: 'colour'; colours: RiskColour[] }
  | { kind: 'level'; levels: number[] }
  | { kind: 'unit'; unit: Unit }
  | { kind: 'ambiguous'; text: string; townships: string[] }
  | { kind: 'unknown'; text: string };

function parseTerm(term: string, byName: Map<string, Unit[]>, within?: string): Term {
  if (/^(全县|全部|所有|全县范围)$/.test(term)) return { kind: 'all' };
  const colour = /^(红|橙|黄|蓝|绿)(?:色)?(?:风险)?(?:网格)?(及以上|以上)?(?:网格)?$/.exec(term);
  if (colour && (term.includes('色') || term.includes('网格'))) {
    const c = COLOUR_ZH[colour[1]!]!;
    const colours = colour[2] ? RISK_COLOURS.slice(0, RISK_COLOURS.indexOf(c) + 1) : [c];
    return { kind: 'colour', colours };
  }
  const level = /^([一二三123])级(及以上|以上)?管控(?:乡镇|街道|乡镇街道)?$/.exec(term);
  if (level) {
    const n = LEVEL_ZH[level[1]!]!;
    return { kind: 'level', levels: level[2] ? [1, 2, 3].filter((l) => l <= n) : [n] };
  }
  const all = byName.get(term);
  const named = within && all && all.length > 1 ? all.filter((u) => u.townshipId === within) : all;
  if (named?.length === 1) return { kind: 'unit', unit: named[0]! };
  if (named && named.length > 1) return { kind: 'ambiguous', text: term, townships: named.map((u) => u.townshipId ?? '') };
  // `华岭镇林家坪村第1网格`, `华岭/林家坪村`: a township name first narrows a name used in several townships
  for (const [prefix, units] of byName) {
    const t = units[0]!;
    if (units.length !== 1 || t.kind !== 'township' || !term.startsWith(prefix)) continue;
    const rest = term.slice(prefix.length).replace(/^[/·\-]/, '');
    const inT = (byName.get(rest) ?? []).filter((u) => u.townshipId === t.id && u.kind !== 'township');
    if (inT.length === 1) return { kind: 'unit', unit: inT[0]! };
  }
  return { kind: 'unknown', text: term };
}

/**
 * Resolves scope terms to the township rooms and grid groups to relay to.
 * @param terms from {@link splitScope}; empty or null = the whole county
 * @param within a township id: the issuer is that township's officer, so set-based terms (colour,
 *   level, 全县) are narrowed to it, and a name outside it is refused
 * @throws Refusal naming every unknown term (nothing is sent), naming a unit outside `within`, or
 *   when the scope reaches no group.
 */
export function resolveScope(db: Db, terms: string[] | null, within?: string): ResolvedScope {
  const all = unitsForScope(db);
  const withGroup = (u: Unit & { conversationId: string | null }): u is ScopeUnit => u.conversationId !== null;
  const rooms = all.filter((u) => u.kind === 'township');
  const grids = all.filter((u) => u.kind === 'grid');
  const byName = new Map<string, Unit[]>();
  const addName = (name: string, u: Unit) => byName.set(name, [...(byName.get(name) ?? []), u]);
  for (const u of all) if (u.kind !== 'county') addName(u.name, u);
  for (const t of rooms) {
    const short = t.name.replace(/(街道|镇|乡)$/, '');
    if (short !== t.name && short.length >= 2 && !byName.has(short)) addName(short, t);
  }
  const villageOf = new Map(all.filter((u) => u.kind === 'grid').map((g) => [g.id, g.parentId]));

  const list = terms?.length ? terms : ['全县'];
  const parsed = list.map((t) => parseTerm(t, byName, within));
  const unknown = parsed.flatMap((p) => (p.kind === 'unknown' ? [p.text] : []));
  if (unknown.length) {
    throw new Refusal(`范围中的「${unknown.join('」「')}」不是乡镇、村（社区）、网格名称，也不是风险颜色（如 红色网格、橙色及以上）或管控等级（如 一级管控）。未下发，请核对后重发。`);
  }
  const ambiguous = parsed.flatMap((p) => (p.kind === 'ambiguous' ? [p] : []));
  if (ambiguous.length) {
    const tname = (id: string) => rooms.find((t) => t.id === id)?.name ?? id;
    const a = ambiguous[0]!;
    throw new Refusal(`范围中的「${a.text}」有${a.townships.length}个（${a.townships.map(tname).join('、')}），请在前面写上乡镇，如「${tname(a.townships[0]!)}${a.text}」。未下发。`);
  }
  const outside: string[] = [];
  const gridIds = new Set<string>();
  const roomIds = new Set<string>();
  const inside = (u: Unit) => !within || u.townshipId === within;
  for (const p of parsed) {
    if (p.kind === 'all') for (const t of rooms) if (inside(t)) roomIds.add(t.id);
    if (p.kind === 'level') for (const t of rooms) if (t.controlLevel !== null && p.levels.includes(t.controlLevel) && inside(t)) roomIds.add(t.id);
    if (p.kind === 'colour') for (const g of grids) if (g.riskColour && p.colours.includes(g.riskColour) && inside(g)) gridIds.add(g.id);
    if (p.kind === 'unit') {
      const u = p.unit;
      if (!inside(u)) {
        outside.push(u.name);
        continue;
      }
      if (u.kind === 'township') roomIds.add(u.id);
      else if (u.kind === 'grid') gridIds.add(u.id);
      else if (u.kind === 'village') for (const g of grids) if (villageOf.get(g.id) === u.id) gridIds.add(g.id);
    }
  }
  if (outside.length) throw new Refusal(`只能向本乡镇发布：「${outside.join('」「')}」不在本乡镇。未下发。`);
  // a whole township brings all its grids; any grid brings its township's room
  for (const g of grids) if (g.townshipId && roomIds.has(g.townshipId)) gridIds.add(g.id);
  for (const g of grids) if (gridIds.has(g.id) && g.townshipId) roomIds.add(g.townshipId);
  const units = [...rooms.filter((t) => roomIds.has(t.id)), ...grids.filter((g) => gridIds.has(g.id))].filter(withGroup);
  if (units.length === 0) throw new Refusal(`范围「${list.join('、')}」内没有可下发的乡镇指挥室或网格群。未下发。`);
  const gridCount = units.filter((u) => u.kind === 'grid').length;
  return {
    units,
    townships: units.length - gridCount,
    grids: gridCount,
    label: terms?.length ? terms.join('、') : null,
  };
}
