/**
 * `范围:` of a special task: which grids it goes to. Small on purpose — township names, village names,
 * grid names and risk colours (`红色网格`), combined: places are united, colours filter them
 * (`范围:清溪街道 红色网格` = the red grids of 清溪街道). Empty = every grid the issuer may task.
 */
import type { Tier } from '../src/core/command.js';
import { Refusal } from '../src/core/errors.js';
import { unitsWithGroups } from '../src/db/queries/roster.js';
import { unitsOfKind } from '../src/db/queries/tasks.js';
import type { Db } from '../src/db/client.js';
import type { RiskColour, TaskScope, Unit } from '../src/db/schema/index.js';

const COLOUR_ZH: Record<string, RiskColour> = { 红: 'red', 橙: 'orange', 黄: 'yellow', 蓝: 'blue', 绿: 'green' };
export const COLOUR_NAME: Record<RiskColour, string> = { red: '红色', orange: '橙色', yellow: '黄色', blue: '蓝色', green: '绿色' };

/**
 * Reads `范围:` text against the roster for an issuer of `tier` (a township issuer: own township only).
 * @throws Refusal naming a word that is no township, village, grid or colour, or a place outside the issuer's township.
 */
export function readScope(db: Db, text: string, issuer: { tier: Tier; townshipId?: string | undefined }): TaskScope {
  const tier: TaskScope['tier'] = issuer.tier === 'county' ? 'county' : 'township';
  const scope: TaskScope = { tier, label: text.trim() || (tier === 'county' ? '全县网格' : '本乡镇网格'), townshipIds: [], gridIds: [], colours: [] };
  if (tier === 'township') scope.townshipId = issuer.townshipId!;
  const tokens = text.split(/[\s,，、;；]+/).map((s) => s.trim()).filter(Boolean);
  if (tokens.length === 0 || tokens.every((t) => /^(全部|全县|所有网格|全部网格|本乡镇|全乡镇)$/.test(t))) return scope;
  const townships = unitsOfKind(db, 'township');
  const villages = unitsOfKind(db, 'village');
  const grids = unitsOfKind(db, 'grid');
  const outside = (u: Unit) => tier === 'township' && (u.townshipId ?? u.id) !== issuer.townshipId;
  for (const tok of tokens) {
    const colour = /^(红|橙|黄|蓝|绿)(色)?(码)?(网格)?$/.exec(tok);
    if (colour) {
      scope.colours!.push(COLOUR_ZH[colour[1]!]!);
      continue;
    }
    const township = townships.find((t) => t.name === tok) ?? (tok.length >= 2 ? townships.find((t) => t.name.startsWith(tok)) : undefined);
    if (township) {
      if (outside(township)) throw new Refusal(`${township.name}不属于本乡镇，不能向其下达任务。`);
      scope.townshipIds!.push(township.id);
      continue;
    }
    const village = villages.find((v) => v.name === tok && !outside(v)) ?? villages.find((v) => v.name === tok);
    if (village) {
      if (outside(village)) throw new Refusal(`${village.name}不属于本乡镇，不能向其下达任务。`);
      scope.gridIds!.push(...grids.filter((g) => g.parentId === village.id).map((g) => g.id));
      continue;
    }
    const grid = grids.find((g) => g.name === tok && !outside(g)) ?? grids.find((g) => g.name === tok);
    if (grid) {
      if (outside(grid)) throw new Refusal(`${grid.name}不属于本乡镇，不能向其下达任务。`);
      scope.gridIds!.push(grid.id);
      continue;
    }
    throw new Refusal(`范围里的「${tok}」不是乡镇、村、网格名或网格颜色（如 红色网格）。`);
  }
  return scope;
}

/** The grids (with their group's conversation id) a scope names now, ordered by unit id. */
export function resolveScope(db: Db, scope: TaskScope): (Unit & { conversationId: string })[] {
  let grids = unitsWithGroups(db, ['grid']);
  if (scope.tier === 'township') grids = grids.filter((g) => g.townshipId === scope.townshipId);
  const towns = new Set(scope.townshipIds ?? []);
  const ids = new Set(scope.gridIds ?? []);
  if (towns.size || ids.size) grids = grids.filter((g) => towns.has(g.townshipId ?? '') || ids.has(g.id));
  const colours = new Set(scope.colours ?? []);
  if (colours.size) grids = grids.filter((g) => g.riskColour !== null && colours.has(g.riskColour));
  return grids;
}
