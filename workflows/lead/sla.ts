/**
 * The acceptance SLA of a lead: a durable timer (kind `lead.sla`, id `lead-<id>-sla`) due the lead's SLA
 * ({@link slaMs}: `LEAD_ACCEPT_SLA`, for an urgent lead `LEAD_URGENT_ACCEPT_SLA` if shorter) after the township
 * room is told; acceptance, closure or escalation cancel it. Each time it fires on a lead still not
 * accepted, the command group is told and the township room is told it was, and the timer is re-armed one
 * more SLA interval ahead — so an unaccepted lead is escalated again and again until someone accepts it.
 * Leads falling due together are folded into one notice per group. Urgent leads ignore quiet hours. An urgent
 * lead's every breach also DINGs its township's officers (src/core/ding.ts: DingTalk with `DINGTALK_DING=app` only).
 */
import { drillTag } from '../../src/core/drill.js';
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { getLead, leadEventsOf, updateLead } from '../../src/db/queries/leads.js';
import { getUnit, groupOfUnit, membersWithRoles } from '../../src/db/queries/roster.js';
import { storeDing } from '../../src/core/ding.js';
import type { Lead } from '../../src/db/schema/index.js';
import { clipMasked } from '../../src/core/text.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { dayKey, leadNumber, shortNumber } from './number.js';
import { commandGroup, detailLines, event, leadLane, post } from './relay.js';

/** What an SLA timer carries: the lead. */
export interface SlaData {
  leadId: number;
}

/** The SLA timer id of a lead. */
export const slaTimerId = (leadId: number) => `lead-${leadId}-sla`;

/** Kind `lead.sla`, id `lead-<id>-sla`: the acceptance SLA check ({@link slaBreached}). Registered in workflows/index.ts. */
export const slaTimer = defineTimer<SlaData, CoreDeps>('lead.sla', async (deps, timer, fired) => await slaBreached(deps, timer, fired.at), {
  id: (d) => slaTimerId(d.leadId),
  bundles: true,
});

/**
 * A lead's acceptance SLA in ms: `LEAD_ACCEPT_SLA`; for an urgent lead (`紧急:是/高`)
 * `LEAD_URGENT_ACCEPT_SLA`, but never longer than an ordinary lead's.
 */
export function slaMs(config: CoreDeps['config'], lead: Pick<Lead, 'urgent'>): number {
  return lead.urgent ? Math.min(config.LEAD_URGENT_ACCEPT_SLA, config.LEAD_ACCEPT_SLA) : config.LEAD_ACCEPT_SLA;
}

/**
 * Schedules (or re-arms: after it fired, after a transfer) the acceptance SLA check of `lead`, due
 * {@link slaMs} after `from` (when its township room is told); urgent leads ignore quiet hours. Call inside
 * the unit of work that tells the room.
 */
export async function scheduleSla(deps: CoreDeps, lead: Pick<Lead, 'id' | 'urgent'>, from: Date): Promise<void> {
  await slaTimer.rearm(deps, new Date(from.getTime() + slaMs(deps.config, lead)), { leadId: lead.id }, { urgent: lead.urgent });
}

/** Cancels a lead's SLA check (accepted, closed or escalated: the county needs no reminder of it). */
export async function cancelSla(deps: CoreDeps, leadId: number): Promise<void> {
  await slaTimer.cancel(deps, slaTimerId(leadId));
}

/** SLA timers of other leads due within this long (ms) of one firing are folded into its notices. */
export function leadBundleWindowMs(config: CoreDeps['config']): number {
  return Math.min(120_000, Math.floor(Math.min(config.LEAD_ACCEPT_SLA, config.LEAD_URGENT_ACCEPT_SLA) / 4));
}

/** Up to this many leads are named one per line in the command group's folded notice. */
const SLA_LINES = 10;
/** Up to this many lead numbers are named in a township room's folded notice. */
const SLA_NUMBERS = 60;

/** A lead breaching its SLA now: the lead, and how many times it has, in all and since it was last transferred. */
interface Breach {
  lead: Lead;
  /** 1 for the first breach ever: part of the outbox keys, so every repeat is a message of its own. */
  total: number;
  /** 1 for the first breach in its current township (counting restarts at a transfer, `/转`): shown as 第N次. */
  here: number;
}

/** How many SLA breaches `lead` had before this one, in all and since its last transfer. */
async function earlierBreaches(deps: CoreDeps, lead: Lead): Promise<{ total: number; here: number }> {
  let total = 0;
  let here = 0;
  for (const e of await leadEventsOf(deps.db, lead.id)) {
    if (e.action === 'transfer') here = 0;
    if (e.action === 'sla') {
      total++;
      here++;
    }
  }
  return { total, here };
}

/** `lead-<id>-sla` for a lead's first breach, `lead-<id>-sla<n>` for its n-th. */
const breachKey = (b: Breach) => `lead-${b.lead.id}-sla${b.total === 1 ? '' : b.total}`;

/**
 * The SLA check (timer `lead-<id>-sla`, fired at `at`): a lead still not accepted is reported to the
 * command group, its township room is told it was, and its check is re-armed one {@link slaMs} later —
 * every further interval until it is accepted (or closed, escalated). Other leads whose SLA timers fall
 * due within {@link leadBundleWindowMs} are folded in (their timers cancelled and re-armed from now in
 * this transaction, so they keep falling due together; an urgent firing — which may be in quiet hours —
 * folds only urgent ones), so 40 leads reported together make one ⏰ message to the command group
 * (outbox key `lead-<first id>-sla`, `…-sla<n>` for a repeat) and one to each township room
 * (`lead-<first id there>-sla-room`, `…-sla<n>-room`), not 40 each (PRODUCT.md §2.6). A single lead keeps
 * its full details the first time; a repeat names it and how often it was reported (第N次提醒).
 */
export async function slaBreached(deps: CoreDeps, timer: Timer<SlaData>, at: Date): Promise<void> {
  const { db, config } = deps;
  const cg = await commandGroup(deps);
  if (!cg) return;
  const open = async (leadId: number): Promise<Lead | undefined> => {
    const lead = Number.isInteger(Number(leadId)) ? await getLead(db, Number(leadId)) : undefined;
    return lead && lead.state === 'reported' ? lead : undefined;
  };
  const first = await open(timer.data.leadId);
  if (!first) return;
  const bundle = [first];
  for (const t of await slaTimer.pendingDue(deps, new Date(at.getTime() + leadBundleWindowMs(config)), timer.id)) {
    if (timer.urgent && !t.urgent) continue; // a non-urgent notice still waits out the quiet hours
    const other = await open(t.data.leadId);
    if (other && other.id !== first.id && await slaTimer.cancel(deps, t.id) === 1) bundle.push(other);
  }
  bundle.sort((a, b) => a.id - b.id);
  const now = at;
  const today = dayKey(now, config.TIMEZONE);
  const breached: Breach[] = await mapInOrder(bundle, async (lead) => {
    const before = await earlierBreaches(deps, lead);
    const updated = lead.slaBreachedAt ? lead : await updateLead(db, lead.id, { slaBreachedAt: now });
    await event(deps, updated, 'sla', 'system', before.here ? `第${before.here + 1}次` : null, null, now);
    await scheduleSla(deps, updated, now);
    return { lead: updated, total: before.total + 1, here: before.here + 1 };
  });
  const tname = async (id: string) => (await getUnit(db, id))?.name ?? id;
  const waited = (lead: Lead) => formatDurationZh(now.getTime() - lead.reportedAt.getTime());
  const nth = (b: Breach) => (b.here > 1 ? `第${b.here}次提醒` : '');
  const slas = new Set(breached.map((b) => slaMs(config, b.lead)));
  const over = slas.size === 1 ? formatDurationZh([...slas][0]!) : '受理时限';
  const again = breached.some((b) => b.here > 1);

  if (breached.length === 1) {
    const b = breached[0]!;
    const lead = b.lead;
    const n = leadNumber(lead);
    const s = shortNumber(lead, today);
    const head = `⏰【线索 ${n}】${lead.urgent ? '🔴紧急 ' : ''}上报${waited(lead)}，${await tname(lead.townshipId)}`;
    await post(deps, {
      conversationId: cg,
      text: (b.here === 1
              ? [`${head}尚未受理`, ...await detailLines(deps, lead), `指挥部可 /受理 ${s}`]
        : [`${head}仍未受理（${nth(b)}）`, `指挥部可 /受理 ${s} 或 /转 ${s} <乡镇>；/线索 ${s} 查看详情`]
      ).join('\n'),
      // the first notice carries the lead's details, hence its pictures
      ...(b.here === 1 ? { attachments: lead.attachments } : {}),
      dedupKey: breachKey(b),
      lane: leadLane(lead),
    });
  } else {
    const oneTownship = new Set(breached.map((b) => b.lead.townshipId)).size === 1;
    const line = async ({ lead: l, here }: Breach) => {
      const grid = (await getUnit(db, l.unitId))?.name ?? l.unitId;
      const what = clipMasked(l.text || [l.category, l.location].filter(Boolean).join(' '));
      return `· ${drillTag(l)}${shortNumber(l, today)} ${l.urgent ? '🔴' : ''}${oneTownship ? '' : `${await tname(l.townshipId)} `}${grid}：${what}${here > 1 ? `（第${here}次）` : ''}`;
    };
    const more = breached.length > SLA_LINES ? [`…等${breached.length}条，/线索 查看全部`] : [];
    const head = `⏰ ${oneTownship ? `${await tname(breached[0]!.lead.townshipId)} ` : ''}${breached.length} 条线索上报超过${over}，${again ? '仍' : '尚'}未受理：`;
    await post(deps, {
      conversationId: cg,
      text: [head, ...(await mapInOrder(breached.slice(0, SLA_LINES), line)), ...more, '指挥部可 /受理 <号>，/线索 <号> 查看详情'].join('\n'),
      dedupKey: breachKey(breached[0]!),
      lane: leadLane(...breached.map((b) => b.lead)),
    });
  }

  const byTownship = new Map<string, Breach[]>();
  for (const b of breached) byTownship.set(b.lead.townshipId, [...(byTownship.get(b.lead.townshipId) ?? []), b]);
  for (const [tid, list] of byTownship) {
    const room = await groupOfUnit(db, tid);
    if (!room) continue;
    const nums = list.map((b) => shortNumber(b.lead, today));
    const one = list[0]!;
    const text =
      list.length === 1
        ? `⏰ 线索 ${leadNumber(one.lead)} 上报${waited(one.lead)}仍未受理，${one.here > 1 ? `已第${one.here}次报指挥部` : '已报指挥部'}。请尽快 /受理 ${nums[0]}`
        : `⏰ 本乡镇 ${list.length} 条线索上报超过${over}仍未受理，已报指挥部：${nums.slice(0, SLA_NUMBERS).join('、')}${list.length > SLA_NUMBERS ? ` 等${list.length}条` : ''}\n请尽快 /受理 <号>`;
    await post(deps, { conversationId: room.conversationId, text, dedupKey: `${breachKey(one)}-room`, lane: leadLane(...list.map((b) => b.lead)) });
  }
  for (const b of breached) if (b.lead.urgent) await dingOfficers(deps, b, cg, waited(b.lead), today);
}

/**
 * An urgent lead past its SLA: a DING ({@link storeDing}) to its township's officers — an in-app alert they cannot
 * miss, sent only on DingTalk with `DINGTALK_DING=app` — audited under the lead's number when sent. Outbox key
 * `lead-<id>-sla[<n>]-ding` (one per breach: every repeat DINGs again).
 */
async function dingOfficers(deps: CoreDeps, b: Breach, commandGroup: string, waited: string, today: number): Promise<void> {
  const { db } = deps;
  const lead = b.lead;
  const receivers = await membersWithRoles(db, lead.townshipId, ['township_officer']);
  const room = (await groupOfUnit(db, lead.townshipId))?.conversationId ?? commandGroup;
  await storeDing(deps, db, {
    conversationId: room,
    text: `🔴紧急线索 ${leadNumber(lead)} 上报${waited}仍未受理${b.here > 1 ? `（第${b.here}次提醒）` : ''}，请立即在本乡镇指挥室 /受理 ${shortNumber(lead, today)}`,
    receivers,
    subject: `线索 ${leadNumber(lead)}`,
    dedupKey: `${breachKey(b)}-ding`,
    lane: 'urgent',
  });
}
