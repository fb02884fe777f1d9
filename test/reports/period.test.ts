import { describe, expect, it } from 'vitest';
import { parsePeriod, startOfDay, type Period } from '../../workflows/reports/period.js';
import { leadStats, quantile } from '../../workflows/reports/leads.js';

const TZ = 'Asia/Shanghai';
// Sunday 2026-02-08 09:30 in Shanghai
const now = new Date('2026-02-08T01:30:00Z');
const p = (t: string) => parsePeriod(t, now, TZ) as Period;

describe('report periods in TIMEZONE', () => {
  it('今日, 本周 (Monday first), 本月 and spans of days start at local midnight', () => {
    expect(startOfDay('2026-02-08', TZ).toISOString()).toBe('2026-02-07T16:00:00.000Z');
    expect(p('今日')).toMatchObject({ firstDay: '2026-02-08', lastDay: '2026-02-08', label: '今日（2月8日 周日）' });
    expect(p('今日').to.toISOString()).toBe('2026-02-08T16:00:00.000Z');
    expect(p('本周')).toMatchObject({ firstDay: '2026-02-02', lastDay: '2026-02-08' });
    expect(p('本月')).toMatchObject({ firstDay: '2026-02-01', lastDay: '2026-02-08' });
    expect(p('2026-1-31~2026-02-02')).toMatchObject({ firstDay: '2026-01-31', lastDay: '2026-02-02' });
    expect(p('2026/02/03')).toMatchObject({ firstDay: '2026-02-03', lastDay: '2026-02-03' });
    expect(parsePeriod('2026-02-30', now, TZ)).toBe('「2026-02-30」不是有效日期');
    expect(parsePeriod('2026-02-05~2026-02-01', now, TZ)).toContain('晚于');
    expect(parsePeriod('17', now, TZ)).toBeNull();
  });

  it.each([
    ['昨天', '2026-02-07', '2026-02-07', '昨天（2月7日 周六）'],
    ['昨日', '2026-02-07', '2026-02-07', '昨天（2月7日 周六）'],
    ['前天', '2026-02-06', '2026-02-06', '前天（2月6日 周五）'],
    ['本周', '2026-02-02', '2026-02-08', '本周（2月2日 周一—2月8日 周日）'],
    ['上周', '2026-01-26', '2026-02-01', '上周（1月26日 周一—2月1日 周日）'],
    ['上个星期', '2026-01-26', '2026-02-01', '上周（1月26日 周一—2月1日 周日）'],
    ['上月', '2026-01-01', '2026-01-31', '上月（1月1日 周四—1月31日 周六）'],
    ['12月2日', '2025-12-02', '2025-12-02', '2025年12月2日（周二）'],
    ['１２月２号', '2025-12-02', '2025-12-02', '2025年12月2日（周二）'],
    ['12月1日到3日', '2025-12-01', '2025-12-03', '2025年12月1日（周一）—12月3日（周三）'],
    ['12月30日至1月2日', '2025-12-30', '2026-01-02', '2025年12月30日（周二）—2026年1月2日（周五）'],
    ['2月2日到2月5日', '2026-02-02', '2026-02-05', '2月2日（周一）—2月5日（周四）'],
    ['2-3', '2026-02-03', '2026-02-03', '2月3日（周二）'],
    ['2026年2月1日', '2026-02-01', '2026-02-01', '2月1日（周日）'],
    ['2026-02-03', '2026-02-03', '2026-02-03', '2月3日（周二）'],
  ])('%s → %s…%s, labelled %s', (text, firstDay, lastDay, label) => {
    expect(p(text)).toMatchObject({ firstDay, lastDay, label });
  });

  it('refuses a day still to come and what is not a day', () => {
    expect(parsePeriod('2月9日', now, TZ)).toBe('「2月9日」（2026年2月9日 周一）还没到');
    expect(parsePeriod('9999-12-31', now, TZ)).toContain('还没到');
    expect(parsePeriod('2月30日', now, TZ)).toBe('「2月30日」不是有效日期');
    expect(parsePeriod('12月3日到1日', now, TZ)).toContain('晚于');
    for (const t of ['3日', '99999', '-1', '1e3', '昨天吧', '1.5']) expect(parsePeriod(t, now, TZ), t).toBeNull();
  });

  it('median and p90 by nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
    expect(leadStats([{ acceptMinutes: 3.04, closeMinutes: null }, { acceptMinutes: 10, closeMinutes: 100 }, { acceptMinutes: null, closeMinutes: null }])).toEqual({
      count: 3, accepted: 2, closed: 1, acceptMedian: 3, acceptP90: 10, closeMedian: 100, closeP90: 100,
    });
  });
});
