/**
 * The township's purchase list: open items summed across its grids by goods and unit
 * (`大米 230斤（14户）`) — 公斤 turned into 斤 (1 公斤 = 2 斤) for goods written both ways in the
 * township's list — self-supplied items left out; items not understood listed as written. The same sums
 * per village make the XLSX breakdown (rows that add up to the chat list).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import type { Errand } from '../../src/db/schema/index.js';
import { dayLabel } from './number.js';

/** `20261202` → `2026-12-02` (the export's documented form). */
const isoDay = (day: number) => `${Math.floor(day / 10000)}-${String(Math.floor(day / 100) % 100).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;
import { villageOf } from './relay.js';
import { maskPersonal } from '../../src/core/mask.js';

/** One summed line: goods, unit, total, households. */
export interface SumLine {
  name: string;
  unit: string;
  qty: number;
  households: number;
}

/** A list's sums: understood lines, and items not understood (as written) with their households. */
export interface ListSums {
  lines: SumLine[];
  other: { raw: string; households: number }[];
  households: number;
}

/** Goods written both in 斤 and 公斤 among `orders`' open items: summed in 斤. */
export function convertedGoods(orders: readonly Pick<Errand, 'items'>[]): Set<string> {
  const units = new Map<string, Set<string>>();
  for (const o of orders) for (const i of o.items) if (!i.self && i.unit) (units.get(i.name) ?? units.set(i.name, new Set()).get(i.name)!).add(i.unit);
  return new Set([...units].filter(([, u]) => u.has('斤') && u.has('公斤')).map(([n]) => n));
}

/**
 * Sums the open (not self-supplied) items of `orders` by goods and unit, in order of first appearance.
 * @param convert goods summed in 斤 (their 公斤 doubled); default: those written both ways in `orders`.
 */
export function sumItems(orders: readonly Pick<Errand, 'id' | 'items'>[], convert = convertedGoods(orders)): ListSums {
  const lines = new Map<string, SumLine & { who: Set<number> }>();
  const other = new Map<string, Set<number>>();
  const all = new Set<number>();
  for (const o of orders) {
    for (const i of o.items) {
      if (i.self) continue;
      all.add(o.id);
      if (i.qty === null || i.unit === null) {
        (other.get(i.raw) ?? other.set(i.raw, new Set()).get(i.raw)!).add(o.id);
        continue;
      }
      const toJin = i.unit === '公斤' && convert.has(i.name);
      const unit = toJin ? '斤' : i.unit;
      const qty = toJin ? i.qty * 2 : i.qty;
      const key = `${i.name}\u0000${unit}`;
      const line = lines.get(key) ?? lines.set(key, { name: i.name, unit, qty: 0, households: 0, who: new Set() }).get(key)!;
      line.qty += qty;
      line.who.add(o.id);
    }
  }
  return {
    lines: [...lines.values()].map(({ who, ...l }) => ({ ...l, qty: Math.round(l.qty * 100) / 100, households: who.size })),
    other: [...other].map(([raw, who]) => ({ raw, households: who.size })),
    households: all.size,
  };
}

/** `15`, `2.5`. */
export function qtyText(q: number): string {
  return String(Math.round(q * 100) / 100);
}

/** `大米 15斤（2户）`. */
export function sumLineText(l: SumLine): string {
  return `${l.name} ${qtyText(l.qty)}${l.unit}（${l.households}户）`;
}

/**
 * The purchase list's text for one township room: its day, households and orders, the summed lines, items
 * not understood as written, the per-village XLSX link and how to mark it bought.
 * @param base where people open gridrelay's HTTP routes (`publicBase`: PUBLIC_URL or http://HOST:PORT); '' for a bare path
 */
export function purchaseListText(townshipName: string, day: number, orders: readonly Errand[], base = ''): string {
  const sums = sumItems(orders);
  const villages = new Set(orders.map((o) => o.gridId)).size;
  const lines = [
    `【红色代办 ${dayLabel(day)}采购清单】${townshipName}`,
    `${sums.households}户、${orders.length}单，来自${villages}个网格：`,
    ...sums.lines.map((l, n) => `${n + 1}. ${sumLineText(l)}`),
    ...(sums.other.length ? [`另（未识别，按原文）：${sums.other.map((o) => `${maskPersonal(o.raw)}（${o.households}户）`).join('、')}`] : []),
    // the link without the dashboard token (it reads every township): the room's officers open it with their own access
    `分村明细（XLSX）：${base}/api/v1/reports/errands?day=${isoDay(day)}&township=${orders[0]?.townshipId ?? ''}&format=xlsx`,
    `采购完成后请回复：/代办 采购 ${day}`,
  ];
  return lines.join('\n');
}

/** One row of the per-village breakdown. */
export interface BreakdownRow {
  township: string;
  village: string;
  name: string;
  unit: string;
  qty: number;
  households: number;
}

/**
 * The per-village breakdown of one township's list: the list's sums split by village, with the township's
 * unit conversion — its rows add up to the chat list's lines.
 */
export async function villageBreakdown(deps: Pick<CoreDeps, 'db'>, townshipName: string, orders: readonly Errand[]): Promise<BreakdownRow[]> {
  const convert = convertedGoods(orders);
  const byVillage = new Map<string, Errand[]>();
  for (const o of orders) {
    const v = await villageOf(deps, o);
    (byVillage.get(v) ?? byVillage.set(v, []).get(v)!).push(o);
  }
  const rows: BreakdownRow[] = [];
  for (const [village, list] of byVillage) {
    const sums = sumItems(list, convert);
    for (const l of sums.lines) rows.push({ township: townshipName, village, ...l });
    for (const o of sums.other) rows.push({ township: townshipName, village, name: o.raw, unit: '', qty: 0, households: o.households });
  }
  return rows;
}
