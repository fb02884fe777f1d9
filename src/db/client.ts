/**
 * SQLite through drizzle + better-sqlite3: open (WAL, busy_timeout), migrate at start, give the
 * database its instance id, close.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema/sqlite/index.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** The folder drizzle-kit generates the SQLite migrations into (`migrations/sqlite` at the repo root). */
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/sqlite');

/** The folder drizzle-kit generates the PostgreSQL migrations into (`migrations/pg` at the repo root). */
export const PG_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/pg');

/**
 * Opens the SQLite file at `path` (creating its folder), sets WAL mode and a 5 s busy timeout
 * (a second process — a CLI, a second worker — may write at once) and applies pending migrations.
 * @param path file path, or `:memory:`
 * @throws the driver's error when the file cannot be opened or a migration fails.
 */
export function openDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  // the first open makes the id; a second process opening the same new file keeps the first one's
  db.insert(schema.instance).values({ id: 1, instanceId: randomBytes(6).toString('hex'), createdAt: new Date() }).onConflictDoNothing().run();
  return db;
}

/**
 * This database's instance id (random lowercase hex, 12 characters), made when the database was
 * created and kept for its life — a copy or a restored backup has the same id. BullMQ queue names and
 * job ids carry it (see src/jobs/queues.ts).
 * @throws Error when the `instance` row is missing (a database not opened with {@link openDb}).
 */
export function instanceId(db: Db): string {
  const row = db.select({ id: schema.instance.instanceId }).from(schema.instance).get();
  if (!row) throw new Error('database has no instance id: open it with openDb()');
  return row.id;
}

/** Runs `fn` in an IMMEDIATE transaction (takes the write lock at once, so concurrent writers queue). */
export function writeTx<T>(db: Db, fn: (tx: Db) => T): T {
  return db.$client.transaction(() => fn(db)).immediate();
}

/** Answers whether SQLite responds (`SELECT 1`). */
export function pingDb(db: Db): boolean {
  try {
    return db.$client.prepare('select 1 as ok').get() !== undefined;
  } catch {
    return false;
  }
}
