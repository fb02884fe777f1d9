/**
 * 督查 figures of the reports (definitions: response-rate.ts): findings recorded in the period, counted
 * for the township of their unit; of those, how many were rectified, published (通报), closed, and listed
 * as not rectified in time. The export's 督查 sheet holds one row per finding, from which these counts
 * recompute. A grid's own view shows none of it (PRODUCT.md §2.5: grid roles see nothing of inspections).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import { inspectionsRecorded, memberNames } from '../../src/db/queries/inspections.js';
import { getDirective } from '../../src/db/queries/directives.js';
import { unitsById } from '../../src/db/queries/reports.js';
import type { Inspection } from '../../src/db/schema/index.js';
import { formatNumber } from '../directive/format.js';
import { findingNumber } from '../inspection/number.js';
import { masked } from '../inspection/relay.js';
import { groupBy, type Range, type ReportDeps, type ReportScope, type ReportSection } from './response-rate.js';

/** One finding as reported on. */
export interface InspectionRow {
  id: number;
  /** `督查〔2026〕第5号`. */
  number: string;
  townshipId: string;
  townshipName: string;
  unitId: string;
  unitName: string;
  unitKind: Inspection['unitKind'];
  /** The directive or notice it is tied to (`指挥部令〔2026〕第17号`), or null. */
  directive: string | null;
  /** The problem as relayed (nobody named, numbers masked). */
  problem: string;
  people: number | null;
  state: Inspection['state'];
  recordedAt: Date;
  rectifiedAt: Date | null;
  publishedAt: Date | null;
  /** The notice it went out as (`通告〔2026〕第18号`), or null. */
  notice: string | null;
  closedAt: Date | null;
  overdueAt: Date | null;
}

/** Counts of findings. */
export interface InspectionTally {
  opened: number;
  rectified: number;
  published: number;
  closed: number;
  /** Listed as not rectified within `INSPECTION_RECTIFY_SLA`. */
  overdue: number;
}

/**
 * The findings recorded in the period within `scope` (county: all; township: its own; grid: none), oldest
 * first.
 */
export async function inspectionRowsFor(deps: ReportDeps, range: Range, scope?: ReportScope): Promise<InspectionRow[]> {
  if (scope?.kind === 'grid') return [];
  const all = (await inspectionsRecorded(deps.db, range)).filter((f) => scope?.kind !== 'township' || f.townshipId === scope.townshipId);
  if (all.length === 0) return [];
  const names = await memberNames(deps.db);
  const townships = await unitsById(deps.db, [...new Set(all.map((f) => f.townshipId))]);
  const label = async (id: number | null) => {
    const d = id === null ? undefined : await getDirective(deps.db, id);
    return d ? formatNumber(d) : null;
  };
  return await mapInOrder(all, async (f) => ({
    id: f.id,
    number: findingNumber(f),
    townshipId: f.townshipId,
    townshipName: townships.get(f.townshipId)?.name ?? f.townshipId,
    unitId: f.unitId,
    unitName: f.unitName,
    unitKind: f.unitKind,
      directive: await label(f.directiveId),
    problem: masked(f.text, names),
    people: f.people,
    state: f.state,
    recordedAt: f.recordedAt,
    rectifiedAt: f.rectifiedAt,
    publishedAt: f.publishedAt,
      notice: await label(f.noticeId),
    closedAt: f.closedAt,
    overdueAt: f.overdueAt,
  }));
}

/** Tallies findings. */
export function inspectionTally(rows: readonly Pick<InspectionRow, 'rectifiedAt' | 'publishedAt' | 'closedAt' | 'overdueAt'>[]): InspectionTally {
  return {
    opened: rows.length,
    rectified: rows.filter((r) => r.rectifiedAt !== null).length,
    published: rows.filter((r) => r.publishedAt !== null).length,
    closed: rows.filter((r) => r.closedAt !== null).length,
    overdue: rows.filter((r) => r.overdueAt !== null).length,
  };
}

/** Tallies per township, in township id order. */
export function inspectionsByTownship(rows: readonly InspectionRow[]): ({ id: string; name: string } & InspectionTally)[] {
  return [...groupBy(rows, (r) => r.townshipId)]
    .map(([id, xs]) => ({ id, name: xs[0]!.townshipName, ...inspectionTally(xs) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const headline = (t: InspectionTally) => `督查 ${t.opened} 条：已整改 ${t.rectified}，已通报 ${t.published}，已结案 ${t.closed}${t.overdue ? `，超时 ${t.overdue}` : ''}`;

/** 督查: findings recorded, rectified, published, closed, overdue — per township in the county's view. */
export const inspectionSection: ReportSection = {
  key: 'inspections',
  async lines(deps, range, scope) {
    const rows = await inspectionRowsFor(deps, range, scope);
    if (rows.length === 0) return []; // nothing to say (and nothing at all for a grid): keep the answer short
    const lines = [headline(inspectionTally(rows))];
    if (scope.kind === 'county') {
      for (const t of inspectionsByTownship(rows)) lines.push(`· ${t.name} 督查${t.opened} 整改${t.rectified} 通报${t.published} 结案${t.closed}${t.overdue ? ` 超时${t.overdue}` : ''}`);
    }
    return lines;
  },
  async figures(deps, range, scope) {
    const t = inspectionTally(await inspectionRowsFor(deps, range, scope));
    return [
      { name: '督查问题数', value: t.opened },
      { name: '督查已整改', value: t.rectified },
      { name: '督查已通报', value: t.published },
      { name: '督查已结案', value: t.closed },
      { name: '督查超时', value: t.overdue },
    ];
  },
};
