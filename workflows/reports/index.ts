/**
 * Response-rate reports (响应率, PRODUCT.md §2.4): figures computed from the raw rows of
 * `src/db/queries/reports.ts` — directives and notices acknowledged per target unit, leads' times,
 * special tasks' completion, 督查 findings (src/db/queries/inspections.ts) — for `/统计`, the daily digest, the export (JSON/CSV/XLSX, HTTP and CLI) and
 * the dashboard. The definitions are written once, in response-rate.ts.
 *
 * No state of its own and no transitions: reports only read. `/统计 [时段|编号] [红色网格]`
 * ({@link statsText}) answers for the asker's tier (`/统计 任务<号>` is one task's figures, answered by the
 * task lifecycle: workflows/task/list.ts `taskDetailText`); the daily digest ({@link digestText}) is posted by
 * src/jobs/digest.ts at `DAILY_REPORT_AT` (a BullMQ job scheduler, not a workflow timer); the export
 * ({@link exportReport}) and the dashboard ({@link dashboardData}) are served by src/http/ and src/cli.ts.
 * Timers: none. The clock is read through `deps.now()` only (tasks overdue "at the time of the report").
 *
 * Files beside this one:
 * - response-rate.ts — the definitions; response rows, tallies, breakdowns; `ReportDeps`, `ReportSection`.
 * - leads.ts — lead times (median, p90 by nearest rank). tasks.ts — task completion and overdue; the
 *   task sheet's rows (one per grid × task, with the figures returned).
 * - inspections.ts — 督查 findings recorded, rectified, published, closed, overdue, per township.
 * - sections.ts — the families beside directives that every report shows (leads, tasks, inspections).
 * - text.ts — `/统计` and the digest as phone-sized text.
 * - export.ts — the export's parameters, rows and files (XLSX summary recomputes from its raw sheet, task
 *   sums from its 专项任务 sheet, 督查 counts from its 督查 sheet; the XLSX and CSV read in Chinese:
 *   headers, states, members by name with the id beside, minutes to 0.1).
 * - dashboard.ts — the dashboard's JSON (also the tasks section, the open leads without their text, 督查).
 * - link.ts — `/导出 N`: the link to one item's XLSX ({@link itemExportText}), when `DASHBOARD_TOKEN` is set.
 * - period.ts — periods as people write them (`今日`, `上周`, `12月1日到3日`) in `TIMEZONE`.
 */
export { statsText, digestText, type StatsTarget } from './text.js';
export { exportReport, parseExportParams, type ExportParams } from './export.js';
export { dashboardData, type DashboardData } from './dashboard.js';
export { itemExportText, itemExportUrl } from './link.js';
export { parsePeriod, namedPeriod, dayOf, type Period } from './period.js';
export type { ReportDeps } from './response-rate.js';
