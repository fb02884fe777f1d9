/**
 * 红色代办 (issue 18): households' orders from grid groups, summed at the cut-off into one purchase list per
 * township room — 60 orders from 30 grids of 3 townships; self-supplied items left out; 公斤 and 斤 summed
 * together; an order after the cut-off on the next day's list; 采购, 送达 and the overdue list once;
 * addresses and phones masked; the XLSX breakdown adds up to the chat list. Driven through the console API
 * on the demo county, on a fixed clock (the cut-off run as its job runs it).
 */
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { runUnitOfWork } from '../../src/jobs/unit-of-work.js';
import { zonedInstant } from '../../src/time/clock.js';
import { runCutoff } from '../../workflows/errand/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor, type Posted } from '../helpers/console.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const c = county();
const TZ = 'Asia/Shanghai';
const parentOf = Object.fromEntries(c.units.map((u) => [u.unit_id!, u.parent_id!]));
const townshipOf = (gridId: string) => parentOf[parentOf[gridId]!]!;
const gridsOf = (t: string) => c.grids.filter((g) => townshipOf(g.unit_id!) === t && c.groupOf[g.unit_id!] && c.members.some((m) => m.unit_id === g.unit_id && m.role === 'grid_worker'));
const TOWNS = ['T01', 'T02', 'T03'];
const rooms = Object.fromEntries(c.townships.map((t) => [t.unit_id!, c.groupOf[t.unit_id!]!]));

/** A clock the test moves: 2026-11-20 (a day in the past, so the console's own timestamps never win). */
function clock(hour: number, minute = 0, day = 20) {
  return zonedInstant(TZ, 2026, 11, day, hour, minute);
}

async function start() {
  let now = clock(8);
  const app = await buildTestApp({ env: { ERRAND_CUTOFF: '10:00' }, now: () => now });
  apps.push(app);
  return { app, set: (d: Date) => (now = d), cutoff: () => runUnitOfWork(app.deps, async (db) => await runCutoff({ ...app.deps, db })) };
}

/** Posts every message, then waits until each conversation has one answer more per message posted there. */
async function sayAll(app: TestApp, msgs: { conv: string; who: string; text: string; attachments?: boolean }[]): Promise<Map<string, Posted[]>> {
  const before = new Map<string, number>();
  for (const m of msgs) if (!before.has(m.conv)) before.set(m.conv, (await outbound(app.http, m.conv)).length);
  for (const m of msgs) {
    if (m.attachments) await app.inbox.accept({ platform: 'console', platformMsgId: `pic-${Math.random()}`, conversationId: m.conv, senderId: m.who, text: m.text, attachments: [{ kind: 'picture', ref: 'p1' }] });
    else expect((await say(app.http, m.conv, m.who, m.text)).status).toBe(202);
  }
  const want = new Map<string, number>();
  for (const m of msgs) want.set(m.conv, (want.get(m.conv) ?? before.get(m.conv)!) + 1);
  const out = new Map<string, Posted[]>();
  for (const [conv, n] of want) out.set(conv, (await waitFor(app.http, conv, (x) => x.length >= n, 30_000)).slice(before.get(conv)!));
  return out;
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
const listsIn = (msgs: Posted[]) => msgs.filter((m) => m.text.includes('采购清单】'));
const lineOf = (text: string, name: string) => new RegExp(`\\d+\\. ${name} ([\\d.]+)(\\S+?)（(\\d+)户）`).exec(text);

describe('errands (红色代办)', () => {
  it('sums 60 orders from 30 grids into one list per township, each of its own grids only; self-supplied left out; masked', async () => {
    const { app, cutoff } = await start();
    const { http } = app;
    const expected: Record<string, { rice: number; sauce: number; pills: number; riceHh: number; pillsHh: number }> = {};
    const orders: { conv: string; who: string; text: string }[] = [];
    const grids = TOWNS.flatMap((t) => gridsOf(t).slice(0, 10).map((g, i) => ({ t, g: g.unit_id!, i })));
    expect(grids).toHaveLength(30);
    for (const { t, g, i } of grids) {
      const e = (expected[t] ??= { rice: 0, sauce: 0, pills: 0, riceHh: 0, pillsHh: 0 });
      const conv = c.groupOf[g]!;
      const who = c.memberOf(g, 'grid_worker');
      const n = Number(t.slice(1));
      // 大米 in 斤 and 公斤, 酱油 in Chinese numerals, a thing not understood, an address and a phone
      orders.push({ conv, who, text: `/代办 大米${i + n}斤 酱油两瓶 地址:王家边${i + 1}组12号 电话:1380000${String(1000 + i).padStart(4, '0')}` });
      orders.push({ conv, who, text: `/代办 大米一公斤 布洛芬1盒 口罩若干` });
      e.rice += i + n + 2;
      e.sauce += 2;
      e.pills += 1;
      e.riceHh += 2;
      e.pillsHh += 1;
    }
    const answers = await sayAll(app, orders);
    const all = [...answers.values()].flat().map((m) => m.text);
    expect(all.filter((t) => /✅ 已登记 代办 20261120-\d{3}/.test(t))).toHaveLength(60);
    expect(new Set(all.map((t) => /代办 (20261120-\d{3})/.exec(t)?.[1])).size).toBe(60);
    expect(all.filter((t) => t.includes('未识别：「口罩若干」'))).toHaveLength(30);
    for (const t of all) expect(t).toContain('将于今天 10:00 截单汇总到乡镇采购清单');
    // the address and phone are masked in the answer too
    const first = answers.get(c.groupOf[grids[0]!.g]!)!.map((m) => m.text).join('\n');
    expect(first).toContain('地址：王家边*组**号');
    expect(first).toContain('电话：138****1000');

    // one grid of each township meets the 布洛芬 inside the village
    const selfs = [];
    for (const t of TOWNS) {
      const g = grids.find((x) => x.t === t)!.g;
      // the answers may be sent in either order: find the second order by what it holds
      const second = answers.get(c.groupOf[g]!)!.find((m) => m.text.includes('大米一公斤'))!;
      selfs.push({ conv: c.groupOf[g]!, who: c.memberOf(g, 'grid_worker'), text: `/代办 自给 ${/代办 20261120-(\d{3})/.exec(second.text)![1]} 布洛芬` });
      expected[t]!.pills -= 1;
      expected[t]!.pillsHh -= 1;
    }
    const selfAnswers = [...(await sayAll(app, selfs)).values()].flat().map((m) => m.text);
    for (const t of selfAnswers) expect(t).toMatch(/自给：布洛芬1盒。其余待采购：大米一公斤、口罩若干/);

    const mark = Math.max(0, ...(await outbound(http)).map((m) => m.seq));
    const r = await cutoff();
    expect(Object.keys(r.lists).sort()).toEqual(TOWNS);
    await waitFor(http, undefined, (m) => listsIn(m).length >= 3);
    await settle();
    const posted = (await outbound(http)).filter((m) => m.seq > mark);
    const lists = listsIn(posted);
    expect(lists.map((m) => m.conversationId).sort()).toEqual(TOWNS.map((t) => rooms[t]!).sort());
    for (const t of TOWNS) {
      const text = lists.find((m) => m.conversationId === rooms[t])!.text;
      const e = expected[t]!;
      expect(lineOf(text, '大米')!.slice(1)).toEqual([String(e.rice), '斤', String(e.riceHh)]);
      expect(lineOf(text, '酱油')!.slice(1)).toEqual([String(e.sauce), '瓶', '10']);
      expect(lineOf(text, '布洛芬')!.slice(1)).toEqual([String(e.pills), '盒', String(e.pillsHh)]);
      expect(text).toContain('口罩若干（10户）');
      expect(text).toContain('20户、20单，来自10个网格');
      // nobody's address or phone in a list
      expect(text).not.toMatch(/1380000\d{4}|组12号/);
    }
    // nothing anywhere carries an address or a phone as written
    for (const m of await outbound(http)) expect(m.text).not.toMatch(/1380000\d{4}|王家边\d+组12号/);

    // once per township per day: a second run (a second process) posts nothing more
    const again = await cutoff();
    expect(again.lists).toEqual({});
    await settle();
    expect(listsIn(await outbound(http))).toHaveLength(3);

    // the XLSX breakdown, per village, adds up to the chat list
    const res = await http.inject({ method: 'GET', url: `/api/v1/reports/errands?day=2026-11-20&format=xlsx` });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const rows = wb.getWorksheet('分村明细')!.getSheetValues().slice(2).filter(Boolean) as unknown[][];
    for (const t of TOWNS) {
      const name = c.townships.find((x) => x.unit_id === t)!.name!;
      const sum = (item: string) => rows.filter((row) => row[2] === name && row[4] === item).reduce((s, row) => s + Number(row[6]), 0);
      expect(sum('大米')).toBe(expected[t]!.rice);
      expect(sum('酱油')).toBe(expected[t]!.sauce);
      expect(sum('布洛芬')).toBe(expected[t]!.pills);
    }
  });

  it('puts an order after the cut-off on the next list; 采购 and 送达 (with a picture); the overdue list once', async () => {
    const { app, set, cutoff } = await start();
    const { http } = app;
    const [g1, g2] = gridsOf('T01');
    const conv1 = c.groupOf[g1!.unit_id!]!;
    const conv2 = c.groupOf[g2!.unit_id!]!;
    const w1 = c.memberOf(g1!.unit_id!, 'grid_worker');
    const w2 = c.memberOf(g2!.unit_id!, 'grid_worker');
    const officer = c.memberOf('T01', 'township_officer');
    const room = rooms['T01']!;
    const numberIn = (t: string) => /代办 (\d{8}-\d{3})/.exec(t)![1]!;

    set(clock(9, 30));
    const a = (await sayAll(app, [{ conv: conv1, who: w1, text: '/代办 大米10斤 地址:3组5号' }, { conv: conv2, who: w2, text: '/代办 酱油1瓶' }]));
    const n1 = numberIn(a.get(conv1)![0]!.text);
    const n2 = numberIn(a.get(conv2)![0]!.text);
    set(clock(10, 30));
    const late = (await sayAll(app, [{ conv: conv1, who: w1, text: '/代办 鸡蛋两盒' }])).get(conv1)![0]!.text;
    expect(late).toContain('已过今日截单时间（10:00），列入明天（11月21日）的采购清单');
    const nLate = numberIn(late);

    set(clock(10, 0));
    await cutoff();
    const day1 = listsIn(await waitFor(http, room, (m) => listsIn(m).length === 1))[0]!.text;
    expect(day1).toContain('大米 10斤（1户）');
    expect(day1).toContain('酱油 1瓶（1户）');
    expect(day1).not.toContain('鸡蛋');

    // the township buys the day's list; the grids are told
    set(clock(14, 0));
    const bought = (await sayAll(app, [{ conv: room, who: officer, text: '/代办 采购' }])).get(room)![0]!.text;
    expect(bought).toContain('✅ 11月20日采购清单已标记采购（2单，2个网格）');
    await waitFor(http, conv2, (m) => m.some((x) => x.text.includes('乡镇已采购')));
    // a grid cannot mark it bought, nor deliver another grid's order
    expect((await sayAll(app, [{ conv: conv1, who: w1, text: `/代办 采购 ${n1}` }])).get(conv1)![0]!.text).toContain('采购由乡镇指挥室标记');
    expect((await sayAll(app, [{ conv: conv1, who: w1, text: `/代办 送达 ${n2}` }])).get(conv1)![0]!.text).toContain('不是本网格的');
    // grid 1 delivers with a picture; grid 2 does not
    const delivered = (await sayAll(app, [{ conv: conv1, who: w1, text: `/代办 送达 ${n1}`, attachments: true }])).get(conv1)![0]!.text;
    expect(delivered).toContain(`✅ 代办 ${n1} 已送达。附图1张`);

    // the next cut-off: the late order on its list; the undelivered one listed once
    set(clock(10, 0, 21));
    await cutoff();
    const msgs = await waitFor(http, room, (m) => listsIn(m).length === 2 && m.some((x) => x.text.includes('逾期未送达')));
    const day2 = listsIn(msgs)[1]!.text;
    expect(day2).toContain('11月21日采购清单');
    expect(day2).toContain('鸡蛋 2盒（1户）');
    const overdue = msgs.filter((m) => m.text.includes('逾期未送达'));
    expect(overdue).toHaveLength(1);
    expect(overdue[0]!.text).toContain(`代办 ${n2}`);
    expect(overdue[0]!.text).not.toContain(n1);
    expect(overdue[0]!.text).not.toContain(nLate);
    // and only once, at later cut-offs too
    set(clock(10, 0, 22));
    await cutoff();
    await settle(500);
    expect((await outbound(http, room)).filter((m) => m.text.includes('逾期未送达'))).toHaveLength(2); // n2 once (the 21st), nLate once (listed the 21st, not delivered by the 22nd)
    const overdues = (await outbound(http, room)).filter((m) => m.text.includes('逾期未送达')).map((m) => m.text);
    expect(overdues.filter((t) => t.includes(n2))).toHaveLength(1);
    expect(overdues.filter((t) => t.includes(nLate))).toHaveLength(1);

    // the reports: /统计 for the county (per township) and for the township room
    set(clock(12, 0, 22));
    const county = await ask(http, c.commandGroup, c.commander, '/统计 本周');
    expect(county).toContain('代办 3 单（3户，3项）：村内自给 0.0%，已送达 1，下单到送达中位 4.5小时');
    expect(county).toContain('· 清溪街道 代办3 自给0.0% 送达1');
    expect(await ask(http, room, officer, '/统计 本周')).toContain('代办 3 单');
    const dash = await http.inject({ method: 'GET', url: '/dashboard/data.json' });
    expect(dash.statusCode).toBe(200);
    expect((dash.json() as { sections: Record<string, unknown> }).sections.errands).toBeDefined();
  });

  it('posts the list once per township per day when two processes run the cut-off together; a picture after 送达 is evidence', async () => {
    const { app, cutoff, set } = await start();
    const now = () => clock(10, 0);
    const second = await buildTestApp({ config: app.config, dir: app.dir, roster: false, now });
    apps.push(second);
    const [g] = gridsOf('T02');
    const conv = c.groupOf[g!.unit_id!]!;
    const who = c.memberOf(g!.unit_id!, 'grid_worker');
    const n = /代办 (\d{8}-\d{3})/.exec((await sayAll(app, [{ conv, who, text: '/代办 大米5斤 电话:13900001111' }])).get(conv)![0]!.text)![1]!;
    set(now());
    const both = await Promise.all([cutoff(), runUnitOfWork(second.deps, async (db) => await runCutoff({ ...second.deps, db }))]);
    expect(both.map((r) => Object.keys(r.lists).length).sort()).toEqual([0, 1]);
    await waitFor(app.http, rooms['T02']!, (m) => listsIn(m).length > 0);
    await settle(500);
    expect(listsIn(await outbound(app.http, rooms['T02']!))).toHaveLength(1);

    set(clock(15, 0));
    expect((await sayAll(app, [{ conv, who, text: `/代办 送达 ${n}` }])).get(conv)![0]!.text).toContain('如有照片，请紧接着发到本群');
    const pic = (await sayAll(app, [{ conv, who, text: '', attachments: true }])).get(conv)![0]!.text;
    expect(pic).toBe(`已将照片附到代办 ${n}（共1张）。`);
    for (const m of await outbound(app.http)) expect(m.text).not.toContain('13900001111');
  });
});
