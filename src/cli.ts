/**
 * The gridrelay CLI:
 *   `npm run gridrelay -- roster import <folder-of-csv | file.xlsx>`
 *   `npm run gridrelay -- report response-rate --from YYYY-MM-DD [--to YYYY-MM-DD] [--format json|csv|xlsx] [--colour red,orange] [--township T01] [--out file]`
 *     (the same export as `GET /api/v1/reports/response-rate`; without --out, json/csv go to stdout)
 *   `npm run gridrelay -- numbers set --kind directive|notice [--year YYYY] --next N`
 *     (continue a series issued by hand before gridrelay: the next 指挥部令 / county 通告 of that year gets
 *     No. N; refused when N would reuse a number gridrelay issued; audited. --year defaults to this year)
 *   `npm run gridrelay -- db migrate`
 *     (applies pending migrations to DATABASE_URL, SQLite or PostgreSQL, and prints which; start-up does the same)
 *   `npm run gridrelay -- db copy --from file:<path> --to postgres://…`
 *     (moves a county from SQLite into an empty PostgreSQL database in one transaction, then verifies row counts
 *     and a checksum of every row on both sides; see src/db/copy.ts. Exit 2 when refused — usage, source, target
 *     not empty — before anything is written; exit 1 when the copy failed or did not verify, rolled back)
 * Exit codes: 0 done, 1 rejected input (problems printed as file:row: reason; a number refused), 2 bad usage or config.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportReport, parseExportParams } from '../workflows/reports/export.js';
import { setNextNumber } from '../workflows/directive/numbers.js';
import { yearIn } from './time/clock.js';
import { userInfo } from 'node:os';
import { ConfigError, loadConfig, type Config } from './config.js';
import { closeDb, openDb } from './db/client.js';
import { CopyError, copyDatabase, type CopyReport } from './db/copy.js';
import { migrateDatabase, MigrationsAheadError, redactUrl } from './db/migrate.js';
import { describeCounts, importRoster, RosterError } from './roster/import.js';
import { rosterCounts } from './db/queries/roster.js';

const USAGE = [
  'usage: npm run gridrelay -- roster import <folder-of-csv | file.xlsx>',
  '       npm run gridrelay -- report response-rate --from YYYY-MM-DD [--to YYYY-MM-DD] [--format json|csv|xlsx] [--colour red,orange] [--township T01] [--out file]',
  '       npm run gridrelay -- numbers set --kind directive|notice [--year YYYY] --next N',
  '       npm run gridrelay -- db migrate',
  '       npm run gridrelay -- db copy --from file:<path> --to postgres://user@host:port/db',
].join('\n');

function readConfig(): Config | null {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.code}: ${err.message}`);
      return null;
    }
    throw err;
  }
}

/** `report response-rate …`: writes the export to --out (or stdout for json/csv). */
async function reportCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, colour: { type: 'string' }, township: { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const cfg = readConfig();
  if (!cfg) return 2;
  const params = parseExportParams(parsed, cfg.TIMEZONE);
  if (typeof params === 'string') {
    console.error(`${params}\n${USAGE}`);
    return 2;
  }
  if (params.format === 'xlsx' && !parsed.out) {
    console.error('--out is required for --format xlsx');
    return 2;
  }
  const db = await openDb(cfg.DATABASE_URL);
  try {
    // the CLI is where this process's clock comes from: reports read it only through `now`
    const out = await exportReport({ db, config: cfg, now: () => new Date() }, params);
    if (parsed.out) {
      writeFileSync(parsed.out, out.body);
      console.error(`response-rate ${params.period.firstDay}~${params.period.lastDay} (${params.format}) written to ${parsed.out}`);
    } else {
      process.stdout.write(out.body);
    }
    return 0;
  } finally {
    await closeDb(db);
  }
}

/** The operating-system user running the CLI, for the audit log (undefined when it cannot be read). */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** `numbers set --kind directive|notice [--year YYYY] --next N`: sets the next number of the county's series. */
async function numbersCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { kind: { type: 'string' }, year: { type: 'string' }, next: { type: 'string' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const kind = parsed.kind?.trim();
  if (kind !== 'directive' && kind !== 'notice') {
    console.error(`--kind must be directive or notice${kind ? `, not "${kind}"` : ''}\n${USAGE}`);
    return 2;
  }
  if (!parsed.next || !/^[1-9]\d{0,8}$/.test(parsed.next.trim())) {
    console.error(`--next must be a whole number from 1${parsed.next ? `, not "${parsed.next}"` : ''}\n${USAGE}`);
    return 2;
  }
  if (parsed.year !== undefined && !/^\d{4}$/.test(parsed.year.trim())) {
    console.error(`--year must be a year YYYY, not "${parsed.year}"\n${USAGE}`);
    return 2;
  }
  const cfg = readConfig();
  if (!cfg) return 2;
  const year = parsed.year ? Number(parsed.year.trim()) : yearIn(new Date(), cfg.TIMEZONE);
  const db = await openDb(cfg.DATABASE_URL);
  try {
    const user = osUser();
    const r = await setNextNumber(db, { kind, year, next: Number(parsed.next.trim()), detail: { via: 'cli', ...(user ? { osUser: user } : {}) } });
    if (!r.ok) {
      console.error(r.reason);
      return 1;
    }
    console.log(`${r.series}: the next number is now 第${r.next}号 (was 第${r.previousNext}号); recorded in the audit log`);
    return 0;
  } finally {
    await closeDb(db);
  }
}

/** `db migrate`: applies the pending migrations to DATABASE_URL and prints which (or "up to date"). */
async function migrateCommand(args: string[]): Promise<number> {
  if (args.length) {
    console.error(`db migrate takes no arguments (it migrates DATABASE_URL)\n${USAGE}`);
    return 2;
  }
  const cfg = readConfig();
  if (!cfg) return 2;
  const where = redactUrl(cfg.DATABASE_URL);
  try {
    const r = await migrateDatabase(cfg.DATABASE_URL);
    if (r.applied.length === 0) console.log(`${where}: up to date (${r.total} migration${r.total === 1 ? '' : 's'})`);
    else console.log(`${where}: applied ${r.applied.length} migration${r.applied.length === 1 ? '' : 's'}: ${r.applied.join(', ')} (now ${r.total})`);
    return 0;
  } catch (err) {
    if (err instanceof MigrationsAheadError) {
      console.error(err.message);
      return 2;
    }
    console.error(`${where}: migration failed: ${(err as Error).message}`);
    return 1;
  }
}

/** The per-table counts and both checksums of a copy, as printed by `db copy`. */
function describeCopy(r: CopyReport): string {
  const w = Math.max(5, ...r.tables.map((t) => t.table.length));
  const num = (n: number) => n.toLocaleString('en-US').padStart(10);
  const lines = [`${'table'.padEnd(w)}     sqlite   postgres`];
  for (const t of r.tables) lines.push(`${t.table.padEnd(w)} ${num(t.source)} ${num(t.target)}${t.source === t.target ? '' : '  ≠'}`);
  lines.push(`${'total'.padEnd(w)} ${num(r.tables.reduce((s, t) => s + t.source, 0))} ${num(r.tables.reduce((s, t) => s + t.target, 0))}`);
  lines.push(`checksum sqlite   sha256:${r.sourceChecksum}`);
  lines.push(`checksum postgres sha256:${r.targetChecksum}`);
  return lines.join('\n');
}

/** `db copy --from file:… --to postgres://…`: see src/db/copy.ts. */
async function copyCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!parsed.from || !parsed.to) {
    console.error(`db copy needs --from file:<path> and --to postgres://…\n${USAGE}`);
    return 2;
  }
  try {
    const r = await copyDatabase({ from: parsed.from, to: parsed.to });
    if (r.migrationsApplied.length) console.log(`migrated ${redactUrl(parsed.to)}: ${r.migrationsApplied.join(', ')}`);
    console.log(describeCopy(r));
    console.log(`copied ${r.rows.toLocaleString('en-US')} rows in ${(r.ms / 1000).toFixed(2)} s; verified: counts and checksums equal`);
    console.log(`instance id ${r.instanceId ?? '(none)'} carried over; identity sequences moved past the copied ids`);
    return 0;
  } catch (err) {
    if (err instanceof CopyError) {
      if (err.report) console.log(describeCopy(err.report));
      console.error(err.code === 'usage' ? `${err.message}\n${USAGE}` : err.message);
      return err.exitCode;
    }
    if (err instanceof MigrationsAheadError) {
      console.error(err.message);
      return 2;
    }
    console.error(`db copy failed: ${(err as Error).message}`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [area, verb, path] = argv;
  if (area === 'db' && verb === 'migrate') return await migrateCommand(argv.slice(2));
  if (area === 'db' && verb === 'copy') return await copyCommand(argv.slice(2));
  if (area === 'report' && verb === 'response-rate') return reportCommand(argv.slice(2));
  if (area === 'numbers' && verb === 'set') return await numbersCommand(argv.slice(2));
  if (area !== 'roster' || verb !== 'import' || !path) {
    console.error(USAGE);
    return 2;
  }
  const config = readConfig();
  if (!config) return 2;
  const db = await openDb(config.DATABASE_URL);
  try {
    const counts = await importRoster(db, path);
    console.log(`roster imported from ${path}: ${describeCounts(counts)}`);
    console.log(`database now holds: ${describeCounts(await rosterCounts(db))}`);
    return 0;
  } catch (err) {
    if (err instanceof RosterError) {
      console.error(`roster rejected (${err.code}), nothing applied (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):`);
      for (const p of err.problems.slice(0, 50)) console.error(`  ${p.file}${p.row ? `:${p.row}` : ''}: ${p.reason}`);
      if (err.problems.length > 50) console.error(`  … and ${err.problems.length - 50} more`);
      return 1;
    }
    throw err;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
