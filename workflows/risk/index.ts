/**
 * Grid risk colours (红/橙/黄/蓝/绿): the one colour each grid has now, and its history.
 *
 * States: a grid's colour (`units.risk_colour`; none until first set), with every change kept in
 * `unit_status_history` (source = the inbound message id) and an audit entry.
 * Transitions: `/风险 <网格> <颜色>` ({@link setGridColour}) — commanders and duty officers any grid; a
 * township officer, in their own township room, only the grids of their township (PRODUCT.md §2.5). The
 * grid group is told, and, for a change made by the county, the township room. A roster re-import keeps
 * the changes as history too.
 * Timers: none.
 *
 * Reports cut by colour (`/统计 红色网格`, the export's `colour=`; {@link parseColourCut}) use the colour a
 * grid had when an item was issued (workflows/reports/response-rate.ts). Scopes by colour (`范围:红色网格`)
 * are read by workflows/directive/scope.ts.
 */
import type { CommandContext } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { riskGridsWithin } from '../../src/core/permissions.js';
import { audit } from '../../src/db/queries/audit.js';
import { setRiskColour } from '../../src/db/queries/reports.js';
import { getUnit, groupOfUnit } from '../../src/db/queries/roster.js';
import { RISK_COLOURS, type RiskColour, type Unit } from '../../src/db/schema/index.js';
import { findUnit, ScopeRefusal } from '../directive/scope.js';
import { quoted } from '../../src/core/text.js';

/** Chinese names of risk colours: red → 红 (`红色`, `红色网格` in answers). */
export const COLOUR_ZH: Record<RiskColour, string> = { red: '红', orange: '橙', yellow: '黄', blue: '蓝', green: '绿' };

/** Words for a colour, Chinese and English: 红 → red … */
export const COLOUR_WORDS: Record<string, RiskColour> = {
  红: 'red', 橙: 'orange', 黄: 'yellow', 蓝: 'blue', 绿: 'green',
  red: 'red', orange: 'orange', yellow: 'yellow', blue: 'blue', green: 'green',
};

/**
 * Reads a colour cut for reports: `红色`, `红色网格`, `橙色及以上` (orange and more severe), `red`.
 * @returns the colours, or null when the term is not a colour cut.
 */
export function parseColourCut(term: string): RiskColour[] | null {
  const m = /^(红|橙|黄|蓝|绿)色(?:风险)?(?:网格)?(及以上|以上)?(?:网格)?$/.exec(term) ?? /^(red|orange|yellow|blue|green)(\+)?$/i.exec(term);
  if (!m) return null;
  const c = COLOUR_WORDS[m[1]!.toLowerCase()]!;
  return m[2] ? RISK_COLOURS.slice(0, RISK_COLOURS.indexOf(c) + 1) : [c];
}

/** `「name」`, cut to 24 characters (as `quoted` in commands/limits.ts). */

/**
 * Finds the one grid `name` names (a unit id, a grid name, or `乡镇+网格名`), as a scope term reads it.
 * @param within a township officer's township id: only its grids are meant
 * @throws Refusal when none, several, of another township (`不属于<乡镇>`) or not a grid.
 */
async function findGrid(deps: CoreDeps, name: string, within: string | undefined): Promise<Unit> {
  const shown = quoted(name);
  const byId = await getUnit(deps.db, name);
  if (byId) {
    if (byId.kind !== 'grid') throw new Refusal(`${shown}不是网格。`);
    if (within && byId.townshipId !== within) throw new Refusal(`${byId.name}不属于${(await getUnit(deps.db, within))?.name ?? '本乡镇'}，只能设置本乡镇网格的风险颜色。`);
    return byId;
  }
  let unit: Unit;
  try {
    unit = await findUnit(deps.db, name, within);
  } catch (err) {
    if (!(err instanceof ScopeRefusal)) throw err;
    if (err.reason === 'outside') throw new Refusal(`${shown}不属于${err.township}，只能设置本乡镇网格的风险颜色。`);
    if (err.reason === 'unknown') throw new Refusal(`没有网格${shown}。请核对名称。`);
    throw new Refusal(err.message.replace(/^范围中的/, ''));
  }
  if (unit.kind !== 'grid') throw new Refusal(`${shown}不是一个网格，请写网格名称，如「周家坞村第1网格」。`);
  return unit;
}

/**
 * Sets a grid's risk colour for the sender of `ctx`, recorded at `ctx.receivedAt` (when the message was
 * received: reports cut by colour read the colour at an item's issue time). Who may set colours at all, and
 * from which group, is the `/风险` command's `allow` and `ownUnitOnly`, checked by the dispatcher; which grids,
 * `riskGridsWithin` (permissions.ts).
 * @returns the reply text.
 * @throws Refusal when the grid is unknown or not one the sender may colour (another township's).
 */
export async function setGridColour(deps: CoreDeps, ctx: Pick<CommandContext, 'sender' | 'groupUnit' | 'message' | 'receivedAt'>, name: string, colour: RiskColour): Promise<string> {
  const within = riskGridsWithin(ctx.sender);
  const county = within === undefined;
  const grid = await findGrid(deps, name, within);
  const before = grid.riskColour;
  const changed = await setRiskColour(deps.db, grid.id, colour, ctx.receivedAt, String(ctx.message.inboundId));
  if (!changed) return `${grid.name}已是${COLOUR_ZH[colour]}色，无需更改。`;
  await audit(deps.db, {
    actorId: ctx.sender.id,
    action: 'unit.risk_colour',
    subject: grid.id,
    detail: { from: before, to: colour },
    inboundId: ctx.message.inboundId,
    at: ctx.receivedAt,
  });
  const tname = grid.townshipId ? (await getUnit(deps.db, grid.townshipId))?.name ?? '' : '';
  const change = `${before ? `${COLOUR_ZH[before]} → ` : ''}${COLOUR_ZH[colour]}`;
  // the units concerned hear of it once each: the grid's own group, and its township room when the
  // change came from the county (a township officer is already in that room)
  const notice = `【风险颜色调整】${tname}${grid.name}：${change}（${county ? '指挥部' : tname}${ctx.sender.name}）`;
  const tell = async (unitId: string | null, key: string) => {
    const g = unitId ? await groupOfUnit(deps.db, unitId) : undefined;
    if (g) await deps.outbox.store(deps.db, { conversationId: g.conversationId, text: notice, dedupKey: `risk-${ctx.message.inboundId}-${key}` });
  };
  await tell(grid.id, 'grid');
  if (county) await tell(grid.townshipId, 'room');
  return `✅ ${tname}${grid.name} 风险颜色：${change}。`;
}
