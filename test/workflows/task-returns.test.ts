/**
 * Returns with figures (issue 17 §3): `/任务 … 回报:排查户数,返乡人数` declares the fields, `/完成 <号>
 * 排查户数:86 返乡人数:3` fills them; a missing or unreadable figure is asked for by name and the grid
 * stays not done.
 */
import { sqliteClient } from '../../src/db/client.js';
import ExcelJS from 'exceljs';
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
const rows = (app: TestApp, sql: string, ...args: unknown[]) => sqliteClient(app.db).prepare(sql).all(...args) as Record<string, unknown>[];

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
    // the county's view of a task of one township: the total and the grids not yet reported, folded per village
    const county_ = await ask(app.http, CMD, BOSS, `/任务列表 ${number}`);
    expect(county_).toContain('清溪街道 已回报 0/3（0.0%）');
    expect(county_).toContain('合计：排查户数 0、返乡人数 0');
    expect(county_).toContain('未回报（3）：周家坞村第1、2、3网格');
    expect(county_).not.toContain('各乡镇');
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

  it('a grid with a figure missing is reminded of that figure and overdue at the deadline; the issuer roll-up carries the sums so far', async () => {
    const app = await start({ TASK_REMIND_BEFORE: '2s' });
    const reply = await ask(app.http, CMD, BOSS, '/任务 排查返乡人员 截止:5秒内 范围:周家坞村 回报:排查户数,返乡人数');
    const number = Number(/第(\d+)号/.exec(reply)![1]);
    await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:20 返乡人数:2`);
    await ask(app.http, grid(G[1]), worker(G[1]), `/完成 ${number} 排查户数:15`);
    const reminded = await waitFor(app.http, grid(G[1]), (m) => m.some((x) => x.text.startsWith('⏰')));
    expect(reminded.find((x) => x.text.startsWith('⏰'))!.text).toContain(`完成后发送 /完成 ${number} 返乡人数:<数字>`);
    const other = await waitFor(app.http, grid(G[2]), (m) => m.some((x) => x.text.startsWith('⏰')));
    expect(other.find((x) => x.text.startsWith('⏰'))!.text).toContain(`完成后发送 /完成 ${number} 排查户数:<数字> 返乡人数:<数字>`);
    const msgs = await waitFor(app.http, CMD, (m) => m.some((x) => x.text.startsWith('📋')));
    const rollup = msgs.find((x) => x.text.startsWith('📋'))!.text;
    expect(rollup).toContain('逾期未完成 2 个网格');
    expect(rollup).toContain('已回报合计：排查户数 20、返乡人数 2');
  });

  it('a task without fields reads /完成 as before: the text is the note, figures need a task number', async () => {
    const app = await start();
    const { number } = await issue(app, '');
    expect(await ask(app.http, grid(G[0]), worker(G[0]), `/完成 ${number} 排查户数:86`)).not.toContain('回报');
    expect(rows(app, 'select done_note, returns from task_targets where unit_id = ?', G[0])[0]).toEqual({ done_note: '排查户数:86', returns: null });
    expect(await ask(app.http, grid(G[1]), worker(G[1]), '/完成 排查户数:86')).toContain(`请写明任务号：/完成 ${number}`);
  });
});

describe('the sums: /任务列表 <号>, /统计 任务<号> and the export task sheet', () => {
  /** `排查户数 1,234、返乡人数 5` → { 排查户数: 1234, 返乡人数: 5 }. */
  const figures = (s: string) => Object.fromEntries(s.split('、').map((p) => { const [k, v] = p.trim().split(' '); return [k!, Number(v!.replace(/,/g, ''))]; }));
  /** The per-township lines of a county answer: name → { done, total, sums }. */
  const perTownship = (text: string) =>
    Object.fromEntries([...text.matchAll(/^· (\S+) (\d+)\/(\d+)：(.+)$/gm)].map((m) => [m[1]!, { done: Number(m[2]), total: Number(m[3]), sums: figures(m[4]!) }]));

  it('show per-township sums and the grids not yet reported, per tier, and the sums recompute from the XLSX task sheet', async () => {
    const app = await start();
    const reply = await ask(app.http, CMD, BOSS, '/任务 返乡人员排查 截止:明天18点 范围:清溪街道 华岭镇 回报:排查户数,返乡人数');
    const number = Number(/第(\d+)号/.exec(reply)![1]);
    // a task without fields in the same period: its rows have empty figure columns
    await ask(app.http, CMD, BOSS, '/任务 环境整治 截止:明天18点 范围:周家坞村');
    const t01 = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).slice(0, 6);
    const t02 = c.grids.filter((g) => g.unit_id!.startsWith('T02-')).slice(0, 4);
    const written = ['12', '十二', '一百零五户', '7', '０', '30'];
    for (const [i, g] of [...t01, ...t02].entries()) {
      const u = g.unit_id!;
      const r = await ask(app.http, grid(u), worker(u), `/完成 ${number} 排查户数:${written[i % written.length]} 返乡人数:${i}`);
      expect(r, u).toContain('✅');
    }
    // a grid with one figure only is not done and not counted
    const partial = c.grids.filter((g) => g.unit_id!.startsWith('T02-'))[4]!;
    expect(await ask(app.http, grid(partial.unit_id!), worker(partial.unit_id!), `/完成 ${number} 排查户数:999`)).toContain('还需回报：返乡人数');

    const stats = await ask(app.http, CMD, BOSS, `/统计 任务 ${number}`);
    expect(stats.split('\n')[0]).toMatch(new RegExp(`^📊 专项任务〔\\d{4}〕第${number}号「返乡人员排查」截止`));
    expect(stats).toContain('已回报 10/151（6.6%）');
    // 12+12+105+7+0+30 = 166 in 清溪街道; 12+12+105+7 = 136 in 华岭镇; 返乡人数 0..5 = 15 and 6..9 = 30
    expect(stats).toContain('合计：排查户数 302、返乡人数 45');
    const byT = perTownship(stats);
    expect(byT).toEqual({
      华岭镇: { done: 4, total: 67, sums: { 排查户数: 136, 返乡人数: 30 } },
      清溪街道: { done: 6, total: 84, sums: { 排查户数: 166, 返乡人数: 15 } },
    });
    // 华岭镇's first grid not done is the partial one; names folded per village (`林石门村第2、3网格`)
    expect(stats).toContain(`未回报：${partial.name!.replace(/网格$/, '')}`);
    expect(stats.split('\n').length).toBeLessThanOrEqual(12);
    // /任务列表 <号> is the same view
    expect(await ask(app.http, CMD, BOSS, `/任务列表 ${number}`)).toBe(stats.replace(/^📊/, '📋'));

    // the XLSX task sheet: one row per grid × task, the figures as columns; the sums recompute from it
    const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${day}&format=xlsx` });
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('专项任务')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    expect(header).toEqual(['任务ID', '编号', '标题', '下达时间', '截止时间', '乡镇ID', '乡镇', '网格ID', '网格', '已完成', '完成时间', '逾期完成', '排查户数', '返乡人数']);
    const sheetRows: Record<string, unknown>[] = [];
    sheet.eachRow((row, i) => {
      if (i > 1) sheetRows.push(Object.fromEntries(header.map((h, j) => [h, (row.values as unknown[])[j + 1] ?? ''])));
    });
    expect(sheetRows).toHaveLength(151 + 3);
    const mine = sheetRows.filter((x) => String(x['编号']).endsWith(`第${number}号`));
    expect(mine).toHaveLength(151);
    const recomputed: Record<string, { done: number; total: number; sums: Record<string, number> }> = {};
    for (const x of mine) {
      const t = (recomputed[String(x['乡镇'])] ??= { done: 0, total: 0, sums: { 排查户数: 0, 返乡人数: 0 } });
      t.total++;
      if (x['已完成'] === 1) t.done++;
      for (const f of ['排查户数', '返乡人数']) t.sums[f]! += x[f] === '' ? 0 : Number(x[f]);
    }
    expect(recomputed).toEqual(byT);
    // the partial grid's figure is not in the sheet; the other task's rows have no figures
    expect(mine.find((x) => x['网格ID'] === partial.unit_id)).toMatchObject({ 已完成: 0, 排查户数: '', 返乡人数: '' });
    expect(sheetRows.filter((x) => !String(x['编号']).endsWith(`第${number}号`)).every((x) => x['排查户数'] === '' && x['返乡人数'] === '')).toBe(true);
    // JSON carries the same rows
    const json = (await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${day}&format=json` })).json();
    expect(json.tasks).toHaveLength(154);

    // a township sees its own grids: count, sums and the grids not yet reported
    const room = await ask(app.http, c.groupOf['T02']!, c.memberOf('T02', 'township_officer'), `/任务列表 ${number}`);
    expect(room).toContain('华岭镇 已回报 4/67');
    expect(room).toContain('合计：排查户数 136、返乡人数 30');
    expect(room).toContain(`未回报（63）：${partial.name!.replace(/网格$/, '')}`);
    expect(room).not.toContain('清溪街道');
    // a grid sees its own state: the figure kept and what is missing
    const own = await ask(app.http, grid(partial.unit_id!), worker(partial.unit_id!), `/任务列表 ${number}`);
    expect(own).toContain('未完成，还需回报：返乡人数');
    expect(own).toContain('已记下：排查户数 999');
    const doneGrid = await ask(app.http, grid(t01[2]!.unit_id!), worker(t01[2]!.unit_id!), `/统计 任务${number}`);
    expect(doneGrid).toContain('回报：排查户数 105、返乡人数 2');
    // a task not sent to the asker's unit
    expect(await ask(app.http, c.groupOf['T03']!, c.memberOf('T03', 'township_officer'), `/任务列表 ${number}`)).toContain('未发给马坞镇');
  });

  it('refuses a task number that does not exist and a task cut by colour; /统计 17 still means directive 17', async () => {
    const app = await start();
    expect(await ask(app.http, CMD, BOSS, '/统计 任务9')).toContain('没有专项任务第9号');
    expect(await ask(app.http, CMD, BOSS, '/任务列表 第9号')).toContain('没有专项任务第9号');
    expect(await ask(app.http, CMD, BOSS, '/任务列表 abc')).toMatch(/「abc」不是任务号.*用法：\/任务列表/);
    expect(await ask(app.http, CMD, BOSS, '/统计 任务1 红色网格')).toContain('不按风险颜色筛选');
    expect(await ask(app.http, CMD, BOSS, '/统计 17')).not.toContain('专项任务');
  });
});
