/**
 * Migrations for operators (`npm run gridrelay -- db migrate`, and `db copy` on its target): which of the
 * repo's migrations a database has, applying the pending ones, and saying which.
 *
 * Same migrations and same bookkeeping as start-up (`openDb`): drizzle's migrator over `migrations/sqlite` or
 * `migrations/pg`, recorded in drizzle's `__drizzle_migrations` table (PostgreSQL: in schema `drizzle`), one
 * row per applied migration whose `created_at` is the journal's `when` (ms since the epoch). On PostgreSQL the
 * work runs under the session advisory lock {@link MIGRATE_LOCK_KEY} that start-up takes, so processes starting
 * together (and `db migrate` beside them) take turns.
 *
 * Unlike `openDb`, nothing here writes the `instance` row: a database migrated ahead of a rollout, or ahead of
 * `db copy`, stays empty until gridrelay starts on it (or the copy brings the source's instance id).
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { dialectOf, MIGRATE_LOCK_KEY, parseDatabaseUrl, MIGRATIONS_DIR, PG_MIGRATIONS_DIR, type Dialect } from './client.js';

/** One migration of the repo: its journal tag (file name without `.sql`) and its `when` (ms since the epoch). */
export interface MigrationEntry {
  tag: string;
  when: number;
}

/** What {@link migrateDatabase} found and did. */
export interface MigrateResult {
  dialect: Dialect;
  /** The tags applied now, in order; empty when the database was up to date. */
  applied: string[];
  /** How many of the repo's migrations the database has now. */
  total: number;
}

/** Refused: the database was migrated by a newer gridrelay than this one (its last migration is not in this repo's journal). */
export class MigrationsAheadError extends Error {
  constructor(readonly where: string) {
    super(`${where} was migrated by a newer gridrelay than this one (it has migrations this version does not know); use that version`);
    this.name = 'MigrationsAheadError';
  }
}

/** The repo's migrations of a dialect, in order, from `migrations/<dialect>/meta/_journal.json`. @throws when the journal cannot be read. */
export function migrationJournal(d: Dialect): MigrationEntry[] {
  const dir = d === 'pg' ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR;
  const journal = JSON.parse(readFileSync(`${dir}/meta/_journal.json`, 'utf8')) as { entries: { tag: string; when: number }[] };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when }));
}

/**
 * The migrations a database still needs, given the `created_at` (ms) of the last one it has (null: none, or no
 * bookkeeping table yet) — as drizzle's migrator decides: every journal entry later than that.
 * @throws MigrationsAheadError when the database's last migration is later than every journal entry (`where` names it)
 */
export function pendingAfter(d: Dialect, lastApplied: number | null, where: string): MigrationEntry[] {
  const journal = migrationJournal(d);
  if (lastApplied === null) return journal;
  const last = journal.at(-1);
  if (last && lastApplied > last.when) throw new MigrationsAheadError(where);
  return journal.filter((e) => e.when > lastApplied);
}

/** `created_at` (ms) of the last migration a SQLite database has; null when it has none (no bookkeeping table). */
export function lastSqliteMigration(client: Database.Database): number | null {
  const table = client.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  if (!table) return null;
  const row = client.prepare('select max(created_at) as last from __drizzle_migrations').get() as { last: number | string | null };
  return row.last === null ? null : Number(row.last);
}

/** `created_at` (ms) of the last migration a PostgreSQL database has; null when it has none (no bookkeeping table). */
export async function lastPgMigration(client: pg.Client): Promise<number | null> {
  const { rows } = await client.query<{ t: string | null }>("select to_regclass('drizzle.__drizzle_migrations')::text as t");
  if (!rows[0]?.t) return null;
  const last = await client.query<{ last: string | null }>('select max(created_at)::text as last from drizzle.__drizzle_migrations');
  return last.rows[0]?.last == null ? null : Number(last.rows[0].last);
}

/**
 * Runs `fn` holding the PostgreSQL migration advisory lock ({@link MIGRATE_LOCK_KEY}, session level, on `client`):
 * waits while another process migrates; released when `fn` settles.
 */
export async function withMigrateLock<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('select pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]);
  }
}

/**
 * Applies the pending PostgreSQL migrations on `client` (a connected session; the caller holds the migrate lock,
 * see {@link withMigrateLock}).
 * @param where how to name the database in an error (a URL without its password)
 * @returns the tags applied (empty when up to date) and how many migrations the database has now
 * @throws MigrationsAheadError for a database of a newer gridrelay; the server's error when a migration fails (that migration rolled back)
 */
export async function migratePgSession(client: pg.Client, where: string): Promise<{ applied: string[]; total: number }> {
  const pending = pendingAfter('pg', await lastPgMigration(client), where);
  if (pending.length) await migratePg(drizzlePg(client), { migrationsFolder: PG_MIGRATIONS_DIR });
  return { applied: pending.map((m) => m.tag), total: migrationJournal('pg').length };
}

/**
 * `db migrate`: applies the pending migrations to the database a `DATABASE_URL` names — SQLite `file:<path>`
 * (the file and its folder are made when missing) or PostgreSQL `postgres://…` (under the migrate advisory lock).
 * Does not write the `instance` row (see the file comment).
 * @returns the dialect, the tags applied now (empty: up to date) and how many migrations the database has
 * @throws MigrationsAheadError for a database of a newer gridrelay; the driver's error when the database cannot be reached or a migration fails
 */
export async function migrateDatabase(url: string): Promise<MigrateResult> {
  const where = redactUrl(url);
  if (dialectOf(url) === 'pg') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await withMigrateLock(client, () => migratePgSession(client, where));
      return { dialect: 'pg', ...r };
    } finally {
      await client.end();
    }
  }
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const client = new Database(path);
  try {
    client.pragma('journal_mode = WAL');
    client.pragma('busy_timeout = 5000');
    const pending = pendingAfter('sqlite', lastSqliteMigration(client), where);
    if (pending.length) migrateSqlite(drizzleSqlite(client), { migrationsFolder: MIGRATIONS_DIR });
    return { dialect: 'sqlite', applied: pending.map((m) => m.tag), total: migrationJournal('sqlite').length };
  } finally {
    client.close();
  }
}

/** The file path of a SQLite `DATABASE_URL` (`file:<path>`, a bare path, or `:memory:`), as `openDb` reads it. */
export function sqlitePath(url: string): string {
  const target = parseDatabaseUrl(url);
  return target.dialect === 'sqlite' ? target.path : url;
}

/** A database URL fit to print: a PostgreSQL URL's password replaced by `***`; other URLs as given. */
export function redactUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
