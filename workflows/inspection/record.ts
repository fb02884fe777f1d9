/**
 * Recording a finding (`/督查`): the unit read leniently from the roster, the directive named (if any),
 * a gapless number of the year, one message to the unit's township room (unit and problem, nobody named),
 * the rectification SLA timer, and pictures sent with it or right after it kept as evidence.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { UsageError } from '../../src/core/errors.js';
import { PICTURE_FOLLOW_UP_MS } from '../../src/core/follow-up.js';
import type { Attachment } from '../../src/core/message.js';
import { quoted } from '../../src/core/text.js';
import { nextNumber } from '../../src/db/queries/directives.js';
import { messagesBetween } from '../../src/db/queries/inbound.js';
import { insertInspection, latestInspectionOf, updateInspection } from '../../src/db/queries/inspections.js';
import { getUnit } from '../../src/db/queries/roster.js';
import type { Db } from '../../src/db/client.js';
import type { Directive, Inspection, Member, Unit } from '../../src/db/schema/index.js';
import { shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { formatNumber } from '../directive/format.js';
import { findUnit, ScopeRefusal } from '../directive/scope.js';
import { findingNumber, findingRefWord } from './number.js';
import { auditStep, namesToMask, post, problemLine, roomOf, unitLabel } from './relay.js';
import { rectifyDueAt, scheduleRectifySla } from './sla.js';

const EXAMPLE = '如「马坞镇高垄口村第2网格」或「马坞镇」';

/** One name looked up as `findUnit` reads a scope term; its refusals turned into usage hints naming the word. */
async function lookup(db: Db, word: string, within?: string): Promise<Unit> {
  try {
    return await findUnit(db, word, within);
  } catch (err) {
    if (!(err instanceof ScopeRefusal)) throw err;
    if (err.reason === 'unknown') throw new UsageError(`没有找到网格或乡镇${quoted(word)}，请核对名称`);
    if (err.reason === 'outside') throw new UsageError(`${quoted(word)}不属于${err.township}`);
    throw new UsageError(err.message.replace(/^范围中的/, '').replace(/。$/, ''));
  }
}

/**
 * Reads the unit a finding is about from the first words of `/督查`: a grid (`马坞镇高垄口村第2网格`, or
 * `高垄口村第2网格` when only one grid has that name, or `马坞镇 高垄口村第2网格` in two words) or a township
 * (`马坞镇`, `马坞`).
 * @returns the unit and how many words it took (1 or 2)
 * @throws UsageError naming the word that names no grid or township (unknown, of several townships, a village)
 */
export async function readFindingUnit(db: Db, words: readonly string[]): Promise<{ unit: Unit; used: number }> {
  const unit = await lookup(db, words[0]!);
  if (unit.kind === 'township' && words.length > 1) {
    let inner: Unit | undefined;
    try {
      inner = await findUnit(db, words[1]!, unit.id);
    } catch (err) {
      if (!(err instanceof ScopeRefusal)) throw err;
      if (err.reason === 'outside') throw new UsageError(`${quoted(words[1]!)}不属于${unit.name}`);
    }
    if (inner?.kind === 'grid') return { unit: inner, used: 2 };
  }
  if (unit.kind === 'village') throw new UsageError(`${quoted(unit.name)}是村（社区），请写到网格（如「${unit.name}第1网格」）或写乡镇名`);
  if (unit.kind !== 'grid' && unit.kind !== 'township') throw new UsageError(`${quoted(words[0]!)}不是网格或乡镇，${EXAMPLE}`);
  return { unit, used: 1 };
}

export interface RecordInput {
  /** The grid or township found (see {@link readFindingUnit}). */
  unit: Unit;
  /** The directive or notice whose carrying-out was inspected, if named. */
  directive: Directive | null;
  /** The problem as written. */
  problem: string;
  people: number | null;
  inspector: Member;
  /** The command group it was recorded in. */
  conversationId: string;
  /** Pictures in the same message: the evidence. */
  attachments: Attachment[];
  inboundId: number;
  /** When it was recorded: the moment the message was received (`ctx.receivedAt`); default now. */
  at?: Date | undefined;
}

export interface RecordResult {
  finding: Inspection;
  /** The township room told, or null when the township has none. */
  roomName: string | null;
  /** When the finding is due to be rectified (the SLA timer's time). */
  dueAt: Date;
}

/**
 * Records a finding: takes the next number of the year (counter `inspection`, in `TIMEZONE`), stores it
 * with its evidence, tells the unit's township room in one message (outbox key `insp-<id>-room`: the unit
 * and the problem masked — nobody is named — the directive, how long to rectify and how to answer; the
 * unit's own group is not told), schedules the rectification SLA (`insp-<id>-sla`, due
 * `INSPECTION_RECTIFY_SLA` from now) and writes the audit entry.
 */
export async function record(deps: CoreDeps, input: RecordInput): Promise<RecordResult> {
  const { db, config } = deps;
  const now = deps.now();
  const at = input.at ?? now;
  const year = yearIn(now, config.TIMEZONE);
  const townshipId = input.unit.kind === 'township' ? input.unit.id : (input.unit.townshipId ?? input.unit.id);
  const finding = await insertInspection(db, {
    year,
      number: await nextNumber(db, 'inspection', year),
    unitId: input.unit.id,
    unitKind: input.unit.kind === 'township' ? 'township' : 'grid',
    unitName: input.unit.name,
    townshipId,
    directiveId: input.directive?.id ?? null,
    text: input.problem,
    people: input.people,
    attachments: input.attachments,
    inspectorId: input.inspector.id,
    recordedIn: input.conversationId,
    recordedAt: at,
    sourceInboundId: input.inboundId,
    rectifyAttachments: [],
  });
  await auditStep(deps, finding, 'record', input.inspector.id, input.inboundId, at, { unitId: finding.unitId, directiveId: finding.directiveId, people: finding.people, pictures: finding.attachments.length });
  const room = await roomOf(deps, finding);
  if (room) {
    const names = await namesToMask(deps);
    const lines = [
      `【${findingNumber(finding)}】督查发现问题，请整改`,
      `单位：${await unitLabel(deps, finding)}`,
      `问题：${problemLine(finding, names)}`,
      ...(input.directive ? [`关联：${formatNumber(input.directive)}`] : []),
      ...(finding.attachments.length ? [`附图：${finding.attachments.length}张`] : []),
      `请于${shortDateTimeIn(rectifyDueAt(deps, now), config.TIMEZONE)}前（${formatDurationZh(config.INSPECTION_RECTIFY_SLA)}内）整改，并回复：/整改 ${findingRefWord(finding, year)} <整改情况>（可附图片）`,
    ];
    await post(deps, { conversationId: room.conversationId, text: lines.join('\n'), attachments: finding.attachments, dedupKey: `insp-${finding.id}-room` });
  }
  const dueAt = await scheduleRectifySla(deps, finding, now);
  return { finding, roomName: room?.title ?? null, dueAt };
}

/**
 * Attaches a picture-only message to the sender's finding recorded in this group, when it is their next
 * message there within {@link PICTURE_FOLLOW_UP_MS} of recording it; the township room is told
 * (`insp-<id>-pic-<inbound id>`).
 * @returns the finding and its picture count, or null when there is no such finding.
 */
export async function attachFindingPicture(
  deps: CoreDeps,
  input: { sender: Member; conversationId: string; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): Promise<{ finding: Inspection; pictures: number } | null> {
  const at = input.at ?? deps.now();
  const f = await latestInspectionOf(deps.db, input.sender.id, input.conversationId, new Date(at.getTime() - PICTURE_FOLLOW_UP_MS));
  if (!f || f.sourceInboundId === null) return null;
  if (await messagesBetween(deps.db, input.sender.id, input.conversationId, f.sourceInboundId, input.inboundId) > 0) return null;
  const updated = (await updateInspection(deps.db, f.id, ['open', 'rectified', 'closed'], { attachments: [...f.attachments, ...input.attachments] }))!;
  await auditStep(deps, updated, 'picture', input.sender.id, input.inboundId, at, { pictures: input.attachments.length });
  const room = await roomOf(deps, updated);
  if (room) {
    await post(deps, {
      conversationId: room.conversationId,
            text: `${findingNumber(updated)}（${(await getUnit(deps.db, updated.unitId))?.name ?? updated.unitName}）补充图片${input.attachments.length}张（共${updated.attachments.length}张）。`,
      attachments: input.attachments,
      dedupKey: `insp-${updated.id}-pic-${input.inboundId}`,
    });
  }
  return { finding: updated, pictures: updated.attachments.length };
}
