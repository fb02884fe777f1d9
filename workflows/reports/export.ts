/**
 * The response-rate export (JSON, CSV, XLSX) behind `GET /api/v1/reports/response-rate` and
 * `gridrelay report response-rate`. The XLSX has a summary sheet (汇总), the raw rows (明细: one row
 * per item × target unit, with acknowledgement time, late flag and revision) from which the summary
 * recomputes exactly, the raw lead rows (线索), the task sheet (专项任务: one row per grid × task,
 * with each task's figures as columns, from which the sums of `/统计 任务<号>` recompute) and the 督查
 * findings (督查: one row per finding, from which the summary's and `/统计`'s 督查 counts recompute). The
 * CSV is the raw rows of 明细. Times are local times in `TIMEZONE` (`YYYY-MM-DD HH:MM:SS`).
 * The XLSX and CSV read in Chinese: headers, states and section titles; members by name with their id in
 * a column of its own; minutes rounded to 0.1.
 */
import { mapInOrder } from '../../src/core/in-order.js';
import { writeXlsx } from './xlsx.js';
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
import { taskSheetRows, type TaskSheetRow } from './tasks.js';
import { inspectionRowsFor, type InspectionRow } from './inspections.js';
import { COLOUR_ZH, parseColourCut } from '../risk/index.js';
import { LEAD_STATE_ZH } from '../lead/index.js';
import { memberNames } from '../../src/db/queries/reports.js';

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
  /** The task sheet's rows (one per grid × task). */
  tasks: TaskSheetRow[];
  inspections: InspectionRow[];
  /** Names of the members the rows and leads name (acknowledged by, reported by, accepted by), by id. */
  memberNames: Map<string, string>;
}

/** Computes the report for `params` (county-wide unless `townshipId`; every item of the period unless `directiveId`). */
export async function buildReport(deps: ReportDeps, params: Omit<ExportParams, 'format'>): Promise<ResponseReport> {
  const range = { from: params.period.from, to: params.period.to };
  const scope: ReportScope = params.townshipId ? { kind: 'township', townshipId: params.townshipId } : { kind: 'county' };
  const item = params.directiveId;
  const rows = await responseRowsFor(deps, range, { scope, ...(params.colours ? { colours: params.colours } : {}), ...(item !== undefined ? { directiveId: item } : {}) });
  const t = tally(rows);
  const townships = breakdown(rows, (r) => r.townshipId, (r) => r.townshipName).sort((a, b) => a.id.localeCompare(b.id));
  // one item's export: its acknowledgements only (no leads, tasks or findings)
  const leads = item !== undefined ? [] : await leadRowsFor(deps, range, scope);
  return {
    period: params.period,
    timeZone: deps.config.TIMEZONE,
    colours: params.colours ?? null,
    summary: {
      items: t.items,
      revokedLeftOut: item !== undefined ? 0 : await revokedCount(deps.db, range),
      targeted: t.targeted,
      acknowledged: t.acknowledged,
      onTime: t.onTime,
      rate: percent(t.acknowledged, t.targeted),
      onTimeRate: percent(t.onTime, t.targeted),
      readRate: readRateText(t),
    },
    townships,
    // one item's export: its acknowledgements only
    sections: item !== undefined ? {} : Object.fromEntries(await mapInOrder(SECTIONS, async (s) => [s.key, await s.figures(deps, range, scope)] as const)),
    rows,
    leads,
    tasks: item !== undefined ? [] : await taskSheetRows(deps, range, scope),
    inspections: item !== undefined ? [] : await inspectionRowsFor(deps, range, scope),
    memberNames: await memberNames(deps.db, [...new Set([...rows.flatMap((r) => (r.ackBy ? [r.ackBy] : [])), ...leads.flatMap((l) => [l.reporterId, ...(l.acceptedBy ? [l.acceptedBy] : [])])])]),
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
export const ROW_HEADERS = ['条目ID', '编号', '类型', '发布时间', '当前版本', '截止时间', '乡镇ID', '乡镇', '单位ID', '单位', '单位类型', '风险颜色', '已确认', '确认时间', '逾期', '按时', '确认版本', '确认人', '确认人ID', '已读'] as const;

/** A member's name for a cell: the roster's, else the id itself; '' for none. */
const nameOf = (names: ReadonlyMap<string, string>, id: string | null) => (id === null ? '' : (names.get(id) ?? id));

/**
 * One raw row as cells (0/1 flags; the acknowledgement's revision is the item's current one, or empty;
 * who acknowledged by name, then by id).
 * @param names member names by id (`ResponseReport.memberNames`)
 */
export function rowCells(r: ResponseRow, tz: string, names: ReadonlyMap<string, string> = new Map()): (string | number)[] {
  return [
    r.directiveId, r.label, r.kind === 'notice' ? '通告' : '指挥部令', localTime(r.issuedAt, tz), r.revision, localTime(r.ackDeadline, tz),
    r.townshipId, r.townshipName, r.unitId, r.unitName, r.unitKind === 'grid' ? '网格' : '乡镇指挥室', r.riskColour ? COLOUR_ZH[r.riskColour] : '',
    r.acknowledged ? 1 : 0, localTime(r.ackAt, tz), r.acknowledged ? (r.late ? 1 : 0) : '', r.onTime ? 1 : 0, r.acknowledged ? r.revision : '',
    nameOf(names, r.ackBy), r.ackBy ?? '', r.read === null ? '' : r.read ? 1 : 0,
  ];
}

/** Column headers of the lead rows (线索 sheet). */
export const LEAD_HEADERS = [
  '线索ID', '编号', '乡镇ID', '乡镇', '网格ID', '网格', '状态', '紧急', '上报人', '上报人ID', '上报时间', '受理人', '受理人ID', '受理时间', '办结时间', '受理用时（分钟）', '办结用时（分钟）',
] as const;

/** Minutes for a cell: rounded to 0.1 (the figures of 汇总 recompute from these: rounding keeps the nearest rank). */
const minutes = (m: number | null): number | '' => (m === null ? '' : Math.round(m * 10) / 10);

function leadCells(l: LeadRow, tz: string, names: ReadonlyMap<string, string>): (string | number)[] {
  return [
    l.id, l.number, l.townshipId, l.townshipName, l.unitId, l.unitName, LEAD_STATE_ZH[l.state], l.urgent ? '是' : '否',
    nameOf(names, l.reporterId), l.reporterId, localTime(l.reportedAt, tz), nameOf(names, l.acceptedBy), l.acceptedBy ?? '',
    localTime(l.acceptedAt, tz), localTime(l.closedAt, tz), minutes(l.acceptMinutes), minutes(l.closeMinutes),
  ];
}

/** Column headers of the task sheet (专项任务) before the figures: one column per return field follows. */
export const TASK_HEADERS = ['任务ID', '编号', '标题', '下达时间', '截止时间', '乡镇ID', '乡镇', '网格ID', '网格', '已完成', '完成时间', '逾期完成'] as const;

/** The return fields of the tasks among `rows`, each once, in the order first seen (the sheet's figure columns). */
export function taskFieldColumns(rows: readonly TaskSheetRow[]): string[] {
  return [...new Set(rows.flatMap((r) => r.fields))];
}

/** One task-sheet row as cells: a figure under its field's column once the grid is done, else empty. */
function taskCells(r: TaskSheetRow, fields: readonly string[], tz: string): (string | number)[] {
  return [
    r.taskId, r.label, r.title, localTime(r.issuedAt, tz), localTime(r.deadline, tz), r.townshipId, r.townshipName, r.unitId, r.unitName,
    r.doneAt ? 1 : 0, localTime(r.doneAt, tz), r.late === null ? '' : r.late ? 1 : 0,
    ...fields.map((f) => r.returns?.[f] ?? ''),
  ];
}

/** Column headers of the 督查 sheet: one row per finding (flags 0/1). */
export const INSPECTION_HEADERS = ['督查ID', '编号', '乡镇ID', '乡镇', '单位ID', '单位', '单位类型', '关联条目', '问题', '人数', '状态', '登记时间', '已整改', '整改时间', '已通报', '通报编号', '通报时间', '已结案', '结案时间', '超时'] as const;

const INSPECTION_STATE_ZH: Record<InspectionRow['state'], string> = { open: '待整改', rectified: '已整改', closed: '已结案' };

function inspectionCells(f: InspectionRow, tz: string): (string | number)[] {
  return [
    f.id, f.number, f.townshipId, f.townshipName, f.unitId, f.unitName, f.unitKind === 'grid' ? '网格' : '乡镇', f.directive ?? '', f.problem, f.people ?? '',
    INSPECTION_STATE_ZH[f.state], localTime(f.recordedAt, tz), f.rectifiedAt ? 1 : 0, localTime(f.rectifiedAt, tz), f.publishedAt ? 1 : 0, f.notice ?? '',
    localTime(f.publishedAt, tz), f.closedAt ? 1 : 0, localTime(f.closedAt, tz), f.overdueAt ? 1 : 0,
  ];
}

/** Titles of the summary sheet's section blocks (a section not named here is titled by its key). */
const SECTION_TITLES: Record<string, string> = { leads: '线索', tasks: '专项任务', inspections: '督查', errands: '红色代办' };

/** Column headers of the summary table (汇总 sheet). */
export const SUMMARY_HEADERS = ['范围', '乡镇ID', '条目数', '应确认（单位次）', '已确认', '按时确认', '响应率', '按时率', '已读率'] as const;

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The raw rows as CSV (UTF-8 with BOM, so Excel reads the Chinese). */
export function toCsv(report: ResponseReport): string {
  const lines = [ROW_HEADERS.join(','), ...report.rows.map((r) => rowCells(r, report.timeZone, report.memberNames).map(csvCell).join(','))];
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
      ackByName: r.ackBy === null ? null : (report.memberNames.get(r.ackBy) ?? null),
    })),
    leads: report.leads.map((l) => ({ ...l, reportedAt: l.reportedAt.toISOString(), acceptedAt: l.acceptedAt?.toISOString() ?? null, closedAt: l.closedAt?.toISOString() ?? null })),
    tasks: report.tasks.map((t) => ({ ...t, issuedAt: t.issuedAt.toISOString(), deadline: t.deadline.toISOString(), doneAt: t.doneAt?.toISOString() ?? null })),
    inspections: report.inspections.map((f) => ({
      ...f,
      recordedAt: f.recordedAt.toISOString(), rectifiedAt: f.rectifiedAt?.toISOString() ?? null, publishedAt: f.publishedAt?.toISOString() ?? null,
      closedAt: f.closedAt?.toISOString() ?? null, overdueAt: f.overdueAt?.toISOString() ?? null,
    })),
  };
}

/**
 * The report as an XLSX workbook (汇总, 明细, 线索, 专项任务, 督查), written with exceljs' streaming writer (several
 * times faster than the in-memory one for a month of rows). @returns the file's bytes.
 */
export async function toXlsx(report: ResponseReport): Promise<Buffer> {
  return writeXlsx((wb, add) => {
    const tz = report.timeZone;
    const s = wb.addWorksheet('汇总');
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
      add(s, [SECTION_TITLES[key] ?? key]);
      for (const f of figures) add(s, [f.name, f.value]);
    }
    add(s, []);
    add(s, ['口径']);
    for (const d of DEFINITIONS) add(s, [d]);
    s.commit();

    const raw = wb.addWorksheet('明细', { views: [{ state: 'frozen', ySplit: 1 }] });
    add(raw, [...ROW_HEADERS]);
    for (const r of report.rows) add(raw, rowCells(r, tz, report.memberNames));
    raw.commit();

    const leads = wb.addWorksheet('线索');
    add(leads, [...LEAD_HEADERS]);
    for (const l of report.leads) add(leads, leadCells(l, tz, report.memberNames));
    leads.commit();

    const tasks = wb.addWorksheet('专项任务', { views: [{ state: 'frozen', ySplit: 1 }] });
    const fields = taskFieldColumns(report.tasks);
    add(tasks, [...TASK_HEADERS, ...fields]);
    for (const t of report.tasks) add(tasks, taskCells(t, fields, tz));
    tasks.commit();
    const found = wb.addWorksheet('督查');
    add(found, [...INSPECTION_HEADERS]);
    for (const f of report.inspections) add(found, inspectionCells(f, tz));
    found.commit();
  });
}

/** The export in `format`: body, content type and a file name. */
export async function exportReport(deps: ReportDeps, params: ExportParams): Promise<{ body: Buffer | string; contentType: string; filename: string }> {
  const report = await buildReport(deps, params);
  const base = `response-rate-${params.period.firstDay}_${params.period.lastDay}${params.directiveId !== undefined ? `-item${params.directiveId}` : ''}`;
  if (params.format === 'csv') return { body: toCsv(report), contentType: 'text/csv; charset=utf-8', filename: `${base}.csv` };
  if (params.format === 'xlsx') return { body: await toXlsx(report), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `${base}.xlsx` };
  return { body: JSON.stringify(toJson(report)), contentType: 'application/json; charset=utf-8', filename: `${base}.json` };
}
