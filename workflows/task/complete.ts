/** A grid completing a special task (`/完成`), with pictures as evidence and, when the task asks, figures (returns.ts). */
import type { CoreDeps } from '../../src/core/deps.js';
import { PICTURE_FOLLOW_UP_MS } from '../../src/core/follow-up.js';
import { Refusal } from '../../src/core/errors.js';
import { audit } from '../../src/db/queries/audit.js';
import { messagesBetween } from '../../src/db/queries/inbound.js';
import {
  appendEvidence,
  findTaskByNumber,
  getTask,
  getTaskTarget,
  latestCompletionBy,
  markTargetDone,
  notDoneTargets,
  openTasksForUnit,
  saveReturnsDraft,
  setReturns,
  taskTargetsOf,
} from '../../src/db/queries/tasks.js';
import type { Member, Task, TaskEvidence, TaskReturns, TaskTarget, Unit } from '../../src/db/schema/index.js';
import { formatTaskNumber } from './format.js';
import { fieldsOf, formatReturns, missingFields, readReturns, sumReturns, type UnreadableFigure } from './returns.js';

export interface CompleteInput {
  unit: Unit;
  member: Member;
  /** Task number; without it, the grid's only open task not yet done. */
  number?: number | undefined;
  /**
   * The text after the task number: the completion's note — and, for a task that asks for figures
   * (`回报:`), the figures (`排查户数:86 返乡人数:3`), read out of it by {@link readReturns}.
   */
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
  /** Done now; `returns` = the grid's figures (null for a task without fields). */
  | { status: 'done'; task: Task; late: boolean; evidence: number; left: number; returns: TaskReturns | null }
  | { status: 'already'; task: Task; target: TaskTarget }
  /** Some figures missing or unreadable: not done; `kept` = the figures kept so far. */
  | { status: 'incomplete'; task: Task; missing: string[]; unreadable: UnreadableFigure[]; kept: TaskReturns }
  /** Already done, figures given again: they replace the ones returned (`before`). */
  | { status: 'corrected'; task: Task; returns: TaskReturns; before: TaskReturns; unreadable: UnreadableFigure[] };

/**
 * Keeps a picture sent on its own as evidence of the completion its sender just made in this grid:
 * only their next message in the group, within {@link PICTURE_FOLLOW_UP_MS} of the completion.
 * @returns the task and the evidence count now kept, or null when no completion is waiting for it.
 */
export async function attachEvidenceFollowUp(
  deps: CoreDeps,
  input: { unit: Unit; member: Member; conversationId: string; evidence: TaskEvidence[]; inboundId: number; at?: Date | undefined },
): Promise<{ task: Task; evidence: number } | null> {
  const since = new Date((input.at ?? deps.now()).getTime() - PICTURE_FOLLOW_UP_MS);
  const target = await latestCompletionBy(deps.db, input.unit.id, input.member.id, since);
  if (!target || target.doneInboundId === null) return null;
  if (await messagesBetween(deps.db, input.member.id, input.conversationId, target.doneInboundId, input.inboundId) > 0) return null;
  const task = (await getTask(deps.db, target.taskId))!;
  const evidence = await appendEvidence(deps.db, target.taskId, input.unit.id, input.evidence);
  await audit(deps.db, { actorId: input.member.id, action: 'task.evidence', subject: formatTaskNumber(task), detail: { unitId: input.unit.id, added: input.evidence.length }, inboundId: input.inboundId, at: input.at ?? deps.now() });
  return { task, evidence };
}

/**
 * Records that `unit` completed a task — once; a repeat answers `already`. Received after the deadline it
 * counts, marked late. Evidence (attachments of the message) is kept with the completion.
 *
 * A task that asks for figures (`回报:`) is done only when every field has one: figures read now are
 * added to those the grid gave before; while some are missing or unreadable the grid's figures, note and
 * evidence so far are kept, it stays not done and the answer is `incomplete` (naming them). Figures sent
 * after the grid is done replace its earlier ones (`corrected`).
 * @throws Refusal when the task does not exist, was cancelled, was not sent to the unit, or (without a
 *   number) the grid has no or several open tasks, or figures were written for one that asks for none.
 */
export async function completeTask(deps: CoreDeps, input: CompleteInput): Promise<CompleteResult> {
  const { db } = deps;
  let task: Task | undefined;
  if (input.number === undefined) {
    const open = (await openTasksForUnit(db, input.unit.id)).filter((t) => t.doneAt === null);
    if (open.length === 0) throw new Refusal('本网格当前没有待完成的专项任务。');
    if (open.length > 1) throw new Refusal(`本网格有 ${open.length} 个待完成任务，请写明任务号：${open.map((t) => `/完成 ${t.number}`).join('、')}`);
    task = open[0];
    // figures without a number (`/完成 排查户数:86`) are only for a task that asks for them
    if (input.note && !fieldsOf(task!).length) throw new Refusal(`请写明任务号：/完成 ${task!.number} [说明]`);
  } else {
    task = await findTaskByNumber(db, input.number);
    if (!task) throw new Refusal(`没有专项任务第${input.number}号。请核对任务号。`);
  }
  const n = formatTaskNumber(task!);
  if (task!.status === 'cancelled') throw new Refusal(`${n}已取消，无需完成。`);
  const target = await getTaskTarget(db, task!.id, input.unit.id);
  if (!target) throw new Refusal(`${n}不是发给${input.unit.name}的。`);
  const fields = fieldsOf(task!);
  const read = fields.length ? readReturns(input.note ?? '', fields) : null;
  // the person's time, not the processing time; not before the task was issued (a platform clock behind ours)
  const now = new Date(Math.max((input.at ?? deps.now()).getTime(), task!.issuedAt.getTime()));
  if (target.doneAt) {
    if (!read || Object.keys(read.values).length === 0) return { status: 'already', task: task!, target };
    const before = target.returns ?? {};
    const returns = { ...before, ...read.values };
    await setReturns(db, task!.id, input.unit.id, returns);
    await audit(db, { actorId: input.member.id, action: 'task.return.correct', subject: n, detail: { unitId: input.unit.id, before, after: returns }, inboundId: input.inboundId, at: now });
    return { status: 'corrected', task: task!, returns, before, unreadable: read.unreadable };
  }
  const evidence = [...(target.evidence ?? []), ...input.evidence];
  const note = read ? read.rest || target.doneNote : input.note ?? null;
  let returns: TaskReturns | null = null;
  if (read) {
    returns = { ...(target.returns ?? {}), ...read.values };
    for (const u of read.unreadable) delete returns[u.field];
    const missing = missingFields(fields, returns);
    if (missing.length) {
      if (Object.keys(read.values).length || read.unreadable.length || read.rest || input.evidence.length) {
        await saveReturnsDraft(db, task!.id, input.unit.id, { returns, note, evidence: evidence.length ? evidence : null });
        await audit(db, { actorId: input.member.id, action: 'task.return.partial', subject: n, detail: { unitId: input.unit.id, returns, missing }, inboundId: input.inboundId, at: now });
      }
      return { status: 'incomplete', task: task!, missing, unreadable: read.unreadable, kept: returns };
    }
  }
  const late = now.getTime() > task!.deadline.getTime();
  await markTargetDone(db, task!.id, input.unit.id, { at: now, by: input.member.id, late, note, evidence: evidence.length ? evidence : null, inboundId: input.inboundId, returns });
  await audit(db, { actorId: input.member.id, action: 'task.complete', subject: n, detail: { unitId: input.unit.id, late, evidence: input.evidence.length, ...(returns ? { returns } : {}) }, inboundId: input.inboundId, at: now });
  const left = (await notDoneTargets(db, task!.id)).length;
  if (left === 0) {
    const all = await taskTargetsOf(db, task!.id);
    const sums = fields.length ? `\n合计：${formatReturns(fields, sumReturns(fields, all.map((t) => t.returns)))}` : '';
    await deps.outbox.store(db, { conversationId: task!.issuedIn, text: `✅ ${n}「${task!.title}」全部 ${all.length} 个网格已完成。${sums}`, dedupKey: `task-${task!.id}-alldone` });
  }
  return { status: 'done', task: task!, late, evidence: evidence.length, left, returns };
}
