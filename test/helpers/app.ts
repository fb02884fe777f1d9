/**
 * buildTestApp: a real gridrelay on a fresh SQLite file and a random BullMQ prefix, with the fixture
 * county imported. The console platform by default (drive it with `console.ts`); platform credentials in
 * `env` select DingTalk or Slack — `platform.ts` (startPlatformApp) starts the app on a local fake of
 * either (test/fakes/) and waits until it receives.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { importRoster } from '../../src/roster/import.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** The fixture county (absolute: the package root's `examples/demo-county/`; also from `dist/test/helpers/` when the bench runs compiled). */
export const FIXTURE_DIR = join(PACKAGE_ROOT, 'examples', 'demo-county');

export interface TestApp extends App {
  config: Config;
  dir: string;
  /** Stops the app and deletes its files and queue keys. */
  close(): Promise<void>;
}

/** A unique BullMQ prefix for one test app. */
export const randomPrefix = () => `t${randomBytes(5).toString('hex')}`;

/** Config for a test: fresh DB file in `dir`, random queue prefix, quiet hours off, plus `env`. */
/**
 * The database a test app in `dir` uses: a SQLite file in `dir`, or — when the test file runs in the `pg` project
 * (`GRIDRELAY_TEST_DB=pg`, see vitest.config.ts) — a fresh PostgreSQL database made for `dir` (apps given the same
 * `dir` share it, as they share the SQLite file), dropped by {@link dropTestDatabase} or at the end of the run.
 */
export function testDatabaseUrl(dir: string): string {
  if (process.env.GRIDRELAY_TEST_DB !== 'pg') return `file:${join(dir, 'gridrelay.db')}`;
  let name = pgDatabases.get(dir);
  if (!name) {
    name = `gr_test_${randomBytes(6).toString('hex')}`;
    execFileSync('psql', [PG_ADMIN_URL, '-qc', `create database ${name}`], { stdio: 'pipe' });
    pgDatabases.set(dir, name);
  }
  return `${PG_BASE_URL}/${name}`;
}

/** Drops the PostgreSQL database made for `dir` (nothing on SQLite). */
export function dropTestDatabase(dir: string): void {
  const name = pgDatabases.get(dir);
  if (!name) return;
  pgDatabases.delete(dir);
  execFileSync('psql', [PG_ADMIN_URL, '-qc', `drop database if exists ${name} with (force)`], { stdio: 'pipe' });
}

/** The PostgreSQL server of the `pg` test project (trust auth), and its maintenance database. */
const PG_BASE_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const PG_ADMIN_URL = `${PG_BASE_URL}/postgres`;
const pgDatabases = new Map<string, string>();

export function testConfig(dir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: testDatabaseUrl(dir),
    QUEUE_PREFIX: randomPrefix(),
    QUIET_HOURS: '',
    PORT: '0',
    LOG_LEVEL: 'silent',
    CONSOLE_GROUP_RATE: '1000/s',
    // the daily digest would otherwise fire into a test running at 20:00 Shanghai time
    DAILY_REPORT_CRON: '0 3 1 1 *',
    // the errand cut-off job never fires on its own during a test (tests run it themselves)
    ERRAND_CUTOFF_CRON: '0 3 1 1 *',
    ...env,
  });
}

/**
 * Builds and starts a test app (no TCP listener; use `app.http.inject`).
 * @param opts.roster import the fixture county first (default true)
 * @param opts.env extra environment, e.g. `{ ACK_REMIND_AFTER: '2s' }`; platform credentials select the adapter
 * @param opts.config reuse a config (same DB and prefix) — a "restart"
 */
export async function buildTestApp(opts: { roster?: boolean; env?: Record<string, string>; config?: Config; dir?: string; now?: () => Date } = {}): Promise<TestApp> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gridrelay-test-'));
  const config = opts.config ?? testConfig(dir, opts.env);
  const app = await buildApp(config, { log: pino({ level: process.env.TEST_LOG ?? 'silent' }), ...(opts.now ? { now: opts.now } : {}) });
  if (opts.roster ?? true) await importRoster(app.db, FIXTURE_DIR);
  await app.start({ listen: false });
  return {
    ...app,
    config,
    dir,
    async close() {
      await app.stop();
      if (!opts.dir) {
        rmSync(dir, { recursive: true, force: true });
        dropTestDatabase(dir);
      }
    },
  };
}
