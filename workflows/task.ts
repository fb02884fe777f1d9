/**
 * Special tasks (专项任务): issue with a gapless number `专项任务〔YYYY〕第N号` and a deadline, relay to the
 * target grids, complete once per grid (late counts, marked late), remind the grids not yet done, and at
 * the deadline tell each township room its overdue grids and the issuer the roll-up.
 *
 * Reminders are durable timers (src/jobs/timers.ts), one per (task, step): `task-<id>-s<i>` at each
 * offset of `TASK_REMIND_BEFORE` before the deadline and `task-<id>-due` at it. The handler computes
 * the grids not yet done when it fires, so a completion removes that grid from every later step; each
 * message carries the outbox key `task-<id>-v<rev>-<unit>-<step>`, so nothing is posted twice.
 * `/改期` moves the same timer ids (a step that had already fired is re-armed as `<id>-v<rev>`), and
 * `/取消任务` cancels them all. A step with nobody left to tell posts nothing.
 *
 * Everything here runs synchronously inside the caller's write transaction.
 */
import type { CoreDeps, Tier } from '../src/core/command.js';
import { formatDeadline } from '../src/core/deadline.js';
import { formatDurationZh } from '../src/core/duration.js';
import { maskPersonal } from '../src/core/mask.js';
import { Refusal } from '../src/core/errors.js';
import { mayChangeTask } from '../src/core/permissions.js';
import { percent, shortDateTimeIn, yearIn } from '../src/core/time.js';
import type { Db } from '../src/db/client.js';
import { audit } from '../src/db/queries/audit.js';
import { nextNumber } from '../src/db/queries/directives.js';
import { countyUnit, getGroup, getUnit, groupOfUnit, membersWithRoles } from '../src/db/queries/roster.js';
import { PICTURE_FOLLOW_UP_MS } from '../src/core/follow-up.js';
import { messagesBetween } from '../src/db/queries/inbound.js';
import { NUMERAL_SOURCE, parseNumeral } from '../src/core/numerals.js';
import {
  appendEvidence,
  cancelTaskRow,
  endSeriesRow,
  findTaskByNumber,
  getSeries,
  getTask,
  getTaskTarget,
  insertTask,
  insertTaskTargets,
  latestCompletionBy,
  markTargetDone,
  notDoneTargets,
  pendingTaskReminders,
  occurrenceAt,
  openTasksForUnit,
  openTasksWithCounts,
  setDeadline,
  taskTargetsOf,
} from '../src/db/queries/tasks.js';
import type { Member, Task, TaskEvidence, TaskScope, TaskTarget, TimerRow, Unit } from '../src/db/schema/index.js';
import { resolveScope } from './task-scope.js';
import { clip } from '../src/core/text.js';

/** Timer kinds of this workflow. */
export const TASK_REMIND = 'task.remind';
export const TASK_DUE = 'task.due';
/** Roles @-mentioned in a grid's reminder: the people who must act. */
const ACTORS = ['grid_leader', 'grid_worker'];

/** `专项任务〔2026〕第3号`. */
export function formatTaskNumber(t: Pick<Task, 'year' | 'number'>): string {
  return `专项任务〔${t.year}〕第${t.number}号`;
}

const TASK_REF = new RegExp(`^\\s*(?:专项任务|任务|task)?\\s*(?:[〔\\[(（]\\s*\\d{4}\\s*[〕\\])）]\\s*)?(?:第\\s*)?(${NUMERAL_SOURCE})(?:\\s*号)?\\s*$`, 'i');

/**
 * Parses a task reference: `3`, `三`, `第3号`, `任务3`, `专项任务〔2026〕第3号` (numbers in Arabic digits or
 * Chinese numerals; `1.5`, `1 4`, `0` are not numbers). @returns the number, or null.
 */
export function parseTaskRef(text: string): number | null {
  const m = TASK_REF.exec(text);
  const n = m ? parseNumeral(m[1]!) : null;
  return n !== null && n >= 1 ? n : null;
}

function issuerName(db: Db, conversationId: string): string {
  return getGroup(db, conversationId)?.title ?? countyUnit(db)?.name ?? '指挥部';
}

export interface IssueTaskInput {
  title: string;
  note?: string | null;
  deadline: Date;
  scope: TaskScope;
  issuerId: string;
  /** The issuer's group (command group or township room). */
  conversationId: string;
  inboundId?: number | null;
  urgent?: boolean;
  /** Set for an occurrence of a recurring series: one occurrence per (series, tick). */
  seriesId?: number;
  tickAt?: number;
}

export interface IssueTaskResult {
  task: Task;
  grids: number;
  townships: number;
}

/**
 * Issues a task: next number for the year (in TIMEZONE), target snapshot, one relay per grid group
 * (@-mentioning its leader and worker; key `task-<id>-relay-<cid>`), one note per township room when the
 * county issues (key `task-<id>-room-<township>`), reminder timers, audit.
 * @returns the result, or null when this series tick already opened an occurrence.
 * @throws Refusal when the scope names no grid.
 */
export function issueTask(deps: CoreDeps, input: IssueTaskInput): IssueTaskResult | null {
  // title and note reach every grid (relays, reminders, lists): stored with personal numbers masked
  input = { ...input, title: maskPersonal(input.title), ...(input.note ? { note: maskPersonal(input.note) } : {}) };
  const { db, config } = deps;
  const now = deps.now();
  const grids = resolveScope(db, input.scope);
  if (grids.length === 0) throw new Refusal(`范围「${clip(input.scope.label)}」内没有网格群，任务未下达。`);
  const year = yearIn(now, config.TIMEZONE);
  if (input.seriesId !== undefined && input.tickAt !== undefined && occurrenceAt(db, input.seriesId, input.tickAt)) return null;
  const numbered = insertTask(db, {
    year,
    number: nextNumber(db, 'task', year),
    title: input.title,
    note: input.note ?? null,
    issuerId: input.issuerId,
    issuedIn: input.conversationId,
    issuedAt: now,
    deadline: input.deadline,
    urgent: input.urgent ?? false,
    scopeLabel: input.scope.label,
    seriesId: input.seriesId ?? null,
    tickAt: input.tickAt ?? null,
    sourceInboundId: input.inboundId ?? null,
  })!;
  const task = numbered;
  insertTaskTargets(
    db,
    grids.map((g) => ({ taskId: task.id, unitId: g.id, unitName: g.name, townshipId: g.townshipId ?? g.id, conversationId: g.conversationId })),
  );
  const tz = config.TIMEZONE;
  const n = formatTaskNumber(numbered);
  const from = issuerName(db, input.conversationId);
  const relay = [
    `【${n}】${input.title}`,
    ...(input.note ? [`说明：${input.note}`] : []),
    `截止：${formatDeadline(input.deadline, tz)}`,
    `完成后在本群发送 /完成 ${numbered.number} [说明]，可附图片。`,
    `——${from}`,
  ].join('\n');
  for (const g of grids) {
    deps.outbox.store(db, { conversationId: g.conversationId, text: relay, mentions: membersWithRoles(db, g.id, ACTORS), dedupKey: `task-${task.id}-relay-${g.conversationId}` });
  }
  const byTownship = countBy(grids, (g) => g.townshipId ?? g.id);
  if (input.scope.tier === 'county') {
    for (const [tid, count] of byTownship) {
      const room = groupOfUnit(db, tid);
      if (!room || room.conversationId === input.conversationId) continue;
      deps.outbox.store(db, {
        conversationId: room.conversationId,
        text: `【${n}】${input.title}\n已下达本乡镇 ${count} 个网格，截止 ${formatDeadline(input.deadline, tz)}。截止时仍未完成的网格将报本室。`,
        dedupKey: `task-${task.id}-room-${tid}`,
      });
    }
  }
  scheduleSteps(deps, numbered);
  audit(db, {
    actorId: input.issuerId,
    action: 'task.issue',
    subject: n,
    detail: { taskId: task.id, grids: grids.length, deadline: input.deadline.toISOString(), scope: input.scope.label, seriesId: input.seriesId ?? null },
    inboundId: input.inboundId ?? null,
    at: now,
  });
  return { task: numbered, grids: grids.length, townships: byTownship.size };
}

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/** Reminder offsets (ms before the deadline), largest first. */
function offsets(deps: CoreDeps): number[] {
  return [...new Set(deps.config.TASK_REMIND_BEFORE)].filter((ms) => ms > 0).sort((a, b) => b - a);
}

/**
 * Schedules (or moves) one timer per step of `task`: reminders `task-<id>-s<i>` and the deadline
 * `task-<id>-due`. A reminder whose time has already passed is cancelled, not fired at once.
 */
function scheduleSteps(deps: CoreDeps, task: Task): void {
  const { db, timers } = deps;
  const now = deps.now().getTime();
  const place = (base: string, kind: string, dueAt: Date, step: string) => {
    const t = { kind, dueAt, data: { taskId: task.id, rev: task.rev, step }, urgent: task.urgent };
    if (dueAt.getTime() <= now && kind === TASK_REMIND) {
      timers.cancel(db, base);
      timers.cancel(db, base, { prefix: true });
      return;
    }
    if (timers.schedule(db, { id: base, ...t })) return;
    // the step already fired for an earlier deadline: re-arm it under a new id for this revision
    timers.cancel(db, base, { prefix: true });
    timers.schedule(db, { id: `${base}-v${task.rev}`, ...t });
  };
  offsets(deps).forEach((ms, i) => place(`task-${task.id}-s${i}`, TASK_REMIND, new Date(task.deadline.getTime() - ms), `s${i}`));
  place(`task-${task.id}-due`, TASK_DUE, task.deadline, 'due');
}

/** Registers the reminder and deadline handlers with the app's timers. */
export function registerTimers(deps: CoreDeps): void {
  deps.timers.on(TASK_REMIND, (db, timer, fired) => remind({ ...deps, db }, timer, fired.at));
  deps.timers.on(TASK_DUE, (db, timer, fired) => due({ ...deps, db }, timer, fired.at));
}

function liveTask(deps: CoreDeps, timer: TimerRow): { task: Task; step: string } | null {
  const data = timer.data as { taskId: number; rev: number; step: string };
  const task = getTask(deps.db, data.taskId);
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
function remind(deps: CoreDeps, timer: TimerRow, at: Date): void {
  const live = liveTask(deps, timer);
  if (!live) return;
  const bundle = [live];
  for (const t of pendingTaskReminders(deps.db, TASK_REMIND, new Date(at.getTime() + taskBundleWindowMs(deps.config)), timer.id)) {
    const other = liveTask(deps, t);
    if (other && other.task.id !== live.task.id && deps.timers.cancel(deps.db, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.task.id - b.task.id);
  const tz = deps.config.TIMEZONE;
  const line = (task: Task) => {
    const left = task.deadline.getTime() - at.getTime();
    return `截止 ${shortDateTimeIn(task.deadline, tz)}（${left > 0 ? `还剩约${formatDurationZh(left)}` : '已到截止时间'}）`;
  };
  const byUnit = new Map<string, { target: TaskTarget; items: { task: Task; step: string }[] }>();
  for (const b of bundle) {
    for (const t of notDoneTargets(deps.db, b.task.id)) {
      const e = byUnit.get(t.unitId) ?? { target: t, items: [] };
      e.items.push(b);
      byUnit.set(t.unitId, e);
    }
  }
  for (const [unitId, { target, items }] of byUnit) {
    const [first] = items as [{ task: Task; step: string }];
    const text =
      items.length === 1
        ? [`⏰ 提醒：${formatTaskNumber(first.task)}「${first.task.title}」`, `${line(first.task)}，本网格尚未完成。`, `完成后发送 /完成 ${first.task.number} [说明]`].join('\n')
        : [
            `⏰ 提醒：本网格尚有 ${items.length} 项专项任务未完成：`,
            ...items.map((i) => `· ${formatTaskNumber(i.task)}「${i.task.title}」${line(i.task)}`),
            `完成后逐项发送：${items.map((i) => `/完成 ${i.task.number}`).join('、')}`,
          ].join('\n');
    deps.outbox.store(deps.db, {
      conversationId: target.conversationId,
      text,
      mentions: membersWithRoles(deps.db, unitId, ACTORS),
      dedupKey: `task-${first.task.id}-v${first.task.rev}-${unitId}-${first.step}`,
    });
  }
}

const MAX_NAMES = 20;

function names(xs: TaskTarget[], max = MAX_NAMES): string {
  const shown = xs.slice(0, max).map((t) => t.unitName).join('、');
  return xs.length > max ? `${shown} 等${xs.length}个` : shown;
}

function due(deps: CoreDeps, timer: TimerRow, _at: Date): void {
  const live = liveTask(deps, timer);
  if (!live) return;
  const { task } = live;
  const { db } = deps;
  const overdue = notDoneTargets(db, task.id);
  if (overdue.length === 0) return;
  const tz = deps.config.TIMEZONE;
  const n = formatTaskNumber(task);
  const key = `task-${task.id}-v${task.rev}`;
  const byTownship = new Map<string, TaskTarget[]>();
  for (const t of overdue) byTownship.set(t.townshipId, [...(byTownship.get(t.townshipId) ?? []), t]);
  for (const [tid, list] of byTownship) {
    const room = groupOfUnit(db, tid);
    if (!room || room.conversationId === task.issuedIn) continue; // the issuer's own room gets the roll-up below
    deps.outbox.store(db, {
      conversationId: room.conversationId,
      text: `⚠️ ${n}「${task.title}」已过截止时间（${shortDateTimeIn(task.deadline, tz)}），本乡镇 ${list.length} 个网格未完成：\n${names(list)}\n请督促完成（/完成 ${task.number}）。`,
      dedupKey: `${key}-${tid}-due`,
    });
  }
  const all = taskTargetsOf(db, task.id);
  const done = all.length - overdue.length;
  const lines = [`📋 ${n}「${task.title}」截止（${shortDateTimeIn(task.deadline, tz)}）`, `已完成 ${done}/${all.length}（${percent(done, all.length)}），逾期未完成 ${overdue.length} 个网格：`];
  if (byTownship.size > 1 || overdue[0]!.townshipId !== getGroup(db, task.issuedIn)?.unitId) {
    for (const [tid, list] of byTownship) lines.push(`· ${getUnit(db, tid)?.name ?? tid} ${list.length}：${names(list, 5)}`);
  } else {
    lines.push(names(overdue));
  }
  deps.outbox.store(db, { conversationId: task.issuedIn, text: lines.join('\n'), dedupKey: `${key}-issuer-due` });
}

export interface CompleteInput {
  unit: Unit;
  member: Member;
  /** Task number; without it, the grid's only open task not yet done. */
  number?: number | undefined;
  note?: string | null;
  evidence: TaskEvidence[];
  inboundId: number;
  /**
   * When the grid reported it done: the moment its message was received (`ctx.receivedAt`); default now.
   * On time or late is judged by it; it is never taken as earlier than the task's issue.
   */
  at?: Date | undefined;
}

export type CompleteResult =
  | { status: 'done'; task: Task; late: boolean; evidence: number; left: number }
  | { status: 'already'; task: Task; target: TaskTarget };

/**
 * Records that `unit` completed a task — once; a repeat answers `already`. Received after the deadline it
 * counts, marked late. Evidence (attachments of the message) is kept with the completion.
 * @throws Refusal when the task does not exist, was cancelled, was not sent to the unit, or (without a
 *   number) the grid has no or several open tasks.
 */
/**
 * Keeps a picture sent on its own as evidence of the completion its sender just made in this grid:
 * only their next message in the group, within {@link PICTURE_FOLLOW_UP_MS} of the completion.
 * @returns the task and the evidence count now kept, or null when no completion is waiting for it.
 */
export function attachEvidenceFollowUp(
  deps: CoreDeps,
  input: { unit: Unit; member: Member; conversationId: string; evidence: TaskEvidence[]; inboundId: number; at?: Date | undefined },
): { task: Task; evidence: number } | null {
  const since = new Date((input.at ?? deps.now()).getTime() - PICTURE_FOLLOW_UP_MS);
  const target = latestCompletionBy(deps.db, input.unit.id, input.member.id, since);
  if (!target || target.doneInboundId === null) return null;
  if (messagesBetween(deps.db, input.member.id, input.conversationId, target.doneInboundId, input.inboundId) > 0) return null;
  const task = getTask(deps.db, target.taskId)!;
  const evidence = appendEvidence(deps.db, target.taskId, input.unit.id, input.evidence);
  audit(deps.db, { actorId: input.member.id, action: 'task.evidence', subject: formatTaskNumber(task), detail: { unitId: input.unit.id, added: input.evidence.length }, inboundId: input.inboundId, at: input.at ?? deps.now() });
  return { task, evidence };
}

export function completeTask(deps: CoreDeps, input: CompleteInput): CompleteResult {
  const { db } = deps;
  let task: Task | undefined;
  if (input.number === undefined) {
    const open = openTasksForUnit(db, input.unit.id).filter((t) => t.doneAt === null);
    if (open.length === 0) throw new Refusal('本网格当前没有待完成的专项任务。');
    if (open.length > 1) throw new Refusal(`本网格有 ${open.length} 个待完成任务，请写明任务号：${open.map((t) => `/完成 ${t.number}`).join('、')}`);
    task = open[0];
  } else {
    task = findTaskByNumber(db, input.number);
    if (!task) throw new Refusal(`没有专项任务第${input.number}号。请核对任务号。`);
  }
  const n = formatTaskNumber(task!);
  if (task!.status === 'cancelled') throw new Refusal(`${n}已取消，无需完成。`);
  const target = getTaskTarget(db, task!.id, input.unit.id);
  if (!target) throw new Refusal(`${n}不是发给${input.unit.name}的。`);
  if (target.doneAt) return { status: 'already', task: task!, target };
  // the person's time, not the processing time; not before the task was issued (a platform clock behind ours)
  const now = new Date(Math.max((input.at ?? deps.now()).getTime(), task!.issuedAt.getTime()));
  const late = now.getTime() > task!.deadline.getTime();
  markTargetDone(db, task!.id, input.unit.id, { at: now, by: input.member.id, late, note: input.note ?? null, evidence: input.evidence.length ? input.evidence : null, inboundId: input.inboundId });
  audit(db, { actorId: input.member.id, action: 'task.complete', subject: n, detail: { unitId: input.unit.id, late, evidence: input.evidence.length }, inboundId: input.inboundId, at: now });
  const left = notDoneTargets(db, task!.id).length;
  if (left === 0) {
    deps.outbox.store(db, { conversationId: task!.issuedIn, text: `✅ ${n}「${task!.title}」全部 ${taskTargetsOf(db, task!.id).length} 个网格已完成。`, dedupKey: `task-${task!.id}-alldone` });
  }
  return { status: 'done', task: task!, late, evidence: input.evidence.length, left };
}

/**
 * Finds a task that the asker may change: a county issuer any task, a township officer only tasks issued
 * from their own room.
 * @throws Refusal when there is no such task, it was cancelled, or it is another tier's.
 */
export function taskForIssuer(deps: CoreDeps, number: number, asker: { tier: Tier; conversationId: string }): Task {
  const task = findTaskByNumber(deps.db, number);
  if (!task) throw new Refusal(`没有专项任务第${number}号。请核对任务号。`);
  if (task.status === 'cancelled') throw new Refusal(`${formatTaskNumber(task)}已取消。`);
  if (!mayChangeTask(asker, task)) throw new Refusal(`${formatTaskNumber(task)}不是本室下达的，不能更改。`);
  return task;
}

/**
 * Moves a task's deadline: bumps its revision, moves its reminder timers (same ids), tells the grids not
 * yet done. @throws Refusal when the new deadline is not in the future.
 */
export function rescheduleTask(deps: CoreDeps, task: Task, deadline: Date, actor: { id: string; inboundId: number }): Task {
  const { db } = deps;
  const now = deps.now();
  const moved = setDeadline(db, task.id, deadline);
  scheduleSteps(deps, moved);
  const n = formatTaskNumber(moved);
  const text = `🕘 ${n}「${moved.title}」截止时间改为 ${formatDeadline(deadline, deps.config.TIMEZONE)}。`;
  for (const t of notDoneTargets(db, task.id)) deps.outbox.store(db, { conversationId: t.conversationId, text, dedupKey: `task-${task.id}-v${moved.rev}-${t.unitId}-moved` });
  audit(db, { actorId: actor.id, action: 'task.reschedule', subject: n, detail: { from: task.deadline.toISOString(), to: deadline.toISOString() }, inboundId: actor.inboundId, at: now });
  return moved;
}

/**
 * Cancels a task: all its timers, a note to the grids not yet done; an occurrence of a recurring series
 * also ends the series (no further occurrences). @returns whether a series was ended.
 */
export function cancelTask(deps: CoreDeps, task: Task, actor: { id: string; inboundId: number }): { seriesEnded: boolean } {
  const { db } = deps;
  const now = deps.now();
  cancelTaskRow(db, task.id);
  deps.timers.cancel(db, `task-${task.id}`, { prefix: true });
  const n = formatTaskNumber(task);
  for (const t of notDoneTargets(db, task.id)) deps.outbox.store(db, { conversationId: t.conversationId, text: `❎ ${n}「${task.title}」已取消，无需再办。`, dedupKey: `task-${task.id}-cancel-${t.unitId}` });
  let seriesEnded = false;
  if (task.seriesId !== null) {
    const series = getSeries(db, task.seriesId);
    if (series?.status === 'active') {
      endSeriesRow(db, series.id, now);
      seriesEnded = true;
      // wake the scheduler sync right after commit (see workflows/task-recurrence.ts)
      deps.timers.schedule(db, { id: `tser-${series.id}-sync-end`, kind: 'task.series-sync', dueAt: now, urgent: true });
    }
  }
  audit(db, { actorId: actor.id, action: 'task.cancel', subject: n, detail: { taskId: task.id, seriesEnded }, inboundId: actor.inboundId, at: now });
  return { seriesEnded };
}

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
      lines.push(`  未完成：${names(pending, 8)}`);
    }
  }
  return lines.join('\n');
}
