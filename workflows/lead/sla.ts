/**
 * The acceptance SLA of a lead: a durable timer (kind `lead.sla`, id `lead-<id>-sla`) due `LEAD_ACCEPT_SLA`
 * after the township room is told; acceptance, closure or escalation cancel it. When it fires on a lead
 * still not accepted, the command group is told once and the township room is told it was; leads falling
 * due together are folded into one notice per group. Urgent leads ignore quiet hours.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { getLead, updateLead } from '../../src/db/queries/leads.js';
import { getUnit, groupOfUnit } from '../../src/db/queries/roster.js';
import type { Lead } from '../../src/db/schema/index.js';
import { clipMasked } from '../../src/core/text.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { dayKey, leadNumber, shortNumber } from './number.js';
import { commandGroup, detailLines, event, post } from './relay.js';

/** What an SLA timer carries: the lead. */
export interface SlaData {
  leadId: number;
}

/** The SLA timer id of a lead. */
export const slaTimerId = (leadId: number) => `lead-${leadId}-sla`;

/** Kind `lead.sla`, id `lead-<id>-sla`: the acceptance SLA check ({@link slaBreached}). Registered in workflows/index.ts. */
export const slaTimer = defineTimer<SlaData, CoreDeps>('lead.sla', (deps, timer, fired) => slaBreached(deps, timer, fired.at), {
  id: (d) => slaTimerId(d.leadId),
});

/**
 * Schedules the acceptance SLA check of `lead`, due `LEAD_ACCEPT_SLA` after `from` (when its township
 * room is told); urgent leads ignore quiet hours. Call inside the reporting unit of work.
 */
export function scheduleSla(deps: CoreDeps, lead: Pick<Lead, 'id' | 'urgent'>, from: Date): void {
  slaTimer.schedule(deps, new Date(from.getTime() + deps.config.LEAD_ACCEPT_SLA), { leadId: lead.id }, { urgent: lead.urgent });
}

/** Cancels a lead's SLA check (accepted, closed or escalated: the county needs no reminder of it). */
export function cancelSla(deps: CoreDeps, leadId: number): void {
  slaTimer.cancel(deps, slaTimerId(leadId));
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
export function slaBreached(deps: CoreDeps, timer: Timer<SlaData>, at: Date): void {
  const { db, config } = deps;
  const cg = commandGroup(deps);
  if (!cg) return;
  const open = (leadId: number): Lead | undefined => {
    const lead = Number.isInteger(Number(leadId)) ? getLead(db, Number(leadId)) : undefined;
    return lead && lead.state === 'reported' && !lead.escalatedAt && !lead.slaBreachedAt ? lead : undefined;
  };
  const first = open(timer.data.leadId);
  if (!first) return;
  const bundle = [first];
  for (const t of slaTimer.pendingDue(deps, new Date(at.getTime() + leadBundleWindowMs(config)), timer.id)) {
    if (timer.urgent && !t.urgent) continue; // a non-urgent notice still waits out the quiet hours
    const other = open(t.data.leadId);
    if (other && other.id !== first.id && slaTimer.cancel(deps, t.id) === 1) bundle.push(other);
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
