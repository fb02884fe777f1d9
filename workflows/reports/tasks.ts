/**
 * Special-task figures of the reports: tasks issued in the period and not cancelled, one target grid ×
 * one task; completion rate, overdue (at the time of the report, `deps.now()`) and late completions
 * (definitions: response-rate.ts).
 */
import { percent } from '../../src/core/percent.js';
import { taskRows } from '../../src/db/queries/reports.js';
import { inScope, type Range, type ReportDeps, type ReportScope, type ReportSection } from './response-rate.js';

/** Task figures of a period and scope, at `now` (overdue depends on whether the deadline has passed). */
export function taskStats(deps: ReportDeps, range: Range, scope: ReportScope, now: Date) {
  const rows = taskRows(deps.db, range).filter((r) => inScope(scope, r));
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
  lines(deps, range, scope) {
    const s = taskStats(deps, range, scope, deps.now());
    if (s.tasks === 0) return []; // nothing to say: keep the answer short
    const lines = [`专项任务 ${s.tasks} 项：完成 ${s.done}/${s.targeted}（${percent(s.done, s.targeted)}），逾期未完成 ${s.overdue}，逾期完成 ${s.doneLate}`];
    if (s.overdue && scope.kind !== 'county') lines.push(`逾期未完成：${s.overdueNames.slice(0, 10).join('、')}${s.overdue > 10 ? ` 等${s.overdue}个` : ''}`);
    return lines;
  },
  figures(deps, range, scope) {
    const s = taskStats(deps, range, scope, deps.now());
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
