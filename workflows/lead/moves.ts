/**
 * Moving a lead along (受理 → 核查 → 处置 → 办结, see states.ts) and escalating it to the command group
 * (`/上报县`): who may, from which state, the times recorded (they feed the lead-time reports) and who is told.
 */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { maskPersonal } from '../../src/core/mask.js';
import { mayMoveLead } from '../../src/core/permissions.js';
import { moveLead, updateLead } from '../../src/db/queries/leads.js';
import { groupOfUnit } from '../../src/db/queries/roster.js';
import type { Lead, LeadState, Member, Unit } from '../../src/db/schema/index.js';
import { clockIn, shortDateTimeIn } from '../../src/time/clock.js';
import type { LeadRef } from './fields.js';
import { dayKey, leadNumber, resolveLead, shortNumber } from './number.js';
import { commandGroup, countyKnows, detailLines, event, leadLane, post } from './relay.js';
import { cancelSla } from './sla.js';
import { LEAD_STATE_ZH, MOVES, type Move } from './states.js';

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
export async function moveLeadTo(deps: CoreDeps, ref: LeadRef, move: Move, note: string, actor: Actor): Promise<MoveResult> {
  const { db } = deps;
  const lead = await resolveLead(deps, ref);
  checkMayMove(lead, actor);
  const m = MOVES[move];
  if (!(m.from as readonly LeadState[]).includes(lead.state)) throw illegalMove(deps, lead, move);
  const now = actionTime(deps, lead, actor);
  const set: Parameters<typeof moveLead>[3] = { state: m.to };
  if (move === 'accept') Object.assign(set, { acceptedAt: now, acceptedBy: actor.member.id });
  if (move === 'verify') set.verifyingAt = now;
  if (move === 'handle') set.handlingAt = now;
  if (move === 'close') Object.assign(set, { closedAt: now, closedBy: actor.member.id, result: note });
  const moved = await moveLead(db, lead.id, m.from, set);
  if (!moved) throw illegalMove(deps, lead, move);
  if (move === 'accept' || move === 'close') await cancelSla(deps, lead.id);
  await event(deps, moved, move, actor.member.id, note || null, actor.inboundId, now);

  const tz = deps.config.TIMEZONE;
  const who = actor.tier === 'county' ? `指挥部 ${actor.member.name}` : `${actor.unit.name} ${actor.member.name}`;
  const tail = note ? `\n${move === 'close' ? '结果' : '说明'}：${maskPersonal(note)}` : '';
  const told = `线索 ${leadNumber(moved)} ${LEAD_STATE_ZH[moved.state]}（${who} ${clockIn(now, tz)}）${tail}`;
  await post(deps, { conversationId: moved.reportedIn, text: told, dedupKey: `lead-${lead.id}-${move}-grid`, lane: leadLane(moved) });
  if (actor.tier === 'county') {
    const room = await groupOfUnit(db, moved.townshipId);
    if (room) await post(deps, { conversationId: room.conversationId, text: told, dedupKey: `lead-${lead.id}-${move}-room`, lane: leadLane(moved) });
  } else if (countyKnows(moved)) {
    const cg = await commandGroup(deps);
    if (cg) await post(deps, { conversationId: cg, text: told, dedupKey: `lead-${lead.id}-${move}-county`, lane: leadLane(moved) });
  }
  return { lead: moved, sinceReport: now.getTime() - moved.reportedAt.getTime() };
}

/**
 * Escalates a lead to the command group (`/上报县`) with a reason: posts its details there (outbox key
 * `lead-<id>-escalate`), tells the grid group, and cancels the SLA timer (the county now knows).
 * @throws Refusal when not the actor's lead, already closed, already escalated, or no command group exists.
 */
export async function escalate(deps: CoreDeps, ref: LeadRef, reason: string, actor: Actor): Promise<Lead> {
  const { db, config } = deps;
  const lead = await resolveLead(deps, ref);
  checkMayMove(lead, actor);
  const now = actionTime(deps, lead, actor);
  const n = leadNumber(lead);
  if (lead.state === 'closed') throw new Refusal(`线索 ${n} 已办结，无需上报县。`);
  if (lead.escalatedAt) throw new Refusal(`线索 ${n} 已于${shortDateTimeIn(lead.escalatedAt, config.TIMEZONE)}上报县，无需重复。`);
  const cg = await commandGroup(deps);
  if (!cg) throw new Refusal('花名册中没有指挥部群，无法上报县。请联系指挥部管理员。');
  const updated = await updateLead(db, lead.id, { escalatedAt: now, escalatedBy: actor.member.id, escalateReason: reason });
  await cancelSla(deps, lead.id);
  await event(deps, updated, 'escalate', actor.member.id, reason, actor.inboundId, now);
  const today = dayKey(deps.now(), config.TIMEZONE);
  const state = updated.acceptedAt
    ? `${LEAD_STATE_ZH[updated.state]}（${clockIn(updated.acceptedAt, config.TIMEZONE)}受理）`
    : LEAD_STATE_ZH[updated.state];
  await post(deps, {
    conversationId: cg,
    text: [
      `【线索 ${n} ${actor.unit.name}上报县】${updated.urgent ? '🔴紧急' : ''}`,
      `理由：${maskPersonal(reason)}`,
          ...await detailLines(deps, updated),
      `状态：${state}`,
      `上报县：${actor.member.name} ${clockIn(now, config.TIMEZONE)}`,
      `指挥部可 /办结 ${shortNumber(updated, today)} <结果>`,
    ].join('\n'),
    attachments: updated.attachments,
    dedupKey: `lead-${lead.id}-escalate`,
    lane: leadLane(updated),
  });
  await post(deps, {
    conversationId: updated.reportedIn,
    text: `线索 ${n} 已由${actor.unit.name}上报县指挥部（${clockIn(now, config.TIMEZONE)}）。`,
    dedupKey: `lead-${lead.id}-escalate-grid`,
    lane: leadLane(updated),
  });
  return updated;
}
