/**
 * The lead (线索) lifecycle: a report from a grid group gets a gapless day number and goes to the
 * reporter's township room; township officers (or the county) move it reported → accepted → verifying →
 * handling → closed, and may escalate it to the command group; a lead not accepted within
 * `LEAD_ACCEPT_SLA` is reported to the command group once (timer `lead-<id>-sla`; leads falling due
 * together are folded into one notice per group).
 *
 * Privacy: a lead's text goes only to its grid group, its township room and — once escalated (by a
 * person, or by the SLA) — the command group; every relayed text has mobile and ID-card numbers masked.
 * The full text is kept only in the lead record.
 *
 * Every function runs synchronously inside the caller's write transaction.
 */
import type { CoreDeps, Tier } from '../src/core/command.js';
import { formatDurationZh } from '../src/core/duration.js';
import { Refusal } from '../src/core/errors.js';
import { maskPersonal } from '../src/core/mask.js';
import type { Attachment } from '../src/core/message.js';
import { mayMoveLead, mayReadLead, ROLE_ZH } from '../src/core/permissions.js';
import { clockIn, isoDayIn, shortDateTimeIn } from '../src/core/time.js';
import { audit } from '../src/db/queries/audit.js';
import {
  findLead,
  findRepeat,
  getLead,
  insertLead,
  insertLeadEvent,
  latestLeadOf,
  moveLead,
  nextLeadNumber,
  updateLead,
} from '../src/db/queries/leads.js';
import { messagesBetween } from '../src/db/queries/inbound.js';
import { pendingTaskReminders } from '../src/db/queries/tasks.js';
import { countyUnit, getMember, getUnit, groupOfUnit } from '../src/db/queries/roster.js';
import type { Lead, LeadState, Member, TimerRow, Unit } from '../src/db/schema/index.js';
import type { LeadRef, LeadReport } from './lead-fields.js';

export const LEAD_STATE_ZH: Record<LeadState, string> = {
  reported: '待受理',
  accepted: '已受理',
  verifying: '核查中',
  handling: '处置中',
  closed: '已办结',
};

/** A picture sent by the reporter this soon (ms) after `/上报`, alone, is attached to that lead. */
export { PICTURE_FOLLOW_UP_MS } from '../src/core/follow-up.js';
import { PICTURE_FOLLOW_UP_MS } from '../src/core/follow-up.js';
import { clipMasked } from '../src/core/text.js';

/** The day key `YYYYMMDD` of `date` in `timeZone`. */
export function dayKey(date: Date, timeZone: string): number {
  return Number(isoDayIn(date, timeZone).replace(/-/g, ''));
}

/** `20260129-007`. */
export function leadNumber(l: Pick<Lead, 'day' | 'number'>): string {
  return `${l.day}-${String(l.number).padStart(3, '0')}`;
}

/** The short number people type for a lead of today (`007`), else the full one. */
function shortNumber(l: Pick<Lead, 'day' | 'number'>, today: number): string {
  return l.day === today ? String(l.number).padStart(3, '0') : leadNumber(l);
}

const memberLine = (m: Member | undefined, id: string) => (m ? `${m.name}（${ROLE_ZH[m.role]}）` : id);

/** The lead's details as relayed to a group (masked): description, fields, grid, reporter, time. */
function detailLines(deps: CoreDeps, lead: Lead): string[] {
  const { db, config } = deps;
  const unit = getUnit(db, lead.unitId);
  const township = getUnit(db, lead.townshipId);
  const fields = [
    lead.category !== null ? `类别：${lead.category}` : null,
    lead.people !== null ? `人数：${lead.people}` : null,
    lead.urgencyText !== null ? `紧急：${lead.urgencyText}` : null,
  ].filter(Boolean);
  const lines = [
    ...(lead.text ? [`情况：${maskPersonal(lead.text)}`] : []),
    ...(lead.location !== null ? [`地点：${maskPersonal(lead.location)}`] : []),
    ...(fields.length ? [fields.join('｜')] : []),
    `网格：${township && township.id !== unit?.id ? `${township.name} ` : ''}${unit?.name ?? lead.unitId}`,
    `上报：${memberLine(getMember(db, lead.reporterId), lead.reporterId)} ${shortDateTimeIn(lead.reportedAt, config.TIMEZONE)}`,
  ];
  if (lead.attachments.length) lines.push(`附图：${lead.attachments.length}张`);
  return lines;
}

/** Stores a lead message for one group with every personal number masked (all relays go through here). */
function post(deps: CoreDeps, msg: { conversationId: string; text: string; dedupKey: string }): void {
  deps.outbox.store(deps.db, { ...msg, text: maskPersonal(msg.text) });
}

function event(deps: CoreDeps, lead: Lead, action: string, actorId: string, note: string | null, inboundId: number | null, at = deps.now()) {
  insertLeadEvent(deps.db, { leadId: lead.id, action, actorId, note, at, inboundId });
  audit(deps.db, { actorId, action: `lead.${action}`, subject: `线索 ${leadNumber(lead)}`, detail: { leadId: lead.id, state: lead.state }, inboundId, at });
}

/** The command group's conversation id, if the roster has one. */
function commandGroup(deps: CoreDeps): string | undefined {
  const county = countyUnit(deps.db);
  return county ? groupOfUnit(deps.db, county.id)?.conversationId : undefined;
}

/** Whether the command group may see the lead's text: escalated by a person or told by the SLA. */
const countyKnows = (lead: Lead) => lead.escalatedAt !== null || lead.slaBreachedAt !== null;

export interface ReportInput {
  report: LeadReport;
  reporter: Member;
  /** The grid group it was posted in and that group's unit (the lead is routed by it). */
  conversationId: string;
  unit: Unit;
  attachments: Attachment[];
  inboundId: number;
  /** When it was reported: the moment the message was received (`ctx.receivedAt`); default now. */
  at?: Date | undefined;
}

export type ReportResult =
  | { status: 'reported'; lead: Lead; roomName: string | null }
  | { status: 'duplicate'; lead: Lead; picturesAdded: number };

/**
 * Records a lead: recognises a repeat (same reporter, same text within `LEAD_DEDUP_WINDOW`) — its
 * pictures, if any, are added to the earlier lead — else takes the next number of the day it was
 * reported (`input.at`, in TIMEZONE), posts the lead to the township room (outbox key `lead-<id>-room`)
 * and schedules the acceptance SLA (`lead-<id>-sla`, urgent when `紧急:是/高`). The report time is when
 * the message was received; the SLA runs from now, when the room is told, so a report held up (an
 * outage) still gives the room its whole window. A township without a room sends the lead to the command
 * group instead.
 */
export function report(deps: CoreDeps, input: ReportInput): ReportResult {
  const { db, config } = deps;
  const now = deps.now();
  const at = input.at ?? now;
  const repeat = findRepeat(db, input.reporter.id, input.report.dedupText, new Date(at.getTime() - config.LEAD_DEDUP_WINDOW));
  if (repeat) {
    const added = input.attachments.length ? addPictures(deps, repeat, input.attachments, input.reporter.id, input.inboundId, at) : 0;
    return { status: 'duplicate', lead: repeat, picturesAdded: added };
  }
  const townshipId = input.unit.townshipId ?? input.unit.id;
  const day = dayKey(at, config.TIMEZONE);
  const today = dayKey(now, config.TIMEZONE);
  const r = input.report;
  let lead = insertLead(db, {
    day,
    number: nextLeadNumber(db, day),
    text: r.description,
    dedupText: r.dedupText,
    category: r.category ?? null,
    location: r.location ?? null,
    people: r.people ?? null,
    peopleCount: r.peopleCount ?? null,
    urgencyText: r.urgencyText ?? null,
    urgency: r.urgency ?? null,
    urgent: r.urgent,
    notUnderstood: r.notUnderstood,
    attachments: input.attachments,
    reporterId: input.reporter.id,
    reportedIn: input.conversationId,
    unitId: input.unit.id,
    townshipId,
    reportedAt: at,
    sourceInboundId: input.inboundId,
  });
  event(deps, lead, 'report', input.reporter.id, null, input.inboundId, at);
  const room = groupOfUnit(db, townshipId);
  const n = leadNumber(lead);
  const head = `【线索 ${n}】${lead.urgent ? '🔴紧急' : ''}`;
  if (room) {
    const sla = formatDurationZh(config.LEAD_ACCEPT_SLA);
    post(deps, {
      conversationId: room.conversationId,
      text: [head, ...detailLines(deps, lead), `请${sla}内受理：/受理 ${shortNumber(lead, today)}`].join('\n'),
      dedupKey: `lead-${lead.id}-room`,
    });
    deps.timers.schedule(db, {
      id: `lead-${lead.id}-sla`,
      kind: 'lead.sla',
      dueAt: new Date(now.getTime() + config.LEAD_ACCEPT_SLA),
      data: { leadId: lead.id },
      urgent: lead.urgent,
    });
  } else {
    const cg = commandGroup(deps);
    lead = updateLead(db, lead.id, { escalatedAt: at, escalatedBy: 'system', escalateReason: '所属乡镇没有指挥室群' });
    if (cg) {
      post(deps, {
        conversationId: cg,
        text: [`${head}（所属乡镇没有指挥室群，直报指挥部）`, ...detailLines(deps, lead), `受理：/受理 ${shortNumber(lead, today)}`].join('\n'),
        dedupKey: `lead-${lead.id}-county`,
      });
    }
  }
  return { status: 'reported', lead, roomName: room?.title ?? null };
}

/** Adds pictures to a lead and tells the rooms that already have it. @returns the lead's picture count. */
function addPictures(deps: CoreDeps, lead: Lead, pictures: Attachment[], actorId: string, inboundId: number, at: Date): number {
  const updated = updateLead(deps.db, lead.id, { attachments: [...lead.attachments, ...pictures] });
  event(deps, updated, 'picture', actorId, `${pictures.length}`, inboundId, at);
  const text = `线索 ${leadNumber(lead)} 补充图片${pictures.length}张（共${updated.attachments.length}张）。`;
  const room = groupOfUnit(deps.db, lead.townshipId);
  if (room) post(deps, { conversationId: room.conversationId, text, dedupKey: `lead-${lead.id}-pic-${inboundId}-room` });
  const cg = commandGroup(deps);
  if (cg && countyKnows(lead)) post(deps, { conversationId: cg, text, dedupKey: `lead-${lead.id}-pic-${inboundId}-county` });
  return updated.attachments.length;
}

/**
 * Attaches a picture-only message to the sender's lead in this group when it is their next message
 * there within {@link PICTURE_FOLLOW_UP_MS} of the report.
 * @returns the lead and its picture count, or null when there is no such lead.
 */
export function attachFollowUp(
  deps: CoreDeps,
  input: { sender: Member; conversationId: string; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): { lead: Lead; pictures: number } | null {
  const at = input.at ?? deps.now();
  const since = new Date(at.getTime() - PICTURE_FOLLOW_UP_MS);
  const lead = latestLeadOf(deps.db, input.sender.id, input.conversationId, since);
  if (!lead || lead.sourceInboundId === null) return null;
  if (messagesBetween(deps.db, input.sender.id, input.conversationId, lead.sourceInboundId, input.inboundId) > 0) return null;
  return { lead, pictures: addPictures(deps, lead, input.attachments, input.sender.id, input.inboundId, at) };
}

/** Where a move is made: the tier and unit of the group, and who makes it. */
export interface Actor {
  member: Member;
  tier: Tier;
  /** The unit of the group the command was posted in. */
  unit: Unit;
  inboundId: number;
  /**
   * When the move was made: the moment the message was received (`ctx.receivedAt`); default now. Never
   * taken as earlier than the lead's last recorded step, so lead times are never negative.
   */
  at?: Date | undefined;
}

/** The time of a move by `actor`: the received time, not before the lead's last recorded step. */
function actionTime(deps: CoreDeps, lead: Lead, actor: Actor): Date {
  const steps = [lead.reportedAt, lead.acceptedAt, lead.verifyingAt, lead.handlingAt, lead.escalatedAt].map((d) => d?.getTime() ?? 0);
  return new Date(Math.max((actor.at ?? deps.now()).getTime(), ...steps));
}

/**
 * Finds a lead by number (a number without a day means today's, in `TIMEZONE`).
 * @throws Refusal naming the number when there is none.
 */
export function resolveLead(deps: CoreDeps, ref: LeadRef): Lead {
  const day = ref.day ?? dayKey(deps.now(), deps.config.TIMEZONE);
  const lead = findLead(deps.db, day, ref.number);
  if (!lead) throw new Refusal(`没有线索 ${leadNumber({ day, number: ref.number })}。请核对编号（/线索 查看未办结线索）。`);
  return lead;
}

/** Whether the lead is within the viewer's tier: county all; township its own; grid its own reports (`mayReadLead`). */
export function inScope(lead: Lead, viewer: { tier: Tier; unit: Unit }): boolean {
  return mayReadLead(viewer, lead);
}

/** The moves and the states they may start from. */
export const MOVES = {
  accept: { to: 'accepted', from: ['reported'], zh: '受理', word: '/受理' },
  verify: { to: 'verifying', from: ['accepted'], zh: '核查', word: '/核查' },
  handle: { to: 'handling', from: ['accepted', 'verifying'], zh: '处置', word: '/处置' },
  close: { to: 'closed', from: ['accepted', 'verifying', 'handling'], zh: '办结', word: '/办结' },
} as const satisfies Record<string, { to: LeadState; from: readonly LeadState[]; zh: string; word: string }>;
export type Move = keyof typeof MOVES;

/** @throws Refusal when `actor` may not move `lead` (`mayMoveLead`: another township's). */
function checkMayMove(lead: Lead, actor: Actor): void {
  if (mayMoveLead(actor, lead)) return;
  throw new Refusal(`线索 ${leadNumber(lead)} 不属于${actor.unit.name}，不能处理。`);
}

/** The refusal for a move not allowed from the lead's state, naming the state and what to do. */
function illegalMove(deps: CoreDeps, lead: Lead, move: Move): Refusal {
  const n = leadNumber(lead);
  const s = shortNumber(lead, dayKey(deps.now(), deps.config.TIMEZONE));
  const state = LEAD_STATE_ZH[lead.state];
  if (lead.state === 'closed') return new Refusal(`线索 ${n} 已办结，不能再${MOVES[move].zh}。`);
  if (lead.state === MOVES[move].to) return new Refusal(`线索 ${n} 当前${state}，无需重复${MOVES[move].zh}。`);
  if (lead.state === 'reported') return new Refusal(`线索 ${n} 当前${state}，不能${MOVES[move].zh}。请先 /受理 ${s}`);
  return new Refusal(`线索 ${n} 当前${state}，不能${MOVES[move].zh}。`);
}

export interface MoveResult {
  lead: Lead;
  /** Time from report to this move (ms). */
  sinceReport: number;
}

/**
 * Moves a lead (受理 / 核查 / 处置 / 办结): records the time (`accepted_at`, `closed_at` … — when the
 * message was received, see {@link Actor.at}; they feed the lead-time reports), the note,
 * an event and an audit entry; tells the reporter's grid group, the township room when the move was
 * made from the command group, and the command group when the county already knows the lead.
 * Acceptance and closure cancel the SLA timer.
 * @throws Refusal when the lead is not the actor's to move or the move is not allowed from its state.
 */
export function moveLeadTo(deps: CoreDeps, ref: LeadRef, move: Move, note: string, actor: Actor): MoveResult {
  const { db } = deps;
  const lead = resolveLead(deps, ref);
  checkMayMove(lead, actor);
  const m = MOVES[move];
  if (!(m.from as readonly LeadState[]).includes(lead.state)) throw illegalMove(deps, lead, move);
  const now = actionTime(deps, lead, actor);
  const set: Parameters<typeof moveLead>[3] = { state: m.to };
  if (move === 'accept') Object.assign(set, { acceptedAt: now, acceptedBy: actor.member.id });
  if (move === 'verify') set.verifyingAt = now;
  if (move === 'handle') set.handlingAt = now;
  if (move === 'close') Object.assign(set, { closedAt: now, closedBy: actor.member.id, result: note });
  const moved = moveLead(db, lead.id, m.from, set);
  if (!moved) throw illegalMove(deps, lead, move);
  if (move === 'accept' || move === 'close') deps.timers.cancel(db, `lead-${lead.id}-sla`);
  event(deps, moved, move, actor.member.id, note || null, actor.inboundId, now);

  const tz = deps.config.TIMEZONE;
  const who = actor.tier === 'county' ? `指挥部 ${actor.member.name}` : `${actor.unit.name} ${actor.member.name}`;
  const tail = note ? `\n${move === 'close' ? '结果' : '说明'}：${maskPersonal(note)}` : '';
  const told = `线索 ${leadNumber(moved)} ${LEAD_STATE_ZH[moved.state]}（${who} ${clockIn(now, tz)}）${tail}`;
  post(deps, { conversationId: moved.reportedIn, text: told, dedupKey: `lead-${lead.id}-${move}-grid` });
  if (actor.tier === 'county') {
    const room = groupOfUnit(db, moved.townshipId);
    if (room) post(deps, { conversationId: room.conversationId, text: told, dedupKey: `lead-${lead.id}-${move}-room` });
  } else if (countyKnows(moved)) {
    const cg = commandGroup(deps);
    if (cg) post(deps, { conversationId: cg, text: told, dedupKey: `lead-${lead.id}-${move}-county` });
  }
  return { lead: moved, sinceReport: now.getTime() - moved.reportedAt.getTime() };
}

/**
 * Escalates a lead to the command group (`/上报县`) with a reason: posts its details there (outbox key
 * `lead-<id>-escalate`), tells the grid group, and cancels the SLA timer (the county now knows).
 * @throws Refusal when not the actor's lead, already closed, already escalated, or no command group exists.
 */
export function escalate(deps: CoreDeps, ref: LeadRef, reason: string, actor: Actor): Lead {
  const { db, config } = deps;
  const lead = resolveLead(deps, ref);
  checkMayMove(lead, actor);
  const now = actionTime(deps, lead, actor);
  const n = leadNumber(lead);
  if (lead.state === 'closed') throw new Refusal(`线索 ${n} 已办结，无需上报县。`);
  if (lead.escalatedAt) throw new Refusal(`线索 ${n} 已于${shortDateTimeIn(lead.escalatedAt, config.TIMEZONE)}上报县，无需重复。`);
  const cg = commandGroup(deps);
  if (!cg) throw new Refusal('花名册中没有指挥部群，无法上报县。请联系指挥部管理员。');
  const updated = updateLead(db, lead.id, { escalatedAt: now, escalatedBy: actor.member.id, escalateReason: reason });
  deps.timers.cancel(db, `lead-${lead.id}-sla`);
  event(deps, updated, 'escalate', actor.member.id, reason, actor.inboundId, now);
  const today = dayKey(deps.now(), config.TIMEZONE);
  const state = updated.acceptedAt
    ? `${LEAD_STATE_ZH[updated.state]}（${clockIn(updated.acceptedAt, config.TIMEZONE)}受理）`
    : LEAD_STATE_ZH[updated.state];
  post(deps, {
    conversationId: cg,
    text: [
      `【线索 ${n} ${actor.unit.name}上报县】${updated.urgent ? '🔴紧急' : ''}`,
      `理由：${maskPersonal(reason)}`,
      ...detailLines(deps, updated),
      `状态：${state}`,
      `上报县：${actor.member.name} ${clockIn(now, config.TIMEZONE)}`,
      `指挥部可 /办结 ${shortNumber(updated, today)} <结果>`,
    ].join('\n'),
    dedupKey: `lead-${lead.id}-escalate`,
  });
  post(deps, {
    conversationId: updated.reportedIn,
    text: `线索 ${n} 已由${actor.unit.name}上报县指挥部（${clockIn(now, config.TIMEZONE)}）。`,
    dedupKey: `lead-${lead.id}-escalate-grid`,
  });
  return updated;
}

/** SLA timers of other leads due within this long (ms) of one firing are folded into its notices. */
export function leadBundleWindowMs(config: CoreDeps['config']): number {
  return Math.min(120_000, Math.floor(config.LEAD_ACCEPT_SLA / 4));
}

/** Up to this many leads are named one per line in the command group's folded notice. */
const SLA_LINES = 10;
/** Up to this many lead numbers are named in a township room's folded notice. */
const SLA_NUMBERS = 60;


/**
 * The SLA check (timer `lead-<id>-sla`, fired at `at`): a lead still not accepted is reported to the
 * command group once, and its township room is told it was. Other leads whose SLA timers fall due within
 * {@link leadBundleWindowMs} are folded in (their timers cancelled in this transaction; an urgent firing
 * — which may be in quiet hours — folds only urgent ones), so 40 leads reported together make one ⏰
 * message to the command group (outbox key `lead-<first id>-sla`) and one to each township room
 * (`lead-<first id there>-sla-room`), not 40 each (PRODUCT.md §2.6). A single lead keeps its full details.
 */
export function slaBreached(deps: CoreDeps, timer: TimerRow, at: Date): void {
  const { db, config } = deps;
  const cg = commandGroup(deps);
  if (!cg) return;
  const open = (leadId: unknown): Lead | undefined => {
    const lead = Number.isInteger(Number(leadId)) ? getLead(db, Number(leadId)) : undefined;
    return lead && lead.state === 'reported' && !lead.escalatedAt && !lead.slaBreachedAt ? lead : undefined;
  };
  const first = open(timer.data.leadId);
  if (!first) return;
  const bundle = [first];
  // (the pending-timers-of-a-kind query lives with the task reminders, which fold the same way)
  for (const t of pendingTaskReminders(db, 'lead.sla', new Date(at.getTime() + leadBundleWindowMs(config)), timer.id)) {
    if (timer.urgent && !t.urgent) continue; // a non-urgent notice still waits out the quiet hours
    const other = open(t.data.leadId);
    if (other && other.id !== first.id && deps.timers.cancel(db, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.id - b.id);
  const now = at;
  const today = dayKey(now, config.TIMEZONE);
  const breached = bundle.map((lead) => {
    const updated = updateLead(db, lead.id, { slaBreachedAt: now });
    event(deps, updated, 'sla', 'system', null, null, now);
    return updated;
  });
  const tname = (id: string) => getUnit(db, id)?.name ?? id;
  const waited = (lead: Lead) => formatDurationZh(now.getTime() - lead.reportedAt.getTime());

  if (breached.length === 1) {
    const lead = breached[0]!;
    const n = leadNumber(lead);
    post(deps, {
      conversationId: cg,
      text: [
        `⏰【线索 ${n}】${lead.urgent ? '🔴紧急 ' : ''}上报${waited(lead)}，${tname(lead.townshipId)}尚未受理`,
        ...detailLines(deps, lead),
        `指挥部可 /受理 ${shortNumber(lead, today)}`,
      ].join('\n'),
      dedupKey: `lead-${lead.id}-sla`,
    });
  } else {
    const sla = formatDurationZh(config.LEAD_ACCEPT_SLA);
    const oneTownship = new Set(breached.map((l) => l.townshipId)).size === 1;
    const line = (l: Lead) => {
      const grid = getUnit(db, l.unitId)?.name ?? l.unitId;
      const what = clipMasked(l.text || [l.category, l.location].filter(Boolean).join(' '));
      return `· ${shortNumber(l, today)} ${l.urgent ? '🔴' : ''}${oneTownship ? '' : `${tname(l.townshipId)} `}${grid}：${what}`;
    };
    const more = breached.length > SLA_LINES ? [`…等${breached.length}条，/线索 查看全部`] : [];
    post(deps, {
      conversationId: cg,
      text: [`⏰ ${oneTownship ? `${tname(breached[0]!.townshipId)} ` : ''}${breached.length} 条线索上报超过${sla}，尚未受理：`, ...breached.slice(0, SLA_LINES).map(line), ...more, '指挥部可 /受理 <号>，/线索 <号> 查看详情'].join('\n'),
      dedupKey: `lead-${breached[0]!.id}-sla`,
    });
  }

  const byTownship = new Map<string, Lead[]>();
  for (const l of breached) byTownship.set(l.townshipId, [...(byTownship.get(l.townshipId) ?? []), l]);
  for (const [tid, list] of byTownship) {
    const room = groupOfUnit(db, tid);
    if (!room) continue;
    const nums = list.map((l) => shortNumber(l, today));
    const text =
      list.length === 1
        ? `⏰ 线索 ${leadNumber(list[0]!)} 上报${waited(list[0]!)}仍未受理，已报指挥部。请尽快 /受理 ${nums[0]}`
        : `⏰ 本乡镇 ${list.length} 条线索上报超过${formatDurationZh(config.LEAD_ACCEPT_SLA)}仍未受理，已报指挥部：${nums.slice(0, SLA_NUMBERS).join('、')}${list.length > SLA_NUMBERS ? ` 等${list.length}条` : ''}\n请尽快 /受理 <号>`;
    post(deps, { conversationId: room.conversationId, text, dedupKey: `lead-${list[0]!.id}-sla-room` });
  }
}

/** Registers the SLA timer handler. */
export function registerTimers(deps: CoreDeps): void {
  deps.timers.on('lead.sla', (_db, timer, fired) => slaBreached(deps, timer, fired.at));
}
