/**
 * The response-rate export (JSON, CSV, XLSX) behind `GET /api/v1/reports/response-rate` and
 * `gridrelay report response-rate`. The XLSX has a summary sheet (汇总), the raw rows (明细: one row
 * per item × target unit, with acknowledgement time, late flag and revision) from which the summary
 * recomputes exactly, and the raw lead rows (线索). The CSV is the raw rows of 明细. Times are local
 * times in `TIMEZONE` (`YYYY-MM-DD HH:MM:SS`).
 */
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { percent } from '../../src/core/percent.js';
import type { RiskColour } from '../../src/db/schema/index.js';
import { daysPeriod, isDay, type Period } from './period.js';
import {
  DEFINITIONS,
  readRateText,
  breakdown,
  responseRowsFor,
  revokedCount,
  tally,
  type BreakdownRow,
  type ReportDeps,
  type ReportScope,
  type ResponseRow,
  type SummaryFigure,
} from './response-rate.js';
import { SECTIONS } from './sections.js';
import { leadRowsFor, type LeadRow } from './leads.js';
import { COLOUR_ZH, parseColourCut } from '../risk/index.js';

export const EXPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Validated export parameters. */
export interface ExportParams {
  period: Period;
  format: ExportFormat;
  colours?: RiskColour[];
  townshipId?: string;
  /** Only this directive or notice (its row id, 条目ID in 明细): one item's acknowledgements, no lead or task figures. */
  directiveId?: number;
}

/**
 * Reads export parameters: `from`, `to` (`YYYY-MM-DD`, both days included; `to` defaults to `from`),
 * `format` (json|csv|xlsx, default json), optional `colour` (`red`, `red,orange`, `红色`, `橙色及以上`),
 * optional `township` (a township id), optional `item` (a directive's or notice's row id, as `条目ID`).
 * @returns the parameters, or a string with the reason they are wrong (for a 400).
 */
export function parseExportParams(q: Record<string, string | undefined>, timeZone: string): ExportParams | string {
  const from = q.from?.trim();
  const to = q.to?.trim() || from;
  if (!from) return 'from is required (YYYY-MM-DD)';
  if (!isDay(from)) return `from="${from}" is not a day YYYY-MM-DD`;
  if (!to || !isDay(to)) return `to="${to}" is not a day YYYY-MM-DD`;
  if (to < from) return `to (${to}) is before from (${from})`;
  const format = (q.format?.trim() || 'json').toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return `format="${q.format}" must be one of ${EXPORT_FORMATS.join(', ')}`;
  const out: ExportParams = { period: daysPeriod(from, to, timeZone), format: format as ExportFormat };
  if (q.colour?.trim()) {
    const colours = [...new Set(q.colour.split(',').flatMap((c) => parseColourCut(c.trim()) ?? [c.trim() as RiskColour]))];
    const bad = colours.filter((c) => !['red', 'orange', 'yellow', 'blue', 'green'].includes(c));
    if (bad.length) return `colour="${q.colour}" must be red, orange, yellow, blue or green (comma-separated)`;
    out.colours = colours;
  }
  if (q.township?.trim()) out.townshipId = q.township.trim();
  if (q.item?.trim()) {
    if (!/^[1-9]\d{0,9}$/.test(q.item.trim())) return `item="${q.item}" must be an item id (条目ID), a positive integer`;
    out.directiveId = Number(q.item.trim());
  }
  return out;
}

/** A computed report: summary, per-township breakdown, section figures and the raw rows behind them. */
export interface ResponseReport {
  period: Period;
  timeZone: string;
  colours: RiskColour[] | null;
  summary: { items: number; revokedLeftOut: number; targeted: number; acknowledged: number; onTime: number; rate: string; onTimeRate: string; readRate: string };
  townships: BreakdownRow[];
  sections: Record<string, SummaryFigure[]>;
  rows: ResponseRow[];
  leads: LeadRow[];
}

/** Computes the report for `params` (county-wide unless `townshipId`; every item of the period unless `directiveId`). */
export function buildReport(deps: ReportDeps, params: Omit<ExportParams, 'format'>): ResponseReport {
  const range = { from: params.period.from, to: params.period.to };
  const scope: ReportScope = params.townshipId ? { kind: 'township', townshipId: params.townshipId } : { kind: 'county' };
  const item = params.directiveId;
  const rows = responseRowsFor(deps, range, { scope, ...(params.colours ? { colours: params.colours } : {}), ...(item !== undefined ? { directiveId: item } : {}) });
  const t = tally(rows);
  const townships = breakdown(rows, (r) => r.townshipId, (r) => r.townshipName).sort((a, b) => a.id.localeCompare(b.id));
  return {
    period: params.period,
    timeZone: deps.config.TIMEZONE,
    colours: params.colours ?? null,
    summary: {
      items: t.items,
      revokedLeftOut: item !== undefined ? 0 : revokedCount(deps.db, range),
      targeted: t.targeted,
      acknowledged: t.acknowledged,
      onTime: t.onTime,
      rate: percent(t.acknowledged, t.targeted),
      onTimeRate: percent(t.onTime, t.targeted),
      readRate: readRateText(t),
    },
    townships,
    // one item's export: its acknowledgements only
    sections: item !== undefined ? {} : Object.fromEntries(SECTIONS.map((s) => [s.key, s.figures(deps, range, scope)])),
    rows,
    leads: item !== undefined ? [] : leadRowsFor(deps, range, scope),
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD HH:MM:SS` of `d` in `tz`; '' for null. */
export function localTime(d: Date | null, tz: string): string {
  if (!d) return '';
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(tz, f);
  }
  return f.format(d);
}

/** Column headers of the raw rows (明细 sheet and CSV). */
export const ROW_HEADERS = ['条目ID', '编号', '类型', '发布时间', '当前版本', '截止时间', '乡镇ID', '乡镇', '单位ID', '单位', '单位类型', '风险颜色', '已确认', '确认时间', '逾期', '按时', '确认版本', '确认人', '已读'] as const;

/** One raw row as cells (0/1 flags; the acknowledgement's revision is the item's current one, or empty). */
export function rowCells(r: ResponseRow, tz: string): (string | number)[] {
  return [
    r.directiveId, r.label, r.kind === 'notice' ? '通告' : '指挥部令', localTime(r.issuedAt, tz), r.revision, localTime(r.ackDeadline, tz),
    r.townshipId, r.townshipName, r.unitId, r.unitName, r.unitKind === 'grid' ? '网格' : '乡镇指挥室', r.riskColour ? COLOUR_ZH[r.riskColour] : '',
    r.acknowledged ? 1 : 0, localTime(r.ackAt, tz), r.acknowledged ? (r.late ? 1 : 0) : '', r.onTime ? 1 : 0, r.acknowledged ? r.revision : '', r.ackBy ?? '',
    r.read === null ? '' : r.read ? 1 : 0,
  ];
}

/** Column headers of the lead rows (线索 sheet). */
export const LEAD_HEADERS = ['线索ID', '编号', '乡镇ID', '乡镇', '网格ID', '状态', '上报时间', '受理时间', '办结时间', '受理用时（分钟）', '办结用时（分钟）'] as const;

function leadCells(l: LeadRow, tz: string): (string | number)[] {
  return [l.id, l.number, l.townshipId, l.townshipName, l.unitId, l.state, localTime(l.reportedAt, tz), localTime(l.acceptedAt, tz), localTime(l.closedAt, tz), l.acceptMinutes ?? '', l.closeMinutes ?? ''];
}

/** Column headers of the summary table (汇总 sheet). */
export const SUMMARY_HEADERS = ['范围', '乡镇ID', '条目数', '应确认（单位次）', '已确认', '按时确认', '响应率', '按时率', '已读率'] as const;

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The raw rows as CSV (UTF-8 with BOM, so Excel reads the Chinese). */
export function toCsv(report: ResponseReport): string {
  const lines = [ROW_HEADERS.join(','), ...report.rows.map((r) => rowCells(r, report.timeZone).map(csvCell).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** The report as JSON-ready data (times as ISO 8601 UTC). */
export function toJson(report: ResponseReport) {
  return {
    period: { from: report.period.firstDay, to: report.period.lastDay, fromInstant: report.period.from.toISOString(), toInstant: report.period.to.toISOString(), timeZone: report.timeZone },
    colours: report.colours,
    definitions: DEFINITIONS,
    summary: report.summary,
    townships: report.townships,
    sections: report.sections,
    rows: report.rows.map((r) => ({
      directiveId: r.directiveId, label: r.label, kind: r.kind, issuedAt: r.issuedAt.toISOString(), revision: r.revision,
      ackDeadline: r.ackDeadline?.toISOString() ?? null, townshipId: r.townshipId, townshipName: r.townshipName,
      unitId: r.unitId, unitName: r.unitName, unitKind: r.unitKind, riskColour: r.riskColour,
      acknowledged: r.acknowledged, ackAt: r.ackAt?.toISOString() ?? null, late: r.acknowledged ? r.late === true : null, onTime: r.onTime, ackBy: r.ackBy,
    })),
    leads: report.leads.map((l) => ({ ...l, reportedAt: l.reportedAt.toISOString(), acceptedAt: l.acceptedAt?.toISOString() ?? null, closedAt: l.closedAt?.toISOString() ?? null })),
  };
}

/**
 * The report as an XLSX workbook (汇总, 明细, 线索), written with exceljs' streaming writer (several
 * times faster than the in-memory one for a month of rows). @returns the file's bytes.
 */
export async function toXlsx(report: ResponseReport): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    sink.on('end', () => res());
    sink.on('error', rej);
  });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useSharedStrings: false, useStyles: false });
  wb.creator = 'gridrelay';
  const tz = report.timeZone;
  const s = wb.addWorksheet('汇总');
  const add = (ws: ExcelJS.Worksheet, cells: unknown[]) => ws.addRow(cells).commit();
  add(s, ['响应率报表']);
  add(s, ['期间', `${report.period.firstDay} ~ ${report.period.lastDay}（${tz}）`]);
  if (report.colours) add(s, ['风险颜色', report.colours.map((c) => COLOUR_ZH[c]).join('、')]);
  add(s, ['已撤回不计入（条）', report.summary.revokedLeftOut]);
  add(s, []);
  add(s, [...SUMMARY_HEADERS]);
  const sum = report.summary;
  add(s, ['合计', '', sum.items, sum.targeted, sum.acknowledged, sum.onTime, sum.rate, sum.onTimeRate, sum.readRate]);
  for (const t of report.townships) add(s, [t.name, t.id, t.items, t.targeted, t.acknowledged, t.onTime, t.rate, t.onTimeRate, t.readRate]);
  for (const [key, figures] of Object.entries(report.sections)) {
    add(s, []);
    add(s, [key === 'leads' ? '线索' : key]);
    for (const f of figures) add(s, [f.name, f.value]);
  }
  add(s, []);
  add(s, ['口径']);
  for (const d of DEFINITIONS) add(s, [d]);
  s.commit();

  const raw = wb.addWorksheet('明细', { views: [{ state: 'frozen', ySplit: 1 }] });
  add(raw, [...ROW_HEADERS]);
  for (const r of report.rows) add(raw, rowCells(r, tz));
  raw.commit();

  const leads = wb.addWorksheet('线索');
  add(leads, [...LEAD_HEADERS]);
  for (const l of report.leads) add(leads, leadCells(l, tz));
  leads.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}

/** The export in `format`: body, content type and a file name. */
export async function exportReport(deps: ReportDeps, params: ExportParams): Promise<{ body: Buffer | string; contentType: string; filename: string }> {
  const report = buildReport(deps, params);
  const base = `response-rate-${params.period.firstDay}_${params.period.lastDay}${params.directiveId !== undefined ? `-item${params.directiveId}` : ''}`;
  if (params.format === 'csv') return { body: toCsv(report), contentType: 'text/csv; charset=utf-8', filename: `${base}.csv` };
  if (params.format === 'xlsx') return { body: await toXlsx(report), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `${base}.xlsx` };
  return { body: JSON.stringify(toJson(report)), contentType: 'application/json; charset=utf-8', filename: `${base}.json` };
}
