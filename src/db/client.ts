/**
 * The store: one database, SQLite (better-sqlite3, the embedded default) or PostgreSQL (node-postgres), behind
 * one drizzle handle (`Db`) and one way to change it, {@link transaction}.
 *
 * Queries are written once, against the tables of src/db/schema/index.ts (typed as the SQLite tables; in a
 * PostgreSQL process they are the PostgreSQL tables of the same shape) and awaited; they never call the
 * SQLite-only `.get()/.all()/.run()`.
 *
 * Transactions: `transaction(db, async (tx) => …)`.
 * - PostgreSQL: a real transaction on one pooled connection (drizzle's `transaction`); nested calls are savepoints.
 * - SQLite: drizzle's better-sqlite3 transactions cannot take an async callback, and the file has one connection,
 *   so `BEGIN IMMEDIATE … COMMIT` runs on that connection under a process-wide lock (one writer at a time, in
 *   order); nested calls are savepoints. A write outside a transaction while one is open would land in it, so
 *   writes belong inside {@link transaction} (reads may run anywhere).
 *
 * Inside a transaction the `db` handle the code already holds (`deps.db`) is the transaction's: the handle is a
 * proxy that looks up the current transaction in async-local storage, so the same query code runs in and out of
 * transactions.
 */
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import type { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as schema from './schema/index.js';
import * as sqliteSchema from './schema/sqlite/index.js';
import * as pgSchema from './schema/pg/index.js';
import { PACKAGE_ROOT } from '../paths.js';

/** The database dialects gridrelay runs on. */
export type Dialect = 'sqlite' | 'pg';

/**
 * The drizzle handle every query takes. Typed as the SQLite database (drizzle has no dialect-neutral type); on
 * PostgreSQL it is a node-postgres database with the same tables. Await query builders; never call `.get()`,
 * `.all()`, `.run()` or touch `$client` outside this file.
 */
export type Db = BetterSQLite3Database<typeof sqliteSchema>;

/** The folder drizzle-kit generates SQLite migrations into (absolute: the package root's `migrations/sqlite/`). */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations', 'sqlite');
/** The folder drizzle-kit generates PostgreSQL migrations into (absolute: the package root's `migrations/pg/`). */
export const PG_MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations', 'pg');

/** A process-wide FIFO lock (promise chain). */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

interface Current {
  store: Store;
  /** The dialect's transaction handle (SQLite: the database itself). */
  tx: unknown;
}
const current = new AsyncLocalStorage<Current>();

/** One open database: its dialect, its drizzle handle and how to run a transaction on it. */
export interface Store {
  readonly dialect: Dialect;
  /** The proxy handed out as `Db`. */
  readonly db: Db;
  /** This database's instance id (read at open). */
  readonly instanceId: string;
  /** Runs `fn` in one transaction; see the file comment. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Rows of a raw SQL statement (drizzle `sql` template; for what the query builder cannot say), in the current transaction if any. */
  rows<R>(query: SQL): Promise<R[]>;
  /** SQLite only: the better-sqlite3 connection (tests and scripts that read SQLite directly); null on PostgreSQL. */
  readonly sqlite: Database.Database | null;
  /** SQLite only: the drizzle handle of the connection itself (not the proxy), for {@link keptQuery}; null on PostgreSQL. */
  readonly sqliteRoot: Db | null;
  close(): Promise<void>;
}

const stores = new WeakMap<object, Store>();

/** The store behind a `Db` handle. @throws Error for a handle not made by {@link openDb}. */
export function storeOf(db: Db): Store {
  const s = stores.get(db as object);
  if (!s) throw new Error('not a gridrelay database handle: open it with openDb()');
  return s;
}

const WRITES = new Set<string | symbol>(['insert', 'update', 'delete']);

/**
 * `sql.placeholder(name)` typed as any value, for `.set({...})` of a {@link keptQuery} (drizzle types `set` without
 * placeholders, but encodes them by their column as it does in `.values()`).
 */
export const placeholder = <T = never>(name: string): T => sql.placeholder(name) as unknown as T;

/** A drizzle query builder as {@link keptQuery} uses it: prepared once (SQLite) or run with placeholder values (PostgreSQL). */
interface PreparableQuery<T> {
  prepare(): { execute(values?: Record<string, unknown>): PromiseLike<T> };
}

/**
 * A query kept prepared. `build` makes it with `sql.placeholder(name)` for every value that varies; each call runs it
 * with `values`. On SQLite the query is built and prepared once per connection, so a hot path (the inbox, the outbox,
 * roster lookups) skips drizzle's query building and SQLite's planning on every call; on PostgreSQL it is built on
 * each call, in the caller's transaction, as any query. Like any query it runs in the current transaction if there is
 * one; a `write` outside a transaction runs in one of its own (SQLite), as write builders do.
 *
 * Placeholders in `.values({...})` and `.set({...})` are encoded by their column (a Date stored as ms on SQLite); a
 * placeholder compared in a `where` is passed to the driver as given, so give it in the column's stored form.
 * @returns `(db, values) => the query's result` (rows for a select or a `returning`, the driver's run result else)
 */
export function keptQuery<T>(build: (db: Db) => PreparableQuery<T>, opts: { write?: boolean } = {}): (db: Db, values?: Record<string, unknown>) => Promise<T> {
  const prepared = new WeakMap<Store, { execute(values?: Record<string, unknown>): PromiseLike<T> }>();
  return async (db, values = {}) => {
    const store = storeOf(db);
    if (store.dialect === 'pg') {
      return await (build(db) as unknown as { execute(v: Record<string, unknown>): PromiseLike<T> }).execute(values);
    }
    let q = prepared.get(store);
    if (!q) prepared.set(store, (q = build(store.sqliteRoot!).prepare()));
    // better-sqlite3 runs the statement at once, in this turn of the event loop: nothing can come between
    const run = (pq: typeof q) => (pq.execute(values) as unknown as { sync(): T }).sync();
    if (!opts.write || current.getStore()?.store === store) return run(q);
    // a write outside a transaction: when none is open it commits on its own (SQLite autocommit, atomic); while
    // another unit's transaction is open it waits its turn, in a transaction of its own
    if (!store.sqlite!.inTransaction) return run(q);
    const pq = q;
    return await store.transaction(async () => run(pq));
  };
}

/**
 * Wraps a drizzle write builder (and each builder its methods return) so that awaiting it runs the statement in a
 * transaction of `store` of its own — taking the SQLite lock like any other transaction.
 */
function ownTransaction<B extends object>(store: Store, builder: B): B {
  return new Proxy(builder, {
    get(t, prop) {
      if (prop === 'then') {
        return (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) => store.transaction(async () => await (t as unknown as Promise<unknown>)).then(ok, fail);
      }
      const v = (t as Record<string | symbol, unknown>)[prop];
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(t, args);
        return r && typeof r === 'object' && 'then' in r ? ownTransaction(store, r) : r;
      };
    },
  });
}

/** Makes the `Db` proxy: inside a transaction of `store`, calls go to the transaction's handle. */
function handle(store: Store, root: object): Db {
  const proxy = new Proxy(root, {
    get(target, prop) {
      const cur = current.getStore();
      // SQLite has one connection: a write outside a transaction while another is open would join it (and vanish
      // with its rollback), so a write builder made outside a transaction runs in one of its own, in turn.
      if (!cur && store.dialect === 'sqlite' && WRITES.has(prop)) {
        const make = (target as Record<string | symbol, (...a: unknown[]) => object>)[prop]!.bind(target);
        return (...args: unknown[]) => ownTransaction(store, make(...args));
      }
      const t = (cur && cur.store === store ? cur.tx : target) as Record<string | symbol, unknown>;
      const v = t[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  }) as Db;
  stores.set(proxy as object, store);
  return proxy;
}

/** What a `DATABASE_URL` names: a SQLite file path (`file:<path>`, a bare path, `:memory:`) or a PostgreSQL URL. */
export function parseDatabaseUrl(url: string): { dialect: 'sqlite'; path: string } | { dialect: 'pg'; url: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'pg', url };
  if (url === ':memory:' || url === 'file::memory:') return { dialect: 'sqlite', path: ':memory:' };
  return { dialect: 'sqlite', path: url.startsWith('file:') ? url.slice('file:'.length) : url };
}

/** The dialect a `DATABASE_URL` names: `postgres://…` → pg, `file:…` (or a bare path) → sqlite. */
export function dialectOf(url: string): Dialect {
  return parseDatabaseUrl(url).dialect;
}

/** Options of {@link openDb}. */
export interface OpenOptions {
  /** Apply pending migrations (default true; on PostgreSQL under an advisory lock so that processes do not race). */
  migrate?: boolean;
  /** PostgreSQL pool size (default `PG_POOL_MAX` or 10). */
  poolMax?: number;
}

/**
 * Opens the database a `DATABASE_URL` names and applies pending migrations.
 * - `file:<path>` (or a bare path, or `:memory:`): SQLite, creating the folder; WAL, 5 s busy timeout.
 * - `postgres://…`: PostgreSQL through a `pg` pool.
 * Selects the dialect's tables for the process's queries (src/db/schema/index.ts `useDialect`): one process uses one
 * dialect at a time (a second `openDb` of the other dialect switches them; `db copy` uses the schemas directly).
 * @throws the driver's error when the database cannot be reached or a migration fails.
 */
export async function openDb(url: string, opts: OpenOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(url);
  schema.useDialect(target.dialect);
  const store = target.dialect === 'pg' ? await openPg(target.url, opts) : openSqlite(target.path, opts);
  return store.db;
}

/**
 * One lock per SQLite file in this process: two stores on the same file in one process (tests run two apps so) must
 * take turns here — better-sqlite3's busy wait would block the one thread the holder needs to finish.
 */
const fileLocks = new Map<string, Lock>();

/** Statements kept per SQLite connection (by SQL text); the oldest is dropped past this many. */
const STATEMENT_CACHE_SIZE = 2000;

/**
 * Makes `client.prepare` keep what it prepared, keyed by the SQL text, so a query run again (drizzle builds the same
 * SQL for every call of a query) skips SQLite's parse and plan. A kept statement that returns rows is handed out with
 * raw mode off, as a fresh one would be (drizzle turns it on where it reads rows as arrays). better-sqlite3
 * statements are reusable and re-prepare themselves after a schema change.
 */
function keepStatements(client: Database.Database): void {
  const prepare = client.prepare.bind(client);
  const kept = new Map<string, Database.Statement>();
  client.prepare = ((source: string) => {
    let stmt = kept.get(source);
    if (stmt) {
      if (stmt.reader) stmt.raw(false);
      return stmt;
    }
    stmt = prepare(source);
    if (kept.size >= STATEMENT_CACHE_SIZE) kept.delete(kept.keys().next().value!);
    kept.set(source, stmt);
    return stmt;
  }) as typeof client.prepare;
}

function openSqlite(path: string, opts: OpenOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const lockKey = path === ':memory:' ? `:memory:${randomBytes(4).toString('hex')}` : resolve(path);
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma('busy_timeout = 5000');
  client.pragma('synchronous = NORMAL');
  client.pragma('wal_autocheckpoint = 10000');
  client.pragma('foreign_keys = ON');
  keepStatements(client);
  const root = drizzleSqlite(client, { schema: sqliteSchema });
  if (opts.migrate !== false) migrateSqlite(root, { migrationsFolder: MIGRATIONS_DIR });
  // the first open makes the id; a second process opening the same new file keeps the first one's
  root.insert(sqliteSchema.instance).values({ id: 1, instanceId: randomBytes(6).toString('hex'), createdAt: new Date() }).onConflictDoNothing().run();
  const instance = root.select({ id: sqliteSchema.instance.instanceId }).from(sqliteSchema.instance).get();
  const lock = fileLocks.get(lockKey) ?? new Lock();
  fileLocks.set(lockKey, lock);
  let savepoints = 0;
  const begin = client.prepare('BEGIN IMMEDIATE');
  const commit = client.prepare('COMMIT');
  const store: Store = {
    dialect: 'sqlite',
    sqlite: client,
    sqliteRoot: root as unknown as Db,
    db: undefined as unknown as Db,
    instanceId: instance?.id ?? '',
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const cur = current.getStore();
      if (cur?.store === store) {
        const name = `sp${++savepoints}`;
        client.exec(`SAVEPOINT ${name}`);
        try {
          const r = await fn(store.db);
          client.exec(`RELEASE ${name}`);
          return r;
        } catch (err) {
          client.exec(`ROLLBACK TO ${name}`);
          client.exec(`RELEASE ${name}`);
          throw err;
        }
      }
      const release = await lock.acquire();
      try {
        begin.run();
        try {
          const r = await current.run({ store, tx: root }, async () => await fn(store.db));
          commit.run();
          return r;
        } catch (err) {
          if (client.inTransaction) client.exec('ROLLBACK');
          throw err;
        }
      } finally {
        release();
      }
    },
    async rows<R>(query: SQL): Promise<R[]> {
      return root.all(query) as R[];
    },
    async close() {
      client.close();
    },
  };
  (store as { db: Db }).db = handle(store, root);
  return store;
}

async function openPg(url: string, opts: OpenOptions): Promise<Store> {
  // the PostgreSQL stack is loaded only when used (a SQLite process would carry its memory for nothing)
  const [{ default: pgDriver }, { drizzle: drizzlePg }] = await Promise.all([import('pg'), import('drizzle-orm/node-postgres')]);
  const pool = new pgDriver.Pool({ connectionString: url, max: opts.poolMax ?? (Number(process.env.PG_POOL_MAX) || 10) });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => {});
  // nor may a checked-out client's between two queries of a transaction (pg-pool removes its idle listener on
  // checkout, and the server's `terminating connection` — restart, failover, pg_terminate_backend — would be an
  // uncaught 'error' event): the transaction's next query fails with the driver's error and the pool drops the client
  pool.on('connect', (client) => client.on('error', () => {}));
  const root = drizzlePg(pool, { schema: pgSchema });
  if (opts.migrate !== false) await migratePgLocked(pool, root);
  await root.insert(pgSchema.instance).values({ id: 1, instanceId: randomBytes(6).toString('hex'), createdAt: new Date() }).onConflictDoNothing();
  const [instance] = await root.select({ id: pgSchema.instance.instanceId }).from(pgSchema.instance);
  const store: Store = {
    dialect: 'pg',
    sqlite: null,
    sqliteRoot: null,
    db: undefined as unknown as Db,
    instanceId: instance?.id ?? '',
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const cur = current.getStore();
      if (cur?.store === store) {
        const outer = cur.tx as typeof root;
        return await outer.transaction((tx) => current.run({ store, tx }, async () => await fn(store.db)));
      }
      return await root.transaction((tx) => current.run({ store, tx }, async () => await fn(store.db)));
    },
    async rows<R>(query: SQL): Promise<R[]> {
      const cur = current.getStore();
      const on = (cur?.store === store ? cur.tx : root) as typeof root;
      return (await on.execute(query)).rows as R[];
    },
    async close() {
      await pool.end();
    },
  };
  (store as { db: Db }).db = handle(store, root);
  return store;
}

/** The advisory lock key `db migrate` and start-up take on PostgreSQL (any constant; "gridrelay" in ASCII, folded). */
export const MIGRATE_LOCK_KEY = 0x67726964;

/** Applies the PostgreSQL migrations under `pg_advisory_lock`, so that processes starting together take turns. */
async function migratePgLocked(pool: pg.Pool, root: ReturnType<typeof drizzlePg<typeof pgSchema>>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    try {
      const { migrate: migratePg } = await import('drizzle-orm/node-postgres/migrator');
      await migratePg(root, { migrationsFolder: PG_MIGRATIONS_DIR });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/**
 * This database's instance id (random lowercase hex, 12 characters), made when the database was created and kept
 * for its life — a copy or a restored backup has the same id. BullMQ queue names and job ids carry it.
 * @throws Error for a handle not made by {@link openDb}.
 */
export function instanceId(db: Db): string {
  return storeOf(db).instanceId;
}

/** The dialect of an open database. */
export function dialect(db: Db): Dialect {
  return storeOf(db).dialect;
}

/**
 * Runs `fn` in one transaction of `db`'s store (see the file comment): PostgreSQL `BEGIN … COMMIT`; SQLite
 * `BEGIN IMMEDIATE … COMMIT` under the process lock. A call inside a transaction is a savepoint of it.
 * @returns what `fn` resolves to, once committed
 * @throws whatever `fn` throws (rolled back)
 */
export async function writeTx<T>(db: Db, fn: (tx: Db) => Promise<T> | T): Promise<T> {
  return await storeOf(db).transaction(async (tx) => fn(tx));
}

/** The first key of every {@link lockForTransaction} lock ("grl" in ASCII); the second is the name's hash. */
const NAMED_LOCK_SPACE = 0x67726c;

/**
 * Holds the lock named `name` until the current transaction ends, so that work under one name runs one at a time
 * across processes (e.g. `timers:task.remind`, `demo-roster`). PostgreSQL: `pg_advisory_xact_lock(space,
 * hashtext(name))`, waiting for the holder's commit or rollback. SQLite: nothing — its write transactions already
 * take turns. Call inside a transaction (`writeTx`), before touching the rows the lock guards.
 */
export async function lockForTransaction(db: Db, name: string): Promise<void> {
  if (dialect(db) !== 'pg') return;
  await storeOf(db).rows(sql`select pg_advisory_xact_lock(${NAMED_LOCK_SPACE}, hashtext(${name}))`);
}

/** PostgreSQL's codes for "this transaction lost a lock conflict; run it again": deadlock_detected, serialization_failure, lock_not_available. */
const LOCK_CONFLICT_CODES = new Set(['40P01', '40001', '55P03']);

/**
 * Whether `err` (or an error in its `cause` chain — drizzle wraps the driver's) is PostgreSQL failing a statement
 * because of a lock conflict with another transaction (a deadlock it broke, a serialization failure): the work is
 * sound and succeeds when run again after the other transaction ends. Never true on SQLite (one writer at a time).
 */
export function isLockConflict(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && LOCK_CONFLICT_CODES.has(code)) return true;
  }
  return false;
}

/** Answers whether the database responds (`SELECT 1`). */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    return (await storeOf(db).rows(sql`select 1 as ok`)).length === 1;
  } catch {
    return false;
  }
}

/**
 * The better-sqlite3 connection of a SQLite database, for tests and scripts that read it with plain SQL.
 * @throws Error on PostgreSQL.
 */
export function sqliteClient(db: Db): Database.Database {
  const c = storeOf(db).sqlite;
  if (!c) throw new Error('sqliteClient(): this database is PostgreSQL');
  return c;
}

/** Closes the database (SQLite file handle; PostgreSQL pool). */
export async function closeDb(db: Db): Promise<void> {
  await storeOf(db).close();
}

/**
 * How many rows a write changed, from the driver's result: better-sqlite3's `RunResult.changes`, node-postgres's
 * `QueryResult.rowCount`.
 */
export function rowsAffected(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}
