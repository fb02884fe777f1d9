import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county } from '../helpers/console.js';

const c = county();
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('/统计 counts special tasks', () => {
  it('completion rate, overdue and late completions, per tier, against the task snapshot', async () => {
    const app = await buildTestApp({ env: { TASK_REMIND_BEFORE: '1h' } });
    apps.push(app);
    const t01Grids = c.grids.filter((g) => g.unit_id!.startsWith('T01-'));
    const confirm = await ask(app.http, c.commandGroup, c.commander, '/任务 返乡人员排查 截止:4秒内 范围:清溪街道');
    const n = Number(/第(\d+)号/.exec(confirm)![1]);
    const worker = (g: (typeof c.grids)[number]) => c.memberOf(g.unit_id!, 'grid_worker');
    for (const g of t01Grids.slice(0, 2)) await ask(app.http, c.groupOf[g.unit_id!]!, worker(g), `/完成 ${n}`);
    await new Promise((r) => setTimeout(r, 4500));
    await ask(app.http, c.groupOf[t01Grids[2]!.unit_id!]!, worker(t01Grids[2]!), `/完成 ${n}`);
    // a cancelled task is left out
    const other = await ask(app.http, c.commandGroup, c.commander, '/任务 作废任务 截止:明天18点 范围:华岭镇');
    await ask(app.http, c.commandGroup, c.commander, `/取消任务 ${/第(\d+)号/.exec(other)![1]}`);

    const county_ = await ask(app.http, c.commandGroup, c.commander, '/统计 今日');
    expect(county_).toContain(`专项任务 1 项：完成 3/${t01Grids.length}`);
    expect(county_).toContain(`逾期未完成 ${t01Grids.length - 3}，逾期完成 1`);

    const room = await ask(app.http, c.groupOf['T01']!, c.memberOf('T01', 'township_officer'), '/统计');
    expect(room).toContain(`完成 3/${t01Grids.length}`);
    expect(room).toContain(`逾期未完成：${t01Grids[3]!.name}`);

    const otherTownship = await ask(app.http, c.groupOf['T02']!, c.memberOf('T02', 'township_officer'), '/统计');
    expect(otherTownship).not.toContain('专项任务');
  });
});
