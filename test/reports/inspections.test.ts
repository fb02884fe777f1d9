/**
 * 督查 in the reports (issue 19): `/统计` and the daily digest count findings recorded / rectified /
 * published per township; the XLSX export's 督查 sheet has one row per finding and the `/统计` counts
 * recompute from it; the dashboard's data has the same per township; a grid's `/统计` shows none of it.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countyUnit } from '../../src/db/queries/roster.js';
import { isoDayIn } from '../../src/time/clock.js';
import { digestText, namedPeriod } from '../../workflows/reports/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';

const c = county();
const cg = c.commandGroup;
const inspector = c.members.find((m) => m.role === 'inspector')!.member_id!;
const officerOf = (t: string) => c.memberOf(t, 'township_officer');
let app: TestApp;

/** A sheet as objects keyed by its header row. */
function sheetRows(ws: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const out: Record<string, unknown>[] = [];
  ws.eachRow((row, i) => {
    if (i === 1) return;
    const v = (row.values as unknown[]).slice(1);
    out.push(Object.fromEntries(header.map((h, j) => [h, v[j] ?? ''])));
  });
  return out;
}

beforeAll(async () => {
  app = await buildTestApp({ env: { INSPECTION_RECTIFY_SLA: '3s' } });
  const { http } = app;
  const say = async (group: string, who: string, text: string, want: string) => expect(await ask(http, group, who, text), text).toContain(want);
  // 马坞镇 (T03): two on grids, one rectified, one published; 清溪街道 (T01): one rectified, closed and published;
  // 桐源镇 (T05): one on the township, left open
  await say(cg, inspector, '/督查 马坞镇高垄口村第2网格 卡口无人值守 人数:2', '第1号');
  await say(cg, inspector, '/督查 马坞镇高垄口村第3网格 未登记返乡人员', '第2号');
  await say(cg, inspector, '/督查 周家坞村第1网格 未落实测温', '第3号');
  await say(cg, inspector, '/督查 桐源镇 台账不全', '第4号');
  await say(c.groupOf.T03!, officerOf('T03'), '/整改 1 已安排值守', '已整改');
  await say(c.groupOf.T01!, officerOf('T01'), '/整改 3 已测温', '已整改');
  await say(cg, c.commander, '/督查结案 3', '已结案');
  await say(cg, c.commander, '/通报 3', '已通报');
  await say(cg, inspector, '/通报 2', '已通报');
  // the two left open are listed as overdue
  for (const room of [c.groupOf.T03!, c.groupOf.T05!]) await waitFor(http, room, (m) => m.some((x) => x.text.startsWith('⏰ 本乡镇督查问题')), 15_000);
});
afterAll(async () => {
  await app?.close();
});

describe('督查 in the reports', () => {
  it('/统计 counts per township equal a recomputation from the export\'s 督查 sheet', async () => {
    const today = isoDayIn(new Date(), app.config.TIMEZONE);
    const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${today}&to=${today}&format=xlsx` });
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const rows = sheetRows(wb.getWorksheet('督查')!);
    expect(rows).toHaveLength(4);
    expect(rows.map((x) => x['编号'])).toEqual([1, 2, 3, 4].map((n) => expect.stringMatching(new RegExp(`^督查〔\\d{4}〕第${n}号$`))));
    expect(rows[0]).toMatchObject({ 乡镇ID: 'T03', 单位: '高垄口村第2网格', 单位类型: '网格', 人数: 2, 状态: '已整改', 已整改: 1, 已通报: 0 });
    expect(rows[2]).toMatchObject({ 乡镇ID: 'T01', 状态: '已结案', 已整改: 1, 已通报: 1, 已结案: 1, 通报编号: expect.stringMatching(/^通告〔\d{4}〕第\d+号$/) });

    const sum = (xs: Record<string, unknown>[], col: string) => xs.reduce((a, x) => a + Number(x[col]), 0);
    const total = { opened: rows.length, rectified: sum(rows, '已整改'), published: sum(rows, '已通报'), closed: sum(rows, '已结案'), overdue: sum(rows, '超时') };
    expect(total).toEqual({ opened: 4, rectified: 2, published: 2, closed: 1, overdue: 2 });

    const stats = await ask(app.http, cg, c.commander, '/统计');
    expect(stats).toContain(`督查 ${total.opened} 条：已整改 ${total.rectified}，已通报 ${total.published}，已结案 ${total.closed}，超时 ${total.overdue}`);
    const perTownship = [...stats.matchAll(/^· (\S+) 督查(\d+) 整改(\d+) 通报(\d+) 结案(\d+)(?: 超时(\d+))?$/gm)].map((m) => ({
      name: m[1], opened: +m[2]!, rectified: +m[3]!, published: +m[4]!, closed: +m[5]!, overdue: +(m[6] ?? 0),
    }));
    const fromSheet = [...new Set(rows.map((x) => String(x['乡镇ID'])))].sort().map((tid) => {
      const mine = rows.filter((x) => x['乡镇ID'] === tid);
      return { name: String(mine[0]!['乡镇']), opened: mine.length, rectified: sum(mine, '已整改'), published: sum(mine, '已通报'), closed: sum(mine, '已结案'), overdue: sum(mine, '超时') };
    });
    expect(perTownship).toEqual(fromSheet);

    // the summary sheet's figures are the same counts
    const figures = new Map<string, unknown>();
    wb.getWorksheet('汇总')!.eachRow((row) => figures.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(figures.get('督查问题数')).toBe(total.opened);
    expect(figures.get('督查已整改')).toBe(total.rectified);
    expect(figures.get('督查已通报')).toBe(total.published);
    expect(figures.has('督查')).toBe(true);

    // the JSON export carries the same rows
    const json = (await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${today}&to=${today}&format=json` })).json();
    expect(json.inspections.map((f: { number: string }) => f.number)).toEqual(rows.map((x) => x['编号']));
  });

  it('a township room sees its own counts, a grid group none; the digest and the dashboard count the same', async () => {
    expect(await ask(app.http, c.groupOf.T03!, officerOf('T03'), '/统计')).toContain('督查 2 条：已整改 1，已通报 1，已结案 0，超时 1');
    const grid = 'T03-V10-G2';
    expect(await ask(app.http, c.groupOf[grid]!, c.memberOf(grid, 'grid_worker'), '/统计')).not.toContain('督查');

    const digest = await digestText(app.deps, (await countyUnit(app.db))!, namedPeriod('今日', new Date(), app.config.TIMEZONE));
    expect(digest).toContain('督查 4 条：已整改 2，已通报 2，已结案 1，超时 2');
    expect(digest).toContain('· 马坞镇 督查2 整改1 通报1 结案0 超时1');

    const data = (await app.http.inject({ method: 'GET', url: '/dashboard/data.json', remoteAddress: '127.0.0.1' })).json();
    expect(data.inspections).toHaveLength(15);
    expect(data.inspections.find((t: { id: string }) => t.id === 'T03')).toMatchObject({ name: '马坞镇', opened: 2, rectified: 1, published: 1 });
    expect(data.inspections.find((t: { id: string }) => t.id === 'T02')).toMatchObject({ opened: 0 });
    expect(data.inspectionTotal).toEqual({ opened: 4, rectified: 2, published: 2, closed: 1, overdue: 2 });
    const page = (await app.http.inject({ method: 'GET', url: '/dashboard', remoteAddress: '127.0.0.1' })).body;
    expect(page).toContain('chart-inspections');
  });
});
