import { describe, expect, it } from 'vitest';
import { parsePeriod, startOfDay, type Period } from '../../workflows/report-period.js';
import { leadStats, quantile } from '../../workflows/response-rate.js';

const TZ = 'Asia/Shanghai';
// Sunday 2026-02-08 09:30 in Shanghai
const now = new Date('2026-02-08T01:30:00Z');
const p = (t: string) => parsePeriod(t, now, TZ) as Period;

describe('report periods in TIMEZONE', () => {
  it('今日, 本周 (Monday first), 本月 and spans of days start at local midnight', () => {
    expect(startOfDay('2026-02-08', TZ).toISOString()).toBe('2026-02-07T16:00:00.000Z');
    expect(p('今日')).toMatchObject({ firstDay: '2026-02-08', lastDay: '2026-02-08', label: '今日（2月8日）' });
    expect(p('今日').to.toISOString()).toBe('2026-02-08T16:00:00.000Z');
    expect(p('本周')).toMatchObject({ firstDay: '2026-02-02', lastDay: '2026-02-08' });
    expect(p('本月')).toMatchObject({ firstDay: '2026-02-01', lastDay: '2026-02-08' });
    expect(p('2026-1-31~2026-02-02')).toMatchObject({ firstDay: '2026-01-31', lastDay: '2026-02-02' });
    expect(p('2026/02/03')).toMatchObject({ firstDay: '2026-02-03', lastDay: '2026-02-03' });
    expect(parsePeriod('2026-02-30', now, TZ)).toBe('「2026-02-30」不是有效日期');
    expect(parsePeriod('2026-02-05~2026-02-01', now, TZ)).toContain('晚于');
    expect(parsePeriod('17', now, TZ)).toBeNull();
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
