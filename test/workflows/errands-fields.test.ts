/** Reading `/代办` as written (pure): items, Chinese numerals, 两/半, units, fields, sub-words; the sums. */
import { describe, expect, it } from 'vitest';
import { maskAddress } from '../../src/core/mask.js';
import { listDayOf, parseErrandArgs, parseErrandOrder, readItem, sumItems } from '../../workflows/errand/index.js';
import { zonedInstant } from '../../src/time/clock.js';

const item = (w: string) => {
  const r = readItem(w);
  return r && [r.name, r.qty, r.unit];
};

describe('errand fields', () => {
  it('reads items leniently', () => {
    expect(item('大米10斤')).toEqual(['大米', 10, '斤']);
    expect(item('酱油两瓶')).toEqual(['酱油', 2, '瓶']);
    expect(item('猪肉半斤')).toEqual(['猪肉', 0.5, '斤']);
    expect(item('猪肉一斤半')).toEqual(['猪肉', 1.5, '斤']);
    expect(item('面粉2.5公斤')).toEqual(['面粉', 2.5, '公斤']);
    expect(item('面粉3千克')).toEqual(['面粉', 3, '公斤']);
    expect(item('鸡蛋十二个')).toEqual(['鸡蛋', 12, '个']);
    expect(item('牛奶1箱')).toEqual(['牛奶', 1, '箱']);
    expect(item('盐1袋')).toEqual(['盐', 1, '袋']);
    expect(item('两盒')).toBeNull();
    expect(item('口罩若干')).toBeNull();
  });

  it('reads an order: items, a quantity apart from its goods, 地址 and 电话, items not understood kept', () => {
    const o = parseErrandOrder('大米10斤 酱油1瓶，布洛芬 两盒 口罩若干 地址：王家边3组12号 电话:13800001234');
    expect(o.items.map((i) => [i.name, i.qty, i.unit])).toEqual([['大米', 10, '斤'], ['酱油', 1, '瓶'], ['布洛芬', 2, '盒'], ['口罩若干', null, null]]);
    expect(o.notUnderstood).toEqual(['口罩若干']);
    expect(o.address).toBe('王家边3组12号');
    expect(o.phone).toBe('13800001234');
  });

  it('reads the quantity before the goods, a quantity in three words, and a phone typed in groups (none of it an item)', () => {
    const o = parseErrandOrder('半斤猪肉 一斤半猪肝 2瓶醋 酱油 2 瓶 地址：周家坞2组8号 电话：138 1234 5678 口罩10个');
    expect(o.items.map((i) => [i.name, i.qty, i.unit])).toEqual([['猪肉', 0.5, '斤'], ['猪肝', 1.5, '斤'], ['醋', 2, '瓶'], ['酱油', 2, '瓶'], ['口罩', 10, '个']]);
    expect(o.notUnderstood).toEqual([]);
    expect(o.phone).toBe('13812345678');
    expect(parseErrandOrder('电话:138-1234-5678，2瓶酱油').phone).toBe('13812345678');
    expect(parseErrandOrder('电话:13812345678 2瓶酱油').items.map((i) => i.raw)).toEqual(['2瓶酱油']);
  });

  it('reads the sub-words', () => {
    expect(parseErrandArgs('自给 015 布洛芬')).toEqual({ kind: 'self', ref: { number: 15 }, names: ['布洛芬'] });
    expect(parseErrandArgs('送达 20261202-015')).toEqual({ kind: 'deliver', ref: { day: 20261202, number: 15 } });
    expect(parseErrandArgs('采购')).toEqual({ kind: 'buy', day: 'latest' });
    expect(parseErrandArgs('采购 20261202')).toEqual({ kind: 'buy', day: 20261202 });
    expect(parseErrandArgs('采购 12月2日')).toEqual({ kind: 'buy', day: 1202 });
    expect(parseErrandArgs('采购 015')).toEqual({ kind: 'buy', ref: { number: 15 } });
    expect(parseErrandArgs('')).toEqual({ kind: 'list' });
    expect(() => parseErrandArgs('送达')).toThrow(/代办号/);
  });

  it('sums by goods and unit, 公斤 in 斤 only for goods written both ways, self-supplied left out', () => {
    const o = (id: number, text: string) => ({ id, items: parseErrandOrder(text).items });
    const orders = [o(1, '大米10斤 面粉1公斤'), o(2, '大米2公斤 面粉2公斤'), o(3, '大米半斤 布洛芬1盒')];
    orders[2]!.items[1]!.self = true;
    const s = sumItems(orders);
    expect(s.lines).toEqual([
      { name: '大米', unit: '斤', qty: 14.5, households: 3 },
      { name: '面粉', unit: '公斤', qty: 3, households: 2 },
    ]);
  });

  it('masks an address and assigns the cut-off day', () => {
    expect(maskAddress('王家边3组12号')).toBe('王家边*组**号');
    expect(maskAddress('王家边三组')).toBe('王家边*组');
    const tz = 'Asia/Shanghai';
    expect(listDayOf(zonedInstant(tz, 2026, 12, 2, 9, 59), '10:00', tz)).toEqual({ day: 20261202, late: false });
    expect(listDayOf(zonedInstant(tz, 2026, 12, 2, 10, 0), '10:00', tz)).toEqual({ day: 20261203, late: true });
    expect(listDayOf(zonedInstant(tz, 2026, 12, 31, 23, 0), '10:00', tz)).toEqual({ day: 20270101, late: true });
  });
});
