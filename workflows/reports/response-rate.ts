/**
 * Response-rate reports (响应率, PRODUCT.md §2.4): the definitions, written once. `/统计`, the daily
 * digest, the export (JSON/CSV/XLSX), the dashboard and the CLI all compute through this module, from
 * the raw rows of `src/db/queries/reports.ts`, so every figure traces back to those rows.
 *
 * Definitions
 * - **Unit of count**: one target unit of one directive or notice (a "unit-item", 单位次) — the target
 *   snapshot `directive_targets` taken at issue, so later roster edits don't change old rates.
 * - **Which items count**: directives and notices *issued* in the period that ask for a receipt.
 *   Notices sent with `回执:否` ask for none and are left out. **Revoked items (/撤回) are left out
 *   entirely** (neither numerator nor denominator); `/统计` says how many were left out.
 * - **Response rate** = unit-items acknowledged / unit-items targeted. An acknowledgement counts only
 *   for the item's **current revision**: after an amendment (/更正) a unit that acknowledged only an
 *   earlier version counts as not acknowledged until it acknowledges again.
 * - **On-time rate** = unit-items acknowledged by the deadline (`late = false`) / unit-items targeted.
 *   For an amended item the deadline is the one of its current revision (restarted at the amendment).
 * - **Duplicates** cannot double-count: acknowledgements are keyed (directive, unit, revision), and
 *   the target snapshot (directive, unit), so each unit-item is one row with at most one acknowledgement.
 * - **Read rate** (已读率) = unit-items of which at least one member of the unit has read the item's
 *   message in the unit's group / unit-items targeted — only where the platform reports reads
 *   (DingTalk); elsewhere `—`. Read ≠ acknowledged: both are shown.
 * - **Leads**: leads reported in the period; minutes from report to acceptance (accepted leads) and
 *   from report to closure (closed leads); median and p90 by the nearest-rank method
 *   (the value at position ⌈p·n⌉ of the sorted list), in minutes with one decimal.
 * - **Risk colour cut**: a grid's colour is its colour when the item was issued (`unit_status_history`;
 *   before its first recorded change, the first recorded colour). A colour cut keeps only grids of
 *   those colours (township rooms have no colour).
 * - Percentages are rounded down to one decimal (`percent()`), so 99.96 % never shows as 100 %.
 *
 * - **Tasks** (专项任务): tasks issued in the period and not cancelled (/取消任务 leaves them out);
 *   the unit is one target grid of one task. Completion rate = grids completed / grids targeted;
 *   overdue = grids not completed while the deadline has passed (at the time of the report) plus grids
 *   that completed after it (late); both are shown.
 *
 * - **Inspections** (督查): findings recorded in the period, counted for the township of their unit; of
 *   those, rectified, published (通报), closed, and overdue (listed as not rectified within
 *   `INSPECTION_RECTIFY_SLA`, even if rectified later). One row per finding in the export's 督查 sheet.
 *   Grid groups see none.
 *
 * Each family beside directives (leads.ts, tasks.ts, inspections.ts) is one {@link ReportSection} in `SECTIONS`
 * (sections.ts); `/统计`, the digest, the export's summary sheet and the dashboard JSON pick every
 * section up from there.
 */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { percent } from '../../src/core/percent.js';
import { responseRows, revokedCount, riskColourHistory, townshipTallies, unitsById, type ResponseRowRaw } from '../../src/db/queries/reports.js';
import { countyUnit } from '../../src/db/queries/roster.js';
import { readsByTownship, unitsThatRead } from '../../src/db/queries/receipts.js';
import { platformReportsReads } from '../../src/config.js';
import type { RiskColour, Unit } from '../../src/db/schema/index.js';
import { formatNumber } from '../directive/format.js';

/** The definitions above in Chinese, as printed in the export's summary sheet and the dashboard JSON. */
export const DEFINITIONS = [
  '统计单位：单位次 = 一条指挥部令/通告 × 一个下发单位（发布时的下发名单快照）。',
  '计入：期间内发布、需要回执的指挥部令和通告；已撤回的不计入（分子分母均不计）；回执:否的通告不计入。',
  '响应率 = 已确认单位次 / 应确认单位次；只计当前版本的确认（更正后须重新确认）。',
  '按时率 = 截止前确认（逾期=0）的单位次 / 应确认单位次；更正后的截止时间从更正时重新计算。',
  '重复确认不重复计数：每个单位每个版本只有一条确认记录。',
  '已读率 = 单位内至少一人已读的单位次 / 应确认单位次；仅钉钉上报已读，其他平台为“—”。已读不等于确认。',
  '线索：期间内上报的线索；受理用时 = 受理时间 − 上报时间，办结用时 = 办结时间 − 上报时间；中位数与P90取最近秩（排序后第⌈p·n⌉个）。',
  '风险颜色：网格在该条发布时的风险颜色。',
  '专项任务：期间内发布、未取消的任务，按“任务 × 下发网格”计；完成率 = 已完成网格次 / 下发网格次；逾期 = 已过截止仍未完成的网格次，逾期完成另计。',
  '督查：期间内登记的督查问题，按所在乡镇计（每条一行，见“督查”表）；已整改、已通报、已结案为其中已到该步的条数；超时 = 登记后超过整改时限仍未整改、已列报的条数（之后整改的仍计）。',
  '红色代办：期间内登记的代办单，按所在乡镇计；户数按网格内不同地址计（未写地址的每单一户）；村内自给占比 = 自给物品项 / 物品项；送达用时 = 送达时间 − 下单时间，中位数取最近秩。',
];

/** What reports need: the database, configuration and the clock (no outbox, no Redis — the CLI uses it too). */
export type ReportDeps = Pick<CoreDeps, 'db' | 'config' | 'now'>;

/** A half-open interval `[from, to)`; null = unbounded. */
export interface Range {
  from: Date | null;
  to: Date | null;
}

/** Whose figures: the whole county, one township (its room and grids) or one grid. */
export type ReportScope = { kind: 'county' } | { kind: 'township'; townshipId: string } | { kind: 'grid'; unitId: string };

/** The scope of a viewer's tier: county → county, township room → its township, grid group → the grid. */
export function scopeOf(viewer: { tier: Tier; unit: Unit }): ReportScope {
  if (viewer.tier === 'county') return { kind: 'county' };
  if (viewer.tier === 'township') return { kind: 'township', townshipId: viewer.unit.id };
  return { kind: 'grid', unitId: viewer.unit.id };
}

export interface ReportFilter {
  scope?: ReportScope;
  /** Keep only grids of these colours (at issue time). */
  colours?: RiskColour[];
  /** Only this directive (its row id). */
  directiveId?: number;
}

/** One raw row: one target unit of one counted item, with its acknowledgement of the current revision. */
export interface ResponseRow extends ResponseRowRaw {
  /** `令17` / `通告18` / `大坑乡通告1` style short name and the full `指挥部令〔2026〕第17号`. */
  short: string;
  label: string;
  townshipName: string;
  /** The grid's risk colour at issue time; null for township rooms. */
  riskColour: RiskColour | null;
  /** Acknowledged (current revision). */
  acknowledged: boolean;
  /** Acknowledged by the deadline (`late = false`). */
  onTime: boolean;
  /** Someone of the unit read it; null where the platform does not report reads. */
  read: boolean | null;
}

/** Counts of unit-items. */
export interface Tally {
  /** Unit-items targeted (denominator). */
  targeted: number;
  acknowledged: number;
  onTime: number;
  /** Unit-items read; null where the platform does not report reads. */
  read: number | null;
  /** Distinct items among the rows. */
  items: number;
}

/** Response and on-time rate of a tally as fractions (null when nothing was targeted). */
export function rates(t: Tally): { response: number | null; onTime: number | null } {
  return t.targeted === 0 ? { response: null, onTime: null } : { response: t.acknowledged / t.targeted, onTime: t.onTime / t.targeted };
}

/** The read rate as shown: a percentage, or `—` where the platform does not report reads. */
export function readRateText(t: Pick<Tally, 'read' | 'targeted'>): string {
  return t.read === null ? '—' : percent(t.read, t.targeted);
}

/** Tallies rows. */
export function tally(rows: readonly Pick<ResponseRow, 'directiveId' | 'acknowledged' | 'onTime' | 'read'>[]): Tally {
  let acknowledged = 0;
  let onTime = 0;
  let read: number | null = rows.length && rows.every((r) => r.read !== null) ? 0 : null;
  const items = new Set<number>();
  for (const r of rows) {
    items.add(r.directiveId);
    if (r.acknowledged) acknowledged++;
    if (r.onTime) onTime++;
    if (read !== null && r.read) read++;
  }
  return { targeted: rows.length, acknowledged, onTime, read, items: items.size };
}

/** Rows grouped by `key`, in first-seen order. */
export function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const xs = out.get(k);
    if (xs) xs.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The colour of a grid at `at` from its history (sorted oldest first), else `current`. */
function colourAt(history: { value: RiskColour | null; changedAt: Date }[] | undefined, at: Date, current: RiskColour | null): RiskColour | null {
  if (!history?.length) return current;
  let c = history[0]!.value;
  for (const h of history) if (h.changedAt.getTime() <= at.getTime()) c = h.value;
  return c;
}

/** Whether a row (of a unit in `townshipId`) falls within `scope`; no scope = everything. */
export const inScope = (scope: ReportScope | undefined, r: { townshipId: string; unitId: string }) =>
  !scope || scope.kind === 'county' || (scope.kind === 'township' ? r.townshipId === scope.townshipId : r.unitId === scope.unitId);

/** The counted rows of the period and filter, ordered by issue time, item, unit id. */
export async function responseRowsFor(deps: ReportDeps, range: Range, filter: ReportFilter = {}): Promise<ResponseRow[]> {
  const scope = filter.scope;
  const raw = await responseRows(deps.db, range, {
    ...(filter.directiveId !== undefined ? { directiveId: filter.directiveId } : {}),
    ...(scope?.kind === 'township' ? { townshipId: scope.townshipId } : scope?.kind === 'grid' ? { unitId: scope.unitId } : {}),
  });
  const units = await unitsById(deps.db, [...new Set(raw.flatMap((r) => [r.unitId, r.townshipId]))]);
  const history = await riskColourHistory(deps.db);
  const reads = platformReportsReads(deps.config) ? await unitsThatRead(deps.db) : null;
  const rows = raw.map((r): ResponseRow => {
    const unit = units.get(r.unitId);
    const acknowledged = r.ackAt !== null;
    return {
      ...r,
      short: `${r.seriesName ?? ''}${r.kind === 'notice' ? '通告' : '令'}${r.number}`,
      label: formatNumber(r),
      townshipName: units.get(r.townshipId)?.name ?? r.townshipId,
      riskColour: r.unitKind === 'grid' ? colourAt(history.get(r.unitId), r.issuedAt, unit?.riskColour ?? null) : null,
      acknowledged,
      onTime: acknowledged && r.late === false,
      read: reads ? reads.has(`${r.directiveId}|${r.unitId}`) : null,
    };
  });
  return filter.colours ? rows.filter((r) => r.riskColour !== null && filter.colours!.includes(r.riskColour)) : rows;
}

/** A figure of one line for a summary: name (Chinese), value as shown. */
export interface SummaryFigure {
  name: string;
  value: string | number;
}

/**
 * A further family of figures beside directives (leads, tasks; see sections.ts). Each section computes
 * its own figures for a period and scope from its own raw rows.
 */
export interface ReportSection {
  /** English key, e.g. `leads`, `tasks`. */
  key: string;
  /** Lines for `/统计` and the digest (phone-sized; may be empty when there is nothing to say). */
  lines(deps: ReportDeps, range: Range, scope: ReportScope): Promise<string[]>;
  /** Figures for the export's summary sheet and the dashboard JSON. */
  figures(deps: ReportDeps, range: Range, scope: ReportScope): Promise<SummaryFigure[]>;
}

/** A township's (or grid's) figures in a breakdown. */
export interface BreakdownRow extends Tally {
  id: string;
  name: string;
  rate: string;
  onTimeRate: string;
  readRate: string;
}

/** A breakdown row of a tally: its rates as shown. */
function breakdownRow(id: string, name: string, t: Tally): BreakdownRow {
  return { id, name, ...t, rate: percent(t.acknowledged, t.targeted), onTimeRate: percent(t.onTime, t.targeted), readRate: readRateText(t) };
}

/** Lowest response rate first, then by id. */
const byRate = (a: BreakdownRow, b: BreakdownRow) => a.acknowledged / a.targeted - b.acknowledged / b.targeted || a.id.localeCompare(b.id);

/** Tallies per key, lowest response rate first (then by id). */
export function breakdown(rows: readonly ResponseRow[], key: (r: ResponseRow) => string, name: (r: ResponseRow) => string): BreakdownRow[] {
  const out: BreakdownRow[] = [];
  for (const [id, xs] of groupBy(rows, key)) out.push(breakdownRow(id, name(xs[0]!), tally(xs)));
  return out.sort(byRate);
}

/**
 * The county's figures of a period (no colour cut): the tally of every counted unit-item and the per-township
 * breakdown (lowest response rate first, then by id; townships by their current names) — exactly what
 * `tally(responseRowsFor(…))` and `breakdown(…, townshipId, townshipName)` give, from the response tallies
 * (`townshipTallies`, one row per item and township) instead of a row per unit-item.
 */
export async function countyFigures(deps: ReportDeps, range: Range): Promise<{ total: Tally; townships: BreakdownRow[] }> {
  const { townships, items } = await townshipTallies(deps.db, range);
  const reads = platformReportsReads(deps.config) && townships.length ? await readsByTownship(deps.db, range) : null;
  const units = await unitsById(deps.db, townships.map((t) => t.townshipId));
  const rows = townships.map((t) =>
    breakdownRow(t.townshipId, units.get(t.townshipId)?.name ?? t.townshipId, {
      targeted: t.targeted,
      acknowledged: t.acknowledged,
      onTime: t.onTime,
      read: reads ? (reads.get(t.townshipId) ?? 0) : null,
      items: t.items,
    }),
  );
  const sum = (k: 'targeted' | 'acknowledged' | 'onTime') => rows.reduce((n, r) => n + r[k], 0);
  const total: Tally = { targeted: sum('targeted'), acknowledged: sum('acknowledged'), onTime: sum('onTime'), read: reads ? rows.reduce((n, r) => n + r.read!, 0) : null, items };
  return { total, townships: rows.sort(byRate) };
}

/** The county's name (for titles), or `全县`. */
export async function countyName(deps: ReportDeps): Promise<string> {
  return (await countyUnit(deps.db))?.name ?? '全县';
}

export { revokedCount };
