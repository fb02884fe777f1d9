import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { unitStatusHistory, units } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor } from '../helpers/console.js';
import { dayOf } from '../../workflows/reports/period.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const c = county();
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('/风险 risk colours', () => {
  it('commanders set any grid, township officers only their own, with history; /统计 can cut by colour', async () => {
    const app = await buildTestApp();
    apps.push(app);
    const G1 = 'T01-V01-G1';
    const g1 = c.grids.find((g) => g.unit_id === G1)!;
    const G2 = c.grids.find((g) => g.unit_id!.startsWith('T02-'))!;
    const colour = (id: string) => app.db.select().from(units).where(eq(units.id, id)).get()!.riskColour;
    const history = (id: string) => app.db.select().from(unitStatusHistory).where(eq(unitStatusHistory.unitId, id)).all().filter((h) => h.field === 'risk_colour');

    expect(await ask(app.http, c.commandGroup, c.commander, `/风险 ${G1} 红`)).toBe(`✅ 清溪街道${g1.name} 风险颜色：绿 → 红。`);
    expect(colour(G1)).toBe('red');
    expect(history(G1).at(-1)).toMatchObject({ value: 'red' });

    const officer1 = c.memberOf('T01', 'township_officer');
    expect(await ask(app.http, c.groupOf['T01']!, officer1, `/risk ${G1} 黄色`)).toContain('红 → 黄');
    expect(colour(G1)).toBe('yellow');
    expect(await ask(app.http, c.groupOf['T01']!, officer1, `/风险 ${G1} 黄`)).toContain('已是黄色，无需更改');
    expect(await ask(app.http, c.groupOf['T01']!, officer1, `/风险 ${G2.unit_id} 红`)).toContain('只能设置本乡镇网格');
    expect(colour(G2.unit_id!)).toBe(G2.risk_color);
    const worker = c.memberOf(G1, 'grid_worker');
    expect(await ask(app.http, c.groupOf[G1]!, worker, `/风险 ${G1} 红`)).toMatch(/不能使用 \/风险/);
    expect(await ask(app.http, c.commandGroup, c.commander, `/风险 ${G1} 紫`)).toContain('「紫」不是风险颜色（红、橙、黄、蓝、绿）。用法：/风险');
    expect(await ask(app.http, c.commandGroup, c.commander, '/风险 没有这个网格 红')).toContain('没有网格');
    expect(history(G1).map((h) => h.value).slice(-2)).toEqual(['red', 'yellow']);

    // the grid group hears of each change; the township room of the county's change (its own officer's is the reply)
    const notices = async (cid: string) => (await outbound(app.http, cid)).filter((m) => m.text.startsWith('【风险颜色调整】')).map((m) => m.text);
    expect(await notices(c.groupOf[G1]!)).toEqual([
      `【风险颜色调整】清溪街道${g1.name}：绿 → 红（指挥部${c.members.find((m) => m.member_id === c.commander)!.name}）`,
      `【风险颜色调整】清溪街道${g1.name}：红 → 黄（清溪街道${c.members.find((m) => m.member_id === officer1)!.name}）`,
    ]);
    expect(await notices(c.groupOf['T01']!)).toHaveLength(1);
    expect(await notices(c.groupOf[G2.unit_id!]!)).toEqual([]);

    // a directive to yellow grids; /统计 cut by colour counts only them
    await ask(app.http, c.commandGroup, c.commander, '/令 黄色网格加强巡查 范围:黄色网格');
    const yellow = app.db.select().from(units).where(eq(units.riskColour, 'yellow')).all().length;
    const cut = await ask(app.http, c.commandGroup, c.commander, '/统计 今日 黄色网格');
    expect(cut).toContain('（黄色网格）');
    expect(cut).toContain(`（0/${yellow}单位次）`);
    await ask(app.http, c.groupOf[G1]!, worker, '/收到');
    expect(await ask(app.http, c.commandGroup, c.commander, '/统计 今日 黄色网格')).toContain(`（1/${yellow}单位次）`);
  });
});

describe('daily digest', () => {
  it('is posted once a day in the command group, even with two apps running the scheduler', async () => {
    const a = await buildTestApp({ env: { DAILY_REPORT_CRON: '* * * * * *' } });
    apps.push(a);
    await ask(a.http, c.commandGroup, c.commander, '/令 今日测试');
    const b = await buildTestApp({ config: a.config, dir: a.dir, roster: false });
    apps.push(b);
    const isDigest = (t: string) => t.startsWith('【每日汇总】');
    await waitFor(a.http, c.commandGroup, (m) => m.some((x) => isDigest(x.text)), 10_000);
    await settle(3500); // the scheduler fires every second in both apps
    const digests = (await outbound(a.http, c.commandGroup)).filter((m) => isDigest(m.text));
    expect(digests).toHaveLength(1);
    const text = digests[0]!.text;
    expect(text).toContain(`【每日汇总】${dayOf(new Date(), 'Asia/Shanghai')}`);
    expect(text).toContain('指挥部令/通告 1 条');
    expect(text).toMatch(/响应率 0\.0%（0\/762单位次）/);
    expect(text.split('\n').length).toBeLessThanOrEqual(30);
    // nothing else went to any other group
    expect((await outbound(a.http)).filter((m) => isDigest(m.text))).toHaveLength(1);
  });
});
