/**
 * Reports over a county-year: a database filled with a generated year of history (scripts/bench/year.ts, ≈ 1 M
 * acknowledgement rows over 365 days and 747 grids), then what `/统计` computes county-wide over the year and the XLSX
 * export of a month, each against the floor — one hand-written SQL aggregate giving the same figures. Run in this
 * process on gridrelay's own modules (the same code the command runs), median of several runs after a warm-up.
 */
import { closeDb, openDb } from '../../src/db/client.js';
import { importRoster } from '../../src/roster/import.js';
import { seedYear, timeFloorAggregate, timeStats } from './year.js';
import { generateCounty } from './county.js';
import { join } from 'node:path';

/** A line of the bench's table (ms, lower is better), or a note under it. */
export type ReportFigure = { kind: 'row'; figure: string; ms: number; floorMs: number | null; below?: number } | { kind: 'note'; text: string };

/**
 * Seeds `databaseUrl` (empty) with the county of `countyDir` and `days` days of history, and times `/统计` over them
 * (and the XLSX of the last month when `xlsx`) against the floor aggregate.
 * @throws when `/统计`'s figures differ from the floor's
 */
async function yearOf(databaseUrl: string, countyDir: string, days: number, xlsx: boolean) {
  const db = await openDb(databaseUrl);
  try {
    await importRoster(db, countyDir);
    const now = new Date();
    const seeded = await seedYear(db, { days, directivesPerDay: 4, endDay: now, now });
    const period = { firstDay: seeded.firstDay, lastDay: seeded.lastDay, now };
    const stats = await timeStats(db, { ...period, ...(xlsx ? {} : { xlsx: null }) });
    const floor = await timeFloorAggregate(db, { ...period, statsText: stats.text });
    if (floor.mismatches.length) throw new Error(`bench: /统计 disagrees with the floor aggregate: ${floor.mismatches.slice(0, 5).join('; ')}`);
    return { seeded, stats, floor };
  } finally {
    await closeDb(db);
  }
}

/**
 * The reports part of the bench: the county-year (`quick`: 60 days), then (unless `quick`) `/统计` over 30 days for
 * the county 4× and 16× (generated townships, scripts/bench/county.ts), each in a fresh database from `freshDb`.
 */
export async function reportsSection(o: { freshDb: (name: string) => string; countyDir: string; workDir: string; quick: boolean }): Promise<ReportFigure[]> {
  const out: ReportFigure[] = [];
  const days = o.quick ? 60 : 365;
  const { seeded, stats, floor } = await yearOf(o.freshDb('year'), o.countyDir, days, true);
  const label = `${days} days, ${seeded.acks.toLocaleString('en')} acknowledgements`;
  out.push({ kind: 'row', figure: `/统计 county-wide over ${label}`, ms: stats.statsMs, floorMs: floor.floorMs, below: 100 });
  if (stats.xlsxMs !== null) out.push({ kind: 'row', figure: 'XLSX export of the last 30 days', ms: stats.xlsxMs, floorMs: null });
  out.push({ kind: 'note', text: `The year: ${seeded.directives.toLocaleString('en')} directives and notices, ${seeded.targets.toLocaleString('en')} target rows, ${seeded.acks.toLocaleString('en')} acknowledgements, ${seeded.firstDay}…${seeded.lastDay}, seeded in ${(seeded.ms / 1000).toFixed(0)} s; /统计 runs ${stats.statsRunsMs.map((x) => x.toFixed(0)).join(', ')} ms; the floor aggregate agrees with its figures.` });
  if (!o.quick) {
    for (const factor of [1, 4, 16]) {
      const dir = factor === 1 ? o.countyDir : join(o.workDir, `county-${factor}`);
      if (factor !== 1) generateCounty(dir, factor);
      const r = await yearOf(o.freshDb(`stats${factor}`), dir, 30, false);
      out.push({ kind: 'row', figure: `scale ${factor}×: /统计 over 30 days, ${r.seeded.acks.toLocaleString('en')} acknowledgements`, ms: r.stats.statsMs, floorMs: r.floor.floorMs });
    }
  }
  return out;
}
