/**
 * Handling a finding: the township rectifies it (`/整改`, from its room), the county closes it
 * (`/督查结案`) or publishes it (`/通报`: a notice of the county's series to every township room). Who may,
 * from which state, who is told, and the audit entry of each step.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { PICTURE_FOLLOW_UP_MS } from '../../src/core/follow-up.js';
import { mayRectifyFinding } from '../../src/core/permissions.js';
import type { Attachment } from '../../src/core/message.js';
import { messagesBetween } from '../../src/db/queries/inbound.js';
import { latestRectificationOf, updateInspection } from '../../src/db/queries/inspections.js';
import type { Directive, Inspection, Member, Unit } from '../../src/db/schema/index.js';
import { clockIn, shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { formatNumber } from '../directive/format.js';
import { issue } from '../directive/issue.js';
import type { FindingRef } from './fields.js';
import { findingNumber, findingRefWord, resolveFinding } from './number.js';
import { auditStep, masked, namesToMask, post, problemLine, roomOf, unitLabel } from './relay.js';
import { cancelRectifySla } from './sla.js';

/** Who handles a finding, from which group. */
export interface Handler {
  member: Member;
  /** The unit of the group the command was posted in (a township room for `/整改`, the county otherwise). */
  unit: Unit;
  /** The group it was posted in. */
  conversationId: string;
  inboundId: number;
  /** When: the moment the message was received (`ctx.receivedAt`); default now. */
  at?: Date | undefined;
}

/** Chinese names of the states, as answers show them. */
export const INSPECTION_STATE_ZH: Record<Inspection['state'], string> = { open: '待整改', rectified: '已整改', closed: '已结案' };

/** The time of a step by `h`: the received time, never before the finding was recorded. */
const stepTime = (deps: CoreDeps, f: Inspection, h: Handler) => new Date(Math.max((h.at ?? deps.now()).getTime(), f.recordedAt.getTime()));

/**
 * Rectifies a finding (`/整改 <号> <整改情况>`, a township officer from its own room): records the
 * note, the pictures and the time, cancels the SLA timer, and tells the group it was recorded in (the
 * command group; outbox key `insp-<id>-rectify`).
 * @throws Refusal when the finding is of another township, or already rectified or closed.
 */
export async function rectify(deps: CoreDeps, ref: FindingRef, note: string, attachments: Attachment[], h: Handler): Promise<Inspection> {
  const f = await resolveFinding(deps, ref);
  const n = findingNumber(f);
  if (!mayRectifyFinding({ tier: 'township', unit: h.unit }, f)) throw new Refusal(`${n} 不属于${h.unit.name}，不能整改。`);
  if (f.state === 'closed') throw new Refusal(`${n} 已结案，无需整改。`);
  const tz = deps.config.TIMEZONE;
  if (f.state === 'rectified') throw new Refusal(`${n} 已于${shortDateTimeIn(f.rectifiedAt!, tz)}整改，无需重复。`);
  const at = stepTime(deps, f, h);
  const done = await updateInspection(deps.db, f.id, ['open'], {
    state: 'rectified',
    rectifiedAt: at,
    rectifiedBy: h.member.id,
    rectifyNote: note,
    rectifyAttachments: attachments,
    rectifyInboundId: h.inboundId,
  });
  if (!done) throw new Refusal(`${n} 当前不能整改。`);
  await cancelRectifySla(deps, f.id);
  await auditStep(deps, done, 'rectify', h.member.id, h.inboundId, at, { pictures: attachments.length });
  const names = await namesToMask(deps);
  const thisYear = yearIn(deps.now(), tz);
  const w = findingRefWord(done, thisYear);
  await post(deps, {
    conversationId: done.recordedIn,
    text: [
      `【${n} 已整改】`,
          `单位：${await unitLabel(deps, done)}`,
      `问题：${problemLine(done, names)}`,
      `整改情况：${masked(note, names)}`,
      ...(attachments.length ? [`附图：${attachments.length}张`] : []),
      `（${h.unit.name} ${h.member.name} ${clockIn(at, tz)}，登记后${formatDurationZh(at.getTime() - done.recordedAt.getTime())}）`,
      `可 /督查结案 ${w}，或 /通报 ${w}`,
    ].join('\n'),
    attachments,
    dedupKey: `insp-${done.id}-rectify`,
  });
  return done;
}

/**
 * Adds a picture-only message to the sender's rectification when it is their next message in the room
 * within {@link PICTURE_FOLLOW_UP_MS} of the `/整改`; the command group is told.
 * @returns the finding and its rectification's picture count, or null when there is no such rectification.
 */
export async function attachRectifyPicture(
  deps: CoreDeps,
  input: { sender: Member; unit: Unit; conversationId: string; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): Promise<{ finding: Inspection; pictures: number } | null> {
  const at = input.at ?? deps.now();
  const f = await latestRectificationOf(deps.db, input.sender.id, input.unit.id, new Date(at.getTime() - PICTURE_FOLLOW_UP_MS));
  if (!f || f.rectifyInboundId === null) return null;
  if (await messagesBetween(deps.db, input.sender.id, input.conversationId, f.rectifyInboundId, input.inboundId) > 0) return null;
  const updated = await updateInspection(deps.db, f.id, ['rectified', 'closed'], { rectifyAttachments: [...f.rectifyAttachments, ...input.attachments] });
  if (!updated) return null;
  await auditStep(deps, updated, 'picture', input.sender.id, input.inboundId, at, { pictures: input.attachments.length, of: 'rectify' });
  await post(deps, {
    conversationId: updated.recordedIn,
    text: `${findingNumber(updated)}（${updated.unitName}）整改补充图片${input.attachments.length}张（共${updated.rectifyAttachments.length}张）。`,
    attachments: input.attachments,
    dedupKey: `insp-${updated.id}-rpic-${input.inboundId}`,
  });
  return { finding: updated, pictures: updated.rectifyAttachments.length };
}

/**
 * Closes a finding (`/督查结案 <号> [说明]`, an inspector or commander in the command group), rectified or
 * not: cancels the SLA timer and tells the township room (`insp-<id>-close`).
 * @returns the closed finding and the state it was closed from.
 * @throws Refusal when it is already closed.
 */
export async function closeFinding(deps: CoreDeps, ref: FindingRef, note: string, h: Handler): Promise<{ finding: Inspection; from: Inspection['state'] }> {
  const f = await resolveFinding(deps, ref);
  const n = findingNumber(f);
  const tz = deps.config.TIMEZONE;
  if (f.state === 'closed') throw new Refusal(`${n} 已于${shortDateTimeIn(f.closedAt!, tz)}结案，无需重复。`);
  const at = stepTime(deps, f, h);
  const done = await updateInspection(deps.db, f.id, ['open', 'rectified'], { state: 'closed', closedAt: at, closedBy: h.member.id, closeNote: note || null });
  if (!done) throw new Refusal(`${n} 当前不能结案。`);
  await cancelRectifySla(deps, f.id);
  await auditStep(deps, done, 'close', h.member.id, h.inboundId, at, { from: f.state });
  const room = await roomOf(deps, done);
  if (room) {
    const names = await namesToMask(deps);
    await post(deps, {
      conversationId: room.conversationId,
      text: [`${n}（${done.unitName}：${problemLine(done, names)}）已结案（指挥部 ${clockIn(at, tz)}）${f.state === 'open' ? '，未经整改' : ''}。`, ...(note ? [`说明：${masked(note, names)}`] : [])].join('\n'),
      dedupKey: `insp-${done.id}-close`,
    });
  }
  return { finding: done, from: f.state };
}

/**
 * Publishes a finding as a 通报 (`/通报 <号> [补充]`, an inspector or commander in the command group): a
 * notice numbered in the county's notice series (`通告〔2026〕第18号`, no receipt asked) relayed to every
 * township room — the unit and the problem with nobody named; the `note` as written when a commander
 * writes it (names kept), with names masked when an inspector does. The finding keeps its state.
 * @returns the finding and the notice it went out as, with how many rooms it reached.
 * @throws Refusal when it was already published, or no township room exists.
 */
export async function publishFinding(deps: CoreDeps, ref: FindingRef, note: string, h: Handler): Promise<{ finding: Inspection; notice: Directive; rooms: number }> {
  const f = await resolveFinding(deps, ref);
  const n = findingNumber(f);
  const tz = deps.config.TIMEZONE;
  if (f.publishedAt) throw new Refusal(`${n} 已于${shortDateTimeIn(f.publishedAt, tz)}通报，无需重复。`);
  const names = await namesToMask(deps);
  const body = [
    `督查通报（${n}）`,
    `${await unitLabel(deps, f)}：${problemLine(f, names)}`,
    ...(note ? [h.member.role === 'commander' ? note : masked(note, names)] : []),
  ].join('\n');
  const r = await issue(deps, { kind: 'notice', text: body, ackRequired: false, roomsOnly: true, issuer: h.member, conversationId: h.conversationId, inboundId: h.inboundId });
  const at = stepTime(deps, f, h);
  const done = (await updateInspection(deps.db, f.id, ['open', 'rectified', 'closed'], { publishedAt: at, publishedBy: h.member.id, noticeId: r.directive.id }))!;
  await auditStep(deps, done, 'publish', h.member.id, h.inboundId, at, { notice: formatNumber(r.directive), rooms: r.townships });
  return { finding: done, notice: r.directive, rooms: r.townships };
}
