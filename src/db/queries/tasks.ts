/** Special task queries: tasks, their target grids and completions, recurring series. */
import { and, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { units, taskSeries, taskTargets, tasks, type Task, type TaskReturns, type TaskSeries, type TaskTarget } from '../schema/index.js';

/** Stores a task; with `seriesId`+`tickAt` set, a second task for the same tick is not stored. @returns the row, or undefined on such a repeat. */
export function insertTask(db: Db, values: typeof tasks.$inferInsert): Task | undefined {
  return db.insert(tasks).values(values).onConflictDoNothing().returning().get();
}

export function insertTaskTargets(db: Db, rows: (typeof taskTargets.$inferInsert)[]): void {
  for (let i = 0; i < rows.length; i += 200) db.insert(taskTargets).values(rows.slice(i, i + 200)).run();
}

export const getTask = (db: Db, id: number): Task | undefined => db.select().from(tasks).where(eq(tasks.id, id)).get();

/** A task by number (any year: the latest year first). */
export function findTaskByNumber(db: Db, number: number): Task | undefined {
  return db.select().from(tasks).where(eq(tasks.number, number)).orderBy(desc(tasks.year)).get();
}

/** Every target of a task, ordered by unit id. */
export function taskTargetsOf(db: Db, taskId: number): TaskTarget[] {
  return db.select().from(taskTargets).where(eq(taskTargets.taskId, taskId)).orderBy(taskTargets.unitId).all();
}

/** Targets of a task not yet done, ordered by unit id. */
export function notDoneTargets(db: Db, taskId: number): TaskTarget[] {
  return db.select().from(taskTargets).where(and(eq(taskTargets.taskId, taskId), isNull(taskTargets.doneAt))).orderBy(taskTargets.unitId).all();
}

export function getTaskTarget(db: Db, taskId: number, unitId: string): TaskTarget | undefined {
  return db.select().from(taskTargets).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId))).get();
}

/** Marks a target done unless it already is (with its figures, when the task asks for some). @returns true when this call marked it. */
export function markTargetDone(
  db: Db,
  taskId: number,
  unitId: string,
  v: { at: Date; by: string; late: boolean; note: string | null; evidence: TaskTarget['evidence']; inboundId: number; returns?: TaskReturns | null },
): boolean {
  return (
    db
      .update(taskTargets)
      .set({ doneAt: v.at, doneBy: v.by, late: v.late, doneNote: v.note, evidence: v.evidence, doneInboundId: v.inboundId, returns: v.returns ?? null })
      .where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId), isNull(taskTargets.doneAt)))
      .run().changes > 0
  );
}

/**
 * Keeps a grid's figures given so far (and its note and evidence) on a target not yet done.
 * @returns true when the target was not done and was updated.
 */
export function saveReturnsDraft(db: Db, taskId: number, unitId: string, v: { returns: TaskReturns; note: string | null; evidence: TaskTarget['evidence'] }): boolean {
  return (
    db
      .update(taskTargets)
      .set({ returns: v.returns, doneNote: v.note, evidence: v.evidence })
      .where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId), isNull(taskTargets.doneAt)))
      .run().changes > 0
  );
}

/** Replaces a done target's figures (a grid correcting its return). */
export function setReturns(db: Db, taskId: number, unitId: string, returns: TaskReturns): void {
  db.update(taskTargets).set({ returns }).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId))).run();
}

/** Open tasks that target `unitId`, newest first. */
export function openTasksForUnit(db: Db, unitId: string): (Task & { doneAt: Date | null })[] {
  return db
    .select({ t: tasks, doneAt: taskTargets.doneAt })
    .from(taskTargets)
    .innerJoin(tasks, eq(tasks.id, taskTargets.taskId))
    .where(and(eq(taskTargets.unitId, unitId), eq(tasks.status, 'open')))
    .orderBy(desc(tasks.issuedAt), desc(tasks.id))
    .all()
    .map((r) => ({ ...r.t, doneAt: r.doneAt }));
}

/**
 * Open tasks with per-task counts, newest first, optionally only targets in one township.
 * @returns each task with `total`, `done` and `late` (done after the deadline) counted over the chosen targets.
 */
export function openTasksWithCounts(db: Db, opts: { townshipId?: string; limit: number }) {
  const where = opts.townshipId
    ? and(eq(tasks.status, 'open'), eq(taskTargets.townshipId, opts.townshipId))
    : eq(tasks.status, 'open');
  return db
    .select({
      t: tasks,
      total: sql<number>`count(*)`,
      done: sql<number>`sum(case when ${taskTargets.doneAt} is not null then 1 else 0 end)`,
      late: sql<number>`sum(case when ${taskTargets.late} = 1 then 1 else 0 end)`,
    })
    .from(taskTargets)
    .innerJoin(tasks, eq(tasks.id, taskTargets.taskId))
    .where(where)
    .groupBy(tasks.id)
    .orderBy(desc(tasks.issuedAt), desc(tasks.id))
    .limit(opts.limit)
    .all()
    .map((r) => ({ ...r.t, total: Number(r.total), done: Number(r.done ?? 0), late: Number(r.late ?? 0) }));
}

/** Moves a task's deadline and bumps its revision. @returns the updated row. */
export function setDeadline(db: Db, taskId: number, deadline: Date): Task {
  return db.update(tasks).set({ deadline, rev: sql`${tasks.rev} + 1` }).where(eq(tasks.id, taskId)).returning().get()!;
}

export function cancelTaskRow(db: Db, taskId: number): void {
  db.update(tasks).set({ status: 'cancelled' }).where(eq(tasks.id, taskId)).run();
}

export function insertSeries(db: Db, values: typeof taskSeries.$inferInsert): TaskSeries {
  return db.insert(taskSeries).values(values).returning().get();
}

export const getSeries = (db: Db, id: number): TaskSeries | undefined => db.select().from(taskSeries).where(eq(taskSeries.id, id)).get();

export function endSeriesRow(db: Db, id: number, at: Date): void {
  db.update(taskSeries).set({ status: 'ended', endedAt: at, synced: false }).where(and(eq(taskSeries.id, id), eq(taskSeries.status, 'active'))).run();
}

/** Series whose BullMQ job scheduler does not yet match their status. */
export const unsyncedSeries = (db: Db): TaskSeries[] => db.select().from(taskSeries).where(eq(taskSeries.synced, false)).all();

/** Active series (start-up re-upserts their schedulers). */
export const activeSeries = (db: Db): TaskSeries[] => db.select().from(taskSeries).where(eq(taskSeries.status, 'active')).all();

export function markSeriesSynced(db: Db, id: number, status: TaskSeries['status']): void {
  db.update(taskSeries).set({ synced: true }).where(and(eq(taskSeries.id, id), eq(taskSeries.status, status))).run();
}

/** Units of one kind (e.g. villages, to read a `范围:` village name), ordered by id. */
export function unitsOfKind(db: Db, kind: 'township' | 'village' | 'grid') {
  return db.select().from(units).where(eq(units.kind, kind)).orderBy(units.id).all();
}

/** The occurrence a series opened at scheduler tick `tickAt` (ms), if any. */
export function occurrenceAt(db: Db, seriesId: number, tickAt: number): Task | undefined {
  return db.select().from(tasks).where(and(eq(tasks.seriesId, seriesId), eq(tasks.tickAt, tickAt))).get();
}

/** The latest completion `memberId` made for `unitId` at or after `since`, with its task. */
export function latestCompletionBy(db: Db, unitId: string, memberId: string, since: Date): TaskTarget | undefined {
  return db
    .select()
    .from(taskTargets)
    .where(and(eq(taskTargets.unitId, unitId), eq(taskTargets.doneBy, memberId), gte(taskTargets.doneAt, since)))
    .orderBy(desc(taskTargets.doneAt))
    .get();
}

/** Appends attachments to a completion's evidence. @returns the evidence count after. */
export function appendEvidence(db: Db, taskId: number, unitId: string, more: NonNullable<TaskTarget['evidence']>): number {
  const t = getTaskTarget(db, taskId, unitId);
  const evidence = [...(t?.evidence ?? []), ...more];
  db.update(taskTargets).set({ evidence }).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId))).run();
  return evidence.length;
}
