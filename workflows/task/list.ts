/**
 * `/任务列表`: open tasks and their progress, for the asker's tier; `/任务列表 <号>` (and `/统计 任务<号>`):
 * one task — done per township, the sums of its figures per township, the grids not yet done.
 */
import { drillTag } from '../../src/core/drill.js';
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { percent } from '../../src/core/percent.js';
import { townships } from '../../src/db/queries/roster.js';
import { findTaskByNumber, notDoneTargets, openTasksForUnit, openTasksWithCounts, taskTargetsOf } from '../../src/db/queries/tasks.js';
import type { Task, TaskTarget, Unit } from '../../src/db/schema/index.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { compactGridNames } from '../directive/ladder.js';
import { formatTaskNumber, gridNames } from './format.js';
import { doneHint, fieldsOf, formatReturns, missingFields, sumReturns } from './returns.js';

const LIST_LIMIT = 10;

/**
 * Open tasks and their progress for a viewer's tier, phone-sized: county → all tasks, done/total and
 * overdue; township → its own grids' counts; grid → each task done or not.
 */
export async function taskListText(deps: CoreDeps, viewer: { tier: Tier; unit: Unit }): Promise<string> {
  const { db } = deps;
  const tz = deps.config.TIMEZONE;
  const now = deps.now().getTime();
  if (viewer.tier === 'grid') {
    const open = (await openTasksForUnit(db, viewer.unit.id)).slice(0, LIST_LIMIT);
    if (open.length === 0) return `${viewer.unit.name}当前没有专项任务。`;
    return [`${viewer.unit.name} 专项任务：`, ...open.map((t) => `· ${drillTag(t)}第${t.number}号 ${t.title} 截止${shortDateTimeIn(t.deadline, tz)} ${t.doneAt ? '✅已完成' : t.deadline.getTime() < now ? '⚠️已逾期' : '未完成'}`)].join('\n');
  }
  const rows = await openTasksWithCounts(db, { ...(viewer.tier === 'township' ? { townshipId: viewer.unit.id } : {}), limit: LIST_LIMIT });
  if (rows.length === 0) return viewer.tier === 'township' ? `${viewer.unit.name}当前没有专项任务。` : '当前没有专项任务。';
  const lines = [viewer.tier === 'township' ? `${viewer.unit.name} 专项任务进度（本乡镇网格）：` : '专项任务进度：'];
  for (const t of rows) {
    const overdue = t.deadline.getTime() < now ? t.total - t.done : 0;
    lines.push(`· ${drillTag(t)}第${t.number}号 ${t.title} 截止${shortDateTimeIn(t.deadline, tz)}：完成 ${t.done}/${t.total}（${percent(t.done, t.total)}）${overdue ? `，逾期 ${overdue}` : ''}`);
    if (viewer.tier === 'township' && t.done < t.total) {
      const pending = (await notDoneTargets(db, t.id)).filter((x) => x.townshipId === viewer.unit.id);
      lines.push(`  未完成：${gridNames(pending, 8)}`);
    }
  }
  return lines.join('\n');
}

/** Grids named per township in the county's list of those not yet done (the rest counted). */
const NAMES_PER_TOWNSHIP = 6;
/** Grids named in a township's list of those not yet done. */
const NAMES_IN_TOWNSHIP = 15;

/** The first `max` grids' names folded per village (`周家坞村第1、2网格`), and how many in all. */
function pendingNames(xs: TaskTarget[], max: number): string {
  const shown = compactGridNames(xs.slice(0, max).map((t) => t.unitName));
  return xs.length > max ? `${shown} 等${xs.length}个` : shown;
}

/**
 * One task for a viewer's tier, phone-sized (`/任务列表 <号>`, `/统计 任务<号>`): its deadline and how
 * many grids are done; for a task with `回报:` fields the sums of the figures of the grids done (a grid's
 * figures count once it is done: the same rows and rule as the export's task sheet). County → the
 * total, then per township (lowest share done first) its count, sums and grids not yet done (a task of
 * one township: the total and its grids not yet done);
 * township → its own grids; grid → its own state and figures. Evidence (pictures sent with `/完成` or right
 * after it) is counted: `附件：M个（N个网格）` for a county or township, `附件N个` in a grid's own state.
 * @param heading the first line's mark (`📋` for the list, `📊` for `/统计`)
 * @throws Refusal when there is no task of that number.
 */
export async function taskDetailText(deps: CoreDeps, viewer: { tier: Tier; unit: Unit }, number: number, heading = '📋'): Promise<string> {
  const { db } = deps;
  const tz = deps.config.TIMEZONE;
  const task = await findTaskByNumber(db, number);
  if (!task) throw new Refusal(`没有专项任务第${number}号。请核对任务号。`);
  const n = formatTaskNumber(task);
  const head = `${heading} ${n}「${task.title}」截止 ${shortDateTimeIn(task.deadline, tz)}`;
  if (task.status === 'cancelled') return `${head}\n${n}已取消。`;
  const all = await taskTargetsOf(db, task.id);
  const rows = viewer.tier === 'county' ? all : all.filter((t) => (viewer.tier === 'township' ? t.townshipId : t.unitId) === viewer.unit.id);
  if (rows.length === 0) return `${head}\n${n}未发给${viewer.unit.name}。`;
  const fields = fieldsOf(task);
  const overdue = deps.now().getTime() > task.deadline.getTime();
  const word = fields.length ? '回报' : '完成';
  if (viewer.tier === 'grid') return [head, ...gridState(task, rows[0]!, tz, overdue)].join('\n');

  const tally = (xs: TaskTarget[]) => {
    const done = xs.filter((t) => t.doneAt !== null);
    return { done: done.length, total: xs.length, sums: sumReturns(fields, done.map((t) => t.returns)) };
  };
  const line = (xs: TaskTarget[]) => {
    const t = tally(xs);
    return `${t.done}/${t.total}${fields.length ? `：${formatReturns(fields, t.sums)}` : ''}`;
  };
  const total = tally(rows);
  const pending = rows.filter((t) => t.doneAt === null);
  const names = new Map((await townships(db)).map((t) => [t.id, t.name]));
  const towns = [...new Set(rows.map((t) => t.townshipId))];
  const who = viewer.tier === 'township' ? `${viewer.unit.name} ` : towns.length === 1 ? `${names.get(towns[0]!) ?? towns[0]} ` : '';
  const lines = [head, `${who}已${word} ${total.done}/${total.total}（${percent(total.done, total.total)}）${overdue && pending.length ? `，逾期未${word} ${pending.length}` : ''}`];
  if (fields.length) lines.push(`合计：${formatReturns(fields, total.sums)}`);
  const withEvidence = rows.filter((t) => t.doneAt !== null && t.evidence?.length);
  if (withEvidence.length) lines.push(`附件：${withEvidence.reduce((n, t) => n + t.evidence!.length, 0)}个（${withEvidence.length}个网格）`);
  if (viewer.tier === 'township' || towns.length === 1) {
    // one township (its room asking, or a task for one township): no per-township lines to repeat the total
    if (pending.length) lines.push(`未${word}（${pending.length}）：${pendingNames(pending, NAMES_IN_TOWNSHIP)}`);
    return lines.join('\n');
  }
  const byTownship = new Map<string, TaskTarget[]>();
  for (const t of rows) byTownship.set(t.townshipId, [...(byTownship.get(t.townshipId) ?? []), t]);
  const order = [...byTownship].sort(([a, xs], [b, ys]) => tally(xs).done / xs.length - tally(ys).done / ys.length || a.localeCompare(b));
  lines.push('各乡镇：');
  for (const [tid, xs] of order) {
    lines.push(`· ${names.get(tid) ?? tid} ${line(xs)}`);
    const left = xs.filter((t) => t.doneAt === null);
    if (left.length) lines.push(`  未${word}：${pendingNames(left, NAMES_PER_TOWNSHIP)}`);
  }
  return lines.join('\n');
}

/** A grid's own state in a task: done (when, its figures) or not (the figures kept, what is missing, how to send it). */
function gridState(task: Task, t: TaskTarget, tz: string, overdue: boolean): string[] {
  const fields = fieldsOf(task);
  if (t.doneAt) {
    const evidence = t.evidence?.length ? `，附件${t.evidence.length}个` : '';
    return [`${t.unitName}：✅已完成（${shortDateTimeIn(t.doneAt, tz)}${t.late ? '，逾期完成' : ''}${evidence}）`, ...(fields.length ? [`回报：${formatReturns(fields, t.returns ?? {})}`] : [])];
  }
  const kept = fields.length ? formatReturns(fields, t.returns ?? {}) : '';
  const missing = fields.length ? missingFields(fields, t.returns ?? {}) : undefined;
  return [
    `${t.unitName}：${overdue ? '⚠️已逾期，' : ''}未完成${missing ? `，还需回报：${missing.join('、')}` : ''}`,
    ...(kept ? [`已记下：${kept}`] : []),
    `完成后发送 ${doneHint(task, missing)}`,
  ];
}
