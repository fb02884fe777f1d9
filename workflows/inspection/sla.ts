/**
 * The rectification SLA of a finding: a durable timer (kind `inspection.sla`, id `insp-<id>-sla`) due
 * `INSPECTION_RECTIFY_SLA` after the finding is recorded; rectification and closure cancel it. When it
 * fires on a finding still open, the finding is listed once to its township room and to the command group;
 * findings falling due together are folded into one message per group. Not urgent: it waits out quiet hours.
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { getInspection, updateInspection } from '../../src/db/queries/inspections.js';
import type { Inspection } from '../../src/db/schema/index.js';
import { clip } from '../../src/core/text.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { yearIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { findingNumber, findingRefWord } from './number.js';
import { auditStep, commandGroupOf, namesToMask, post, problemLine, roomOf, unitLabel } from './relay.js';

/** What a rectification SLA timer carries: the finding. */
export interface RectifySlaData {
  inspectionId: number;
}

/** The SLA timer id of a finding. */
export const rectifySlaTimerId = (inspectionId: number) => `insp-${inspectionId}-sla`;

/** Kind `inspection.sla`, id `insp-<id>-sla`: the rectification check ({@link rectifySlaDue}). Registered in workflows/index.ts. */
export const rectifySlaTimer = defineTimer<RectifySlaData, CoreDeps>('inspection.sla', async (deps, timer, fired) => await rectifySlaDue(deps, timer, fired.at), {
  id: (d) => rectifySlaTimerId(d.inspectionId),
  bundles: true,
});

/** Schedules the rectification check of `finding`, due `INSPECTION_RECTIFY_SLA` after `from`. Call inside the recording unit of work. */
export async function scheduleRectifySla(deps: CoreDeps, finding: Pick<Inspection, 'id'>, from: Date): Promise<Date> {
  const due = rectifyDueAt(deps, from);
  await rectifySlaTimer.schedule(deps, due, { inspectionId: finding.id });
  return due;
}

/** When a finding recorded at `from` is due to be rectified: `from` + `INSPECTION_RECTIFY_SLA` (ms). */
export function rectifyDueAt(deps: Pick<CoreDeps, 'config'>, from: Date): Date {
  return new Date(from.getTime() + deps.config.INSPECTION_RECTIFY_SLA);
}

/** Cancels a finding's rectification check (rectified or closed). */
export async function cancelRectifySla(deps: CoreDeps, inspectionId: number): Promise<void> {
  await rectifySlaTimer.cancel(deps, rectifySlaTimerId(inspectionId));
}

/** SLA timers of other findings due within this long (ms) of one firing are folded into its messages. */
export function findingBundleWindowMs(config: CoreDeps['config']): number {
  return Math.min(120_000, Math.floor(config.INSPECTION_RECTIFY_SLA / 4));
}

/** Up to this many findings are named one per line in a folded message. */
const LINES = 15;

/**
 * The SLA check (timer `insp-<id>-sla`, fired at `at`): a finding still open (not rectified, not closed,
 * not yet listed) is marked overdue and listed. Findings whose SLA timers fall due within
 * {@link findingBundleWindowMs} are folded in (their timers cancelled in this transaction), so the command
 * group gets one ⏰ message listing them all (outbox key `insp-<first id>-sla`) and each township room one
 * listing its own (`insp-<first id there>-sla-room`). Each finding is listed once.
 */
export async function rectifySlaDue(deps: CoreDeps, timer: Timer<RectifySlaData>, at: Date): Promise<void> {
  const { db, config } = deps;
  const open = async (id: number): Promise<Inspection | undefined> => {
    const f = Number.isInteger(Number(id)) ? await getInspection(db, Number(id)) : undefined;
    return f && f.state === 'open' && !f.overdueAt ? f : undefined;
  };
  const first = await open(timer.data.inspectionId);
  if (!first) return;
  const bundle = [first];
  for (const t of await rectifySlaTimer.pendingDue(deps, new Date(at.getTime() + findingBundleWindowMs(config)), timer.id)) {
    const other = await open(t.data.inspectionId);
    if (other && other.id !== first.id && await rectifySlaTimer.cancel(deps, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.id - b.id);
  const overdue = await mapInOrder(bundle, async (f) => {
    const updated = await updateInspection(db, f.id, ['open'], { overdueAt: at }) ?? f;
    await auditStep(deps, updated, 'overdue', 'system', null, at);
    return updated;
  });
  const names = await namesToMask(deps);
  const sla = formatDurationZh(config.INSPECTION_RECTIFY_SLA);
  const thisYear = yearIn(at, config.TIMEZONE);
  const line = async (f: Inspection, withTownship: boolean) =>
    `· ${findingNumber(f)} ${withTownship ? await unitLabel(deps, f) : f.unitName}：${clip(problemLine(f, names), 30)}`;
  const more = (n: number) => (n > LINES ? [`…等${n}条，/督查列表 查看全部`] : []);

  const cg = await commandGroupOf(deps);
  if (cg) {
    await post(deps, {
      conversationId: cg,
            text: [`⏰ 督查问题超过${sla}未整改（${overdue.length}条），已告知所在乡镇：`, ...(await mapInOrder(overdue.slice(0, LINES), async (f) => await line(f, true))), ...more(overdue.length), '可 /督查列表 <号> 查看，/通报 <号> 通报'].join('\n'),
      dedupKey: `insp-${overdue[0]!.id}-sla`,
    });
  }
  const byTownship = new Map<string, Inspection[]>();
  for (const f of overdue) byTownship.set(f.townshipId, [...(byTownship.get(f.townshipId) ?? []), f]);
  for (const list of byTownship.values()) {
    const room = await roomOf(deps, list[0]!);
    if (!room) continue;
    const answer = list.length === 1 ? `/整改 ${findingRefWord(list[0]!, thisYear)} <整改情况>` : '/整改 <号> <整改情况>';
    await post(deps, {
      conversationId: room.conversationId,
            text: [`⏰ 本乡镇督查问题超过${sla}未整改（${list.length}条），已报指挥部：`, ...(await mapInOrder(list.slice(0, LINES), (f) => line(f, false))), ...more(list.length), `请尽快整改并回复：${answer}`].join('\n'),
      dedupKey: `insp-${list[0]!.id}-sla-room`,
    });
  }
}

