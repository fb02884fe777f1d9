/**
 * Lead intake (`/上报`): a report from a grid group is numbered for its day and sent to the reporter's
 * township room, which has `LEAD_ACCEPT_SLA` (`LEAD_URGENT_ACCEPT_SLA` for an urgent lead, whose relay
 * @-mentions the township officers) to accept it (sla.ts); a repeat within `LEAD_DEDUP_WINDOW` is
 * recognised, and pictures sent right after it are attached.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { PICTURE_FOLLOW_UP_MS } from '../../src/core/follow-up.js';
import type { Attachment } from '../../src/core/message.js';
import { messagesBetween } from '../../src/db/queries/inbound.js';
import { findRepeat, insertLead, latestLeadOf, nextLeadNumber, updateLead } from '../../src/db/queries/leads.js';
import { groupOfUnit, membersWithRoles } from '../../src/db/queries/roster.js';
import type { Lead, Member, Unit } from '../../src/db/schema/index.js';
import { formatDurationZh } from '../../src/time/duration.js';
import type { LeadReport } from './fields.js';
import { dayKey, leadNumber, shortNumber } from './number.js';
import { commandGroup, countyKnows, detailLines, event, leadLane, post } from './relay.js';
import { scheduleSla, slaMs } from './sla.js';

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
  /** Reported in a drill (演练, workflows/drill/): marked 【演练】 in every message, left out of reports. */
  drill?: boolean;
}

export type ReportResult =
  | { status: 'reported'; lead: Lead; roomName: string | null }
  | { status: 'duplicate'; lead: Lead; picturesAdded: number };

/**
 * Records a lead: recognises a repeat (same reporter, same text within `LEAD_DEDUP_WINDOW`) — its
 * pictures, if any, are added to the earlier lead — else takes the next number of the day it was
 * reported (`input.at`, in TIMEZONE), posts the lead to the township room (outbox key `lead-<id>-room`)
 * and schedules the acceptance SLA (`lead-<id>-sla`, urgent when `紧急:是/高`: then the room's message
 * @-mentions the township's officers and the SLA is `LEAD_URGENT_ACCEPT_SLA`). The report time is when
 * the message was received; the SLA runs from now, when the room is told, so a report held up (an
 * outage) still gives the room its whole window. A township without a room sends the lead to the command
 * group instead.
 */
export async function report(deps: CoreDeps, input: ReportInput): Promise<ReportResult> {
  const { db, config } = deps;
  const now = deps.now();
  const at = input.at ?? now;
  const repeat = await findRepeat(db, input.reporter.id, input.report.dedupText, new Date(at.getTime() - config.LEAD_DEDUP_WINDOW));
  if (repeat) {
    const added = input.attachments.length ? await addPictures(deps, repeat, input.attachments, input.reporter.id, input.inboundId, at) : 0;
    return { status: 'duplicate', lead: repeat, picturesAdded: added };
  }
  const townshipId = input.unit.townshipId ?? input.unit.id;
  const day = dayKey(at, config.TIMEZONE);
  const today = dayKey(now, config.TIMEZONE);
  const r = input.report;
  let lead = await insertLead(db, {
    day,
      number: await nextLeadNumber(db, day),
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
    drill: input.drill ?? false,
  });
  await event(deps, lead, 'report', input.reporter.id, null, input.inboundId, at);
  const room = await groupOfUnit(db, townshipId);
  const n = leadNumber(lead);
  const head = `【线索 ${n}】${lead.urgent ? '🔴紧急' : ''}`;
  if (room) {
    const sla = formatDurationZh(slaMs(config, lead));
    await post(deps, {
      conversationId: room.conversationId,
            text: [head, ...await detailLines(deps, lead), `请${sla}内受理：/受理 ${shortNumber(lead, today)}`].join('\n'),
      // an urgent lead cannot wait for someone to look: its officers are @-mentioned (never @所有人)
            ...(lead.urgent ? { mentions: await membersWithRoles(db, townshipId, ['township_officer']) } : {}),
      attachments: lead.attachments,
      dedupKey: `lead-${lead.id}-room`,
      lane: leadLane(lead),
    });
    await scheduleSla(deps, lead, now);
  } else {
    const cg = await commandGroup(deps);
    lead = await updateLead(db, lead.id, { escalatedAt: at, escalatedBy: 'system', escalateReason: '所属乡镇没有指挥室群' });
    if (cg) {
      await post(deps, {
        conversationId: cg,
                text: [`${head}（所属乡镇没有指挥室群，直报指挥部）`, ...await detailLines(deps, lead), `受理：/受理 ${shortNumber(lead, today)}`].join('\n'),
        attachments: lead.attachments,
        dedupKey: `lead-${lead.id}-county`,
        lane: leadLane(lead),
      });
    }
  }
  return { status: 'reported', lead, roomName: room?.title ?? null };
}

/** Adds pictures to a lead and tells the rooms that already have it. @returns the lead's picture count. */
async function addPictures(deps: CoreDeps, lead: Lead, pictures: Attachment[], actorId: string, inboundId: number, at: Date): Promise<number> {
  const updated = await updateLead(deps.db, lead.id, { attachments: [...lead.attachments, ...pictures] });
  await event(deps, updated, 'picture', actorId, `${pictures.length}`, inboundId, at);
  const text = `线索 ${leadNumber(lead)} 补充图片${pictures.length}张（共${updated.attachments.length}张）。`;
  const room = await groupOfUnit(deps.db, lead.townshipId);
  if (room) await post(deps, { conversationId: room.conversationId, text, attachments: pictures, dedupKey: `lead-${lead.id}-pic-${inboundId}-room`, lane: leadLane(lead) });
  const cg = await commandGroup(deps);
  if (cg && countyKnows(lead)) await post(deps, { conversationId: cg, text, attachments: pictures, dedupKey: `lead-${lead.id}-pic-${inboundId}-county`, lane: leadLane(lead) });
  return updated.attachments.length;
}

/**
 * Attaches a picture-only message to the sender's lead in this group when it is their next message
 * there within {@link PICTURE_FOLLOW_UP_MS} of the report.
 * @returns the lead and its picture count, or null when there is no such lead.
 */
export async function attachFollowUp(
  deps: CoreDeps,
  input: { sender: Member; conversationId: string; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): Promise<{ lead: Lead; pictures: number } | null> {
  const at = input.at ?? deps.now();
  const since = new Date(at.getTime() - PICTURE_FOLLOW_UP_MS);
  const lead = await latestLeadOf(deps.db, input.sender.id, input.conversationId, since);
  if (!lead || lead.sourceInboundId === null) return null;
  if (await messagesBetween(deps.db, input.sender.id, input.conversationId, lead.sourceInboundId, input.inboundId) > 0) return null;
  return { lead, pictures: await addPictures(deps, lead, input.attachments, input.sender.id, input.inboundId, at) };
}
