/** Special task queries: tasks, their target grids and completions, recurring series. */
import { and, count, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import { type Db, rowsAffected } from '../client.js';
import { units, taskSeries, taskTargets, tasks, type Task, type TaskReturns, type TaskSeries, type TaskTarget } from '../schema/index.js';

/** Stores a task; with `seriesId`+`tickAt` set, a second task for the same tick is not stored. @returns the row, or undefined on such a repeat. */
export async function insertTask(db: Db, values: typeof tasks.$inferInsert): Promise<Task | undefined> {
  return (await db.insert(tasks).values(values).onConflictDoNothing().returning())[0];
}

export async function insertTaskTargets(db: Db, rows: (typeof taskTargets.$inferInsert)[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) (await db.insert(taskTargets).values(rows.slice(i, i + 200)));
}

export const getTask = async (db: Db, id: number): Promise<Task | undefined> => (await db.select().from(tasks).where(eq(tasks.id, id)))[0];

/** A task by number (any year: the latest year first). */
export async function findTaskByNumber(db: Db, number: number): Promise<Task | undefined> {
  return (await db.select().from(tasks).where(eq(tasks.number, number)).orderBy(desc(tasks.year)))[0];
}

/** Every target of a task, ordered by unit id. */
export async function taskTargetsOf(db: Db, taskId: number): Promise<TaskTarget[]> {
  return await db.select().from(taskTargets).where(eq(taskTargets.taskId, taskId)).orderBy(taskTargets.unitId);
}

/** Targets of a task not yet done, ordered by unit id. */
export async function notDoneTargets(db: Db, taskId: number): Promise<TaskTarget[]> {
  return await db.select().from(taskTargets).where(and(eq(taskTargets.taskId, taskId), isNull(taskTargets.doneAt))).orderBy(taskTargets.unitId);
}

export async function getTaskTarget(db: Db, taskId: number, unitId: string): Promise<TaskTarget | undefined> {
  return (await db.select().from(taskTargets).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId))))[0];
}

/** Marks a target done unless it already is (with its figures, when the task asks for some). @returns true when this call marked it. */
export async function markTargetDone(
  db: Db,
  taskId: number,
  unitId: string,
  v: { at: Date; by: string; late: boolean; note: string | null; evidence: TaskTarget['evidence']; inboundId: number; returns?: TaskReturns | null },
): Promise<boolean> {
  return (
    rowsAffected(await db
      .update(taskTargets)
      .set({ doneAt: v.at, doneBy: v.by, late: v.late, doneNote: v.note, evidence: v.evidence, doneInboundId: v.inboundId, returns: v.returns ?? null })
            .where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId), isNull(taskTargets.doneAt)))) > 0
  );
}

/**
 * Keeps a grid's figures given so far (and its note and evidence) on a target not yet done.
 * @returns true when the target was not done and was updated.
 */
export async function saveReturnsDraft(db: Db, taskId: number, unitId: string, v: { returns: TaskReturns; note: string | null; evidence: TaskTarget['evidence'] }): Promise<boolean> {
  return (
    rowsAffected(await db
      .update(taskTargets)
      .set({ returns: v.returns, doneNote: v.note, evidence: v.evidence })
            .where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId), isNull(taskTargets.doneAt)))) > 0
  );
}

/** Replaces a done target's figures (a grid correcting its return). */
export async function setReturns(db: Db, taskId: number, unitId: string, returns: TaskReturns): Promise<void> {
  await db.update(taskTargets).set({ returns }).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId)));
}

/** Open tasks that target `unitId`, newest first. */
export async function openTasksForUnit(db: Db, unitId: string): Promise<(Task & { doneAt: Date | null })[]> {
  return (await db
    .select({ t: tasks, doneAt: taskTargets.doneAt })
    .from(taskTargets)
    .innerJoin(tasks, eq(tasks.id, taskTargets.taskId))
    .where(and(eq(taskTargets.unitId, unitId), eq(tasks.status, 'open')))
      .orderBy(desc(tasks.issuedAt), desc(tasks.id)))
    .map((r) => ({ ...r.t, doneAt: r.doneAt }));
}

/**
 * Open tasks with per-task counts, newest first, optionally only targets in one township.
 * @returns each task with `total`, `done` and `late` (done after the deadline) counted over the chosen targets.
 */
export async function openTasksWithCounts(db: Db, opts: { townshipId?: string; limit: number }) {
  const where = opts.townshipId
    ? and(eq(tasks.status, 'open'), eq(taskTargets.townshipId, opts.townshipId))
    : eq(tasks.status, 'open');
  return (await db
    .select({
      t: tasks,
        total: count(),
        done: sql<number>`sum(case when ${taskTargets.doneAt} is not null then 1 else 0 end)`.mapWith(Number),
        late: sql<number>`sum(case when ${taskTargets.late} = 1 then 1 else 0 end)`.mapWith(Number),
    })
    .from(taskTargets)
    .innerJoin(tasks, eq(tasks.id, taskTargets.taskId))
    .where(where)
    .groupBy(tasks.id)
    .orderBy(desc(tasks.issuedAt), desc(tasks.id))
      .limit(opts.limit))
    .map((r) => ({ ...r.t, total: Number(r.total), done: Number(r.done ?? 0), late: Number(r.late ?? 0) }));
}

/** Moves a task's deadline and bumps its revision. @returns the updated row. */
export async function setDeadline(db: Db, taskId: number, deadline: Date): Promise<Task> {
  return (await db.update(tasks).set({ deadline, rev: sql`${tasks.rev} + 1` }).where(eq(tasks.id, taskId)).returning())[0]!;
}

export async function cancelTaskRow(db: Db, taskId: number): Promise<void> {
  await db.update(tasks).set({ status: 'cancelled' }).where(eq(tasks.id, taskId));
}

export async function insertSeries(db: Db, values: typeof taskSeries.$inferInsert): Promise<TaskSeries> {
  return (await db.insert(taskSeries).values(values).returning())[0]!;
}

export const getSeries = async (db: Db, id: number): Promise<TaskSeries | undefined> => (await db.select().from(taskSeries).where(eq(taskSeries.id, id)))[0];

export async function endSeriesRow(db: Db, id: number, at: Date): Promise<void> {
  await db.update(taskSeries).set({ status: 'ended', endedAt: at, synced: false }).where(and(eq(taskSeries.id, id), eq(taskSeries.status, 'active')));
}

/** Series whose BullMQ job scheduler does not yet match their status. */
export const unsyncedSeries = async (db: Db): Promise<TaskSeries[]> => (await db.select().from(taskSeries).where(eq(taskSeries.synced, false)));

/** Active series (start-up re-upserts their schedulers). */
export const activeSeries = async (db: Db): Promise<TaskSeries[]> => (await db.select().from(taskSeries).where(eq(taskSeries.status, 'active')));

export async function markSeriesSynced(db: Db, id: number, status: TaskSeries['status']): Promise<void> {
  await db.update(taskSeries).set({ synced: true }).where(and(eq(taskSeries.id, id), eq(taskSeries.status, status)));
}

/** Units of one kind (e.g. villages, to read a `范围:` village name), ordered by id. */
export async function unitsOfKind(db: Db, kind: 'township' | 'village' | 'grid') {
  return await db.select().from(units).where(eq(units.kind, kind)).orderBy(units.id);
}

/** The occurrence a series opened at scheduler tick `tickAt` (ms), if any. */
export async function occurrenceAt(db: Db, seriesId: number, tickAt: number): Promise<Task | undefined> {
  return (await db.select().from(tasks).where(and(eq(tasks.seriesId, seriesId), eq(tasks.tickAt, tickAt))))[0];
}

/** The latest completion `memberId` made for `unitId` at or after `since`, with its task. */
export async function latestCompletionBy(db: Db, unitId: string, memberId: string, since: Date): Promise<TaskTarget | undefined> {
  return (await db
    .select()
    .from(taskTargets)
    .where(and(eq(taskTargets.unitId, unitId), eq(taskTargets.doneBy, memberId), gte(taskTargets.doneAt, since)))
      .orderBy(desc(taskTargets.doneAt)))[0];
}

/** Appends attachments to a completion's evidence. @returns the evidence count after. */
export async function appendEvidence(db: Db, taskId: number, unitId: string, more: NonNullable<TaskTarget['evidence']>): Promise<number> {
  const t = await getTaskTarget(db, taskId, unitId);
  const evidence = [...(t?.evidence ?? []), ...more];
  await db.update(taskTargets).set({ evidence }).where(and(eq(taskTargets.taskId, taskId), eq(taskTargets.unitId, unitId)));
  return evidence.length;
}
