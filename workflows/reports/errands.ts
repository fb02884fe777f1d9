/**
 * 红色代办 in the export API: `GET /api/v1/reports/errands?day=YYYY-MM-DD[&township=T01][&format=json|xlsx]`
 * — the purchase lists of one cut-off day, per township, with the per-village breakdown (sheet 分村明细)
 * whose rows add up to each township's list as posted in its room (sheet 采购清单). And the errands' figures
 * in `/统计`, the digest, the export's summary and the dashboard ({@link errandSection}).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import { writeXlsx } from './xlsx.js';
import type { Db } from '../../src/db/client.js';
import { percent } from '../../src/core/percent.js';
import { errandsBetween, errandsListedOnDay } from '../../src/db/queries/errands.js';
import { getUnit } from '../../src/db/queries/roster.js';
import type { Errand } from '../../src/db/schema/index.js';
import { sumItems, villageBreakdown, type BreakdownRow, type SumLine } from '../errand/index.js';
import { groupBy, type Range, type ReportDeps, type ReportScope, type ReportSection } from './response-rate.js';

/** One township's list of the day: its summed lines and its per-village rows. */
export interface TownshipErrandList {
  townshipId: string;
  township: string;
  orders: number;
  households: number;
  lines: SumLine[];
  villages: BreakdownRow[];
}

/** The lists of cut-off day `day` (`YYYYMMDD`), optionally of one township, in township order. */
export async function errandLists(deps: { db: Db }, day: number, townshipId?: string): Promise<TownshipErrandList[]> {
  const byTownship = new Map<string, Errand[]>();
  for (const e of await errandsListedOnDay(deps.db, day, townshipId)) {
    if (!e.items.some((i) => !i.self)) continue;
    (byTownship.get(e.townshipId) ?? byTownship.set(e.townshipId, []).get(e.townshipId)!).push(e);
  }
  return await mapInOrder([...byTownship].sort(([a], [b]) => a.localeCompare(b)), async ([id, orders]) => {
        const name = (await getUnit(deps.db, id))?.name ?? id;
      const sums = sumItems(orders);
        return { townshipId: id, township: name, orders: orders.length, households: sums.households, lines: sums.lines, villages: await villageBreakdown(deps, name, orders) };
    });
}

/** The lists as an XLSX workbook: 采购清单 (one row per township and goods) and 分村明细 (per village). */
export async function errandsXlsx(day: number, lists: readonly TownshipErrandList[]): Promise<Buffer> {
  return writeXlsx((wb, add) => {
    const list = wb.addWorksheet('采购清单');
    add(list, ['截单日', '乡镇ID', '乡镇', '物品', '单位', '数量', '户数']);
    for (const t of lists) for (const l of t.lines) add(list, [day, t.townshipId, t.township, l.name, l.unit, l.qty, l.households]);
    list.commit();
    const villages = wb.addWorksheet('分村明细');
    add(villages, ['截单日', '乡镇', '村（社区）', '物品', '单位', '数量', '户数']);
    for (const t of lists) for (const v of t.villages) add(villages, [day, v.township, v.village, v.name, v.unit, v.qty, v.households]);
    villages.commit();
  });
}

/** Counts of errand orders. */
export interface ErrandTally {
  orders: number;
  /** Households: distinct addresses per grid (an order without an address counts as its own household). */
  households: number;
  items: number;
  /** Items met inside the village (自给). */
  selfItems: number;
  delivered: number;
  /** Median hours from order to delivery, of the delivered; null when none. */
  medianHours: number | null;
}

/** Tallies orders (median: nearest rank, as the leads' times). */
export function errandTally(rows: readonly Errand[]): ErrandTally {
  const households = new Set(rows.map((e) => (e.address ? `${e.gridId}|${e.address}` : `#${e.id}`))).size;
  const items = rows.reduce((n, e) => n + e.items.length, 0);
  const selfItems = rows.reduce((n, e) => n + e.items.filter((i) => i.self).length, 0);
  const hours = rows.filter((e) => e.hoursToDeliver !== null).map((e) => e.hoursToDeliver!).sort((a, b) => a - b);
  const medianHours = hours.length ? hours[Math.ceil(0.5 * hours.length) - 1]! : null;
  return { orders: rows.length, households, items, selfItems, delivered: hours.length, medianHours };
}

/** The orders placed in the period within `scope` (county: all; township: its own; grid: its own). */
export async function errandRowsFor(deps: ReportDeps, range: Range, scope?: ReportScope): Promise<Errand[]> {
  const all = await errandsBetween(deps.db, range.from, range.to, scope?.kind === 'township' ? scope.townshipId : undefined);
  return scope?.kind === 'grid' ? all.filter((e) => e.gridId === scope.unitId) : all;
}

const share = (t: ErrandTally) => percent(t.selfItems, t.items);
const hoursText = (h: number | null) => (h === null ? '—' : `${Math.round(h * 10) / 10}小时`);

/** 红色代办: orders, households, items, share met inside the village, median hours to delivery. */
export const errandSection: ReportSection = {
  key: 'errands',
  async lines(deps, range, scope) {
    const rows = await errandRowsFor(deps, range, scope);
    if (rows.length === 0) return [];
    const t = errandTally(rows);
    const lines = [`代办 ${t.orders} 单（${t.households}户，${t.items}项）：村内自给 ${share(t)}，已送达 ${t.delivered}，下单到送达中位 ${hoursText(t.medianHours)}`];
    if (scope.kind === 'county') {
      for (const [id, xs] of [...groupBy(rows, (e) => e.townshipId)].sort(([a], [b]) => a.localeCompare(b))) {
        const x = errandTally(xs);
        lines.push(`· ${(await getUnit(deps.db, id))?.name ?? id} 代办${x.orders} 自给${share(x)} 送达${x.delivered}`);
      }
    }
    return lines;
  },
  async figures(deps, range, scope) {
    const t = errandTally(await errandRowsFor(deps, range, scope));
    return [
      { name: '代办单数', value: t.orders },
      { name: '代办户数', value: t.households },
      { name: '代办物品项数', value: t.items },
      { name: '村内自给占比', value: share(t) },
      { name: '代办已送达', value: t.delivered },
      { name: '下单到送达中位（小时）', value: t.medianHours === null ? '—' : Math.round(t.medianHours * 10) / 10 },
    ];
  },
};
