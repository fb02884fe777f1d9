/**
 * Reports over a county-year: a database filled with a generated year of history (scripts/bench/year.ts, ≈ 1 M
 * acknowledgement rows over 365 days and 747 grids), then what `/统计` computes county-wide over the year and the XLSX
 * export of a month, each against the floor — one hand-written SQL aggregate giving the same figures. Run in this
 * process on gridrelay's own modules (the same code the command runs), median of several runs after a warm-up.
 */
import { closeDb, openDb } from '../../src/db/client.js';
import { importRoster } from '../../src/roster/import.js';
import { seedYear, timeFloorAggregate, timeStats } from './year.js';

/** A line of the bench's table (ms, lower is better), or a note under it. */
export type ReportFigure = { kind: 'row'; figure: string; ms: number; floorMs: number | null; below?: number } | { kind: 'note'; text: string };

/**
 * Seeds `databaseUrl` (empty) with the county of `countyDir` and `days` days of history, and times `/统计` over them
 * (and the XLSX of the last month when `xlsx`) against the floor aggregate.
 * @throws when `/统计`'s figures differ from the floor's
 */
export async function yearOf(databaseUrl: string, countyDir: string, days: number, xlsx: boolean) {
  const db = await openDb(databaseUrl);
  try {
    await importRoster(db, countyDir);
    const now = new Date();
    const seeded = await seedYear(db, { days, directivesPerDay: 4, endDay: now, now });
    const period = { firstDay: seeded.firstDay, lastDay: seeded.lastDay, now };
    const stats = await timeStats(db, { ...period, xlsxRuns: 1, ...(xlsx ? {} : { xlsx: null }) });
    const floor = await timeFloorAggregate(db, { ...period, statsText: stats.text });
    if (floor.mismatches.length) throw new Error(`bench: /统计 disagrees with the floor aggregate: ${floor.mismatches.slice(0, 5).join('; ')}`);
    return { seeded, stats, floor };
  } finally {
    await closeDb(db);
  }
}

/** The reports part of the bench: the county-year (`quick`: 60 days) in a fresh database from `freshDb`. */
export async function reportsSection(o: { freshDb: (name: string) => string; countyDir: string; quick: boolean }): Promise<ReportFigure[]> {
  const out: ReportFigure[] = [];
  const days = o.quick ? 60 : 365;
  const { seeded, stats, floor } = await yearOf(o.freshDb('year'), o.countyDir, days, true);
  const label = `${days} days, ${seeded.acks.toLocaleString('en')} acknowledgements`;
  out.push({ kind: 'row', figure: `/统计 county-wide over ${label}`, ms: stats.statsMs, floorMs: floor.floorMs, below: 100 });
  if (stats.xlsxMs !== null) out.push({ kind: 'row', figure: `XLSX export of the last 30 days (${((stats.xlsxBytes ?? 0) / 2 ** 20).toFixed(1)} MB)`, ms: stats.xlsxMs, floorMs: null });
  out.push({ kind: 'note', text: `The year: ${seeded.directives.toLocaleString('en')} directives and notices, ${seeded.targets.toLocaleString('en')} target rows, ${seeded.acks.toLocaleString('en')} acknowledgements, ${seeded.firstDay}…${seeded.lastDay}, seeded in ${(seeded.ms / 1000).toFixed(0)} s; /统计 runs ${stats.statsRunsMs.map((x) => x.toFixed(0)).join(', ')} ms; the floor aggregate (one GROUP BY over the raw rows) agrees with its figures.` });
  return out;
}
