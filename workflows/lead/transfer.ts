/**
 * The county sends a lead to a township (`/转 <号> <乡镇>`, from the command group): a lead reported in
 * the wrong township, or one the county took itself (`/受理` there) and now hands down. The lead's
 * township becomes the target; its room gets the lead's details (as a new lead's room would), the room
 * it leaves and the reporting grid are told. A lead still waiting for acceptance gets a fresh acceptance
 * SLA in its new township (sla.ts; the 第N次 count starts again there).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { COUNTY_ROLES } from '../../src/core/permissions.js';
import { leadEventsOf, updateLead } from '../../src/db/queries/leads.js';
import { getMember, getUnit, groupOfUnit, membersWithRoles, townships } from '../../src/db/queries/roster.js';
import type { Lead, Unit } from '../../src/db/schema/index.js';
import { clockIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { quoted } from '../../src/core/text.js';
import type { LeadRef } from './fields.js';
import type { Actor } from './moves.js';
import { dayKey, leadNumber, resolveLead, shortNumber } from './number.js';
import { detailLines, event, leadLane, post } from './relay.js';
import { cancelSla, scheduleSla, slaMs } from './sla.js';
import { LEAD_STATE_ZH } from './states.js';

/**
 * The township `text` names: its full name (`大坑乡`), the name without 乡/镇/街道 (`大坑`), or its unit id
 * (`T03`); a leading 到/给/至 is ignored (`/转 7 到大坑乡`).
 * @throws Refusal naming what was written when it is no township
 */
export async function findTownship(deps: CoreDeps, text: string): Promise<Unit> {
  const t = text.trim().replace(/^(转)?(到|给|至|交)\s*/, '');
  const all = await townships(deps.db);
  const found = all.find((u) => u.name === t || u.id === t) ?? all.find((u) => u.name.replace(/(街道|镇|乡)$/, '') === t);
  if (!found) throw new Refusal(`没有名为${quoted(t)}的乡镇。请写乡镇全称，如 /转 7 ${all[0]?.name ?? '大坑乡'}`);
  return found;
}

export interface TransferResult {
  lead: Lead;
  from: Unit | undefined;
  to: Unit;
  /** The acceptance SLA (ms) that now runs in the new township, when the lead still waits to be accepted. */
  sla: number | null;
}

/** Whether the lead is in the county's hands: accepted (and not closed) by one of the county's people. */
async function countyHolds(deps: CoreDeps, lead: Lead): Promise<boolean> {
  const by = lead.acceptedBy ? await getMember(deps.db, lead.acceptedBy) : undefined;
  return lead.state !== 'reported' && lead.state !== 'closed' && !!by && COUNTY_ROLES.includes(by.role);
}

/**
 * Sends an open lead to township `to` with an optional `note` (说明, may be empty) (from the command group;
 * who may is the command's policy, `mayTransferLead`): sets the lead's township, records a `transfer` event
 * (note `from→to：说明`) with an audit
 * entry, posts its details to the new room (outbox key `lead-<id>-transfer<n>-room`; an urgent lead
 * @-mentions the officers), tells the room it leaves (`…-from`) and the reporting grid (`…-grid`). A lead
 * still reported gets a fresh SLA check from now; any other has none.
 * @throws Refusal when the lead is closed, the target has no room, or the lead is already the target's
 *   and not held by the county.
 */
export async function transfer(deps: CoreDeps, ref: LeadRef, to: Unit, note: string, actor: Actor): Promise<TransferResult> {
  const { db, config } = deps;
  const lead = await resolveLead(deps, ref);
  const n = leadNumber(lead);
  if (lead.state === 'closed') throw new Refusal(`线索 ${n} 已办结，不能再转。`);
  const room = await groupOfUnit(db, to.id);
  if (!room) throw new Refusal(`${to.name}没有指挥室群，不能转交。请联系指挥部管理员登记该群。`);
  if (to.id === lead.townshipId && !await countyHolds(deps, lead)) {
    throw new Refusal(`线索 ${n} 已在${to.name}（${LEAD_STATE_ZH[lead.state]}），无需转交。`);
  }
  const from = await getUnit(db, lead.townshipId);
  const now = new Date(Math.max((actor.at ?? deps.now()).getTime(), lead.reportedAt.getTime()));
  const updated = await updateLead(db, lead.id, { townshipId: to.id });
  await event(deps, updated, 'transfer', actor.member.id, `${from?.name ?? lead.townshipId}→${to.name}${note ? `：${note}` : ''}`, actor.inboundId, now);
  const k = (await leadEventsOf(db, lead.id)).filter((e) => e.action === 'transfer').length;
  const today = dayKey(deps.now(), config.TIMEZONE);
  const s = shortNumber(updated, today);
  let sla: number | null = null;
  let next: string;
  if (updated.state === 'reported') {
    sla = slaMs(config, updated);
    await scheduleSla(deps, updated, deps.now());
    next = `请${formatDurationZh(sla)}内受理：/受理 ${s}`;
  } else {
    await cancelSla(deps, updated.id);
    const by = updated.acceptedBy ? (await getMember(db, updated.acceptedBy))?.name : undefined;
    next = `当前${LEAD_STATE_ZH[updated.state]}${by ? `（${by}受理）` : ''}，请接续办理：/核查 ${s} <说明> 或 /处置、/办结`;
  }
  const at = clockIn(now, config.TIMEZONE);
  await post(deps, {
    conversationId: room.conversationId,
        text: [`【线索 ${n}】指挥部转来${updated.urgent ? ' 🔴紧急' : ''}（${actor.member.name} ${at}）`, ...(note ? [`说明：${note}`] : []), ...await detailLines(deps, updated), next].join('\n'),
        ...(updated.urgent ? { mentions: await membersWithRoles(db, to.id, ['township_officer']) } : {}),
    attachments: updated.attachments,
    dedupKey: `lead-${lead.id}-transfer${k}-room`,
    lane: leadLane(updated),
  });
  const fromRoom = from && from.id !== to.id ? await groupOfUnit(db, from.id) : undefined;
  if (fromRoom) {
    await post(deps, { conversationId: fromRoom.conversationId, text: `线索 ${n} 已由指挥部转交${to.name}办理（${at}）。`, dedupKey: `lead-${lead.id}-transfer${k}-from`, lane: leadLane(updated) });
  }
  await post(deps, { conversationId: updated.reportedIn, text: `线索 ${n} 已由指挥部转交${to.name}办理（${at}）。`, dedupKey: `lead-${lead.id}-transfer${k}-grid`, lane: leadLane(updated) });
  return { lead: updated, from, to, sla };
}
