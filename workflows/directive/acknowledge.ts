/**
 * Acknowledging (收到) a directive or notice: once per unit and revision, the item named, quoted or the
 * unit's latest open one; late acknowledgements count, marked late.
 *
 * Runs synchronously inside the caller's write transaction.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { audit } from '../../src/db/queries/audit.js';
import { getAck, getDirective, insertAck, openForUnit, quotedItem } from '../../src/db/queries/directives.js';
import type { Directive, Member, Unit } from '../../src/db/schema/index.js';
import { yearIn } from '../../src/time/clock.js';
import { formatNumber } from './format.js';
import { lookupRef, missingRef, type DirectiveRef } from './ref.js';
import { noticeSeries, type RefViewer } from './series.js';

export interface AckInput {
  /** The unit acknowledging: the unit of the group it was posted in. */
  unit: Unit;
  member: Member;
  /** The words used, kept in the record. */
  words: string;
  /**
   * An explicit reference (a year written must match; without a kind, the unit's unacknowledged item
   * first, then the directive); without it, the item a quoted reply points at (see `quotedItem` — a
   * quote of anything else is refused, never taken as the latest), else the latest open item of the unit.
   */
  ref?: DirectiveRef | undefined;
  inboundId: number;
  /**
   * When the unit acknowledged: the moment its message was received (`ctx.receivedAt`); default now.
   * On time or late is judged by it; it is never taken as earlier than the revision it acknowledges.
   */
  at?: Date | undefined;
}

export type AckResult =
  | { status: 'acknowledged'; directive: Directive; late: boolean; stillOpen: Directive[] }
  | { status: 'already'; directive: Directive; by: string; at: Date }
  | { status: 'nothing-open' };

/** Why a named item cannot be acknowledged by this unit. */
function notAcknowledgeable(any: Directive, unit: Unit): Refusal {
  const name = formatNumber(any);
  if (any.status === 'revoked') return new Refusal(`${name}已撤回，无需确认。`);
  if (!any.ackRequired) return new Refusal(`${name}无需回执。`);
  return new Refusal(`${name}不是发给${unit.name}的。`);
}

/** A quote that names no item of this group: said so, never taken as the latest item. */
const NOT_AN_ITEM = '所引用的消息不是本群的指挥部令或通告，未确认。请直接回复「收到」确认最新一条，或 /收到 令N、/收到 通告N。';

/**
 * The unit's open item a reference names. Without a year this year's item comes first, then an earlier
 * year's still open (sent on 31 December, acknowledged on 1 January); without a kind the directive
 * comes first (a bare number means the directive unless only a notice has it), then an unacknowledged item.
 * A notice counts only in a series the reference may mean where `viewer` is ({@link noticeSeries}), the likeliest first.
 */
async function openByRef(deps: CoreDeps, open: Awaited<ReturnType<typeof openForUnit>>, ref: DirectiveRef, viewer: RefViewer) {
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  // the notice series it may mean, likeliest first (a series named: only that one)
  const series = await noticeSeries(deps, ref, viewer);
  const kind = ref.series !== undefined ? 'notice' : ref.kind;
  // this year's first; a bare number means the directive (PRODUCT.md: unless only a notice has it), then the unacknowledged
  const rank = (d: (typeof open)[number]) => (d.year === thisYear ? 0 : 4) + (d.kind === 'directive' ? 0 : 2) + (d.acknowledged ? 1 : 0);
  const seriesRank = (d: (typeof open)[number]) => (d.kind === 'directive' ? 0 : series.indexOf(d.series));
  return open
    .filter((d) => d.number === ref.number && (!kind || d.kind === kind) && (ref.year === undefined || d.year === ref.year) && seriesRank(d) >= 0)
    .sort((a, b) => rank(a) - rank(b) || seriesRank(a) - seriesRank(b) || b.year - a.year)[0];
}

/**
 * Records the unit's acknowledgement of the current revision of a directive or notice — once per unit
 * and revision; a repeat is reported as `already`. After an amendment (/更正) the unit must
 * acknowledge again. A late acknowledgement (received after the deadline) counts, marked late. The record
 * keeps who, when (received), the words and the inbound message.
 * @throws Refusal when the referenced (or quoted) item does not exist (or not in the year written), was
 *   revoked, needs no receipt or was not sent to this unit; or when the message quotes something that is
 *   not an item of this group.
 */
export async function acknowledge(deps: CoreDeps, input: AckInput): Promise<AckResult> {
  const { db } = deps;
  const open = await openForUnit(db, input.unit.id);
  let target: (typeof open)[number] | undefined;
  if (input.ref) {
    const ref = input.ref;
    const viewer: RefViewer = { tier: input.unit.kind === 'township' ? 'township' : 'grid', unit: input.unit };
    target = await openByRef(deps, open, ref, viewer);
    if (!target) {
      const lookup = await lookupRef(deps, ref, viewer);
      const any = lookup.found[0];
      throw any ? notAcknowledgeable(any, input.unit) : missingRef(deps, ref, lookup, '/收到');
    }
  } else {
    const quoted = await quotedItem(db, input.inboundId);
    if (quoted) {
      if (quoted.directiveId === null) throw new Refusal(NOT_AN_ITEM);
      target = open.find((d) => d.id === quoted.directiveId);
      if (!target) {
        const any = await getDirective(db, quoted.directiveId);
        throw any ? notAcknowledgeable(any, input.unit) : new Refusal(NOT_AN_ITEM);
      }
    } else {
      target = open.find((d) => !d.acknowledged) ?? open[0];
      if (!target) return { status: 'nothing-open' };
    }
  }
  // the person's time, not the processing time; not before the version it acknowledges (a platform clock behind ours)
  const since = (target.revisedAt ?? target.issuedAt).getTime();
  const now = new Date(Math.max((input.at ?? deps.now()).getTime(), since));
  const late = target.ackDeadline !== null && now.getTime() > target.ackDeadline.getTime();
  const stored = await insertAck(db, {
    directiveId: target.id,
    unitId: input.unit.id,
    revision: target.revision,
    memberId: input.member.id,
    words: input.words,
    at: now,
    late,
    inboundId: input.inboundId,
  });
  if (!stored) {
    const ack = (await getAck(db, target.id, input.unit.id, target.revision))!;
    return { status: 'already', directive: target, by: ack.memberId, at: ack.at };
  }
  await audit(db, {
    actorId: input.member.id,
    action: `${target.kind}.acknowledge`,
    subject: formatNumber(target),
    detail: { unitId: input.unit.id, words: input.words, revision: target.revision, late },
    inboundId: input.inboundId,
    at: now,
  });
  const t = target;
  return { status: 'acknowledged', directive: t, late, stillOpen: open.filter((d) => !d.acknowledged && d.id !== t.id) };
}
