/**
 * A task's reminders and deadline: durable timers (src/jobs/timers.ts), one per (task, step) —
 * `task-<id>-s<i>` (kind `task.remind`) at each offset of `TASK_REMIND_BEFORE` before the deadline and
 * `task-<id>-due` (kind `task.due`) at it. The handlers compute the grids not yet done when they fire, so a
 * completion removes that grid from every later step; each message carries the outbox key
 * `task-<id>-v<rev>-<unit>-<step>`, so nothing is posted twice. A step with nobody left to tell posts nothing.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import type { NewOutbound } from '../../src/core/outbox.js';
import { percent } from '../../src/core/percent.js';
import { getGroup, getUnit, groupOfUnit, membersWithRolesByUnit } from '../../src/db/queries/roster.js';
import { getTask, notDoneTargets, taskTargetsOf } from '../../src/db/queries/tasks.js';
import type { Task, TaskTarget } from '../../src/db/schema/index.js';
import { defineTimer, type Timer, type TimerDef } from '../../src/jobs/timers.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { ACTORS, formatTaskNumber, gridNames } from './format.js';
import { doneHint, fieldsOf, formatReturns, missingFields, sumReturns } from './returns.js';

/** What a reminder or deadline timer carries: the task, the revision it was scheduled for, the step (`s<i>` or `due`). */
export interface TaskStepData {
  taskId: number;
  rev: number;
  step: string;
}

/** A step's timer id: `task-<id>-s<i>` or `task-<id>-due` (a step re-armed for a later revision: `<that>-v<rev>`, given explicitly). */
const stepTimerId = (d: TaskStepData) => `task-${d.taskId}-${d.step}`;

/** Kind `task.remind`, ids `task-<id>-s<i>`: a reminder to each grid not yet done ({@link remind}). Registered in workflows/index.ts. */
export const remindTimer = defineTimer<TaskStepData, CoreDeps>('task.remind', async (deps, timer, fired) => await remind(deps, timer, fired.at), { id: stepTimerId, bundles: true });

/** Kind `task.due`, id `task-<id>-due`: at the deadline, the overdue grids and the issuer's roll-up ({@link due}). Registered in workflows/index.ts. */
export const dueTimer = defineTimer<TaskStepData, CoreDeps>('task.due', async (deps, timer) => await due(deps, timer), { id: stepTimerId });

/** Reminder offsets (ms before the deadline), largest first. */
function offsets(deps: CoreDeps): number[] {
  return [...new Set(deps.config.TASK_REMIND_BEFORE)].filter((ms) => ms > 0).sort((a, b) => b - a);
}

/**
 * The reminder offsets (ms before the deadline, largest first) still worth a reminder for a task due at
 * `deadline` and issued (or moved) at `now`: a reminder due before, or within moments of, the issue itself
 * is left out — a task due in 2 hours gets no "2 hours left" right after its relay. "Moments" is a tenth of
 * the time left, at most a minute.
 */
export function reminderOffsets(deps: CoreDeps, deadline: Date, now: Date): number[] {
  const left = deadline.getTime() - now.getTime();
  const grace = Math.min(60_000, Math.max(0, left) / 10);
  return offsets(deps).filter((ms) => ms < left - grace);
}

/**
 * Schedules (or moves) one timer per step of `task`: reminders `task-<id>-s<i>` and the deadline
 * `task-<id>-due`. A reminder whose time has already passed is cancelled, not fired at once. Call inside
 * a unit of work.
 */
export async function scheduleSteps(deps: CoreDeps, task: Task): Promise<void> {
  const live = new Set(reminderOffsets(deps, task.deadline, deps.now()));
  const place = async (timer: TimerDef<TaskStepData, CoreDeps>, dueAt: Date, step: string) => {
    const data = { taskId: task.id, rev: task.rev, step };
    const base = timer.id(data);
    if (timer === remindTimer && !live.has(task.deadline.getTime() - dueAt.getTime())) {
      await timer.cancel(deps, base);
      await timer.cancel(deps, base, { prefix: true });
      return;
    }
    if (await timer.schedule(deps, dueAt, data, { urgent: task.urgent })) return;
    // the step already fired for an earlier deadline: re-arm it under a new id for this revision
    await timer.cancel(deps, base, { prefix: true });
    await timer.schedule(deps, dueAt, data, { id: `${base}-v${task.rev}`, urgent: task.urgent });
  };
  for (const [i, ms] of offsets(deps).entries()) await place(remindTimer, new Date(task.deadline.getTime() - ms), `s${i}`);
  await place(dueTimer, task.deadline, 'due');
}

/** Cancels every pending reminder and deadline timer of a task. @returns how many. */
export async function cancelSteps(deps: CoreDeps, taskId: number): Promise<number> {
  return await remindTimer.cancel(deps, `task-${taskId}`, { prefix: true });
}

async function liveTask(deps: CoreDeps, data: TaskStepData): Promise<{ task: Task; step: string } | null> {
  const task = await getTask(deps.db, data.taskId);
  if (!task || task.status !== 'open' || task.rev !== data.rev) return null;
  return { task, step: data.step };
}

/** Other tasks' reminders due within this long (ms) of one firing are folded into the same message. */
export function taskBundleWindowMs(config: CoreDeps['config']): number {
  return Math.min(120_000, Math.floor(Math.min(...config.TASK_REMIND_BEFORE, Infinity) / 4));
}

/**
 * A reminder step: one message per grid not yet done. Other tasks' reminders due within
 * {@link taskBundleWindowMs} are folded in (their timers cancelled in this transaction), so a grid with
 * several open tasks gets one reminder listing them all (PRODUCT.md §2.6).
 */
async function remind(deps: CoreDeps, timer: Timer<TaskStepData>, at: Date): Promise<void> {
  const live = await liveTask(deps, timer.data);
  if (!live) return;
  const bundle = [live];
  for (const t of await remindTimer.pendingDue(deps, new Date(at.getTime() + taskBundleWindowMs(deps.config)), timer.id)) {
    const other = await liveTask(deps, t.data);
    if (other && other.task.id !== live.task.id && await remindTimer.cancel(deps, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.task.id - b.task.id);
  const tz = deps.config.TIMEZONE;
  const line = (task: Task) => {
    const left = task.deadline.getTime() - at.getTime();
    return `截止 ${shortDateTimeIn(task.deadline, tz)}（${left > 0 ? `还剩约${formatDurationZh(left)}` : '已到截止时间'}）`;
  };
  const byUnit = new Map<string, { target: TaskTarget; items: { task: Task; step: string }[] }>();
  for (const b of bundle) {
    for (const t of await notDoneTargets(deps.db, b.task.id)) {
      const e = byUnit.get(t.unitId) ?? { target: t, items: [] };
      e.items.push(b);
      byUnit.set(t.unitId, e);
    }
  }
  // the people to @ in every grid in one query, and the messages in a few statements: a bundle of 100 tasks reaches
  // 747 grids without a round trip per grid
  const actors = await membersWithRolesByUnit(deps.db, [...byUnit.keys()], ACTORS);
  const messages: NewOutbound[] = [];
  for (const [unitId, { target, items }] of byUnit) {
    const [first] = items as [{ task: Task; step: string }];
    const text =
      items.length === 1
        ? [`⏰ 提醒：${formatTaskNumber(first.task)}「${first.task.title}」`, `${line(first.task)}，本网格尚未完成。`, `完成后发送 ${doneHint(first.task, fieldsOf(first.task).length ? missingFields(fieldsOf(first.task), target.returns ?? {}) : undefined)}`].join('\n')
        : [
            `⏰ 提醒：本网格尚有 ${items.length} 项专项任务未完成：`,
            ...items.map((i) => `· ${formatTaskNumber(i.task)}「${i.task.title}」${line(i.task)}`),
            `完成后逐项发送：${items.map((i) => `/完成 ${i.task.number}`).join('、')}`,
          ].join('\n');
    messages.push({
      conversationId: target.conversationId,
      text,
      mentions: actors.get(unitId) ?? [],
      dedupKey: `task-${first.task.id}-v${first.task.rev}-${unitId}-${first.step}`,
    });
  }
  await deps.outbox.storeMany(deps.db, messages);
}

/** The deadline: each township room (other than the issuer's) its overdue grids, the issuer the roll-up (with the sums of the figures returned, for a task with `回报:`). */
async function due(deps: CoreDeps, timer: Timer<TaskStepData>): Promise<void> {
  const live = await liveTask(deps, timer.data);
  if (!live) return;
  const { task } = live;
  const { db } = deps;
  const overdue = await notDoneTargets(db, task.id);
  if (overdue.length === 0) return;
  const tz = deps.config.TIMEZONE;
  const n = formatTaskNumber(task);
  const key = `task-${task.id}-v${task.rev}`;
  const byTownship = new Map<string, TaskTarget[]>();
  for (const t of overdue) byTownship.set(t.townshipId, [...(byTownship.get(t.townshipId) ?? []), t]);
  for (const [tid, list] of byTownship) {
    const room = await groupOfUnit(db, tid);
    if (!room || room.conversationId === task.issuedIn) continue; // the issuer's own room gets the roll-up below
    await deps.outbox.store(db, {
      conversationId: room.conversationId,
      text: `⚠️ ${n}「${task.title}」已过截止时间（${shortDateTimeIn(task.deadline, tz)}），本乡镇 ${list.length} 个网格未完成：\n${gridNames(list)}\n请督促完成（/完成 ${task.number}）。`,
      dedupKey: `${key}-${tid}-due`,
    });
  }
  const all = await taskTargetsOf(db, task.id);
  const done = all.length - overdue.length;
  const lines = [`📋 ${n}「${task.title}」截止（${shortDateTimeIn(task.deadline, tz)}）`, `已完成 ${done}/${all.length}（${percent(done, all.length)}），逾期未完成 ${overdue.length} 个网格：`];
  if (byTownship.size > 1 || overdue[0]!.townshipId !== (await getGroup(db, task.issuedIn))?.unitId) {
    for (const [tid, list] of byTownship) lines.push(`· ${(await getUnit(db, tid))?.name ?? tid} ${list.length}：${gridNames(list, 5)}`);
  } else {
    lines.push(gridNames(overdue));
  }
  const fields = fieldsOf(task);
  if (fields.length) lines.push(`已回报合计：${formatReturns(fields, sumReturns(fields, all.filter((t) => t.doneAt !== null).map((t) => t.returns)))}`);
  await deps.outbox.store(db, { conversationId: task.issuedIn, text: lines.join('\n'), dedupKey: `${key}-issuer-due` });
}
