/**
 * `/统计` and the daily digest as phone-sized text (lists, no tables — DingTalk markdown has none).
 * County → per township (lowest first) and the laggard townships; township → its total and the grids
 * not fully acknowledged; grid → itself and the items it has not acknowledged. Definitions: see
 * `response-rate.ts`.
 */
import type { Tier } from '../../src/core/command.js';
import { percent } from '../../src/core/percent.js';
import type { Directive, RiskColour, Unit } from '../../src/db/schema/index.js';
import { formatNumber } from '../directive/format.js';
import { refWord } from '../directive/ref.js';
import { COLOUR_ZH } from '../risk/index.js';
import type { Period } from './period.js';
import { readRateText, breakdown, countyFigures, responseRowsFor, revokedCount, scopeOf, tally, type BreakdownRow, type Range, type ReportDeps, type ResponseRow, type Tally } from './response-rate.js';
import { SECTIONS } from './sections.js';

/** Up to this many laggards are named in a list; the rest are counted. */
const MAX_NAMED = 10;

export type StatsTarget = { kind: 'period'; period: Period } | { kind: 'directive'; directive: Directive };

const n = (x: number) => x.toLocaleString('en-US');

function headline(t: Tally): string[] {
  return [
    `响应率 ${percent(t.acknowledged, t.targeted)}（${n(t.acknowledged)}/${n(t.targeted)}单位次）`,
    `按时率 ${percent(t.onTime, t.targeted)} · 已读率 ${readRateText(t)}`,
  ];
}

/**
 * `/统计` for a viewer's tier: a period or one item, optionally cut by risk colour.
 * @returns the reply text (a handful of lines; at most {@link MAX_NAMED} laggards named per list).
 */
export async function statsText(deps: ReportDeps, viewer: { tier: Tier; unit: Unit }, target: StatsTarget, colours?: RiskColour[]): Promise<string> {
  const scope = scopeOf(viewer);
  const range: Range = target.kind === 'period' ? { from: target.period.from, to: target.period.to } : { from: null, to: null };
  const cut = colours?.length ? `（${colours.map((c) => COLOUR_ZH[c]).join('、')}色网格）` : '';
  const who = viewer.tier === 'county' ? '全县' : viewer.unit.name;
  const what = target.kind === 'period' ? target.period.label : formatNumber(target.directive);
  const lines = [`📊 ${who}响应率 · ${what}${cut}`];
  if (target.kind === 'directive') {
    const d = target.directive;
    if (d.status === 'revoked') return `${lines[0]}\n${formatNumber(d)}已撤回，不计入响应率。`;
    if (!d.ackRequired) return `${lines[0]}\n${formatNumber(d)}无需回执，不计入响应率。`;
    if (d.drill) return `${lines[0]}\n${formatNumber(d)}是演练，不计入响应率。/进度 ${refWord(d)} 查看确认情况。`;
  }
  // county-wide over a period, uncut: from the per-township tallies (a county-year is a million unit-items)
  const county = scope.kind === 'county' && target.kind === 'period' && !colours?.length ? await countyFigures(deps, range) : null;
  const rows = county ? [] : await responseRowsFor(deps, range, { scope, ...(colours?.length ? { colours } : {}), ...(target.kind === 'directive' ? { directiveId: target.directive.id } : {}) });
  const t = county ? county.total : tally(rows);
  if (target.kind === 'period') {
    const revoked = scope.kind === 'county' ? await revokedCount(deps.db, range) : 0;
    lines.push(`指挥部令/通告 ${t.items} 条${revoked ? `（另有撤回 ${revoked} 条不计）` : ''}`);
  } else if (target.directive.revision > 1) {
    lines.push(`按更正后第${target.directive.revision}版计`);
  }
  if (t.targeted === 0) {
    lines.push(target.kind === 'directive' ? `${formatNumber(target.directive)}未发给${who}。` : '期间没有需要确认的指挥部令或通告。');
  } else {
    lines.push(...headline(t));
    if (scope.kind === 'county') lines.push(...countyLines(county ? county.townships : breakdown(rows, (r) => r.townshipId, (r) => r.townshipName)));
    else if (scope.kind === 'township') lines.push(...townshipLines(rows));
    else lines.push(...gridLines(rows));
  }
  if (target.kind === 'period' && !colours?.length) for (const s of SECTIONS) lines.push(...await s.lines(deps, range, scope));
  return lines.join('\n');
}

/** The county's lines: each township (lowest rate first, as `byT` comes) and the laggards. */
function countyLines(byT: BreakdownRow[]): string[] {
  const out = ['各乡镇（低→高）：'];
  for (const b of byT) out.push(`· ${b.name} ${b.rate}${b.acknowledged < b.targeted ? `（未确认${b.targeted - b.acknowledged}）` : ''}`);
  const laggards = byT.filter((b) => b.acknowledged < b.targeted).slice(0, 3);
  out.push(laggards.length ? `落后：${laggards.map((b) => b.name).join('、')}` : '全部乡镇均已确认。');
  return out;
}

function townshipLines(rows: ResponseRow[]): string[] {
  const out: string[] = [];
  const room = rows.filter((r) => r.unitKind === 'township');
  if (room.length) {
    const t = tally(room);
    out.push(`本乡镇指挥室 ${t.acknowledged}/${t.targeted}`);
  }
  const grids = breakdown(rows.filter((r) => r.unitKind === 'grid'), (r) => r.unitId, (r) => r.unitName);
  const behind = grids.filter((g) => g.acknowledged < g.targeted);
  if (behind.length === 0) {
    out.push(`网格 ${grids.length} 个，全部确认。`);
    return out;
  }
  out.push(`未全部确认的网格（${behind.length}/${grids.length}，低→高）：`);
  for (const g of behind.slice(0, MAX_NAMED)) out.push(`· ${g.name} ${g.rate}（未确认${g.targeted - g.acknowledged}）`);
  if (behind.length > MAX_NAMED) out.push(`…另有 ${behind.length - MAX_NAMED} 个`);
  return out;
}

function gridLines(rows: ResponseRow[]): string[] {
  const missing = [...new Set(rows.filter((r) => !r.acknowledged).map((r) => r.short))];
  const late = [...new Set(rows.filter((r) => r.acknowledged && !r.onTime).map((r) => r.short))];
  const out = [missing.length ? `未确认：${missing.slice(0, MAX_NAMED).join('、')}${missing.length > MAX_NAMED ? ` 等${missing.length}条` : ''}` : '全部已确认。'];
  if (late.length) out.push(`逾期确认：${late.slice(0, MAX_NAMED).join('、')}${late.length > MAX_NAMED ? ` 等${late.length}条` : ''}`);
  return out;
}

/** The daily digest for the command group: the county's `/统计 今日` under a dated title. */
export async function digestText(deps: ReportDeps, county: Unit, period: Period): Promise<string> {
  const body = await statsText(deps, { tier: 'county', unit: county }, { kind: 'period', period });
  return `【每日汇总】${period.firstDay}\n${body.split('\n').slice(1).join('\n')}`;
}
