/** A grid completing a special task (`/完成`), with pictures as evidence. */
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
  taskTargetsOf,
} from '../../src/db/queries/tasks.js';
import type { Member, Task, TaskEvidence, TaskTarget, Unit } from '../../src/db/schema/index.js';
import { formatTaskNumber } from './format.js';

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

/**
 * Records that `unit` completed a task — once; a repeat answers `already`. Received after the deadline it
 * counts, marked late. Evidence (attachments of the message) is kept with the completion.
 * @throws Refusal when the task does not exist, was cancelled, was not sent to the unit, or (without a
 *   number) the grid has no or several open tasks.
 */
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
