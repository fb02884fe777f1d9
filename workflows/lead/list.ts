/**
 * `/线索 [今日|<号>]`: open leads with state and age for the asker's tier (county: all; township: its
 * own; grid: its own reports), or one lead in detail. The command group sees a lead's text only once the
 * lead was escalated (or reported by the SLA); every text shown is masked.
 */
import { drillTag } from '../../src/core/drill.js';
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { Refusal } from '../../src/core/errors.js';
import { maskPersonal } from '../../src/core/mask.js';
import { mayReadLead, mayReadLeadText } from '../../src/core/permissions.js';
import { clockIn, shortDateTimeIn } from '../../src/time/clock.js';
import { leadEventsOf, listLeads, type LeadScope } from '../../src/db/queries/leads.js';
import { getMember, getUnit } from '../../src/db/queries/roster.js';
import type { Lead, Unit } from '../../src/db/schema/index.js';
import type { LeadRef } from './fields.js';
import { dayKey, leadNumber, resolveLead } from './number.js';
import { LEAD_STATE_ZH } from './states.js';
import { clipMasked } from '../../src/core/text.js';

/** Lines shown at most in a list (phone-sized). */
const MAX_LINES = 15;

export interface Viewer {
  tier: Tier;
  unit: Unit;
}

const scopeOf = (v: Viewer): LeadScope =>
  v.tier === 'county' ? { kind: 'all' } : v.tier === 'township' ? { kind: 'township', townshipId: v.unit.id } : { kind: 'unit', unitId: v.unit.id };

/** Whether the lead is within the viewer's tier: county all; township its own; grid its own reports (`mayReadLead`). */
export function inScope(lead: Lead, viewer: { tier: Tier; unit: Unit }): boolean {
  return mayReadLead(viewer, lead);
}

/** Whether the viewer may read the lead's text (`mayReadLeadText`: the county only once it knows the lead). */
const mayReadText = (lead: Lead, v: Viewer) => mayReadLeadText(v, lead);

const snippet = (text: string, max = 16) => clipMasked(text, max);

/**
 * The list of leads for a viewer: open ones, or (`today`) every lead reported today, oldest first,
 * one line each: number, state, age, (township,) grid, category or a masked snippet.
 */
export async function leadListText(deps: CoreDeps, viewer: Viewer, opts: { today?: boolean } = {}): Promise<string> {
  const { db, config } = deps;
  const now = deps.now();
  const today = dayKey(now, config.TIMEZONE);
  const rows = await listLeads(db, scopeOf(viewer), opts.today ? { day: today } : {});
  const title = opts.today ? '今日线索' : '未办结线索';
  if (rows.length === 0) return `${title}：无。`;
  const names = new Map<string, string>();
  const name = async (id: string) => {
    if (!names.has(id)) names.set(id, (await getUnit(db, id))?.name ?? id);
    return names.get(id)!;
  };
  const lines = [`${title}（${rows.length}）：`];
  for (const l of rows.slice(0, MAX_LINES)) {
    const n = drillTag(l) + (l.day === today ? String(l.number).padStart(3, '0') : leadNumber({ day: l.day, number: l.number }));
    const age = l.closedAt ? `${clockIn(l.closedAt, config.TIMEZONE)}办结` : formatDurationZh(now.getTime() - l.reportedAt.getTime());
    const where = viewer.tier === 'county' ? `${await name(l.townshipId)} ${await name(l.unitId)}` : viewer.tier === 'township' ? await name(l.unitId) : '';
    const what = mayReadText(l, viewer) ? (l.category ?? snippet(l.text)) : (l.category ?? '');
    const flags = `${l.urgent ? '🔴' : ''}${l.escalatedAt ? '[已报县]' : l.slaBreachedAt ? '[超时]' : ''}`;
    lines.push(`· ${n} ${LEAD_STATE_ZH[l.state]} ${age}${flags} ${[where, what].filter(Boolean).join(' ')}`.trimEnd());
  }
  if (rows.length > MAX_LINES) lines.push(`… 另有${rows.length - MAX_LINES}条`);
  lines.push('/线索 <号> 查看详情');
  return lines.join('\n');
}

/**
 * One lead in detail for a viewer: state, fields, grid, reporter and the timeline of its moves.
 * @throws Refusal when there is no such lead, or it is outside the viewer's tier.
 */
export async function leadDetailText(deps: CoreDeps, viewer: Viewer, ref: LeadRef): Promise<string> {
  const { db, config } = deps;
  const tz = config.TIMEZONE;
  const l = await resolveLead(deps, ref);
  if (!inScope(l, viewer)) throw new Refusal(`线索 ${leadNumber(l)} 不在本群范围内。`);
  const unit = (await getUnit(db, l.unitId))?.name ?? l.unitId;
  const township = (await getUnit(db, l.townshipId))?.name ?? l.townshipId;
  const reporter = (await getMember(db, l.reporterId))?.name ?? l.reporterId;
  const lines = [`线索 ${leadNumber(l)} ${LEAD_STATE_ZH[l.state]}${l.urgent ? ' 🔴紧急' : ''}`];
  if (mayReadText(l, viewer)) {
    if (l.text) lines.push(`情况：${maskPersonal(l.text)}`);
    if (l.location !== null) lines.push(`地点：${maskPersonal(l.location)}`);
  } else {
    lines.push('（未上报县，内容仅乡镇可见）');
  }
  const fields = [l.category !== null ? `类别：${l.category}` : null, l.people !== null ? `人数：${l.people}` : null].filter(Boolean);
  if (fields.length) lines.push(fields.join('｜'));
  lines.push(`${township} ${unit}｜${reporter} ${shortDateTimeIn(l.reportedAt, tz)}`);
  const ZH: Record<string, string> = { accept: '受理', verify: '核查', handle: '处置', close: '办结', escalate: '上报县', sla: '超时报指挥部', picture: '补充图片', transfer: '指挥部转交' };
  for (const e of await leadEventsOf(db, l.id)) {
    const label = ZH[e.action];
    if (!label) continue;
    const by = e.actorId === 'system' ? '' : ` ${(await getMember(db, e.actorId))?.name ?? e.actorId}`;
    const note = e.note && e.action !== 'picture' && mayReadText(l, viewer) ? `：${snippet(e.note, 30)}` : '';
    lines.push(`· ${clockIn(e.at, tz)} ${label}${by}${note}`);
  }
  const took = (at: Date | null) => (at ? formatDurationZh(at.getTime() - l.reportedAt.getTime()) : '—');
  lines.push(`用时：受理 ${took(l.acceptedAt)}，办结 ${took(l.closedAt)}`);
  return lines.join('\n');
}
