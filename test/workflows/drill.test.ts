/**
 * The drill (演练, PRODUCT.md §2.9), started through the console API with a tiny `DRILL_PACE_MS`: a directive, the
 * acknowledgements (some late, some silent, so the ladder's reminder shows), a lead accepted by the township, a task;
 * every bot message about them starts with 【演练】; the reports (/统计, the digest, the XLSX and JSON exports) are the
 * same as before the drill; /进度 of the drill's directive counts its acknowledgements; one drill at a time.
 */
import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_MARK, drillFirst } from '../../src/core/drill.js';
import { outboundCountsByStatus } from '../../src/db/queries/messages.js';
import { countyUnit } from '../../src/db/queries/roster.js';
import { directives, leads, tasks, acknowledgements } from '../../src/db/schema/index.js';
import { digestText } from '../../workflows/reports/text.js';
import { dayOf, namedPeriod } from '../../workflows/reports/period.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor, type Posted } from '../helpers/console.js';

const c = county();
let app: TestApp;

beforeAll(async () => {
  app = await buildTestApp({ env: { DRILL_PACE_MS: '10' } });
});
afterAll(async () => {
  await app?.close();
});

/** Waits until every stored bot message was sent (the console shows it). */
async function drained(): Promise<void> {
  const t0 = Date.now();
  while ((await outboundCountsByStatus(app.db)).pending) {
    if (Date.now() - t0 > 20_000) throw new Error('outbox not drained');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every cell of every sheet of the response-rate XLSX for today, as plain values. */
async function xlsxCells(today: string): Promise<unknown[][][]> {
  const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${today}&to=${today}&format=xlsx` });
  expect(r.statusCode).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
  return wb.worksheets.map((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    return rows;
  });
}

/** What the reports say today: /统计 今日 in the command group, the digest, the XLSX and the JSON export. */
async function reports() {
  const tz = app.config.TIMEZONE;
  const today = dayOf(new Date(), tz);
  const stats = await ask(app.http, c.commandGroup, c.commander, '/统计 今日');
  const digest = await digestText(app.deps, (await countyUnit(app.db))!, namedPeriod('今日', app.deps.now(), tz));
  const json = (await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${today}&to=${today}&format=json` })).json();
  return { stats, digest, xlsx: await xlsxCells(today), json };
}

describe('drillFirst', () => {
  it('moves one mark in the first line to the start, keeps marks elsewhere and puts one in front', () => {
    expect(drillFirst('✅ 已确认 【演练】指挥部令〔2026〕第3号。')).toBe('【演练】✅ 已确认 指挥部令〔2026〕第3号。');
    expect(drillFirst('【【演练】指挥部令〔2026〕第3号】\n正文')).toBe('【演练】【指挥部令〔2026〕第3号】\n正文');
    // an answer about a real directive that lists a drill one still open is not a drill message
    expect(drillFirst('✅ 已确认令2。\n尚未确认：【演练】指挥部令〔2026〕第3号')).toBe('✅ 已确认令2。\n尚未确认：【演练】指挥部令〔2026〕第3号');
    expect(drillFirst('【逾期未确认】\n【演练】指挥部令〔2026〕第2号（时限02:53），本乡镇 10 个网格未确认：')).toBe('【演练】【逾期未确认】\n指挥部令〔2026〕第2号（时限02:53），本乡镇 10 个网格未确认：');
    expect(drillFirst('没有演练')).toBe('没有演练');
    expect(drillFirst('【演练】已在开头')).toBe('【演练】已在开头');
  });
});

describe('a drill on the demo county', () => {
  it('runs a directive, acknowledgements, a reminder, a lead and a task, all marked 【演练】 and left out of the reports', async () => {
    // a real directive to the second township, partly acknowledged: the reports are not empty
    const t2 = c.townships[1]!;
    const confirm = await ask(app.http, c.commandGroup, c.commander, `/令 请各网格今日完成返乡人员排查 范围:${t2.name}`);
    const real = Number(/第(\d+)号/.exec(confirm)![1]);
    const t2Grids = c.grids.filter((g) => g.unit_id!.startsWith(`${t2.unit_id}-`)).slice(0, 3);
    for (const g of t2Grids) {
      // the relay first (answers go before relays: a 收到 typed before it arrives is answered before it)
      await waitFor(app.http, c.groupOf[g.unit_id!]!, (m) => m.some((x) => x.text.includes(`第${real}号`)));
      expect(await ask(app.http, c.groupOf[g.unit_id!]!, c.memberOf(g.unit_id!, 'grid_worker'), `/收到 令${real}`)).toContain('已确认');
    }
    await drained();
    const before = await reports();
    expect(before.stats).toContain(`（${t2Grids.length}/`);
    expect(before.json.rows.length).toBeGreaterThan(0);
    const mark = (await outbound(app.http)).at(-1)!.seq;

    // one drill at a time: 202, then 409 while it runs — also from a second process on the same database
    const second = await buildTestApp({ config: app.config, dir: app.dir, roster: false });
    try {
      const started = await app.http.inject({ method: 'POST', url: '/console/v1/drill', payload: {} });
      expect(started.statusCode).toBe(202);
      expect(started.json().drillId).toMatch(/^[0-9a-f-]{36}$/);
      const again = await app.http.inject({ method: 'POST', url: '/console/v1/drill', payload: {} });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'GR_ERR_CONFLICT', error: 'drill_running' });
      const elsewhere = await second.http.inject({ method: 'POST', url: '/console/v1/drill' });
      expect(elsewhere.statusCode).toBe(409);
      const running = (await second.http.inject({ method: 'GET', url: '/console/v1/drill' })).json();
      expect(running.running).toBe(true);
      expect(typeof running.step).toBe('string');
    } finally {
      await second.stop();
    }
    await app.drills!.idle();
    expect((await app.http.inject({ method: 'GET', url: '/console/v1/drill' })).json()).toEqual({ running: false });

    // the drill's items: the same number series as real ones, marked drill
    const [d] = await app.db.select().from(directives).where(eq(directives.drill, true));
    expect(d).toBeDefined();
    expect(d!.number).toBe(real + 1);
    const [lead] = await app.db.select().from(leads).where(eq(leads.drill, true));
    expect(lead?.state).toBe('accepted');
    const [task] = await app.db.select().from(tasks).where(eq(tasks.drill, true));
    expect(task).toBeDefined();
    const acks = await app.db.select().from(acknowledgements).where(eq(acknowledgements.directiveId, d!.id));

    // the answer to the drill's /进度 is the last message in the command group; wait for everything to be sent
    await waitFor(app.http, c.commandGroup, (m) => m.some((x) => x.seq > mark && x.text.includes('确认进度')));
    await drained();
    const posted = (await outbound(app.http)).filter((m) => m.seq > mark);
    const notMarked = posted.filter((m) => !m.text.startsWith(DRILL_MARK));
    expect(notMarked.map((m) => m.text)).toEqual([]);
    const where = (pred: (m: Posted) => boolean) => posted.filter(pred).length;
    const t1 = c.townships[0]!;
    const room = c.groupOf[t1.unit_id!]!;
    const gridGroups = new Set(c.grids.filter((g) => g.unit_id!.startsWith(`${t1.unit_id}-`)).map((g) => c.groupOf[g.unit_id!]));
    expect(where((m) => m.conversationId === room && m.text.includes(`指挥部令〔${d!.year}〕第${d!.number}号`))).toBeGreaterThan(0); // the relay
    expect(where((m) => gridGroups.has(m.conversationId) && m.text.includes('【提醒】'))).toBeGreaterThan(0); // the ladder's reminder
    expect(where((m) => m.conversationId === room && m.text.includes(`线索 ${lead!.day}-`))).toBeGreaterThan(0); // the lead's relay
    expect(where((m) => gridGroups.has(m.conversationId) && m.text.includes(`专项任务〔${task!.year}〕第${task!.number}号`))).toBeGreaterThan(0); // the task's relay
    expect(where((m) => m.text.includes('已确认'))).toBeGreaterThan(10); // acknowledgements answered
    // late ones: reminded, then acknowledged
    const reminded = posted.filter((m) => m.text.includes('【提醒】'));
    expect(reminded.filter((r) => posted.some((m) => m.conversationId === r.conversationId && m.seq > r.seq && m.text.includes('已确认'))).length).toBeGreaterThan(0);
    expect(where((m) => m.text.includes('没有计为确认') || m.text.includes('没看懂'))).toBe(0); // every scripted word understood
    // the drill's people are in the chat as anyone typing in the web console: the commander's /令, a grid's words before its ✅
    const chatOf = async (cid: string) => (await app.http.inject({ method: 'GET', url: `/console/v1/chat?conversationId=${cid}` })).json().messages as { from: string; senderId?: string; text: string; seq: number }[];
    expect((await chatOf(c.commandGroup)).some((m) => m.from === 'person' && m.text.startsWith('/令') && m.seq > mark)).toBe(true);
    const ackedGrid = posted.find((m) => gridGroups.has(m.conversationId) && m.text.includes('已确认'))!;
    const gridChat = await chatOf(ackedGrid.conversationId);
    const answered = gridChat.findIndex((m) => m.seq === ackedGrid.seq);
    expect(gridChat.slice(0, answered).some((m) => m.from === 'person' && m.seq > mark)).toBe(true);

    // /进度 of the drill's directive counts its acknowledgements (room + grids)
    const progress = posted.filter((m) => m.conversationId === c.commandGroup && m.text.includes('确认进度')).at(-1)!.text;
    const gridAcks = acks.filter((a) => a.unitId !== t1.unit_id).length;
    expect(progress).toContain(`网格：${gridAcks}/`);
    expect(progress).toContain('乡镇指挥室：1/1');
    expect(gridAcks).toBeGreaterThan(0);

    // the reports are as before the drill
    const after = await reports();
    expect(after.stats).toBe(before.stats);
    expect(after.digest).toBe(before.digest);
    expect(after.xlsx).toEqual(before.xlsx);
    expect(after.json).toEqual(before.json);
    expect(JSON.stringify(after.json)).not.toContain(`第${d!.number}号`);
    // and say so when asked about the drill's directive
    expect(await ask(app.http, c.commandGroup, c.commander, `/统计 令${d!.number}`)).toMatch(/^【演练】📊.*\n.*是演练，不计入响应率/);
    // a drill flag cannot come from outside: the console API refuses the field
    const r = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: { conversationId: c.commandGroup, senderId: c.commander, text: '/令 测试', drill: true } });
    expect(r.statusCode).toBe(400);
    await say(app.http, c.commandGroup, c.commander, '/进度'); // still answers
  });
});
