/** `/任务列表`: open tasks and their progress, for the asker's tier. */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { percent } from '../../src/core/percent.js';
import { notDoneTargets, openTasksForUnit, openTasksWithCounts } from '../../src/db/queries/tasks.js';
import type { Unit } from '../../src/db/schema/index.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { gridNames } from './format.js';

const LIST_LIMIT = 10;

/**
 * Open tasks and their progress for a viewer's tier, phone-sized: county → all tasks, done/total and
 * overdue; township → its own grids' counts; grid → each task done or not.
 */
export function taskListText(deps: CoreDeps, viewer: { tier: Tier; unit: Unit }): string {
  const { db } = deps;
  const tz = deps.config.TIMEZONE;
  const now = deps.now().getTime();
  if (viewer.tier === 'grid') {
    const open = openTasksForUnit(db, viewer.unit.id).slice(0, LIST_LIMIT);
    if (open.length === 0) return `${viewer.unit.name}当前没有专项任务。`;
    return [`${viewer.unit.name} 专项任务：`, ...open.map((t) => `· 第${t.number}号 ${t.title} 截止${shortDateTimeIn(t.deadline, tz)} ${t.doneAt ? '✅已完成' : t.deadline.getTime() < now ? '⚠️已逾期' : '未完成'}`)].join('\n');
  }
  const rows = openTasksWithCounts(db, { ...(viewer.tier === 'township' ? { townshipId: viewer.unit.id } : {}), limit: LIST_LIMIT });
  if (rows.length === 0) return viewer.tier === 'township' ? `${viewer.unit.name}当前没有专项任务。` : '当前没有专项任务。';
  const lines = [viewer.tier === 'township' ? `${viewer.unit.name} 专项任务进度（本乡镇网格）：` : '专项任务进度：'];
  for (const t of rows) {
    const overdue = t.deadline.getTime() < now ? t.total - t.done : 0;
    lines.push(`· 第${t.number}号 ${t.title} 截止${shortDateTimeIn(t.deadline, tz)}：完成 ${t.done}/${t.total}（${percent(t.done, t.total)}）${overdue ? `，逾期 ${overdue}` : ''}`);
    if (viewer.tier === 'township' && t.done < t.total) {
      const pending = notDoneTargets(db, t.id).filter((x) => x.townshipId === viewer.unit.id);
      lines.push(`  未完成：${gridNames(pending, 8)}`);
    }
  }
  return lines.join('\n');
}
