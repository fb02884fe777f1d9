/**
 * Reading `/代办`'s text as written (pure): the sub-word (自给, 采购, 送达, or an order), the items read
 * leniently — `大米10斤 酱油1瓶 布洛芬1盒`, Chinese numerals and 两/半 (`两盒`, `半斤`, `酱油两瓶`, `一斤半`),
 * a quantity apart from its goods (`大米 10斤`) — the `地址:` and `电话:` fields, and order numbers
 * (`20261202-015`, or `015` for today's).
 */
import { parseNumeral } from '../../src/core/numerals.js';
import type { ErrandItem } from '../../src/db/schema/index.js';

/** The units an item may be counted in; 千克 and kg are read as 公斤. */
export const ERRAND_UNITS = ['公斤', '斤', '瓶', '盒', '袋', '个', '箱'] as const;
const UNIT_ALIASES: Record<string, string> = { 千克: '公斤', kg: '公斤', KG: '公斤', Kg: '公斤' };
const UNIT_SOURCE = '(公斤|千克|kg|KG|Kg|斤|瓶|盒|袋|个|箱)';
const QTY_SOURCE = '(\\d+(?:\\.\\d+)?|[零〇一二两三四五六七八九十百千]+半?|半)';
const ITEM = new RegExp(`^(.*?)${QTY_SOURCE}${UNIT_SOURCE}(半)?$`);
/** The quantity first: `半斤猪肉`, `一斤半猪肉`, `2瓶酱油`. */
const ITEM_QTY_FIRST = new RegExp(`^${QTY_SOURCE}${UNIT_SOURCE}(半)?(\\D.*)$`);
const QTY_ONLY = new RegExp(`^${QTY_SOURCE}${UNIT_SOURCE}(半)?$`);
const QTY_NUMBER = new RegExp(`^${QTY_SOURCE}$`);
const UNIT_ONLY = new RegExp(`^${UNIT_SOURCE}(半)?$`);

/** An order as written. */
export interface ErrandOrder {
  items: ErrandItem[];
  /** Items not understood, as written (kept in `items` with no quantity). */
  notUnderstood: string[];
  address: string | null;
  phone: string | null;
}

/** A reference to an order: a day (`YYYYMMDD`) or none (today's), and the number within it. */
export interface ErrandRef {
  day?: number;
  number: number;
}

/** What `/代办` asks for. */
export type ErrandArgs =
  | { kind: 'order'; order: ErrandOrder }
  | { kind: 'self'; ref: ErrandRef; names: string[] }
  /** `/代办 采购`: one order, or a township's list of a day (`latest`: its newest list not yet bought). */
  | { kind: 'buy'; ref: ErrandRef }
  | { kind: 'buy'; day: number | 'today' | 'yesterday' | 'latest' }
  | { kind: 'deliver'; ref: ErrandRef }
  | { kind: 'list' };

/** A quantity as written: `10`, `1.5`, `两`, `十二`, `半`, `一斤半`'s `一` + `半`. @returns null when not a number. */
export function readQuantity(text: string, half = false): number | null {
  let t = text;
  let extra = half ? 0.5 : 0;
  if (t === '半') return 0.5 + extra;
  if (t.endsWith('半')) {
    t = t.slice(0, -1);
    extra += 0.5;
  }
  const n = /^\d+\.\d+$/.test(t) ? Number(t) : parseNumeral(t);
  return n === null || !Number.isFinite(n) ? null : n + extra;
}

/** One item: `大米10斤` → 大米, 10, 斤. @returns null when it holds no quantity with a unit. */
export function readItem(word: string): Omit<ErrandItem, 'self'> | null {
  const m = ITEM.exec(word);
  if (m && m[1]!.trim()) {
    const qty = readQuantity(m[2]!, m[4] === '半');
    if (qty === null || qty <= 0) return null;
    return { raw: word, name: m[1]!.trim(), qty, unit: UNIT_ALIASES[m[3]!] ?? m[3]! };
  }
  // the quantity first: `半斤猪肉`, `一斤半猪肉`, `2瓶酱油`
  const f = ITEM_QTY_FIRST.exec(word);
  if (!f) return null;
  const qty = readQuantity(f[1]!, f[3] === '半');
  const name = f[4]!.trim();
  if (qty === null || qty <= 0 || !name) return null;
  return { raw: word, name, qty, unit: UNIT_ALIASES[f[2]!] ?? f[2]! };
}

/** Splits `地址:` and `电话:` (either colon) off the text; the rest is the items. */
function takeFields(text: string): { rest: string; address: string | null; phone: string | null } {
  let address: string | null = null;
  let phone: string | null = null;
  // a phone number may be typed in groups (`138 1234 5678`, `138-1234-5678`): all of it is the phone, none of it an item
  const rest = text.replace(/(地址|住址|电话|手机)[:：]\s*(\+?\d+(?:[\s-]\d+(?=[\s\-,，、；;]|$))*(?=[\s,，、；;]|$)|[^\s,，、；;]+)/g, (_all, key: string, value: string) => {
    if (key === '地址' || key === '住址') address = value;
    else phone = value.replace(/[\s-]+/g, '');
    return ' ';
  });
  return { rest, address, phone };
}

/**
 * Reads an order: items split on spaces and 、，,；; (a quantity alone joins the goods before it:
 * `大米 10斤`), `地址:` and `电话:`. An item not understood is kept as written (no quantity) and named in
 * `notUnderstood`. Pure.
 */
export function parseErrandOrder(text: string): ErrandOrder {
  const { rest, address, phone } = takeFields(text);
  const words = rest.split(/[\s、，,；;]+/).filter(Boolean);
  const items: ErrandItem[] = [];
  const notUnderstood: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let item = readItem(w);
    // `大米 10斤`: goods, then a quantity alone
    if (!item && i + 1 < words.length && QTY_ONLY.test(words[i + 1]!) && !QTY_ONLY.test(w)) {
      item = readItem(w + words[i + 1]!);
      if (item) {
        item = { ...item, raw: `${w} ${words[i + 1]!}` };
        i++;
      }
    }
    // `酱油 2 瓶`: goods, a number, a unit — three words
    if (!item && i + 2 < words.length && QTY_NUMBER.test(words[i + 1]!) && UNIT_ONLY.test(words[i + 2]!)) {
      item = readItem(w + words[i + 1]! + words[i + 2]!);
      if (item) {
        item = { ...item, raw: `${w} ${words[i + 1]!} ${words[i + 2]!}` };
        i += 2;
      }
    }
    if (item) items.push({ ...item, self: false });
    else {
      items.push({ raw: w, name: w, qty: null, unit: null, self: false });
      notUnderstood.push(w);
    }
  }
  return { items, notUnderstood, address, phone };
}

/** An order number as typed: `20261202-015` or `015` / `15`. @returns null when it is not one. */
export function parseErrandRef(word: string): ErrandRef | null {
  const full = /^(?:代办)?(\d{8})-(\d{1,4})$/.exec(word);
  if (full) return { day: Number(full[1]), number: Number(full[2]) };
  const short = /^(?:代办)?(\d{1,4})$/.exec(word);
  return short ? { number: Number(short[1]) } : null;
}

/** A list's day as typed: `20261202`, `2026-12-02`, `12月2日`/`12.2` (`1202`: the year is the caller's), 今天/昨天. */
function parseDay(word: string): number | null | 'today' | 'yesterday' {
  if (word === '今天' || word === '今日') return 'today';
  if (word === '昨天' || word === '昨日') return 'yesterday';
  const iso = /^(\d{4})-?(\d{1,2})-?(\d{1,2})$/.exec(word);
  if (iso && (word.includes('-') || word.length === 8)) return Number(iso[1]) * 10000 + Number(iso[2]) * 100 + Number(iso[3]);
  const md = /^(\d{1,2})(?:月|\.|\/)(\d{1,2})日?$/.exec(word);
  if (md) return Number(md[1]) * 100 + Number(md[2]);
  return null;
}

/** Usage of `/代办`, for the usage errors. */
export const ERRAND_USAGE = '/代办 <物品数量…> [地址:…] [电话:…]；/代办 自给 <号> [物品]；/代办 采购 <日期|号>；/代办 送达 <号>';

/**
 * Reads `/代办`'s arguments. A list's day written without its year (`12月2日`) is `1202`: the caller puts it in this year.
 * @throws Error with a Chinese message (the command turns it into a usage error) when a sub-word lacks its number.
 */
export function parseErrandArgs(args: string): ErrandArgs {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (!first) return { kind: 'list' };
  if (first === '自给' || first === 'self') {
    const ref = rest[0] ? parseErrandRef(rest[0]) : null;
    if (!ref) throw new Error('请写明代办号，如 /代办 自给 015 [物品]');
    return { kind: 'self', ref, names: rest.slice(1).flatMap((w) => w.split(/[、，,]/)).filter(Boolean) };
  }
  if (first === '送达' || first === 'delivered') {
    const ref = rest[0] ? parseErrandRef(rest[0]) : null;
    if (!ref) throw new Error('请写明代办号，如 /代办 送达 015（可附图片）');
    return { kind: 'deliver', ref };
  }
  if (first === '采购' || first === 'bought') {
    const w = rest[0];
    if (!w) return { kind: 'buy', day: 'latest' };
    const d = parseDay(w);
    if (d !== null) return { kind: 'buy', day: d };
    const ref = parseErrandRef(w);
    if (!ref) throw new Error('请写明清单日期或代办号，如 /代办 采购 20261202 或 /代办 采购 015');
    return { kind: 'buy', ref };
  }
  return { kind: 'order', order: parseErrandOrder(args) };
}
