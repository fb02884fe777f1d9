/**
 * The gridrelay CLI: `npm run gridrelay -- roster import <folder-of-csv | file.xlsx>`.
 * Exit codes: 0 done, 1 rejected input (problems printed as file:row: reason), 2 bad usage or config.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, sqlitePath } from './config.js';
import { openDb } from './db/client.js';
import { describeCounts, importRoster, RosterError } from './roster/import.js';
import { rosterCounts } from './db/queries/roster.js';

const USAGE = 'usage: npm run gridrelay -- roster import <folder-of-csv | file.xlsx>';

async function main(argv: string[]): Promise<number> {
  const [area, verb, path] = argv;
  if (area !== 'roster' || verb !== 'import' || !path) {
    console.error(USAGE);
    return 2;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const db = openDb(sqlitePath(config));
  try {
    const counts = await importRoster(db, path);
    console.log(`roster imported from ${path}: ${describeCounts(counts)}`);
    console.log(`database now holds: ${describeCounts(rosterCounts(db))}`);
    return 0;
  } catch (err) {
    if (err instanceof RosterError) {
      console.error(`roster rejected, nothing applied (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):`);
      for (const p of err.problems.slice(0, 50)) console.error(`  ${p.file}${p.row ? `:${p.row}` : ''}: ${p.reason}`);
      if (err.problems.length > 50) console.error(`  … and ${err.problems.length - 50} more`);
      return 1;
    }
    throw err;
  } finally {
    db.$client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
