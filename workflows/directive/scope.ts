/**
 * `范围:` — the one reading of a scope, shared by `/令`, `/通告`, `/任务` (and the grid name of `/风险`).
 *
 * Terms (separated by 、 , ， ; ； or spaces):
 * - `全县` (`全部`, `所有`, `本乡镇` …) — everything within the issuer's reach (also the default);
 * - a township name (`清溪街道`, or without its suffix: `清溪`) — its room and all its grids;
 * - a control level (`一级管控`, `二级及以上管控`) — every township at that level: rooms and grids;
 * - a village name (`周家坞村`) — its grids; a grid name (`周家坞村第1网格`) — that grid. A name used in
 *   several townships is refused as ambiguous; write the township first (`马坞镇高垄口村`,
 *   `大坑乡胡桥头村第1网格`, also `马坞/高垄口村`). A township officer's names are looked for in their
 *   own township first; a name found only elsewhere is refused as `不属于<乡镇>`.
 * - a risk colour (`红色网格`, `红色`, `橙色及以上`) — narrows: alone, every grid of that colour within
 *   reach; with places, only those places' grids of that colour (`马坞镇 红色网格` = 马坞镇's red grids).
 *
 * For directives and notices, a township room is included whenever any of its grids is (it supervises them,
 * gets the list of its silent grids when the deadline passes, and so must have seen the item; it
 * acknowledges for itself), and when its township is named whole without a colour. A township not touched by
 * the scope gets nothing.
 */
import { Refusal } from '../../src/core/errors.js';
import type { Db } from '../../src/db/client.js';
import { unitsForScope } from '../../src/db/queries/directives.js';
import { RISK_COLOURS, type RiskColour, type Unit } from '../../src/db/schema/index.js';
import { quoted } from '../../src/core/text.js';

/** A unit the item is relayed to, with its group. */
export type ScopeUnit = Unit & { conversationId: string };

export interface ResolvedScope {
  /** Township rooms then grid groups, ordered by unit id. */
  units: ScopeUnit[];
  townships: number;
  grids: number;
  /** The scope as written, for the confirmation and `/进度`; null for the whole county. */
  label: string | null;
  /** The risk colours narrowing it (most severe first); empty = no colour cut. */
  colours: RiskColour[];
  /** Townships all of whose grids (with a group) are in it. */
  wholeTownships: Set<string>;
}

/** Why a scope term was refused: not a known name, a name of several units, or a unit outside the issuer's township. */
export class ScopeRefusal extends Refusal {
  constructor(
    message: string,
    readonly reason: 'unknown' | 'ambiguous' | 'outside',
    /** The term as written. */
    readonly term: string,
    /** `outside`: the issuer's township name. */
    readonly township?: string,
  ) {
    super(message);
  }
}

/** What a scope names, read against the roster (see the module comment). */
export interface ScopeSelection {
  /** The places named — whole townships (by name or control level) and grids (by grid or village) — or null for everything within reach. */
  places: { townshipIds: string[]; gridIds: string[] } | null;
  /** Colours narrowing the places' grids; empty = no narrowing. */
  colours: RiskColour[];
}

/** `「term」`, cut to 24 characters: a long mistake is not echoed in full (as `quoted` in commands/limits.ts). */

const COLOUR_ZH: Record<string, RiskColour> = { 红: 'red', 橙: 'orange', 黄: 'yellow', 蓝: 'blue', 绿: 'green' };
const LEVEL_ZH: Record<string, number> = { 一: 1, 二: 2, 三: 3, '1': 1, '2': 2, '3': 3 };
const ALL_WORDS = /^(全县|全部|所有|全县范围|所有网格|全部网格|全县网格|本乡镇|全乡镇)$/;
const COLOUR_RE = /^(红|橙|黄|蓝|绿)(?:色)?(?:码)?(?:风险)?(?:网格)?(及以上|以上)?(?:网格)?$/;

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
  | { kind: 'unit'; unit: Unit };

/** The roster as a scope reads it: every unit by name (townships also by their short name), the township rooms. */
interface Index {
  all: (Unit & { conversationId: string | null })[];
  rooms: Unit[];
  byName: Map<string, Unit[]>;
}

async function indexOf(db: Db): Promise<Index> {
  const all = await unitsForScope(db);
  const rooms = all.filter((u) => u.kind === 'township');
  const byName = new Map<string, Unit[]>();
  const addName = (name: string, u: Unit) => byName.set(name, [...(byName.get(name) ?? []), u]);
  for (const u of all) if (u.kind !== 'county') addName(u.name, u);
  for (const t of rooms) {
    const short = t.name.replace(/(街道|镇|乡)$/, '');
    if (short !== t.name && short.length >= 2 && !byName.has(short)) addName(short, t);
  }
  return { all, rooms, byName };
}

/** The units a name may mean: an exact name, else `<乡镇><名称>` (`马坞镇高垄口村`, `马坞/高垄口村`). */
function unitsNamed(ix: Index, term: string): Unit[] {
  const exact = ix.byName.get(term);
  if (exact) return exact;
  const found: Unit[] = [];
  for (const [prefix, units] of ix.byName) {
    const t = units[0]!;
    if (units.length !== 1 || t.kind !== 'township' || !term.startsWith(prefix)) continue;
    const rest = term.slice(prefix.length).replace(/^[/·\-]/, '');
    for (const u of ix.byName.get(rest) ?? []) if (u.townshipId === t.id && u.kind !== 'township' && !found.includes(u)) found.push(u);
  }
  return found;
}

function parseTerm(ix: Index, term: string, within: string | undefined, tail: string): Term {
  if (ALL_WORDS.test(term)) return { kind: 'all' };
  const colour = COLOUR_RE.exec(term);
  if (colour) {
    const c = COLOUR_ZH[colour[1]!]!;
    return { kind: 'colour', colours: colour[2] ? RISK_COLOURS.slice(0, RISK_COLOURS.indexOf(c) + 1) : [c] };
  }
  const level = /^([一二三123])级(及以上|以上)?管控(?:乡镇|街道|乡镇街道)?$/.exec(term);
  if (level) {
    const n = LEVEL_ZH[level[1]!]!;
    return { kind: 'level', levels: level[2] ? [1, 2, 3].filter((l) => l <= n) : [n] };
  }
  const tname = (id: string) => ix.rooms.find((t) => t.id === id)?.name ?? id;
  const found = unitsNamed(ix, term);
  const named = within ? found.filter((u) => (u.townshipId ?? u.id) === within) : found;
  if (named.length === 1) return { kind: 'unit', unit: named[0]! };
  if (named.length > 1) {
    const ts = named.map((u) => tname(u.townshipId ?? u.id));
    throw new ScopeRefusal(`范围中的${quoted(term)}有${ts.length}个（${ts.join('、')}），请在前面写上乡镇，如「${ts[0]}${term}」。${tail}`, 'ambiguous', term);
  }
  if (found.length && within) {
    const w = tname(within);
    throw new ScopeRefusal(`${quoted(term)}不属于${w}（只能选本乡镇的村、网格）。${tail}`, 'outside', term, w);
  }
  throw new ScopeRefusal(
    `范围中的${quoted(term)}不是乡镇、村（社区）、网格名称，也不是风险颜色（如 红色网格、橙色及以上）或管控等级（如 一级管控）。${tail}`,
    'unknown',
    term,
  );
}

/**
 * Reads scope terms against the roster: what they name (see the module comment).
 * @param terms from {@link splitScope}; empty = everything within reach
 * @param within a township id: the issuer is that township's officer — names are looked for there, and a
 *   name only found elsewhere is refused; set terms (全县, a level) are narrowed to it
 * @param tail appended to a refusal, e.g. `未下发。`
 * @throws ScopeRefusal for the first term that is unknown, ambiguous or (with `within`) of another township
 */
export async function readScopeTerms(db: Db, terms: readonly string[], within?: string, tail = '未下发。'): Promise<ScopeSelection> {
  return select(await indexOf(db), terms, within, tail);
}

function select(ix: Index, terms: readonly string[], within: string | undefined, tail: string): ScopeSelection {
  const parsed = terms.map((t) => parseTerm(ix, t, within, tail));
  const inside = (u: Unit) => !within || (u.townshipId ?? u.id) === within;
  const colours = [...new Set(parsed.flatMap((p) => (p.kind === 'colour' ? p.colours : [])))];
  if (parsed.some((p) => p.kind === 'all') || !parsed.some((p) => p.kind === 'level' || p.kind === 'unit')) return { places: null, colours };
  const townshipIds = new Set<string>();
  const gridIds = new Set<string>();
  for (const p of parsed) {
    if (p.kind === 'level') for (const t of ix.rooms) if (t.controlLevel !== null && p.levels.includes(t.controlLevel) && inside(t)) townshipIds.add(t.id);
    if (p.kind !== 'unit') continue;
    const u = p.unit;
    if (u.kind === 'township') townshipIds.add(u.id);
    else if (u.kind === 'grid') gridIds.add(u.id);
    else if (u.kind === 'village') for (const g of ix.all) if (g.kind === 'grid' && g.parentId === u.id) gridIds.add(g.id);
  }
  return { places: { townshipIds: [...townshipIds], gridIds: [...gridIds] }, colours };
}

/**
 * The one unit a name means (a township, village or grid; `乡镇+名称` narrows), as a scope term reads it.
 * @param within a township id: only its units are meant; a name only found elsewhere is refused
 * @throws ScopeRefusal when the name is unknown, ambiguous, of another township, or a colour or set term
 */
export async function findUnit(db: Db, name: string, within?: string): Promise<Unit> {
  const ix = await indexOf(db);
  const t = parseTerm(ix, name, within, '');
  if (t.kind !== 'unit') throw new ScopeRefusal(`${quoted(name)}不是单位名称。`, 'unknown', name);
  return t.unit;
}

/**
 * Resolves scope terms to the township rooms and grid groups to relay to.
 * @param terms from {@link splitScope}; empty or null = the whole county
 * @param within a township id: the issuer is that township's officer, so set-based terms (colour,
 *   level, 全县) are narrowed to it, and a name outside it is refused
 * @throws ScopeRefusal naming the first unknown, ambiguous or outside term (nothing is sent); Refusal when
 *   the scope reaches no group.
 */
export async function resolveScope(db: Db, terms: string[] | null, within?: string): Promise<ResolvedScope> {
  const ix = await indexOf(db);
  const withGroup = (u: Unit & { conversationId: string | null }): u is ScopeUnit => u.conversationId !== null;
  const list = terms?.length ? terms : ['全县'];
  const sel = select(ix, list, within, '未下发。');
  const inside = (u: Unit) => !within || (u.townshipId ?? u.id) === within;
  const grids = ix.all.filter((u) => u.kind === 'grid');
  const roomIds = new Set<string>();
  let chosen = grids.filter(inside);
  if (sel.places) {
    const towns = new Set(sel.places.townshipIds);
    const ids = new Set(sel.places.gridIds);
    chosen = chosen.filter((g) => towns.has(g.townshipId ?? '') || ids.has(g.id));
    if (!sel.colours.length) for (const t of towns) roomIds.add(t);
  } else if (!sel.colours.length) {
    for (const t of ix.rooms) if (inside(t)) roomIds.add(t.id);
  }
  if (sel.colours.length) chosen = chosen.filter((g) => g.riskColour !== null && sel.colours.includes(g.riskColour));
  // any grid brings its township's room
  for (const g of chosen) if (g.townshipId) roomIds.add(g.townshipId);
  const gridIds = new Set(chosen.map((g) => g.id));
  const units = [...ix.all.filter((t) => t.kind === 'township' && roomIds.has(t.id)), ...grids.filter((g) => gridIds.has(g.id))].filter(withGroup);
  if (units.length === 0) throw new Refusal(`范围${quoted(list.join('、'))}内没有可下发的乡镇指挥室或网格群。未下发。`);
  const gridCount = units.filter((u) => u.kind === 'grid').length;
  const wholeTownships = new Set(ix.rooms.map((t) => t.id));
  for (const g of grids) if (g.townshipId && withGroup(g) && !gridIds.has(g.id)) wholeTownships.delete(g.townshipId);
  return {
    units,
    townships: units.length - gridCount,
    grids: gridCount,
    label: terms?.length ? terms.join('、') : null,
    colours: RISK_COLOURS.filter((c) => sel.colours.includes(c)),
    wholeTownships,
  };
}
