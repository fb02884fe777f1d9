/**
 * vitest globalSetup for the `pg` project: after the run, drops every PostgreSQL database the test apps made
 * (`gr_test_*`, see test/helpers/app.ts testDatabaseUrl) that a test left behind (apps sharing a `dir`, a test that failed).
 */
import { execFileSync } from 'node:child_process';

const ADMIN_URL = `${process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432'}/postgres`;

export function teardown(): void {
  if (process.env.GRIDRELAY_TEST_DB !== 'pg') return;
  const names = execFileSync('psql', [ADMIN_URL, '-Atqc', "select datname from pg_database where datname like 'gr\\_test\\_%'"], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  for (const n of names) execFileSync('psql', [ADMIN_URL, '-qc', `drop database if exists ${n} with (force)`], { stdio: 'pipe' });
}
