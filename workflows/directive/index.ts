/**
 * The directive (指挥部令) and notice (通告) lifecycle: issue with a gapless number and a target snapshot,
 * relay to every target group through the outbox, acknowledge once per unit, report progress per tier.
 *
 * Every function here runs synchronously inside the caller's write transaction (better-sqlite3), so a
 * directive, its targets and all its relay messages are stored together or not at all; the outbox then
 * delivers them, and a restart resumes what was not yet sent.
 */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { maskPersonal } from '../../src/core/mask.js';
import { Refusal } from '../../src/core/errors.js';
import { clockFrom, clockIn, shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { percent } from '../../src/core/percent.js';
import { audit } from '../../src/db/queries/audit.js';
import {
  getAck,
  getDirective,
  insertAck,
  insertDirective,
  insertEvent,
  insertTargets,
  nextNumber,
  openForUnit,
  quotedItem,
  relayStatusByConversation,
  targetsWithAcks,
} from '../../src/db/queries/directives.js';
import { countyUnit, getGroup, getUnit, townships } from '../../src/db/queries/roster.js';
import type { Directive, DirectiveKind, Member, Unit } from '../../src/db/schema/index.js';
import { KIND_ZH, ackAction, formatNumber } from './format.js';
import { scheduleLadder } from './ladder.js';
import { noticeSeries, type RefViewer } from './series.js';
import { resolveScope } from './scope.js';
import { historyLines } from './amend.js';
import { planReadPolls, readByUnit, tracksReads, unreadNames } from './receipts.js';
import { lookupRef, missingRef, refWord, resolveRef, type DirectiveRef } from './ref.js';

export { KIND_ZH, formatNumber, noticeSeries, type RefViewer };

export { parseRef, type DirectiveRef } from './ref.js';

export interface IssueInput {
  kind: DirectiveKind;
  text: string;
  issuer: Member;
  /** The command group it was posted in. */
  conversationId: string;
  inboundId: number;
  ackRequired?: boolean;
  /** `范围:` terms (see directive-scope.ts); empty or absent = the whole county. */
  scope?: string[] | undefined;
  /** Acknowledgement window in ms (`时限:`); default `ACK_ESCALATE_AFTER`. */
  ackWindowMs?: number | undefined;
  /** Urgent: the ladder ignores quiet hours. */
  urgent?: boolean | undefined;
  /**
   * A township id when a township officer issues a notice to their own township only: the scope is
   * narrowed to it, and its room (the issuer) is not a target — it gets the ladder's lists instead.
   */
  within?: string | undefined;
}

export interface IssueResult {
  directive: Directive;
  townships: number;
  grids: number;
  /** The scope as written, null for the whole county. */
  scope: string | null;
}

/**
 * Issues a directive or notice to the township rooms and grid groups of its scope: resolves the scope
 * (nothing is stored if a name is unknown), takes the next number of its kind for the year (in
 * `TIMEZONE`) — a township officer's notice (`within`) in its township's own series (`大坑乡通告〔2026〕第1号`), snapshots the target units, stores one relay message per target group (outbox key
 * `dir-<id>-relay-<conversation>`), schedules the ladder (if a receipt is asked) and an audit entry.
 * @throws Refusal when no roster is loaded or the scope names something unknown or reaches no group.
 */
export function issue(deps: CoreDeps, input: IssueInput): IssueResult {
  const { db, config } = deps;
  const now = deps.now();
  if (!countyUnit(db)) throw new Refusal('花名册中没有乡镇或网格群，无法下发。请先导入花名册。');
  const scope = resolveScope(db, input.scope ?? null, input.within);
  // a township's own notice is not relayed back to (nor acknowledged by) the room that issued it
  const targets = input.within ? scope.units.filter((u) => u.id !== input.within) : scope.units;
  if (targets.length === 0) throw new Refusal('范围内没有可下发的网格群。未下发。');
  const year = yearIn(now, config.TIMEZONE);
  // a township's own notices are numbered in its own series, so the county's stays gapless
  const series = input.within && input.kind === 'notice' ? input.within : '';
  const number = nextNumber(db, series ? `${input.kind}:${series}` : input.kind, year);
  const ackRequired = input.ackRequired ?? true;
  const windowMs = input.ackWindowMs ?? config.ACK_ESCALATE_AFTER;
  const directive = insertDirective(db, {
    kind: input.kind,
    series,
    seriesName: series ? (getUnit(db, series)?.name ?? null) : null,
    year,
    number,
    text: input.text,
    issuerId: input.issuer.id,
    issuedIn: input.conversationId,
    issuedAt: now,
    ackDeadline: ackRequired ? new Date(now.getTime() + windowMs) : null,
    ackRequired,
    ackWindowMs: ackRequired ? windowMs : null,
    urgent: input.urgent ?? false,
    scope: scope.label,
    sourceInboundId: input.inboundId,
  });
  insertTargets(
    db,
    targets.map((u) => ({
      directiveId: directive.id,
      unitId: u.id,
      unitKind: u.kind,
      unitName: u.name,
      townshipId: u.townshipId ?? u.id,
      conversationId: u.conversationId,
    })),
  );
  const issuerName = getGroup(db, input.conversationId)?.title ?? countyUnit(db)?.name ?? '指挥部';
  const relay = relayText(deps, directive, issuerName);
  const actions = directive.ackRequired ? [ackAction(directive)] : undefined;
  for (const u of targets) {
    deps.outbox.store(db, {
      conversationId: u.conversationId,
      text: relay,
      ...(actions ? { actions } : {}),
      dedupKey: `dir-${directive.id}-relay-${u.conversationId}`,
      notifyOnFail: input.conversationId,
    });
  }
  scheduleLadder(deps, directive, now);
  planReadPolls(deps, directive, 1, now);
  insertEvent(db, { directiveId: directive.id, revision: 1, kind: 'issue', at: now, actorId: input.issuer.id, count: targets.length, inboundId: input.inboundId });
  audit(db, {
    actorId: input.issuer.id,
    action: `${input.kind}.issue`,
    subject: formatNumber(directive),
    detail: { directiveId: directive.id, targets: targets.length, scope: scope.label, ackWindowMs: directive.ackWindowMs, urgent: directive.urgent },
    inboundId: input.inboundId,
    at: now,
  });
  const grids = targets.filter((u) => u.kind === 'grid').length;
  return { directive, townships: targets.length - grids, grids, scope: scope.label };
}

function relayText(deps: CoreDeps, d: Directive, issuerName: string): string {
  const tz = deps.config.TIMEZONE;
  const lines = [`【${formatNumber(d)}】${d.urgent ? '【紧急】' : ''}`, maskPersonal(d.text), `——${issuerName} ${shortDateTimeIn(d.issuedAt, tz)}`];
  if (d.ackRequired && d.ackDeadline) {
    lines.push(`请于${clockFrom(d.ackDeadline, d.issuedAt, tz)}前回复「收到」确认（${formatDurationZh(d.ackDeadline.getTime() - d.issuedAt.getTime())}内）。`);
  }
  return lines.join('\n');
}

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
function openByRef(deps: CoreDeps, open: ReturnType<typeof openForUnit>, ref: DirectiveRef, viewer: RefViewer) {
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  // the notice series it may mean, likeliest first (a series named: only that one)
  const series = noticeSeries(deps, ref, viewer);
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
export function acknowledge(deps: CoreDeps, input: AckInput): AckResult {
  const { db } = deps;
  const open = openForUnit(db, input.unit.id);
  let target: (typeof open)[number] | undefined;
  if (input.ref) {
    const ref = input.ref;
    const viewer: RefViewer = { tier: input.unit.kind === 'township' ? 'township' : 'grid', unit: input.unit };
    target = openByRef(deps, open, ref, viewer);
    if (!target) {
      const lookup = lookupRef(deps, ref, viewer);
      const any = lookup.found[0];
      throw any ? notAcknowledgeable(any, input.unit) : missingRef(deps, ref, lookup, '/收到');
    }
  } else {
    const quoted = quotedItem(db, input.inboundId);
    if (quoted) {
      if (quoted.directiveId === null) throw new Refusal(NOT_AN_ITEM);
      target = open.find((d) => d.id === quoted.directiveId);
      if (!target) {
        const any = getDirective(db, quoted.directiveId);
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
  const stored = insertAck(db, {
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
    const ack = getAck(db, target.id, input.unit.id, target.revision)!;
    return { status: 'already', directive: target, by: ack.memberId, at: ack.at };
  }
  audit(db, {
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

/**
 * Finds a directive or notice by reference, for reading: of the year written (this year in `TIMEZONE`
 * when none is), and a bare number shared by a directive and a notice is the directive. A notice is looked
 * for in the series the reference names, else in those of where it is asked (see {@link noticeSeries}: a
 * township room means its own notices first).
 * @param viewer the group it is asked in; without it, the county's series only
 * @throws Refusal naming the reference when none exists (for last year's item written without its year,
 *   saying how to write it; for a township's notice written without the township, naming it), or when the
 *   name before 通告 is no township.
 */
export function resolve(deps: CoreDeps, ref: DirectiveRef, viewer?: RefViewer): Directive {
  return resolveRef(deps, ref, '/进度', viewer);
}

/** A stored scope label as shown back: at most 50 characters (it is the issuer's own words). */
const scopeLabel = (scope: string) => (scope.length > 50 ? `${scope.slice(0, 49)}…` : scope);

/** Up to this many undelivered or unread groups are named in the view of an item without receipt. */
const DELIVERY_NAMES_SHOWN = 10;

/**
 * `/进度` of an item that asks no receipt (`回执:否`): nobody is expected to reply, so it shows how far it
 * went — groups delivered (relay sent), still sending, not reachable — and, where the platform reports
 * reads, the groups (units) with a reader; never an acknowledgement rate. County: all targets, per
 * township when reads are known; township: its own grids; grid: itself (and its members' reads).
 */
function deliveryLines(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }, rows: ReturnType<typeof targetsWithAcks>, version: string): string[] {
  const head = `${formatNumber(d)} 送达情况（无需回执）${version}${d.status === 'revoked' ? '（已撤回）' : ''}${d.scope ? `\n范围：${scopeLabel(d.scope)}` : ''}`;
  const status = relayStatusByConversation(deps.db, d.id);
  const reads = tracksReads(deps) ? readByUnit(deps, d.id) : null;
  const hasReader = (r: (typeof rows)[number]) => (reads?.get(r.unitId)?.readers.length ?? 0) > 0;
  const word = (r: (typeof rows)[number]) => ({ sent: '已送达', failed: '未能送达', pending: '发送中' })[status.get(r.conversationId) ?? 'pending'];
  if (viewer.tier === 'grid' || (viewer.tier === 'township' && !rows.some((r) => r.townshipId === viewer.unit.id))) {
    const own = rows.find((r) => r.unitId === viewer.unit.id);
    if (!own) return [head, `${formatNumber(d)}未发给${viewer.unit.name}。`];
    const lines = [head, `${viewer.unit.name}：${word(own)}`];
    const read = reads?.get(own.unitId);
    if (read) {
      const unread = unreadNames(deps, own.unitId, read.readers);
      const shown = unread.slice(0, UNREAD_NAMES_SHOWN).join('、');
      lines.push(`已读 ${read.readers.length}/${read.members} 人${unread.length ? `；未读：${shown}${unread.length > UNREAD_NAMES_SHOWN ? ` 等${unread.length}人` : ''}` : ''}`);
    }
    return lines;
  }
  const scoped = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  const count = (s: string) => scoped.filter((r) => (status.get(r.conversationId) ?? 'pending') === s).length;
  const sending = count('pending');
  const lines = [head, `已送达：${count('sent')}/${scoped.length} 个群${sending ? `，发送中 ${sending}` : ''}`];
  const names = (xs: typeof rows) => `${xs.slice(0, DELIVERY_NAMES_SHOWN).map((r) => r.unitName).join('、')}${xs.length > DELIVERY_NAMES_SHOWN ? ` 等${xs.length}个` : ''}`;
  const failed = scoped.filter((r) => status.get(r.conversationId) === 'failed');
  if (failed.length) lines.push(`未能送达（${failed.length}）：${names(failed)}`);
  if (reads) {
    lines.push(`已读：${scoped.filter(hasReader).length}/${scoped.length} 个群（群内有人已读）`);
    if (viewer.tier === 'county') {
      const tname = new Map(townships(deps.db).map((t) => [t.id, t.name]));
      const byTownship = new Map<string, typeof rows>();
      for (const r of scoped) byTownship.set(r.townshipId, [...(byTownship.get(r.townshipId) ?? []), r]);
      for (const [tid, xs] of byTownship) lines.push(`· ${tname.get(tid) ?? tid} 已读 ${xs.filter(hasReader).length}/${xs.length}`);
    } else {
      const unread = scoped.filter((r) => !hasReader(r));
      if (unread.length) lines.push(`未读（${unread.length}）：${names(unread)}`);
    }
  }
  return lines;
}

/** Up to this many silent grids, all are named; beyond it the county view names a few per township. */
const NAME_ALL_UP_TO = 60;
const NAMES_PER_TOWNSHIP_WHEN_MANY = 5;
/** A grid's own /进度 names at most this many members who have not read it. */
const UNREAD_NAMES_SHOWN = 10;

/**
 * Progress of one directive for a viewer's tier, as a phone-sized text:
 * county → per township and the silent units; township → its own room and grids; grid → itself.
 * Counts are of acknowledgements of the current revision, against the target snapshot taken at issue.
 * Where the platform reports reads, read figures stand beside them (county: units with a reader, per
 * township and overall; township: grids with a reader, silent grids nobody read marked （未读）; grid: members
 * who read, and who has not — the unit's roster minus readers). The history (issue, amendments, revocation, and for the county the ladder steps) follows.
 */
export function progressText(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }): string {
  const rows = targetsWithAcks(deps.db, d.id, d.revision);
  const tz = deps.config.TIMEZONE;
  const version = d.revision > 1 ? `（更正后第${d.revision}版）` : '';
  const history = historyLines(deps, d, viewer.tier);
  if (!d.ackRequired) return [...deliveryLines(deps, d, viewer, rows, version), ...history].join('\n');
  const head = `${formatNumber(d)} 确认进度${version}${d.status === 'revoked' ? '（已撤回）' : ''}${d.scope ? `\n范围：${scopeLabel(d.scope)}` : ''}`;
  if (viewer.tier === 'grid' || (viewer.tier === 'township' && !rows.some((r) => r.townshipId === viewer.unit.id))) {
    const own = rows.find((r) => r.unitId === viewer.unit.id);
    if (!own) return `${head}\n${formatNumber(d)}未发给${viewer.unit.name}。`;
    let status = own.ackAt ? `已确认（${clockIn(own.ackAt, tz)}${own.late ? '，逾期' : ''}）` : d.ackRequired ? '未确认' : '无需回执';
    if (!own.ackAt && d.revision > 1 && getAck(deps.db, d.id, own.unitId, d.revision - 1)) status = '已确认上一版，更正后尚未重新确认';
    const lines = [head, `${viewer.unit.name}：${status}`];
    const read = tracksReads(deps) ? readByUnit(deps, d.id).get(own.unitId) : undefined;
    if (read) {
      const unread = unreadNames(deps, own.unitId, read.readers);
      const shown = unread.slice(0, UNREAD_NAMES_SHOWN).join('、');
      lines.push(`已读 ${read.readers.length}/${read.members} 人${unread.length ? `；未读：${shown}${unread.length > UNREAD_NAMES_SHOWN ? ` 等${unread.length}人` : ''}` : ''}`);
    }
    return [...lines, ...history].join('\n');
  }
  const scoped = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  const grids = scoped.filter((r) => r.unitKind === 'grid');
  const rooms = scoped.filter((r) => r.unitKind === 'township');
  const acked = (xs: typeof rows) => xs.filter((r) => r.ackAt !== null).length;
  // read figures (platforms that report reads): a unit counts as read once any of its members has read a relay
  const reads = tracksReads(deps) ? readByUnit(deps, d.id) : null;
  const readUnits = (xs: typeof rows) => xs.filter((r) => (reads?.get(r.unitId)?.readers.length ?? 0) > 0).length;
  const readNote = (xs: typeof rows) => (reads ? `，已读 ${readUnits(xs)}/${xs.length}` : '');
  const lateCount = scoped.filter((r) => r.ackAt !== null && r.late).length;
  const lines = [head, `网格：${acked(grids)}/${grids.length}（${percent(acked(grids), grids.length)}）${lateCount ? `，逾期确认 ${lateCount}` : ''}`];
  if (viewer.tier === 'county') {
    lines.push(`乡镇指挥室：${acked(rooms)}/${rooms.length}`);
    lines.push(`合计响应率：${acked(scoped)}/${scoped.length}（${percent(acked(scoped), scoped.length)}）`);
    if (reads) lines.push(`合计已读：${readUnits(scoped)}/${scoped.length}（${percent(readUnits(scoped), scoped.length)}，单位内有人已读）`);
    lines.push('各乡镇网格确认：');
    const names = new Map(townships(deps.db).map((t) => [t.id, t.name]));
    const byTownship = new Map<string, typeof rows>();
    for (const g of grids) byTownship.set(g.townshipId, [...(byTownship.get(g.townshipId) ?? []), g]);
    for (const [tid, gs] of byTownship) {
      const room = rooms.find((r) => r.unitId === tid);
      lines.push(`· ${names.get(tid) ?? tid} ${acked(gs)}/${gs.length}${readNote(gs)}${room && !room.ackAt ? '（指挥室未确认）' : ''}`);
    }
  } else {
    if (reads) lines.push(`已读网格：${readUnits(grids)}/${grids.length}`);
    const room = rooms[0];
    if (room) lines.push(`本乡镇指挥室：${room.ackAt ? '已确认' : '未确认'}`);
  }
  const silent = grids.filter((r) => r.ackAt === null);
  // a revoked item asks nothing more of anyone: no list of silent grids
  if (d.status === 'revoked') return [...lines, ...history].join('\n');
  if (silent.length === 0) {
    lines.push('未确认网格：无');
    return [...lines, ...history].join('\n');
  }
  lines.push(`未确认网格（${silent.length}）：`);
  const groupsBy = new Map<string, string[]>();
  // the township's full list marks silent grids where nobody has even read it
  const unreadMark = (r: (typeof rows)[number]) => (reads && viewer.tier === 'township' && !reads.get(r.unitId)?.readers.length ? '（未读）' : '');
  for (const s of silent) groupsBy.set(s.townshipId, [...(groupsBy.get(s.townshipId) ?? []), `${s.unitName}${unreadMark(s)}`]);
  const tname = (id: string) => getUnit(deps.db, id)?.name ?? id;
  const cap = silent.length <= NAME_ALL_UP_TO || viewer.tier === 'township' ? Infinity : NAMES_PER_TOWNSHIP_WHEN_MANY;
  for (const [tid, names] of groupsBy) {
    const shown = names.slice(0, cap).join('、');
    const more = names.length > cap ? ` 等${names.length}个` : '';
    lines.push(viewer.tier === 'county' ? `· ${tname(tid)}：${shown}${more}` : `· ${shown}${more}`);
  }
  if (cap !== Infinity) lines.push(`完整名单：在乡镇指挥室发 /进度 ${refWord(d, yearIn(deps.now(), tz), { tier: 'township' })}。`);
  return [...lines, ...history].join('\n');
}

