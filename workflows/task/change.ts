/** Changing a special task after issue: who may (`/改期`, `/取消任务`), moving its deadline, cancelling it. */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { mayChangeTask } from '../../src/core/permissions.js';
import { audit } from '../../src/db/queries/audit.js';
import { cancelTaskRow, endSeriesRow, findTaskByNumber, getSeries, notDoneTargets, setDeadline } from '../../src/db/queries/tasks.js';
import type { Task } from '../../src/db/schema/index.js';
import { formatDeadline } from '../../src/time/deadline.js';
import { formatTaskNumber } from './format.js';
import { syncSeriesAfterCommit } from './recurrence.js';
import { cancelSteps, scheduleSteps } from './reminders.js';

/**
 * Finds a task that the asker may change: a county issuer any task, a township officer only tasks issued
 * from their own room.
 * @throws Refusal when there is no such task, it was cancelled, or it is another tier's.
 */
export async function taskForIssuer(deps: CoreDeps, number: number, asker: { tier: Tier; conversationId: string }): Promise<Task> {
  const task = await findTaskByNumber(deps.db, number);
  if (!task) throw new Refusal(`没有专项任务第${number}号。请核对任务号。`);
  if (task.status === 'cancelled') throw new Refusal(`${formatTaskNumber(task)}已取消。`);
  if (!mayChangeTask(asker, task)) throw new Refusal(`${formatTaskNumber(task)}不是本室下达的，不能更改。`);
  return task;
}

/**
 * Moves a task's deadline: bumps its revision, moves its reminder timers (same ids), tells the grids not
 * yet done. @throws Refusal when the new deadline is not in the future.
 */
export async function rescheduleTask(deps: CoreDeps, task: Task, deadline: Date, actor: { id: string; inboundId: number }): Promise<Task> {
  const { db } = deps;
  const now = deps.now();
  const moved = await setDeadline(db, task.id, deadline);
  await scheduleSteps(deps, moved);
  const n = formatTaskNumber(moved);
  const text = `🕘 ${n}「${moved.title}」截止时间改为 ${formatDeadline(deadline, deps.config.TIMEZONE)}。`;
  for (const t of await notDoneTargets(db, task.id)) await deps.outbox.store(db, { conversationId: t.conversationId, text, dedupKey: `task-${task.id}-v${moved.rev}-${t.unitId}-moved` });
  await audit(db, { actorId: actor.id, action: 'task.reschedule', subject: n, detail: { from: task.deadline.toISOString(), to: deadline.toISOString() }, inboundId: actor.inboundId, at: now });
  return moved;
}

/**
 * Cancels a task: all its timers, a note to the grids not yet done; an occurrence of a recurring series
 * also ends the series (no further occurrences; its job scheduler is removed after commit). Call inside
 * a unit of work. @returns whether a series was ended.
 */
export async function cancelTask(deps: CoreDeps, task: Task, actor: { id: string; inboundId: number }): Promise<{ seriesEnded: boolean }> {
  const { db } = deps;
  const now = deps.now();
  await cancelTaskRow(db, task.id);
  await cancelSteps(deps, task.id);
  const n = formatTaskNumber(task);
  for (const t of await notDoneTargets(db, task.id)) await deps.outbox.store(db, { conversationId: t.conversationId, text: `❎ ${n}「${task.title}」已取消，无需再办。`, dedupKey: `task-${task.id}-cancel-${t.unitId}` });
  let seriesEnded = false;
  if (task.seriesId !== null) {
    const series = await getSeries(db, task.seriesId);
    if (series?.status === 'active') {
      await endSeriesRow(db, series.id, now);
      seriesEnded = true;
      // remove its job scheduler right after commit (see recurrence.ts)
      syncSeriesAfterCommit(deps);
    }
  }
  await audit(db, { actorId: actor.id, action: 'task.cancel', subject: n, detail: { taskId: task.id, seriesEnded }, inboundId: actor.inboundId, at: now });
  return { seriesEnded };
}
