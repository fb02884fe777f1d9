/**
 * `范围:` of a special task: which grids it goes to. Read as `/令` and `/通告` read it
 * (workflows/directive/scope.ts): township, village and grid names (`马坞镇高垄口村` narrows a name used in
 * several townships; an ambiguous one is refused), control levels (`一级管控`), risk colours (`红色网格`,
 * `橙色及以上`) — places are united, colours narrow them (`范围:清溪街道 红色网格` = the red grids of
 * 清溪街道). Empty = every grid the issuer may task.
 */
import type { Tier } from '../../src/core/command.js';
import { Refusal } from '../../src/core/errors.js';
import { unitsWithGroups } from '../../src/db/queries/roster.js';
import type { Db } from '../../src/db/client.js';
import type { RiskColour, TaskScope, Unit } from '../../src/db/schema/index.js';
import { readScopeTerms, splitScope } from '../directive/scope.js';

export const COLOUR_NAME: Record<RiskColour, string> = { red: '红色', orange: '橙色', yellow: '黄色', blue: '蓝色', green: '绿色' };

/**
 * Reads `范围:` text against the roster for an issuer of `tier` (a township issuer: own township only).
 * @throws ScopeRefusal (see workflows/directive/scope.ts) naming a word that is no township, village, grid, level or
 *   colour, a name of several units, or a place outside the issuer's township (`不属于<乡镇>`); Refusal when
 *   the places named hold no grid (`一级管控` when no township is at that level).
 */
export async function readScope(db: Db, text: string, issuer: { tier: Tier; townshipId?: string | undefined }): Promise<TaskScope> {
  const tier: TaskScope['tier'] = issuer.tier === 'county' ? 'county' : 'township';
  const scope: TaskScope = { tier, label: text.trim() || (tier === 'county' ? '全县网格' : '本乡镇网格'), townshipIds: [], gridIds: [], colours: [] };
  if (tier === 'township') scope.townshipId = issuer.townshipId!;
  const sel = await readScopeTerms(db, splitScope(text), tier === 'township' ? issuer.townshipId : undefined, '任务未下达。');
  scope.colours = sel.colours;
  if (sel.places) {
    if (!sel.places.townshipIds.length && !sel.places.gridIds.length) throw new Refusal(`范围「${text.trim().slice(0, 24)}」内没有网格，任务未下达。`);
    scope.townshipIds = sel.places.townshipIds;
    scope.gridIds = sel.places.gridIds;
  }
  return scope;
}

/** The grids (with their group's conversation id) a scope names now, ordered by unit id. */
export async function resolveScope(db: Db, scope: TaskScope): Promise<(Unit & { conversationId: string })[]> {
  let grids = await unitsWithGroups(db, ['grid']);
  if (scope.tier === 'township') grids = grids.filter((g) => g.townshipId === scope.townshipId);
  const towns = new Set(scope.townshipIds ?? []);
  const ids = new Set(scope.gridIds ?? []);
  if (towns.size || ids.size) grids = grids.filter((g) => towns.has(g.townshipId ?? '') || ids.has(g.id));
  const colours = new Set(scope.colours ?? []);
  if (colours.size) grids = grids.filter((g) => g.riskColour !== null && colours.has(g.riskColour));
  return grids;
}
