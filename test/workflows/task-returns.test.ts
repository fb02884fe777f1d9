/**
 * Returns with figures (issue 17 §3): `/任务 … 回报:排查户数,返乡人数` declares the fields, `/完成 <号>
 * 排查户数:86 返乡人数:3` fills them; a missing or unreadable figure is asked for by name and the grid
 * stays not done.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { yearIn } from '../../src/time/clock.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const c = county();
const CMD = c.commandGroup;
const BOSS = c.commander;
const G = ['T01-V01-G1', 'T01-V01-G2', 'T01-V01-G3'] as const;
const grid = (u: string) => c.groupOf[u]!;
const worker = (u: string) => c.memberOf(u, 'grid_worker');
const leader = (u: string) => c.memberOf(u, 'grid_leader');
const rows = (app: TestApp, sql: string, ...args: unknown[]) => app.db.$client.prepare(sql).all(...args) as Record<string, unknown>[];

async function start(env: Record<string, string> = {}) {
  const app = await buildTestApp({ env: { TASK_REMIND_BEFORE: '1h', ...env } });
  apps.push(app);
  return app;
}

/** Issues a task with return fields to the three grids of 周家坞村; returns its number and the reply. */
async function issue(app: TestApp, extra = '回报:排查户数,返乡人数'): Promise<{ number: number; reply: string }> {
  const reply = await ask(app.http, CMD, BOSS, `/任务 排查返乡人员 截止:明天18点 范围:周家坞村 ${extra}`);
  const m = /专项任务〔\d{4}〕第(\d+)号/.exec(reply);
  if (!m) throw new Error(`not issued: ${reply}`);
  return { number: Number(m[1]), reply };
}

describe('/任务 … 回报:', () => {
  it('declares the fields: the confirmation names them and the relay shows how to return them', async () => {
    const app = await start();
    const { number, reply } = await issue(app, '回报：排查户数，返乡人数、排查户数');
    expect(reply).toContain('各网格完成时回报：排查户数、返乡人数。');
    expect(reply).toContain(`/任务列表 ${number} 查看回报汇总`);
    expect(rows(app, 'select return_fields from tasks')[0]!.return_fields).toBe(JSON.stringify(['排查户数', '返乡人数']));
    const relay = await waitFor(app.http, grid(G[0]), (m) => m.length > 0);
    expect(relay[0]!.text).toContain(`完成后在本群发送 /完成 ${number} 排查户数:<数字> 返乡人数:<数字>，可附图片。`);
  });

  it('refuses an empty, overlong or nameless field list with its usage, and issues nothing', async () => {
    const app = await start();
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:明天18点 回报:')).toMatch(/回报:后请写回报项.*用法：\/任务/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:明天18点 回报:a,b,c,d,e,f,g')).toMatch(/回报项太多（7项，最多6项）/);
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:明天18点 回报:123')).toContain('回报项「123」不是名称');
    expect(await ask(app.http, CMD, BOSS, '/任务 排查 截止:明天18点 回报:这是一个非常非常长的回报项')).toContain('太长（最多10字）');
    expect(rows(app, 'select * from tasks')).toHaveLength(0);
  });

  it('a recurring task asks every occurrence for the same figures', async () => {
    const app = await start();
    const reply = await ask(app.http, CMD, BOSS, '/任务 体温日报 每天18点 范围:周家坞村 回报:发热人数');
    expect(reply).toContain('各网格完成时回报：发热人数。');
    expect(rows(app, 'select return_fields from task_series')[0]!.return_fields).toBe(JSON.stringify(['发热人数']));
    expect(rows(app, 'select return_fields from tasks')[0]!.return_fields).toBe(JSON.stringify(['发热人数']));
  });
});

describe('/完成 with figures', () => {
  it('reads figures after : or ：, in digits or Chinese numerals, with a measure word; the rest is the note', async () => {
    const app = await start();
    const { number } = await issue(app);
    const n = `专项任务〔${yearIn(new Date(), 'Asia/Shanghai')}〕第${number}号`;
    expect(await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:86 返乡人数:3`)).toBe(`✅ 周家坞村第1网格已完成${n}，回报：排查户数 86、返乡人数 3。`);
    expect(await ask(app.http, grid(G[1]), worker(G[1]), `/完成 ${number} 排查户数：一百零五户 返乡人数：十二人 已逐户排查`)).toContain('回报：排查户数 105、返乡人数 12');
    expect(rows(app, 'select unit_id, returns, done_note from task_targets where done_at is not null order by unit_id')).toEqual([
      { unit_id: G[0], returns: JSON.stringify({ 排查户数: 86, 返乡人数: 3 }), done_note: null },
      { unit_id: G[1], returns: JSON.stringify({ 排查户数: 105, 返乡人数: 12 }), done_note: '已逐户排查' },
    ]);
  });

  it('asks for a missing or unreadable figure by name; the grid stays not done until it sends it; the figures given are kept', async () => {
    const app = await start();
    const { number } = await issue(app);
    const missing = await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:86`);
    expect(missing).toContain('还需回报：返乡人数');
    expect(missing).toContain('已记下：排查户数 86。');
    expect(missing).toContain(`请发送 /完成 ${number} 返乡人数:<数字>`);
    expect(rows(app, 'select done_at, returns from task_targets where unit_id = ?', G[0])[0]).toEqual({ done_at: null, returns: JSON.stringify({ 排查户数: 86 }) });
    // nothing written: both asked for
    const none = await ask(app.http, grid(G[1]), worker(G[1]), `/完成 ${number}`);
    expect(none).toContain('还需回报：排查户数、返乡人数');
    expect(none).toContain(`请发送 /完成 ${number} 排查户数:<数字> 返乡人数:<数字>`);
    // unreadable: named with what was written
    const bad = await ask(app.http, grid(G[2]), worker(G[2]), `/完成 ${number} 排查户数:40 返乡人数:很多`);
    expect(bad).toContain('还需回报：返乡人数（返乡人数「很多」不是数字）');
    expect(rows(app, 'select count(*) as n from task_targets where done_at is not null')[0]!.n).toBe(0);
    // the list still shows the task open for those grids
    expect(await ask(app.http, grid(G[0]), leader(G[0]), '/任务列表')).toContain('未完成');
    // the missing figure alone completes it, with the kept one
    expect(await ask(app.http, grid(G[0]), leader(G[0]), `/完成 ${number} 返乡人数:三`)).toContain('回报：排查户数 86、返乡人数 3');
    expect(rows(app, 'select returns from task_targets where unit_id = ? and done_at is not null', G[0])[0]!.returns).toBe(JSON.stringify({ 排查户数: 86, 返乡人数: 3 }));
    // without the task number: the grid's only open task
    expect(await ask(app.http, grid(G[2]), worker(G[2]), '/完成 返乡人数:0')).toContain('回报：排查户数 40、返乡人数 0');
  });

  it('figures sent again after completion correct the return; a repeat without figures is already done', async () => {
    const app = await start();
    const { number } = await issue(app);
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:86 返乡人数:3`);
    expect(await ask(app.http, grid(G[0]), leader(G[0]), `/完成 ${number}`)).toContain('已完成过');
    expect(await ask(app.http, grid(G[0]), leader(G[0]), `/完成 ${number} 排查户数:90`)).toContain('已更正周家坞村第1网格');
    expect(rows(app, 'select returns from task_targets where unit_id = ?', G[0])[0]!.returns).toBe(JSON.stringify({ 排查户数: 90, 返乡人数: 3 }));
    expect(rows(app, "select count(*) as n from audit_log where action = 'task.return.correct'")[0]!.n).toBe(1);
  });

  it('when every grid has returned, the issuer hears once, with the sums', async () => {
    const app = await start();
    const { number } = await issue(app);
    for (const [i, u] of G.entries()) await ask(app.http, grid(u), worker(u), `/完成 ${number} 排查户数:${10 + i} 返乡人数:${i}`);
    const done = await waitFor(app.http, CMD, (m) => m.some((x) => x.text.includes('全部 3 个网格已完成')));
    expect(done.find((x) => x.text.includes('全部 3 个网格已完成'))!.text).toContain('合计：排查户数 33、返乡人数 3');
  });

  it('a task without fields reads /完成 as before: the text is the note, figures need a task number', async () => {
    const app = await start();
    const { number } = await issue(app, '');
    expect(await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:86`)).not.toContain('回报');
    expect(rows(app, 'select done_note, returns from task_targets where unit_id = ?', G[0])[0]).toEqual({ done_note: '排查户数:86', returns: null });
    expect(await ask(app.http, grid(G[1]), worker(G[1]), '/完成 排查户数:86')).toContain(`请写明任务号：/完成 ${number}`);
  });
});
