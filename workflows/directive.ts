/**
 * The directive (指挥部令) and notice (通告) lifecycle: issue with a gapless number and a target snapshot,
 * relay to every target group through the outbox, acknowledge once per unit, report progress per tier.
 *
 * Every function here runs synchronously inside the caller's write transaction (better-sqlite3), so a
 * directive, its targets and all its relay messages are stored together or not at all; the outbox then
 * delivers them, and a restart resumes what was not yet sent.
 */
import type { CoreDeps, Tier } from '../src/core/command.js';
import { formatDurationZh } from '../src/core/duration.js';
import { Refusal } from '../src/core/errors.js';
import { clockIn, percent, shortDateTimeIn, yearIn } from '../src/core/time.js';
import { audit } from '../src/db/queries/audit.js';
import {
  findByNumber,
  getAck,
  getTarget,
  insertAck,
  insertDirective,
  insertTargets,
  nextNumber,
  openForUnit,
  targetsWithAcks,
} from '../src/db/queries/directives.js';
import { countyUnit, getGroup, getUnit, townships, unitsWithGroups } from '../src/db/queries/roster.js';
import type { Directive, DirectiveKind, Member, Unit } from '../src/db/schema/index.js';

export const KIND_ZH: Record<DirectiveKind, string> = { directive: '指挥部令', notice: '通告' };

/** `指挥部令〔2026〕第17号` / `通告〔2026〕第18号`. */
export function formatNumber(d: Pick<Directive, 'kind' | 'year' | 'number'>): string {
  return `${KIND_ZH[d.kind]}〔${d.year}〕第${d.number}号`;
}

/** A reference to a directive or notice as people write it: `17`, `令17`, `通告 18`, `第17号`. */
export interface DirectiveRef {
  kind?: DirectiveKind;
  number: number;
}

/**
 * Parses a reference such as `17`, `第17号`, `令17`, `指挥部令17`, `通告18`, `〔2026〕第17号`.
 * @returns the reference, or null when the text names no number.
 */
export function parseRef(text: string): DirectiveRef | null {
  const t = text.replace(/\s+/g, '');
  const m = /^(指挥部令|令|通告|directive|notice)?(?:〔\d{4}〕|\[\d{4}\]|\(\d{4}\))?第?(\d{1,6})号?$/i.exec(t);
  if (!m) return null;
  const word = (m[1] ?? '').toLowerCase();
  const kind: DirectiveKind | undefined = word === '通告' || word === 'notice' ? 'notice' : word ? 'directive' : undefined;
  return kind ? { kind, number: Number(m[2]) } : { number: Number(m[2]) };
}

export interface IssueInput {
  kind: DirectiveKind;
  text: string;
  issuer: Member;
  /** The command group it was posted in. */
  conversationId: string;
  inboundId: number;
  ackRequired?: boolean;
}

export interface IssueResult {
  directive: Directive;
  townships: number;
  grids: number;
}

/**
 * Issues a directive or notice to every township room and grid group: takes the next number of its
 * kind for the year (in `TIMEZONE`), snapshots the target units, stores one relay message per target
 * group (outbox key `dir-<id>-relay-<conversation>`) and an audit entry.
 * @throws Refusal when no roster is loaded.
 */
export function issue(deps: CoreDeps, input: IssueInput): IssueResult {
  const { db, config } = deps;
  const now = deps.now();
  const targets = unitsWithGroups(db, ['township', 'grid']);
  if (targets.length === 0) throw new Refusal('花名册中没有乡镇或网格群，无法下发。请先导入花名册。');
  const year = yearIn(now, config.TIMEZONE);
  const number = nextNumber(db, input.kind, year);
  const ackRequired = input.ackRequired ?? true;
  const directive = insertDirective(db, {
    kind: input.kind,
    year,
    number,
    text: input.text,
    issuerId: input.issuer.id,
    issuedIn: input.conversationId,
    issuedAt: now,
    ackDeadline: ackRequired ? new Date(now.getTime() + config.ACK_ESCALATE_AFTER) : null,
    ackRequired,
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
  for (const u of targets) {
    deps.outbox.store(db, { conversationId: u.conversationId, text: relay, dedupKey: `dir-${directive.id}-relay-${u.conversationId}` });
  }
  audit(db, {
    actorId: input.issuer.id,
    action: `${input.kind}.issue`,
    subject: formatNumber(directive),
    detail: { directiveId: directive.id, targets: targets.length },
    inboundId: input.inboundId,
    at: now,
  });
  const grids = targets.filter((u) => u.kind === 'grid').length;
  return { directive, townships: targets.length - grids, grids };
}

function relayText(deps: CoreDeps, d: Directive, issuerName: string): string {
  const tz = deps.config.TIMEZONE;
  const lines = [`【${formatNumber(d)}】`, d.text, `——${issuerName} ${shortDateTimeIn(d.issuedAt, tz)}`];
  if (d.ackRequired && d.ackDeadline) {
    lines.push(`请于${clockIn(d.ackDeadline, tz)}前回复「收到」确认（${formatDurationZh(d.ackDeadline.getTime() - d.issuedAt.getTime())}内）。`);
  }
  return lines.join('\n');
}

export interface AckInput {
  /** The unit acknowledging: the unit of the group it was posted in. */
  unit: Unit;
  member: Member;
  /** The words used, kept in the record. */
  words: string;
  /** An explicit reference; without it the latest open item of the unit is acknowledged. */
  ref?: DirectiveRef | undefined;
  inboundId: number;
}

export type AckResult =
  | { status: 'acknowledged'; directive: Directive; late: boolean; stillOpen: Directive[] }
  | { status: 'already'; directive: Directive; by: string; at: Date }
  | { status: 'nothing-open' };

/**
 * Records the unit's acknowledgement of a directive or notice — once per unit; a later one is
 * reported as `already`. A late acknowledgement (after the deadline) counts, marked late.
 * @throws Refusal when the referenced item does not exist, was revoked, or was not sent to this unit.
 */
export function acknowledge(deps: CoreDeps, input: AckInput): AckResult {
  const { db } = deps;
  const now = deps.now();
  const open = openForUnit(db, input.unit.id);
  let target: Directive | undefined;
  if (input.ref) {
    const ref = input.ref;
    target = open.find((d) => d.number === ref.number && (!ref.kind || d.kind === ref.kind));
    if (!target) {
      const any = findByNumber(db, ref.kind ?? 'directive', ref.number) ?? (ref.kind ? undefined : findByNumber(db, 'notice', ref.number));
      const name = any ? formatNumber(any) : `第${ref.number}号`;
      if (!any) throw new Refusal(`没有${name}。请核对编号。`);
      if (any.status === 'revoked') throw new Refusal(`${name}已撤回，无需确认。`);
      if (!any.ackRequired) throw new Refusal(`${name}无需回执。`);
      throw new Refusal(`${name}不是发给${input.unit.name}的。`);
    }
  } else {
    target = open.find((d) => !d.acknowledged) ?? open[0];
    if (!target) return { status: 'nothing-open' };
  }
  const stored = insertAck(db, {
    directiveId: target.id,
    unitId: input.unit.id,
    memberId: input.member.id,
    words: input.words,
    at: now,
    late: target.ackDeadline !== null && now.getTime() > target.ackDeadline.getTime(),
    inboundId: input.inboundId,
  });
  if (!stored) {
    const ack = getAck(db, target.id, input.unit.id)!;
    return { status: 'already', directive: target, by: ack.memberId, at: ack.at };
  }
  audit(db, {
    actorId: input.member.id,
    action: `${target.kind}.acknowledge`,
    subject: formatNumber(target),
    detail: { unitId: input.unit.id, words: input.words },
    inboundId: input.inboundId,
    at: now,
  });
  const late = target.ackDeadline !== null && now.getTime() > target.ackDeadline.getTime();
  return { status: 'acknowledged', directive: target, late, stillOpen: open.filter((d) => !d.acknowledged && d.id !== target.id) };
}

/**
 * Finds a directive or notice by reference; without a kind, the most recently issued of either kind.
 * @throws Refusal naming the reference when none exists.
 */
export function resolve(deps: CoreDeps, ref: DirectiveRef): Directive {
  const candidates = ref.kind
    ? [findByNumber(deps.db, ref.kind, ref.number)]
    : [findByNumber(deps.db, 'directive', ref.number), findByNumber(deps.db, 'notice', ref.number)];
  const found = candidates.filter((d): d is Directive => !!d).sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime())[0];
  if (!found) throw new Refusal(`没有${ref.kind ? KIND_ZH[ref.kind] : ''}第${ref.number}号。请核对编号。`);
  return found;
}

/** Up to this many silent grids, all are named; beyond it the county view names a few per township. */
const NAME_ALL_UP_TO = 60;
const NAMES_PER_TOWNSHIP_WHEN_MANY = 5;

/**
 * Progress of one directive for a viewer's tier, as a phone-sized text:
 * county → per township and the silent units; township → its own room and grids; grid → itself.
 * Counts are against the target snapshot taken at issue.
 */
export function progressText(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }): string {
  const rows = targetsWithAcks(deps.db, d.id);
  const tz = deps.config.TIMEZONE;
  const head = `${formatNumber(d)} 确认进度${d.status === 'revoked' ? '（已撤回）' : ''}`;
  if (viewer.tier === 'grid' || (viewer.tier === 'township' && !rows.some((r) => r.townshipId === viewer.unit.id))) {
    const own = rows.find((r) => r.unitId === viewer.unit.id);
    if (!own) return `${head}\n${formatNumber(d)}未发给${viewer.unit.name}。`;
    return own.ackAt
      ? `${head}\n${viewer.unit.name}：已确认（${clockIn(own.ackAt, tz)}${own.late ? '，逾期' : ''}）`
      : `${head}\n${viewer.unit.name}：未确认`;
  }
  const scoped = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  const grids = scoped.filter((r) => r.unitKind === 'grid');
  const rooms = scoped.filter((r) => r.unitKind === 'township');
  const acked = (xs: typeof rows) => xs.filter((r) => r.ackAt !== null).length;
  const lines = [head, `网格：${acked(grids)}/${grids.length}（${percent(acked(grids), grids.length)}）`];
  if (viewer.tier === 'county') {
    lines.push(`乡镇指挥室：${acked(rooms)}/${rooms.length}`);
    lines.push(`合计响应率：${acked(scoped)}/${scoped.length}（${percent(acked(scoped), scoped.length)}）`);
    lines.push('各乡镇网格确认：');
    const names = new Map(townships(deps.db).map((t) => [t.id, t.name]));
    const byTownship = new Map<string, typeof rows>();
    for (const g of grids) byTownship.set(g.townshipId, [...(byTownship.get(g.townshipId) ?? []), g]);
    for (const [tid, gs] of byTownship) {
      const room = rooms.find((r) => r.unitId === tid);
      lines.push(`· ${names.get(tid) ?? tid} ${acked(gs)}/${gs.length}${room && !room.ackAt ? '（指挥室未确认）' : ''}`);
    }
  } else {
    const room = rooms[0];
    if (room) lines.push(`本乡镇指挥室：${room.ackAt ? '已确认' : '未确认'}`);
  }
  const silent = grids.filter((r) => r.ackAt === null);
  if (silent.length === 0) {
    lines.push('未确认网格：无');
    return lines.join('\n');
  }
  lines.push(`未确认网格（${silent.length}）：`);
  const groupsBy = new Map<string, string[]>();
  for (const s of silent) groupsBy.set(s.townshipId, [...(groupsBy.get(s.townshipId) ?? []), s.unitName]);
  const tname = (id: string) => getUnit(deps.db, id)?.name ?? id;
  const cap = silent.length <= NAME_ALL_UP_TO || viewer.tier === 'township' ? Infinity : NAMES_PER_TOWNSHIP_WHEN_MANY;
  for (const [tid, names] of groupsBy) {
    const shown = names.slice(0, cap).join('、');
    const more = names.length > cap ? ` 等${names.length}个` : '';
    lines.push(viewer.tier === 'county' ? `· ${tname(tid)}：${shown}${more}` : `· ${shown}${more}`);
  }
  if (cap !== Infinity) lines.push('完整名单：在乡镇指挥室发 /进度 编号。');
  return lines.join('\n');
}

/** Whether the unit is among the directive's targets. */
export function isTarget(deps: CoreDeps, directiveId: number, unitId: string): boolean {
  return getTarget(deps.db, directiveId, unitId) !== undefined;
}
