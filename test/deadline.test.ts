import { describe, expect, it } from 'vitest';
import { formatDeadline, nextRecurrence, parseDeadline, parseRecurrence, readDeadline } from '../src/core/deadline.js';

const TZ = 'Asia/Shanghai';
/** Thursday 2026-01-29 09:30 in Shanghai. */
const NOW = new Date('2026-01-29T01:30:00Z');

/** phrase → expected wall-clock time in Shanghai, `YYYY-MM-DD HH:MM[:SS]`. */
const TABLE: [string, string][] = [
  ['今天18点', '2026-01-29 18:00'],
  ['今天下午6点', '2026-01-29 18:00'],
  ['今天18:30', '2026-01-29 18:30'],
  ['今天１８：３０', '2026-01-29 18:30'],
  ['今晚8点', '2026-01-29 20:00'],
  ['今晚', '2026-01-29 21:00'],
  ['今天', '2026-01-29 18:00'],
  ['明天上午10点', '2026-01-30 10:00'],
  ['明天上午', '2026-01-30 12:00'],
  ['明天', '2026-01-30 18:00'],
  ['明早8点', '2026-01-30 08:00'],
  ['明晚9点半', '2026-01-30 21:30'],
  ['明天18:00前', '2026-01-30 18:00'],
  ['后天', '2026-01-31 18:00'],
  ['后天下午3点', '2026-01-31 15:00'],
  ['大后天', '2026-02-01 18:00'],
  ['周五前', '2026-01-30 18:00'],
  ['星期五下午五点', '2026-01-30 17:00'],
  ['本周五18:00', '2026-01-30 18:00'],
  ['周四前', '2026-01-29 18:00'],
  ['下周一上午9点', '2026-02-02 09:00'],
  ['下周一', '2026-02-02 18:00'],
  ['下周五前', '2026-02-06 18:00'],
  ['星期天', '2026-02-01 18:00'],
  ['周末前', '2026-02-01 18:00'],
  ['2小时内', '2026-01-29 11:30'],
  ['２小时内', '2026-01-29 11:30'],
  ['两小时之内', '2026-01-29 11:30'],
  ['半小时内', '2026-01-29 10:00'],
  ['1个半小时内', '2026-01-29 11:00'],
  ['30分钟内', '2026-01-29 10:00'],
  ['10秒内', '2026-01-29 09:30:10'],
  ['3天内', '2026-02-01 09:30'],
  ['三天内', '2026-02-01 09:30'],
  ['2026-02-01 18:00', '2026-02-01 18:00'],
  ['２０２６－０２－０１　１８：００', '2026-02-01 18:00'],
  ['2026/2/1 18:00', '2026-02-01 18:00'],
  ['2026-01-29T18:00', '2026-01-29 18:00'],
  ['2026年2月1日18时', '2026-02-01 18:00'],
  ['2月1日18时', '2026-02-01 18:00'],
  ['2月1日前', '2026-02-01 18:00'],
  ['1月30日下午5点', '2026-01-30 17:00'],
  ['2月3号上午9点', '2026-02-03 09:00'],
  ['3号', '2026-02-03 18:00'],
  ['１８点', '2026-01-29 18:00'],
  ['下午3点半', '2026-01-29 15:30'],
  ['下午三点半', '2026-01-29 15:30'],
  ['下午4点一刻', '2026-01-29 16:15'],
  ['晚上十点', '2026-01-29 22:00'],
  ['中午12点', '2026-01-29 12:00'],
  ['8点', '2026-01-29 20:00'],
  ['11:00', '2026-01-29 11:00'],
  ['凌晨2点', '2026-01-30 02:00'],
  ['月底前', '2026-01-31 18:00'],
  ['年底前', '2026-12-31 18:00'],
];

function wall(d: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${p.second !== '00' ? `:${p.second}` : ''}`;
}

describe('parseDeadline (now = 2026-01-29 09:30 Thursday, Asia/Shanghai)', () => {
  it('has a table of at least 40 phrases', () => expect(TABLE.length).toBeGreaterThanOrEqual(40));
  it.each(TABLE)('%s → %s', (phrase, expected) => {
    const r = parseDeadline(phrase, NOW, TZ);
    expect(r && wall(r.at)).toBe(expected);
  });
  it.each(['马上', '随便', '尽快', '下雨前', ''])('does not read %j as a time', (phrase) => {
    expect(parseDeadline(phrase, NOW, TZ)).toBeNull();
  });
  it('reads 昨天 as a time in the past (the command refuses it)', () => {
    const r = parseDeadline('昨天18点', NOW, TZ);
    expect(r!.at.getTime()).toBeLessThan(NOW.getTime());
  });
  it('reads the same wall clock in another time zone', () => {
    const r = parseDeadline('今天18点', NOW, 'Europe/Berlin');
    expect(r!.at.toISOString()).toBe('2026-01-29T17:00:00.000Z');
  });
});

describe('readDeadline: a task deadline must be a real time, ahead, and at most a year away', () => {
  it.each([
    ['-3天内', '看不懂截止时间'],
    ['－3天内', '看不懂截止时间'],
    ['负2小时内', '看不懂截止时间'],
    ['明天-3点', '看不懂截止时间'],
    ['0秒内', '看不懂截止时间'],
    ['0天内', '看不懂截止时间'],
    ['2月30日', '看不懂截止时间'],
    ['2026-02-30 18:00', '看不懂截止时间'],
    ['13月1日', '看不懂截止时间'],
    ['明天25点', '看不懂截止时间'],
    ['明天18:61', '看不懂截止时间'],
    ['99999999天内', '截止时间太远（最多一年）'],
    ['99999999小时内', '截止时间太远（最多一年）'],
    ['400天内', '截止时间太远（最多一年）'],
    ['2099-01-01', '截止时间太远（最多一年）'],
    ['昨天18点', '已过'],
    ['2026-01-29 09:00', '已过'],
    ['2020-01-01', '已过'],
  ])('refuses %j (%s)', (text, reason) => {
    expect(() => readDeadline(text, NOW, TZ)).toThrow(reason);
  });
  it('accepts what is ahead within a year, and cuts a long echo', () => {
    expect(wall(readDeadline('3天内', NOW, TZ))).toBe('2026-02-01 09:30');
    expect(wall(readDeadline('365天内', NOW, TZ))).toBe('2027-01-29 09:30');
    expect(wall(readDeadline('2026-02-01 18:00', NOW, TZ))).toBe('2026-02-01 18:00');
    expect(() => readDeadline('等'.repeat(500), NOW, TZ)).toThrow(/「等{24}…」/);
  });
});

describe('formatDeadline', () => {
  it('restates an instant as an absolute Chinese date with weekday', () => {
    expect(formatDeadline(new Date('2026-02-01T10:00:00Z'), TZ)).toBe('2026年2月1日 18:00（周日）');
  });
});

describe('parseRecurrence', () => {
  it.each([
    ['每天18点', '0 18 * * *', '每天 18:00'],
    ['每日8:30', '30 8 * * *', '每天 08:30'],
    ['每天下午6点', '0 18 * * *', '每天 18:00'],
    ['每周一9点', '0 9 * * 1', '每周一 09:00'],
    ['每星期五下午五点', '0 17 * * 5', '每周五 17:00'],
  ])('%s → %s', (text, pattern, label) => {
    expect(parseRecurrence(text)).toMatchObject({ pattern, label });
  });
  it('rejects what is not a recurrence', () => {
    expect(parseRecurrence('每周')).toBeNull();
    expect(parseRecurrence('明天18点')).toBeNull();
  });
  it('finds the next occurrence in the time zone', () => {
    expect(wall(nextRecurrence(parseRecurrence('每天18点')!, NOW, TZ))).toBe('2026-01-29 18:00');
    expect(wall(nextRecurrence(parseRecurrence('每周一9点')!, NOW, TZ))).toBe('2026-02-02 09:00');
  });
});
