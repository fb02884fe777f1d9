/**
 * Issuing a special task: a gapless number for the year, a target snapshot of the scope's grids, one
 * relay per grid group, a note to each township room when the county issues, the reminder timers.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { maskPersonal } from '../../src/core/mask.js';
import { clip } from '../../src/core/text.js';
import type { Db } from '../../src/db/client.js';
import { audit } from '../../src/db/queries/audit.js';
import { nextNumber } from '../../src/db/queries/directives.js';
import { countyUnit, getGroup, groupOfUnit, membersWithRolesByUnit } from '../../src/db/queries/roster.js';
import { insertTask, insertTaskTargets, occurrenceAt } from '../../src/db/queries/tasks.js';
import type { Task, TaskScope } from '../../src/db/schema/index.js';
import { yearIn } from '../../src/time/clock.js';
import { formatDeadline } from '../../src/time/deadline.js';
import { ACTORS, formatTaskNumber } from './format.js';
import { doneHint } from './returns.js';
import { scheduleSteps } from './reminders.js';
import { resolveScope } from './scope.js';

async function issuerName(db: Db, conversationId: string): Promise<string> {
  return (await getGroup(db, conversationId))?.title ?? (await countyUnit(db))?.name ?? '指挥部';
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
  /** Figures each grid returns with `/完成` (`回报:排查户数,返乡人数`); none when absent or empty. */
  returnFields?: string[];
  /** Set for an occurrence of a recurring series: one occurrence per (series, tick). */
  seriesId?: number;
  tickAt?: number;
  /** Created in a drill (演练, workflows/drill/): marked 【演练】 in every message, left out of reports. */
  drill?: boolean;
}

export interface IssueTaskResult {
  task: Task;
  grids: number;
  townships: number;
}

/**
 * Issues a task: next number for the year (in TIMEZONE), target snapshot, one relay per grid group
 * (@-mentioning its leader and worker, naming the figures to return if any; key `task-<id>-relay-<cid>`), one note per township room when the
 * county issues (key `task-<id>-room-<township>`), reminder timers, audit.
 * @returns the result, or null when this series tick already opened an occurrence.
 * @throws Refusal when the scope names no grid.
 */
export async function issueTask(deps: CoreDeps, input: IssueTaskInput): Promise<IssueTaskResult | null> {
  // title and note reach every grid (relays, reminders, lists): stored with personal numbers masked
  input = { ...input, title: maskPersonal(input.title), ...(input.note ? { note: maskPersonal(input.note) } : {}) };
  const { db, config } = deps;
  const now = deps.now();
  const grids = await resolveScope(db, input.scope);
  if (grids.length === 0) throw new Refusal(`范围「${clip(input.scope.label)}」内没有网格群，任务未下达。`);
  const year = yearIn(now, config.TIMEZONE);
  if (input.seriesId !== undefined && input.tickAt !== undefined && await occurrenceAt(db, input.seriesId, input.tickAt)) return null;
  const numbered = (await insertTask(db, {
    year,
      number: await nextNumber(db, 'task', year),
    title: input.title,
    note: input.note ?? null,
    issuerId: input.issuerId,
    issuedIn: input.conversationId,
    issuedAt: now,
    deadline: input.deadline,
    urgent: input.urgent ?? false,
    scopeLabel: input.scope.label,
    returnFields: input.returnFields?.length ? input.returnFields : null,
    seriesId: input.seriesId ?? null,
    tickAt: input.tickAt ?? null,
    sourceInboundId: input.inboundId ?? null,
    drill: input.drill ?? false,
    }))!;
  const task = numbered;
  await insertTaskTargets(
    db,
    grids.map((g) => ({ taskId: task.id, unitId: g.id, unitName: g.name, townshipId: g.townshipId ?? g.id, conversationId: g.conversationId })),
  );
  const tz = config.TIMEZONE;
  const n = formatTaskNumber(numbered);
  const from = await issuerName(db, input.conversationId);
  const relay = [
    `【${n}】${input.title}`,
    ...(input.note ? [`说明：${input.note}`] : []),
    `截止：${formatDeadline(input.deadline, tz)}`,
    `完成后在本群发送 ${doneHint(numbered)}，可附图片。`,
    `——${from}`,
  ].join('\n');
  // the people to @ in every grid in one query, the relays in a few statements
  const actors = await membersWithRolesByUnit(db, grids.map((g) => g.id), ACTORS);
  await deps.outbox.storeMany(db, grids.map((g) => ({ conversationId: g.conversationId, text: relay, mentions: actors.get(g.id) ?? [], dedupKey: `task-${task.id}-relay-${g.conversationId}` })));
  const byTownship = countBy(grids, (g) => g.townshipId ?? g.id);
  if (input.scope.tier === 'county') {
    for (const [tid, count] of byTownship) {
      const room = await groupOfUnit(db, tid);
      if (!room || room.conversationId === input.conversationId) continue;
      await deps.outbox.store(db, {
        conversationId: room.conversationId,
        text: `【${n}】${input.title}\n已下达本乡镇 ${count} 个网格，截止 ${formatDeadline(input.deadline, tz)}。截止时仍未完成的网格将报本室。`,
        dedupKey: `task-${task.id}-room-${tid}`,
      });
    }
  }
  await scheduleSteps(deps, numbered);
  await audit(db, {
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
