/**
 * 红色代办 in the export API: `GET /api/v1/reports/errands?day=YYYY-MM-DD[&township=T01][&format=json|xlsx]`
 * — the purchase lists of one cut-off day, per township, with the per-village breakdown (sheet 分村明细)
 * whose rows add up to each township's list as posted in its room (sheet 采购清单).
 */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Db } from '../../src/db/client.js';
import { errandsListedOnDay } from '../../src/db/queries/errands.js';
import { getUnit } from '../../src/db/queries/roster.js';
import type { Errand } from '../../src/db/schema/index.js';
import { sumItems, villageBreakdown, type BreakdownRow, type SumLine } from '../errand/index.js';

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
export function errandLists(deps: { db: Db }, day: number, townshipId?: string): TownshipErrandList[] {
  const byTownship = new Map<string, Errand[]>();
  for (const e of errandsListedOnDay(deps.db, day, townshipId)) {
    if (!e.items.some((i) => !i.self)) continue;
    (byTownship.get(e.townshipId) ?? byTownship.set(e.townshipId, []).get(e.townshipId)!).push(e);
  }
  return [...byTownship]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, orders]) => {
      const name = getUnit(deps.db, id)?.name ?? id;
      const sums = sumItems(orders);
      return { townshipId: id, township: name, orders: orders.length, households: sums.households, lines: sums.lines, villages: villageBreakdown(deps, name, orders) };
    });
}

/** The lists as an XLSX workbook: 采购清单 (one row per township and goods) and 分村明细 (per village). */
export async function errandsXlsx(day: number, lists: readonly TownshipErrandList[]): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    sink.on('end', () => res());
    sink.on('error', rej);
  });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: false, useStyles: false });
  wb.creator = 'gridrelay';
  const add = (ws: ExcelJS.Worksheet, cells: unknown[]) => ws.addRow(cells).commit();
  const list = wb.addWorksheet('采购清单');
  add(list, ['截单日', '乡镇ID', '乡镇', '物品', '单位', '数量', '户数']);
  for (const t of lists) for (const l of t.lines) add(list, [day, t.townshipId, t.township, l.name, l.unit, l.qty, l.households]);
  list.commit();
  const villages = wb.addWorksheet('分村明细');
  add(villages, ['截单日', '乡镇', '村（社区）', '物品', '单位', '数量', '户数']);
  for (const t of lists) for (const v of t.villages) add(villages, [day, v.township, v.village, v.name, v.unit, v.qty, v.households]);
  villages.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}
