import ExcelJS from 'exceljs';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percent } from '../../src/core/percent.js';
import { writeTx } from '../../src/db/client.js';
import { refreshTallies } from '../../src/db/queries/directives.js';
import { directiveTallies } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county } from '../helpers/console.js';
import { generateMonth, truthTally, type Month, type TruthRow } from './month.js';

const c = county();
let app: TestApp;
let month: Month;

beforeAll(async () => {
  app = await buildTestApp();
  month = await generateMonth(app.db, new Date());
});
afterAll(async () => {
  await app?.close();
});

async function getXlsx(query: string): Promise<ExcelJS.Workbook> {
  const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?${query}` });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
  return wb;
}

/** A sheet as objects keyed by its header row (`headerRow` 1-based). */
function sheetRows(ws: ExcelJS.Worksheet, headerRow = 1): Record<string, unknown>[] {
  const header = (ws.getRow(headerRow).values as unknown[]).slice(1).map(String);
  const out: Record<string, unknown>[] = [];
  ws.eachRow((row, i) => {
    if (i <= headerRow) return;
    const v = (row.values as unknown[]).slice(1);
    out.push(Object.fromEntries(header.map((h, j) => [h, v[j] ?? ''])));
  });
  return out;
}

/** The summary table of 汇总: rows from the header `范围` until the first empty row. */
function summaryTable(ws: ExcelJS.Worksheet): Record<string, unknown>[] {
  let head = 0;
  ws.eachRow((row, i) => {
    if (!head && row.getCell(1).value === '范围') head = i;
  });
  const header = (ws.getRow(head).values as unknown[]).slice(1).map(String);
  const out: Record<string, unknown>[] = [];
  for (let i = head + 1; ; i++) {
    const row = ws.getRow(i);
    if (!row.getCell(1).value) break;
    out.push(Object.fromEntries(header.map((h, j) => [h, row.getCell(j + 1).value])));
  }
  return out;
}

function recompute(raw: Record<string, unknown>[]) {
  const targeted = raw.length;
  const acknowledged = raw.filter((r) => r['已确认'] === 1).length;
  const onTime = raw.filter((r) => r['已确认'] === 1 && r['逾期'] === 0).length;
  return { targeted, acknowledged, onTime, items: new Set(raw.map((r) => r['条目ID'])).size };
}

const nearestRank = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.max(0, Math.ceil(p * s.length) - 1)]! * 10) / 10 : '—';
};

describe('response-rate reports on a generated month', () => {
  it('every rate in the XLSX export equals a recomputation from its raw rows — and from the generated acknowledgements', async () => {
    expect(month.duplicateStored).toBe(false);
    const wb = await getXlsx(`from=${month.first}&to=${month.last}&format=xlsx`);
    const raw = sheetRows(wb.getWorksheet('明细')!);
    const summary = summaryTable(wb.getWorksheet('汇总')!);

    // the raw rows are exactly the counted unit-items: revoked and no-receipt items are not there
    expect(raw.length).toBe(month.truth.length);
    const ids = new Set(raw.map((r) => r['条目ID']));
    expect(ids.has(month.revokedId)).toBe(false);
    expect(ids.has(month.noReceiptId)).toBe(false);
    expect(new Set(raw.map((r) => `${r['条目ID']}|${r['单位ID']}`)).size).toBe(raw.length); // one row per item × unit
    // the amended item counts only acknowledgements of its current revision
    const amended = raw.filter((r) => r['条目ID'] === month.amendedId);
    expect(amended.every((r) => r['当前版本'] === 2 && (r['确认版本'] === '' || r['确认版本'] === 2))).toBe(true);
    const amendedTruth = truthTally(month.truth.filter((t) => t.directiveId === month.amendedId));
    expect(recompute(amended)).toMatchObject(amendedTruth);

    // headline: summary sheet = recomputation from raw rows = the generator's truth
    const total = summary.find((s) => s['范围'] === '合计')!;
    const fromRaw = recompute(raw);
    const truth = truthTally(month.truth);
    expect(fromRaw).toMatchObject(truth);
    expect(total['应确认（单位次）']).toBe(fromRaw.targeted);
    expect(total['已确认']).toBe(fromRaw.acknowledged);
    expect(total['按时确认']).toBe(fromRaw.onTime);
    expect(total['条目数']).toBe(fromRaw.items);
    expect(total['响应率']).toBe(percent(fromRaw.acknowledged, fromRaw.targeted));
    expect(total['按时率']).toBe(percent(fromRaw.onTime, fromRaw.targeted));
    expect(total['已读率']).toBe('—');
    expect(fromRaw.acknowledged).toBeLessThan(fromRaw.targeted); // the month has laggards, so the check can fail

    // per township
    const townshipRows = summary.filter((s) => s['范围'] !== '合计');
    expect(townshipRows.length).toBe(15);
    for (const t of townshipRows) {
      const mine = raw.filter((r) => r['乡镇ID'] === t['乡镇ID']);
      const re = recompute(mine);
      const tr = truthTally(month.truth.filter((x) => x.townshipId === t['乡镇ID']));
      expect(re).toMatchObject(tr);
      expect([t['应确认（单位次）'], t['已确认'], t['按时确认'], t['响应率'], t['按时率']]).toEqual([
        re.targeted, re.acknowledged, re.onTime, percent(re.acknowledged, re.targeted), percent(re.onTime, re.targeted),
      ]);
    }

    // leads: count, median and p90 recompute from the 线索 sheet and equal the generator's
    const leadRows = sheetRows(wb.getWorksheet('线索')!);
    expect(leadRows.length).toBe(month.leads.length);
    const acc = leadRows.flatMap((l) => (l['受理用时（分钟）'] === '' ? [] : [l['受理用时（分钟）'] as number]));
    const clo = leadRows.flatMap((l) => (l['办结用时（分钟）'] === '' ? [] : [l['办结用时（分钟）'] as number]));
    const figures = new Map<string, unknown>();
    wb.getWorksheet('汇总')!.eachRow((row) => figures.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(figures.get('线索数')).toBe(month.leads.length);
    expect(figures.get('受理用时中位数（分钟）')).toBe(nearestRank(acc, 0.5));
    expect(figures.get('受理用时P90（分钟）')).toBe(nearestRank(acc, 0.9));
    expect(figures.get('办结用时中位数（分钟）')).toBe(nearestRank(clo, 0.5));
    expect(figures.get('办结用时P90（分钟）')).toBe(nearestRank(clo, 0.9));
    const truthAcc = month.leads.flatMap((l) => (l.accept === null ? [] : [l.accept]));
    expect(nearestRank(truthAcc, 0.5)).toBe(nearestRank(acc, 0.5));
    expect(nearestRank(truthAcc, 0.9)).toBe(nearestRank(acc, 0.9));

    // JSON and CSV carry the same rows and headline
    const json = (await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${month.first}&to=${month.last}&format=json` })).json();
    expect(json.summary).toMatchObject({ targeted: truth.targeted, acknowledged: truth.acknowledged, onTime: truth.onTime, revokedLeftOut: 1 });
    expect(json.rows.length).toBe(raw.length);
    const csv = (await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?from=${month.first}&to=${month.last}&format=csv` })).body;
    const csvLines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csvLines.length).toBe(raw.length + 1);
    const ackCol = csvLines[0]!.split(',').indexOf('已确认');
    expect(csvLines.slice(1).filter((l) => l.split(',')[ackCol] === '1').length).toBe(truth.acknowledged);
  });

  it('a colour cut and a single day recompute too', async () => {
    const colours = new Map(c.grids.map((g) => [g.unit_id!, g.risk_color!]));
    const wb = await getXlsx(`from=${month.first}&to=${month.last}&format=xlsx&colour=red,orange`);
    const raw = sheetRows(wb.getWorksheet('明细')!);
    const truth = month.truth.filter((t) => t.unitKind === 'grid' && ['red', 'orange'].includes(colours.get(t.unitId)!));
    expect(truth.length).toBeGreaterThan(0);
    expect(recompute(raw)).toMatchObject(truthTally(truth));
    expect(raw.every((r) => ['红', '橙'].includes(String(r['风险颜色'])))).toBe(true);
    const total = summaryTable(wb.getWorksheet('汇总')!).find((s) => s['范围'] === '合计')!;
    expect(total['已确认']).toBe(truthTally(truth).acknowledged);

    const day = month.truth[0]!.day;
    const wb2 = await getXlsx(`from=${day}&format=xlsx`);
    expect(recompute(sheetRows(wb2.getWorksheet('明细')!))).toMatchObject(truthTally(month.truth.filter((t) => t.day === day)));
  });

  it('answers 400 with the reason on bad parameters', async () => {
    const bad = async (q: string) => {
      const r = await app.http.inject({ method: 'GET', url: `/api/v1/reports/response-rate?${q}` });
      expect(r.statusCode).toBe(400);
      const body = r.json() as { error: string; reason: string };
      expect(body.error).toMatch(/^[a-z_]+$/);
      return body.reason;
    };
    expect(await bad('format=xlsx')).toContain('from is required');
    expect(await bad('from=2026-02-30&format=xlsx')).toContain('from="2026-02-30"');
    expect(await bad('from=2026-02-10&to=2026-02-01')).toContain('before');
    expect(await bad('from=2026-02-01&format=pdf')).toContain('format="pdf"');
    expect(await bad('from=2026-02-01&colour=purple')).toContain('colour');
  });

  it('the CLI writes the same XLSX as the API', async () => {
    const out = join(app.dir, 'cli.xlsx');
    const root = resolve(import.meta.dirname, '../..');
    await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', 'report', 'response-rate', '--from', month.first, '--to', month.last, '--format', 'xlsx', '--out', out], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: app.config.DATABASE_URL, LOG_LEVEL: 'silent' },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(out) as unknown as ArrayBuffer);
    const api = await getXlsx(`from=${month.first}&to=${month.last}&format=xlsx`);
    expect(summaryTable(wb.getWorksheet('汇总')!)).toEqual(summaryTable(api.getWorksheet('汇总')!));
    expect(sheetRows(wb.getWorksheet('明细')!).length).toBe(month.truth.length);
    const usage = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', 'report', 'response-rate', '--from', 'x'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: app.config.DATABASE_URL },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((usage as { code: number }).code).toBe(2);
    expect((usage as { stderr: string }).stderr).toContain('from="x"');
  });
});

describe('/统计 per tier', () => {
  const figures = (rows: TruthRow[]) => {
    const t = truthTally(rows);
    return `响应率 ${percent(t.acknowledged, t.targeted)}（${t.acknowledged.toLocaleString('en-US')}/${t.targeted.toLocaleString('en-US')}单位次）`;
  };
  const townshipName = (id: string) => c.townships.find((t) => t.unit_id === id)!.name!;

  it('county: per township (lowest first) and the laggards, from the same figures as the export', async () => {
    const text = await ask(app.http, c.commandGroup, c.commander, `/统计 ${month.first}~${month.last}`);
    expect(text).toContain(figures(month.truth));
    for (const t of c.townships) expect(text).toContain(`· ${t.name} `);
    const worst = c.townships
      .map((t) => ({ name: t.name!, ...truthTally(month.truth.filter((x) => x.townshipId === t.unit_id)) }))
      .sort((a, b) => a.acknowledged / a.targeted - b.acknowledged / b.targeted)[0]!;
    expect(text).toMatch(new RegExp(`落后：${worst.name}`));
    for (const t of c.townships) {
      const x = truthTally(month.truth.filter((r) => r.townshipId === t.unit_id));
      const missing = x.targeted - x.acknowledged;
      expect(text).toContain(`· ${t.name} ${percent(x.acknowledged, x.targeted)}${missing ? `（未确认${missing}）` : ''}\n`);
    }
    expect(text).toContain(`按时率 ${percent(truthTally(month.truth).onTime, month.truth.length)}`);
    expect(text).toContain('另有撤回 1 条不计');
    expect(text).toContain('已读率 —');
    expect(text).toMatch(/线索 \d+ 条/);
    expect(text.split('\n').length).toBeLessThanOrEqual(30);
  });

  it('the response tallies kept while writing equal the ones recomputed from the raw rows (as the migration fills them)', async () => {
    const kept = await app.db.select().from(directiveTallies).orderBy(directiveTallies.directiveId, directiveTallies.townshipId, directiveTallies.revision);
    expect(kept.length).toBeGreaterThan(0);
    // the amended item: only its current revision's rows
    expect(kept.filter((t) => t.directiveId === month.amendedId).every((t) => t.revision === 2)).toBe(true);
    const max = Math.max(...kept.map((t) => t.directiveId));
    await writeTx(app.db, async (tx) => refreshTallies(tx, { fromId: 1, toId: max }));
    const recomputed = await app.db.select().from(directiveTallies).orderBy(directiveTallies.directiveId, directiveTallies.townshipId, directiveTallies.revision);
    expect(recomputed).toEqual(kept);
  });

  it('township: only its own grids, with the laggards named', async () => {
    const T = 'T01';
    const officer = c.memberOf(T, 'township_officer');
    const text = await ask(app.http, c.groupOf[T]!, officer, '/统计 本月');
    const rows = month.truth.filter((t) => t.townshipId === T && t.day >= `${month.last.slice(0, 8)}01`);
    expect(text).toContain(figures(rows));
    for (const other of c.townships.filter((t) => t.unit_id !== T)) expect(text).not.toContain(other.name!);
    const ownGridNames = new Set(c.grids.filter((g) => g.unit_id!.startsWith(`${T}-`)).map((g) => g.name));
    const named = [...text.matchAll(/· (\S+网格) /g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(ownGridNames.has(n)).toBe(true);
    expect(text.split('\n').length).toBeLessThanOrEqual(20);
  });

  it('grid: itself only, with the items it has not acknowledged', async () => {
    const silent = month.truth.find((t) => t.unitKind === 'grid' && !t.acknowledged)!;
    const G = silent.unitId;
    const worker = c.memberOf(G, 'grid_worker');
    const text = await ask(app.http, c.groupOf[G]!, worker, `/stats ${month.first}~${month.last}`);
    const rows = month.truth.filter((t) => t.unitId === G);
    expect(text).toContain(figures(rows));
    const n = month.numbers.get(silent.directiveId)!;
    expect(text).toContain(`${n.kind === 'notice' ? '通告' : '令'}${n.number}`);
    expect(text).not.toContain(townshipName(silent.townshipId).slice(0, 2) + '响应率'); // not the township's view
    expect(text).not.toContain('各乡镇');
  });

  it('one item by number, revoked items, bad input, and someone else\'s room', async () => {
    const n = month.numbers.get(month.amendedId)!;
    const ref = `${n.kind === 'notice' ? '通告' : '令'}${n.number}`;
    const text = await ask(app.http, c.commandGroup, c.commander, `/统计 ${ref}`);
    expect(text).toContain(figures(month.truth.filter((t) => t.directiveId === month.amendedId)));
    expect(text).toContain('按更正后第2版计');
    const rv = month.numbers.get(month.revokedId)!;
    expect(await ask(app.http, c.commandGroup, c.commander, `/统计 ${rv.kind === 'notice' ? '通告' : '令'}${rv.number}`)).toContain('已撤回，不计入响应率');
    expect(await ask(app.http, c.commandGroup, c.commander, '/统计 2026-13-01')).toContain('不是有效日期。用法：/统计');
    expect(await ask(app.http, c.commandGroup, c.commander, '/统计 昨天吧')).toContain('不是时段、编号或风险颜色');
    const otherOfficer = c.memberOf('T02', 'township_officer');
    expect(await ask(app.http, c.groupOf['T01']!, otherOfficer, '/统计')).toMatch(/只能查看本乡镇的统计.*请在本乡镇指挥室/);
  });
});
