/**
 * Special-task figures of the reports: tasks issued in the period and not cancelled, one target grid ×
 * one task; completion rate, overdue (at the time of the report, `deps.now()`) and late completions
 * (definitions: response-rate.ts). The export's task sheet (专项任务): one row per grid × task with the
 * task's figures as columns — a grid's figures only once it is done, as `/任务列表 <号>` and
 * `/统计 任务<号>` sum them, so the sums recompute from the sheet.
 */
import { percent } from '../../src/core/percent.js';
import { taskRows } from '../../src/db/queries/reports.js';
import { townships } from '../../src/db/queries/roster.js';
import type { TaskReturns } from '../../src/db/schema/index.js';
import { formatTaskNumber } from '../task/format.js';
import { inScope, type Range, type ReportDeps, type ReportScope, type ReportSection } from './response-rate.js';

/** One row of the task sheet: one target grid of one task. */
export interface TaskSheetRow {
  taskId: number;
  /** `专项任务〔2026〕第5号`. */
  label: string;
  title: string;
  issuedAt: Date;
  deadline: Date;
  townshipId: string;
  townshipName: string;
  unitId: string;
  unitName: string;
  doneAt: Date | null;
  /** Done after the deadline; null while not done. */
  late: boolean | null;
  /** The task's return fields, in declared order (empty: none). */
  fields: string[];
  /** The grid's figures once done; null while not done or when the task asks for none. */
  returns: TaskReturns | null;
}

/** The task sheet's rows for a period and scope: tasks issued in it and not cancelled, by issue time, task, grid id. */
export async function taskSheetRows(deps: ReportDeps, range: Range, scope: ReportScope): Promise<TaskSheetRow[]> {
  const names = new Map((await townships(deps.db)).map((t) => [t.id, t.name]));
  return (await taskRows(deps.db, range))
    .filter((r) => inScope(scope, r))
    .map((r) => ({
      taskId: r.taskId,
      label: formatTaskNumber(r),
      title: r.title,
      issuedAt: r.issuedAt,
      deadline: r.deadline,
      townshipId: r.townshipId,
      townshipName: names.get(r.townshipId) ?? r.townshipId,
      unitId: r.unitId,
      unitName: r.unitName,
      doneAt: r.doneAt,
      late: r.doneAt ? r.late === true : null,
      fields: r.returnFields ?? [],
      returns: r.doneAt && r.returnFields?.length ? r.returns : null,
    }));
}

/** Task figures of a period and scope, at `now` (overdue depends on whether the deadline has passed). */
export async function taskStats(deps: ReportDeps, range: Range, scope: ReportScope, now: Date) {
  const rows = (await taskRows(deps.db, range)).filter((r) => inScope(scope, r));
  const done = rows.filter((r) => r.doneAt !== null);
  const overdue = rows.filter((r) => r.doneAt === null && r.deadline.getTime() < now.getTime());
  return {
    tasks: new Set(rows.map((r) => r.taskId)).size,
    targeted: rows.length,
    done: done.length,
    doneLate: done.filter((r) => r.late).length,
    overdue: overdue.length,
    overdueNames: overdue.map((r) => r.unitName),
  };
}

/** Special tasks: completion rate, overdue and late completions. */
export const taskSection: ReportSection = {
  key: 'tasks',
  async lines(deps, range, scope) {
    const s = await taskStats(deps, range, scope, deps.now());
    if (s.tasks === 0) return []; // nothing to say: keep the answer short
    const lines = [`专项任务 ${s.tasks} 项：完成 ${s.done}/${s.targeted}（${percent(s.done, s.targeted)}），逾期未完成 ${s.overdue}，逾期完成 ${s.doneLate}`];
    if (s.overdue && scope.kind !== 'county') lines.push(`逾期未完成：${s.overdueNames.slice(0, 10).join('、')}${s.overdue > 10 ? ` 等${s.overdue}个` : ''}`);
    return lines;
  },
  async figures(deps, range, scope) {
    const s = await taskStats(deps, range, scope, deps.now());
    return [
      { name: '专项任务数', value: s.tasks },
      { name: '任务下发网格次', value: s.targeted },
      { name: '任务已完成网格次', value: s.done },
      { name: '任务完成率', value: percent(s.done, s.targeted) },
      { name: '逾期未完成网格次', value: s.overdue },
      { name: '逾期完成网格次', value: s.doneLate },
    ];
  },
};
