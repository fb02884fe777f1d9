/**
 * The dashboard's data (`GET /dashboard/data.json`): response rate per township per day, today's open
 * items with their laggards, the grids' current risk colours per township, lead times per township, the
 * special tasks' figures, the leads still open and 督查 findings per township (recorded, rectified,
 * published, closed). Every figure comes from the same definitions as `/统计` and the export (response-rate.ts).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import { allGrids, unitsById } from '../../src/db/queries/reports.js';
import { listLeads } from '../../src/db/queries/leads.js';
import { LEAD_STATE_ZH } from '../lead/index.js';
import type { LeadState } from '../../src/db/schema/index.js';
import { townships } from '../../src/db/queries/roster.js';
import { RISK_COLOURS, type RiskColour } from '../../src/db/schema/index.js';
import { addDays, dayOf, daysPeriod } from './period.js';
import { SECTIONS } from './sections.js';
import { countyName, groupBy, responseRowsFor, tally, type ReportDeps, type SummaryFigure } from './response-rate.js';
import { leadRowsFor, leadStats, type LeadStats } from './leads.js';
import { inspectionRowsFor, inspectionsByTownship, inspectionTally, type InspectionTally } from './inspections.js';

/** A rate as a number of percent rounded down to one decimal (like `percent()`); null when nothing was targeted. */
export const ratePct = (n: number, d: number): number | null => (d === 0 ? null : Math.floor((n / d) * 1000) / 10);

export interface DashboardData {
  county: string;
  timeZone: string;
  today: string;
  /** Local days, oldest first. */
  days: string[];
  /** Per township (by id), the daily response rate in percent (null: nothing targeted that day). */
  rateSeries: { id: string; name: string; values: (number | null)[] }[];
  countySeries: (number | null)[];
  /** Items issued today (not revoked, asking for a receipt), with the units not yet acknowledged by township. */
  openToday: { id: number; label: string; short: string; targeted: number; acknowledged: number; rate: number | null; laggards: { township: string; units: string[] }[] }[];
  /** Current risk colours of the grids per township (`none`: no colour set). */
  riskByTownship: { id: string; name: string; counts: Record<RiskColour | 'none', number> }[];
  /** Lead times over the whole window, per township and in total. */
  leadTimes: ({ id: string; name: string } & LeadStats)[];
  leadTotal: LeadStats;
  /** 督查 findings recorded in the window, per township (every township, zeros included) and in total. */
  inspections: ({ id: string; name: string } & InspectionTally)[];
  inspectionTotal: InspectionTally;
  /** Further sections' figures by key (`tasks`: the special tasks of the window), as in the export's summary. */
  sections: Record<string, SummaryFigure[]>;
  /** Leads not yet closed (any day), oldest first: at most {@link OPEN_LEADS_SHOWN}, `total` all of them. */
  openLeads: { total: number; leads: OpenLead[] };
}

/** At most this many open leads are listed on the dashboard. */
export const OPEN_LEADS_SHOWN = 50;

/** An open lead as the dashboard lists it: no description (its text stays with the rooms that may read it). */
export interface OpenLead {
  /** `20260129-007`. */
  number: string;
  state: LeadState;
  /** The state in Chinese (`待受理`). */
  stateZh: string;
  township: string;
  grid: string;
  category: string | null;
  urgent: boolean;
  /** Escalated to the command group (`/上报县`), or reported there by the acceptance SLA. */
  escalated: boolean;
  slaBreached: boolean;
  /** Report time, local `HH:MM` on `day` (`YYYY-MM-DD`) in TIMEZONE. */
  reportedAt: string;
  /** Minutes since it was reported, rounded down. */
  ageMinutes: number;
}

/** The open leads of the county at `now`, oldest first (see {@link OpenLead}); drill leads left out. */
async function openLeadsAt(deps: ReportDeps, now: Date): Promise<DashboardData['openLeads']> {
  const all = (await listLeads(deps.db, { kind: 'all' })).filter((l) => !l.drill);
  const shown = all.slice(0, OPEN_LEADS_SHOWN);
  const units = await unitsById(deps.db, [...new Set(shown.flatMap((l) => [l.townshipId, l.unitId]))]);
  const tz = deps.config.TIMEZONE;
  const clock = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return {
    total: all.length,
    leads: shown.map((l) => ({
      number: `${l.day}-${String(l.number).padStart(3, '0')}`,
      state: l.state,
      stateZh: LEAD_STATE_ZH[l.state],
      township: units.get(l.townshipId)?.name ?? l.townshipId,
      grid: units.get(l.unitId)?.name ?? l.unitId,
      category: l.category,
      urgent: l.urgent,
      escalated: l.escalatedAt !== null,
      slaBreached: l.slaBreachedAt !== null,
      reportedAt: `${dayOf(l.reportedAt, tz)} ${clock.format(l.reportedAt)}`,
      ageMinutes: Math.max(0, Math.floor((now.getTime() - l.reportedAt.getTime()) / 60_000)),
    })),
  };
}

/**
 * Computes the dashboard for the `days` local days ending today (in `TIMEZONE`).
 * @param now the current time
 */
export async function dashboardData(deps: ReportDeps, now: Date, days = 30): Promise<DashboardData> {
  const tz = deps.config.TIMEZONE;
  const today = dayOf(now, tz);
  const first = addDays(today, -(days - 1));
  const dayList = Array.from({ length: days }, (_, i) => addDays(first, i));
  const window = daysPeriod(first, today, tz);
  const range = { from: window.from, to: window.to };
  const rows = await responseRowsFor(deps, range);
  const ts = await townships(deps.db);

  const byDay = groupBy(rows, (r) => dayOf(r.issuedAt, tz));
  const series = (pick: (r: (typeof rows)[number]) => boolean) =>
    dayList.map((d) => {
      const t = tally((byDay.get(d) ?? []).filter(pick));
      return ratePct(t.acknowledged, t.targeted);
    });

  const todayRows = groupBy(
    rows.filter((r) => dayOf(r.issuedAt, tz) === today),
    (r) => r.directiveId,
  );
  const openToday = [...todayRows.values()].map((xs) => {
    const t = tally(xs);
    const silent = groupBy(xs.filter((r) => !r.acknowledged), (r) => r.townshipName);
    return {
      id: xs[0]!.directiveId,
      label: xs[0]!.label,
      short: xs[0]!.short,
      targeted: t.targeted,
      acknowledged: t.acknowledged,
      rate: ratePct(t.acknowledged, t.targeted),
      laggards: [...silent].map(([township, us]) => ({ township, units: us.map((u) => u.unitName) })),
    };
  });

  const gridsBy = groupBy(await allGrids(deps.db), (g) => g.townshipId ?? '');
  const riskByTownship = ts.map((t) => {
    const counts = Object.fromEntries([...RISK_COLOURS, 'none'].map((c) => [c, 0])) as Record<RiskColour | 'none', number>;
    for (const g of gridsBy.get(t.id) ?? []) counts[g.riskColour ?? 'none']++;
    return { id: t.id, name: t.name, counts };
  });

  const leads = await leadRowsFor(deps, range);
  const leadsBy = groupBy(leads, (l) => l.townshipId);
  const findings = await inspectionRowsFor(deps, range);
  const findingsBy = new Map(inspectionsByTownship(findings).map((t) => [t.id, t]));
  return {
    county: await countyName(deps),
    timeZone: tz,
    today,
    days: dayList,
    rateSeries: ts.map((t) => ({ id: t.id, name: t.name, values: series((r) => r.townshipId === t.id) })),
    countySeries: series(() => true),
    openToday,
    riskByTownship,
    leadTimes: ts.map((t) => ({ id: t.id, name: t.name, ...leadStats(leadsBy.get(t.id) ?? []) })),
    leadTotal: leadStats(leads),
    inspections: ts.map((t) => ({ ...inspectionTally([]), ...findingsBy.get(t.id), id: t.id, name: t.name })),
    inspectionTotal: inspectionTally(findings),
    sections: Object.fromEntries(await mapInOrder(SECTIONS, async (s) => [s.key, await s.figures(deps, range, { kind: 'county' })] as const)),
    openLeads: await openLeadsAt(deps, now),
  };
}
