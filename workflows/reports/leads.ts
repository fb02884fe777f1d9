/**
 * Lead figures of the reports: leads reported in the period, minutes from report to acceptance and to
 * closure, median and p90 by nearest rank (definitions: response-rate.ts).
 */
import { leadsReported, unitsById } from '../../src/db/queries/reports.js';
import type { Lead } from '../../src/db/schema/index.js';
import { inScope, type Range, type ReportDeps, type ReportScope, type ReportSection } from './response-rate.js';

/** Nearest-rank quantile of ascending `sorted` values (`p` in (0, 1]); null when empty. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** One lead row as reported on: minutes to acceptance and to closure (null when not yet). */
export interface LeadRow {
  id: number;
  number: string;
  townshipId: string;
  townshipName: string;
  unitId: string;
  /** The grid's name. */
  unitName: string;
  urgent: boolean;
  /** Member ids of the reporter and of whoever accepted it (null when not yet). */
  reporterId: string;
  acceptedBy: string | null;
  reportedAt: Date;
  acceptedAt: Date | null;
  closedAt: Date | null;
  state: Lead['state'];
  /** (acceptedAt − reportedAt) in minutes, unrounded. */
  acceptMinutes: number | null;
  closeMinutes: number | null;
}

export interface LeadStats {
  count: number;
  accepted: number;
  closed: number;
  /** Minutes, one decimal; null when no lead got there. */
  acceptMedian: number | null;
  acceptP90: number | null;
  closeMedian: number | null;
  closeP90: number | null;
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

/** Lead figures of rows (see the definitions above). */
export function leadStats(rows: readonly Pick<LeadRow, 'acceptMinutes' | 'closeMinutes'>[]): LeadStats {
  const acc = rows.flatMap((r) => (r.acceptMinutes === null ? [] : [r.acceptMinutes])).sort((a, b) => a - b);
  const clo = rows.flatMap((r) => (r.closeMinutes === null ? [] : [r.closeMinutes])).sort((a, b) => a - b);
  return {
    count: rows.length,
    accepted: acc.length,
    closed: clo.length,
    acceptMedian: round1(quantile(acc, 0.5)),
    acceptP90: round1(quantile(acc, 0.9)),
    closeMedian: round1(quantile(clo, 0.5)),
    closeP90: round1(quantile(clo, 0.9)),
  };
}

/** The lead rows of the period and scope (a grid scope: leads reported in that grid). */
export async function leadRowsFor(deps: ReportDeps, range: Range, scope?: ReportScope): Promise<LeadRow[]> {
  const all = (await leadsReported(deps.db, range)).filter((l) => inScope(scope, l));
  const names = await unitsById(deps.db, [...new Set(all.flatMap((l) => [l.townshipId, l.unitId]))]);
  const mins = (a: Date | null, b: Date) => (a === null ? null : (a.getTime() - b.getTime()) / 60_000);
  return all.map((l) => ({
    id: l.id,
    number: `${l.day}-${String(l.number).padStart(3, '0')}`,
    townshipId: l.townshipId,
    townshipName: names.get(l.townshipId)?.name ?? l.townshipId,
    unitId: l.unitId,
    unitName: names.get(l.unitId)?.name ?? l.unitId,
    urgent: l.urgent,
    reporterId: l.reporterId,
    acceptedBy: l.acceptedBy,
    reportedAt: l.reportedAt,
    acceptedAt: l.acceptedAt,
    closedAt: l.closedAt,
    state: l.state,
    acceptMinutes: mins(l.acceptedAt, l.reportedAt),
    closeMinutes: mins(l.closedAt, l.reportedAt),
  }));
}

const minText = (m: number | null) => (m === null ? '—' : m >= 120 ? `${Math.round((m / 60) * 10) / 10}小时` : `${m}分钟`);

/** Leads: count, median and p90 minutes to acceptance and to closure. */
export const leadSection: ReportSection = {
  key: 'leads',
  async lines(deps, range, scope) {
    const s = leadStats(await leadRowsFor(deps, range, scope));
    if (s.count === 0) return ['线索：0 条'];
    return [
      `线索 ${s.count} 条，已受理 ${s.accepted}，已办结 ${s.closed}`,
      `受理用时 中位${minText(s.acceptMedian)}·P90 ${minText(s.acceptP90)}`,
      `办结用时 中位${minText(s.closeMedian)}·P90 ${minText(s.closeP90)}`,
    ];
  },
  async figures(deps, range, scope) {
    const s = leadStats(await leadRowsFor(deps, range, scope));
    const v = (x: number | null) => (x === null ? '—' : x);
    return [
      { name: '线索数', value: s.count },
      { name: '已受理线索', value: s.accepted },
      { name: '已办结线索', value: s.closed },
      { name: '受理用时中位数（分钟）', value: v(s.acceptMedian) },
      { name: '受理用时P90（分钟）', value: v(s.acceptP90) },
      { name: '办结用时中位数（分钟）', value: v(s.closeMedian) },
      { name: '办结用时P90（分钟）', value: v(s.closeP90) },
    ];
  },
};
