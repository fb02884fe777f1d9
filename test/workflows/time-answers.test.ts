/**
 * Times as people write them, through the real router: `时限:` in `/令` reads what `截止:` in `/任务` reads
 * (midnight, 下班 = WORKDAY_END, clock times, durations), and every answer restates the time it read as an
 * absolute date with its weekday, so a misreading shows.
 *
 * The app's clock is moved to the next 09:30 in Shanghai (ahead of the real one, so no timer fires during
 * the test): the expected dates are computed from that day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDeadline } from '../../src/time/deadline.js';
import { zonedInstant, wallClock } from '../../src/time/clock.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';

const TZ = 'Asia/Shanghai';
const c = county();
const GRID = c.grids[0]!.name!;

/** The next 09:30 in Shanghai after the real clock, and the shift that moves the app's clock there. */
const real = new Date();
const r = wallClock(real, TZ);
let base = zonedInstant(TZ, r.year, r.month, r.day, 9, 30);
if (base.getTime() <= real.getTime()) base = zonedInstant(TZ, r.year, r.month, r.day + 1, 9, 30);
const shift = base.getTime() - real.getTime();
const b = wallClock(base, TZ);
/** The instant at `hour:minute` on the test day plus `days`, restated as the bot does. */
const on = (days: number, hour: number, minute = 0) => formatDeadline(zonedInstant(TZ, b.year, b.month, b.day + days, hour, minute), TZ);

const appNow = () => new Date(Date.now() + shift);
/** A duration from the app's clock, to the minute, restated as the bot does. */
const after = (ms: number) => formatDeadline(new Date(Math.floor((appNow().getTime() + ms) / 60_000) * 60_000), TZ);

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp({ env: { WORKDAY_END: '16:45' }, now: appNow });
});
afterAll(async () => {
  await app?.close();
});
const boss = (text: string) => ask(app.http, c.commandGroup, c.commander, text);

describe('时限 in /令 reads the phrases of 截止 in /任务', () => {
  it.each([
    ['今晚12点', on(1, 0)],
    ['零点前', on(1, 0)],
    ['下班前', on(0, 16, 45)],
    ['今天下午3点', on(0, 15)],
    ['明天上午10点', on(1, 10)],
    ['明天 18:00', on(1, 18)],
    ['明天 下午3点半', on(1, 15, 30)],
    ['2小时内', 2 * 3_600_000],
    ['30分钟', 1_800_000],
  ] as [string, string | number][])('时限:%s → 确认时限 %s', async (phrase, want) => {
    // a duration runs from when the message is handled: between the clock before and after asking
    const wants = typeof want === 'string' ? [want] : [after(want)];
    const a = await boss(`/令 核对返乡人员台账 范围:${GRID} 时限:${phrase}`);
    if (typeof want === 'number') wants.push(after(want));
    expect(a).toMatch(/^已发布 指挥部令/);
    expect(wants.map((w) => `确认时限 ${w}。`).some((w) => a.includes(w)), a).toBe(true);
  });

  it('the grids are asked to reply by the date and time, when the 时限 is not today', async () => {
    const n = /第(\d+)号/.exec(await boss(`/令 今晚核对台账 范围:${GRID} 时限:今晚12点`))![1];
    const t = wallClock(zonedInstant(TZ, b.year, b.month, b.day + 1, 0), TZ);
    const relays = await waitFor(app.http, c.groupOf[c.grids[0]!.unit_id!]!, (m) => m.some((x) => x.text.includes(`第${n}号`)));
    expect(relays.find((x) => x.text.includes(`第${n}号`))!.text).toContain(`请于${t.month}月${t.day}日 00:00前回复「收到」`);
  });

  it('refuses a 时限 that is past or more than 7 days ahead, and issues nothing', async () => {
    const last = Number(/第(\d+)号/.exec(await boss(`/令 先发一条 范围:${GRID}`))![1]);
    const past = await boss(`/令 排查 范围:${GRID} 时限:今天9点`);
    expect(past).toContain(`时限 ${on(0, 9)} 已过`);
    expect(past).toContain('用法：/令');
    expect(await boss(`/令 排查 范围:${GRID} 时限:下下周一`)).toContain('时限太远（最多7天）：读作');
    expect(await boss(`/令 排查 范围:${GRID} 时限:-3天内`)).toContain('时限「-3天内」看不懂');
    expect(await boss(`/令 再发一条 范围:${GRID}`)).toContain(`第${last + 1}号`);
  });
});

describe('/任务 截止: midnight and 下班', () => {
  it.each([
    ['今晚12点前', on(1, 0)],
    ['晚上十二点', on(1, 0)],
    ['今晚24点', on(1, 0)],
    ['下班前', on(0, 16, 45)],
    ['明天下班前', on(1, 16, 45)],
  ])('截止:%s → %s', async (phrase, want) => {
    const a = await boss(`/任务 核对台账 截止:${phrase} 范围:${GRID}`);
    expect(a).toMatch(/^已下达/);
    expect(a).toContain(`截止 ${want}`);
  });
});

describe('/统计 reads 昨天, 上周 and spans of days, and restates them with weekdays', () => {
  const WD = ['日', '一', '二', '三', '四', '五', '六'];
  /** The test day plus `days`: `12月2日`, with its year first when not `year` (default the test day's), and `周二`. */
  const day = (days: number, year = b.year) => {
    const w = wallClock(zonedInstant(TZ, b.year, b.month, b.day + days, 12), TZ);
    return { md: `${w.year !== year ? `${w.year}年` : ''}${w.month}月${w.day}日`, wd: `周${WD[w.weekday]}`, y: w.year, m: w.month, d: w.day };
  };
  /** A span's label: the end shows its year only when it is not the start's. */
  const span = (from: number, to: number, name?: string) => {
    const [a, z] = [day(from), day(to, day(from).y)];
    return name ? `${name}（${a.md} ${a.wd}—${z.md} ${z.wd}）` : `${a.md}（${a.wd}）—${z.md}（${z.wd}）`;
  };
  const monday = -((b.weekday + 6) % 7);

  it.each([
    ['昨天', () => `昨天（${day(-1).md} ${day(-1).wd}）`],
    ['上周', () => span(monday - 7, monday - 1, '上周')],
    ['今天', () => `今日（${day(0).md} ${day(0).wd}）`],
  ] as [string, () => string][])('/统计 %s', async (word, want) => {
    expect((await boss(`/统计 ${word}`)).split('\n')[0]).toBe(`📊 全县响应率 · ${want()}`);
  });

  it('a span of days written with spaces, and a day by month and day', async () => {
    const [a, z] = [day(-3), day(-1)];
    expect((await boss(`/统计 ${a.m}月${a.d}日 到 ${z.m}月${z.d}日`)).split('\n')[0]).toBe(`📊 全县响应率 · ${span(-3, -1)}`);
    expect((await boss(`/统计 ${z.m}月${z.d}日`)).split('\n')[0]).toBe(`📊 全县响应率 · ${z.md}（${z.wd}）`);
  });

  it('refuses a day still to come with its usage', async () => {
    expect(await boss('/统计 2099-01-01')).toMatch(/还没到。用法：\/统计/);
    expect(await boss('/统计 12月1日到')).toMatch(/不是时段、编号或风险颜色。用法：\/统计/);
  });
});
