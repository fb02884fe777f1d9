/**
 * How a lead reaches its groups: its details as relayed (personal numbers masked — every lead message goes
 * through {@link post}), the events recorded with each step, and who may see its text (the command group
 * only once it knows the lead).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { maskPersonal } from '../../src/core/mask.js';
import type { OutboxLane } from '../../src/core/message.js';
import { ROLE_ZH } from '../../src/core/permissions.js';
import { audit } from '../../src/db/queries/audit.js';
import { insertLeadEvent } from '../../src/db/queries/leads.js';
import { countyUnit, getMember, getUnit, groupOfUnit } from '../../src/db/queries/roster.js';
import type { Attachment } from '../../src/core/message.js';
import type { Lead, Member } from '../../src/db/schema/index.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { leadNumber } from './number.js';

const memberLine = (m: Member | undefined, id: string) => (m ? `${m.name}（${ROLE_ZH[m.role]}）` : id);

/** The lead's details as relayed to a group (masked): description, fields, grid, reporter, time. */
export async function detailLines(deps: CoreDeps, lead: Lead): Promise<string[]> {
  const { db, config } = deps;
  const unit = await getUnit(db, lead.unitId);
  // the grid's own township (a lead sent on with /转 belongs to another township, its grid does not move)
  const township = unit?.townshipId ? await getUnit(db, unit.townshipId) : await getUnit(db, lead.townshipId);
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
    `上报：${memberLine(await getMember(db, lead.reporterId), lead.reporterId)} ${shortDateTimeIn(lead.reportedAt, config.TIMEZONE)}`,
  ];
  if (lead.attachments.length) lines.push(`附图：${lead.attachments.length}张`);
  return lines;
}

/**
 * Stores a lead message for one group with every personal number masked (all relays go through here);
 * `mentions`: member ids to @-mention; `attachments`: the pictures it carries (a relay of the lead's
 * details carries the lead's pictures, the text saying `附图：N张`; a 补充图片 notice the new ones); `lane`: the
 * outbox lane ({@link leadLane} of the lead(s) it is about; default `bulk`).
 */
export async function post(
  deps: CoreDeps,
  msg: { conversationId: string; text: string; dedupKey: string; mentions?: string[]; attachments?: Attachment[]; lane?: OutboxLane },
): Promise<void> {
  const { attachments, ...rest } = msg;
  await deps.outbox.store(deps.db, { ...rest, text: maskPersonal(msg.text), ...(attachments?.length ? { attachments } : {}) });
}

/** The outbox lane of a message about `leads`: `urgent` when any is urgent (`紧急:是/高`), else `bulk`. */
export function leadLane(...leads: Pick<Lead, 'urgent'>[]): OutboxLane {
  return leads.some((l) => l.urgent) ? 'urgent' : 'bulk';
}

/** Records a step of the lead (event and audit entry), at `at` (default now). */
export async function event(deps: CoreDeps, lead: Lead, action: string, actorId: string, note: string | null, inboundId: number | null, at = deps.now()) {
  await insertLeadEvent(deps.db, { leadId: lead.id, action, actorId, note, at, inboundId });
  await audit(deps.db, { actorId, action: `lead.${action}`, subject: `线索 ${leadNumber(lead)}`, detail: { leadId: lead.id, state: lead.state }, inboundId, at });
}

/** The command group's conversation id, if the roster has one. */
export async function commandGroup(deps: CoreDeps): Promise<string | undefined> {
  const county = await countyUnit(deps.db);
  return county ? (await groupOfUnit(deps.db, county.id))?.conversationId : undefined;
}

/** Whether the command group may see the lead's text: escalated by a person or told by the SLA. */
export const countyKnows = (lead: Lead) => lead.escalatedAt !== null || lead.slaBreachedAt !== null;
