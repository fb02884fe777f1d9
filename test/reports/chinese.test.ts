/**
 * Issue 17 point 7 — reports read in Chinese: the XLSX's headers, states and section titles are Chinese,
 * members appear by name with their id in a column of its own, minutes are rounded to 0.1; the dashboard
 * renders the tasks section it receives and a list of the open leads.
 */
import ExcelJS from 'exceljs';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../workflows/reports/index.js';
import { askIn } from '../directives/util.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county } from '../helpers/console.js';

declare const document: any;

const CHROMIUM = '/usr/bin/chromium';
const c = county();
const G1 = 'T01-V01-G1';
const G2 = 'T01-V01-G2';
const room1 = c.groupOf['T01']!;
const officer1 = c.memberOf('T01', 'township_officer');
const worker1 = c.memberOf(G1, 'grid_worker');
const nameOf = (id: string) => c.members.find((m) => m.member_id === id)!.name!;
let app: TestApp;
let today: string;

beforeAll(async () => {
  app = await buildTestApp();
  today = dayOf(new Date(), 'Asia/Shanghai');
  const { http } = app;
  await ask(http, c.commandGroup, c.commander, '/令 今晚完成返乡人员排查 范围:周家坞村第1网格、周家坞村第2网格');
  await ask(http, c.groupOf[G1]!, worker1, '收到');
  await ask(http, c.commandGroup, c.commander, '/任务 入户排查 截止:30天内 范围:周家坞村第1网格、周家坞村第2网格');
  await ask(http, c.groupOf[G1]!, worker1, '/上报 村口有人发热 类别:发热');
  await ask(http, c.groupOf[G2]!, c.memberOf(G2, 'grid_worker'), '/上报 3组有人聚餐 类别:聚集 紧急:是');
  await askIn(http, room1, officer1, '/受理 1');
  await askIn(http, room1, officer1, '/办结 1 已送医');
});
afterAll(async () => {
  await app?.close();
});

async function workbook(): Promise<ExcelJS.Workbook> {
  const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${today}&format=xlsx` });
  expect(r.statusCode).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
  return wb;
}

/** A sheet as objects keyed by its first row. */
function rows(ws: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const out: Record<string, unknown>[] = [];
  ws.eachRow((row, i) => {
    if (i > 1) out.push(Object.fromEntries(header.map((h, j) => [h, (row.values as unknown[])[j + 1] ?? ''])));
  });
  return out;
}

describe('reports read in Chinese (issue 17 point 7)', () => {
  it('the XLSX has Chinese headers, states and section titles, members by name with the id beside, minutes to 0.1', async () => {
    const wb = await workbook();
    // no English state, key or flag anywhere (ids such as staff00048 and T01 are ids, not words)
    const english = /\b(tasks|leads|closed|reported|accepted|verifying|handling|directive|notice|true|false|null|undefined)\b/;
    wb.eachSheet((ws) => {
      expect(ws.name).toMatch(/^[\u4e00-\u9fff]+$/);
      ws.eachRow((row) => row.eachCell((cell) => expect(String(cell.value), `${ws.name} ${cell.address}`).not.toMatch(english)));
    });
    const summary: string[] = [];
    wb.getWorksheet('汇总')!.eachRow((row) => summary.push(String(row.getCell(1).value)));
    expect(summary).toContain('专项任务');
    expect(summary).toContain('线索');

    const raw = rows(wb.getWorksheet('明细')!);
    const acked = raw.find((r) => r['单位ID'] === G1)!;
    expect(acked['确认人']).toBe(nameOf(worker1));
    expect(acked['确认人ID']).toBe(worker1);
    expect(raw.find((r) => r['单位ID'] === G2)!['确认人']).toBe('');

    const leads = rows(wb.getWorksheet('线索')!);
    expect(leads.map((l) => l['状态']).sort()).toEqual(['已办结', '待受理'].sort());
    const closed = leads.find((l) => l['状态'] === '已办结')!;
    expect(closed['上报人']).toBe(nameOf(worker1));
    expect(closed['上报人ID']).toBe(worker1);
    expect(closed['受理人']).toBe(nameOf(officer1));
    expect(closed['受理人ID']).toBe(officer1);
    expect(closed['网格']).toBe('周家坞村第1网格');
    expect(leads.find((l) => l['状态'] === '待受理')!['紧急']).toBe('是');
    for (const col of ['受理用时（分钟）', '办结用时（分钟）']) {
      const v = closed[col] as number;
      expect(typeof v).toBe('number');
      expect(Math.round(v * 10) / 10).toBe(v);
    }
  });

  it('the dashboard data carries the open leads (no description) and the tasks section', async () => {
    const data = (await app.http.inject({ method: 'GET', url: '/dashboard/data.json' })).json();
    expect(data.openLeads.total).toBe(1);
    expect(data.openLeads.leads[0]).toMatchObject({ stateZh: '待受理', township: '清溪街道', grid: '周家坞村第2网格', category: '聚集', urgent: true });
    expect(JSON.stringify(data.openLeads)).not.toContain('3组有人聚餐');
    const tasks = Object.fromEntries((data.sections.tasks as { name: string; value: unknown }[]).map((f) => [f.name, f.value]));
    expect(tasks['专项任务数']).toBe(1);
    expect(tasks['任务下发网格次']).toBe(2);
  });

  it.skipIf(!existsSync(CHROMIUM))('the dashboard page renders the open leads and the tasks section', async () => {
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/dashboard`);
      await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: 20_000 });
      expect(errors).toEqual([]);
      expect(await page.evaluate(() => document.body.dataset.ready)).toBe('1');
      const leads = await page.$$eval('#open-leads li', (lis) => lis.map((li: any) => li.textContent ?? ''));
      expect(leads).toHaveLength(1);
      expect(leads[0]).toMatch(/待受理 清溪街道 周家坞村第2网格 聚集 · 上报\d+分钟紧急/);
      const tasks = await page.$$eval('#tasks tr', (trs) => trs.map((tr: any) => tr.textContent ?? ''));
      expect(tasks).toContain('专项任务数1');
      expect(tasks).toContain('任务下发网格次2');
      expect(await page.textContent('#open-leads-kpi')).toContain('未办结 1');
    } finally {
      await browser.close();
    }
  });
});
