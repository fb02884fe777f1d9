/**
 * `db copy`: moves a county's database from SQLite to PostgreSQL without loss (`npm run gridrelay -- db copy
 * --from file:./data/gridrelay.db --to postgres://…`). Stop gridrelay before copying: rows written to the
 * SQLite file after the copy has read it are not carried over.
 *
 * What it does, in order:
 * 1. Source: opens the SQLite file read-only and refuses it unless it exists and has exactly this version's
 *    migrations (a file of an older gridrelay: `db migrate` it first). All reads run in one read transaction,
 *    so the copy and its checksum see one snapshot of the file.
 * 2. Target: connects to PostgreSQL, takes the migrate advisory lock (`MIGRATE_LOCK_KEY`, as start-up does; held
 *    until the end, so a gridrelay starting on the target waits for the copy) and applies pending migrations.
 * 3. In ONE PostgreSQL transaction: locks every gridrelay table (EXCLUSIVE: no other writer), refuses a target
 *    where any of them has a row (nothing is written), then copies every table of the schema — each table's rows
 *    read through drizzle with the SQLite table (Date, boolean, JSON typed) in batches ordered by primary key,
 *    inserted through drizzle with the PostgreSQL table, ids as they were (identity columns are BY DEFAULT) —
 *    including the `instance` row, so the instance id (BullMQ queue names, job ids) carries over. Then moves
 *    every identity sequence past the copied ids, and verifies: per-table row counts and a checksum of every
 *    row ({@link checksumOf}) computed on each side. Commits only when both agree; otherwise rolls back and the
 *    target stays as it was.
 *
 * Uses the dialects' tables directly (`sqliteSchema`, `pgSchema`) and its own connections, never `openDb` or the
 * switched table bindings of schema/index.ts, so it does not matter which dialect the process selected.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { getTableColumns, is, sql, Table, type Column, type SQL } from 'drizzle-orm';
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { getTableConfig as pgTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { dialectOf } from './client.js';
import { lastSqliteMigration, MigrationsAheadError, migratePgSession, pendingAfter, redactUrl, sqlitePath, withMigrateLock } from './migrate.js';
import * as pgSchema from './schema/pg/index.js';
import * as sqliteSchema from './schema/sqlite/index.js';

/** Why a copy was refused or failed; `exitCode` is the CLI's: 2 refused before writing (usage, source, non-empty target), 1 failed or not verified. */
export class CopyError extends Error {
  constructor(
    readonly code: 'usage' | 'source' | 'not-empty' | 'failed' | 'mismatch',
    message: string,
    /** For `mismatch`: what the verification saw (nothing was committed). */
    readonly report?: CopyReport,
  ) {
    super(message);
    this.name = 'CopyError';
  }
  /** The CLI exit code: 2 for usage / source / non-empty target, 1 for a failed or unverified copy. */
  get exitCode(): 1 | 2 {
    return this.code === 'failed' || this.code === 'mismatch' ? 1 : 2;
  }
}

/** Rows of one table on each side after the copy (the target's counted in the copy's transaction). */
export interface TableCount {
  /** SQL table name, e.g. `directives`. */
  table: string;
  source: number;
  target: number;
}

/** What a copy did and how it verified. */
export interface CopyReport {
  /** Every table, in copy order. */
  tables: TableCount[];
  /** sha256 (hex) of every row of the source ({@link checksumOf}), and of the target after the copy. */
  sourceChecksum: string;
  targetChecksum: string;
  /** Rows copied, all tables. */
  rows: number;
  /** Migrations applied to the target before the copy (tags; empty when it was up to date). */
  migrationsApplied: string[];
  /** Identity sequences moved past the copied ids: table, column, the next id it will give. */
  sequences: { table: string; column: string; next: number }[];
  /** Wall-clock time of the whole copy, connecting to commit, in milliseconds. */
  ms: number;
  /** The instance id carried over (null when the source had no instance row). */
  instanceId: string | null;
}

/** Options of {@link copyDatabase}. */
export interface CopyOptions {
  /** The SQLite database: `file:<path>` (or a bare path). */
  from: string;
  /** The PostgreSQL database: `postgres://…`; must be empty of gridrelay rows. */
  to: string;
  /** Rows per read and per INSERT (default 1000; fewer for a table so wide that 1000 rows would pass PostgreSQL's 65,535 parameters). */
  batchSize?: number;
}

/** One table of the schema in both dialects. */
interface CopyTable {
  /** Export name in the schema modules (`directiveEvents`). */
  key: string;
  /** SQL name (`directive_events`). */
  name: string;
  sqlite: SQLiteTable;
  pg: PgTable;
  /** JS property keys of the columns, in schema order (the same on both dialects). */
  columns: string[];
  /** JS keys of the primary-key columns, in key order. */
  primaryKey: string[];
  /** SQL names of the PostgreSQL identity columns. */
  identities: string[];
}

/**
 * Every table of the schema, paired by export name, in dependency-safe order: a table after the tables its
 * foreign keys reference (the schema has none today), else alphabetically by export name.
 * @throws Error when the two schemas do not have the same tables and columns (test/db/schema-parity.test.ts guards it)
 */
export function copyTables(): CopyTable[] {
  const sq = new Map(Object.entries(sqliteSchema as Record<string, unknown>).filter((e): e is [string, SQLiteTable] => is(e[1], Table)));
  const pgt = new Map(Object.entries(pgSchema as Record<string, unknown>).filter((e): e is [string, PgTable] => is(e[1], Table)));
  const tables = [...sq.keys()].sort().map((key): CopyTable => {
    const s = sq.get(key)!;
    const p = pgt.get(key);
    if (!p) throw new Error(`table ${key} is in the SQLite schema but not the PostgreSQL one`);
    const columns = Object.keys(getTableColumns(s));
    const pgColumns = getTableColumns(p);
    if (Object.keys(pgColumns).sort().join() !== [...columns].sort().join()) throw new Error(`table ${key} has different columns in the two schemas`);
    const sc = sqliteTableConfig(s);
    const sqlToKey = new Map(Object.entries(getTableColumns(s)).map(([k, c]) => [c.name, k]));
    const pkNames = sc.primaryKeys[0]?.columns.map((c) => c.name) ?? sc.columns.filter((c) => c.primary).map((c) => c.name);
    if (!pkNames.length) throw new Error(`table ${key} has no primary key: a copy could not order it`);
    const identities = Object.values(pgColumns)
      .filter((c) => (c as unknown as { generatedIdentity?: unknown }).generatedIdentity !== undefined)
      .map((c) => c.name);
    return { key, name: sc.name, sqlite: s, pg: p, columns, primaryKey: pkNames.map((n) => sqlToKey.get(n)!), identities };
  });
  for (const key of pgt.keys()) if (!sq.has(key)) throw new Error(`table ${key} is in the PostgreSQL schema but not the SQLite one`);

  // topological order over foreign keys (stable: alphabetical among the ready ones)
  const byName = new Map(tables.map((t) => [t.name, t]));
  const deps = new Map(tables.map((t) => [t.name, new Set(pgTableConfig(t.pg).foreignKeys.map((fk) => pgTableConfig(fk.reference().foreignTable).name).filter((n) => n !== t.name))]));
  const ordered: CopyTable[] = [];
  const done = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.find((t) => !done.has(t.name) && [...deps.get(t.name)!].every((d) => done.has(d) || !byName.has(d)));
    if (!ready) throw new Error('the schema has a foreign-key cycle: no dependency-safe copy order');
    ordered.push(ready);
    done.add(ready.name);
  }
  return ordered;
}

/** A row as the checksum sees it: Dates as ISO strings, object keys sorted (jsonb does not keep their order), undefined as null. */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canonical(o[k])]));
  }
  return v;
}

type Row = Record<string, unknown>;

/** Reads one side's tables a page at a time, ordered by primary key. */
interface Reader {
  /** Up to `limit` rows of `t` after the primary key `after` (null: from the start), ordered by primary key. */
  page(t: CopyTable, after: unknown[] | null, limit: number): Promise<Row[]>;
  /** `count(*)` of `t`. */
  count(t: CopyTable): Promise<number>;
}

/**
 * A keyset page condition and order over the primary key. Text keys compare byte-wise on both sides — SQLite's
 * BINARY collation, PostgreSQL's `COLLATE "C"` — so both dialects list rows in the same order whatever the
 * database's collation.
 */
function keyset(t: CopyTable, columns: Record<string, Column>, after: unknown[] | null, dialect: 'sqlite' | 'pg'): { where: SQL | undefined; order: SQL[] } {
  const cols = t.primaryKey.map((k) => {
    const c = columns[k]!;
    return dialect === 'pg' && c.dataType === 'string' ? sql`${c} collate "C"` : sql`${c}`;
  });
  const where = after ? sql`(${sql.join(cols, sql`, `)}) > (${sql.join(after.map((v) => sql`${v}`), sql`, `)})` : undefined;
  return { where, order: cols };
}

function sqliteReader(db: BetterSQLite3Database): Reader {
  return {
    async page(t, after, limit) {
      const k = keyset(t, getTableColumns(t.sqlite), after, 'sqlite');
      return (await db.select().from(t.sqlite).where(k.where).orderBy(...k.order).limit(limit)) as Row[];
    },
    async count(t) {
      const [r] = await db.select({ n: sql<number>`count(*)` }).from(t.sqlite);
      return Number(r?.n ?? 0);
    },
  };
}

function pgReader(db: NodePgDatabase): Reader {
  return {
    async page(t, after, limit) {
      const k = keyset(t, getTableColumns(t.pg), after, 'pg');
      return (await db.select().from(t.pg).where(k.where).orderBy(...k.order).limit(limit)) as Row[];
    },
    async count(t) {
      const [r] = await db.select({ n: sql<string>`count(*)` }).from(t.pg);
      return Number(r?.n ?? 0);
    },
  };
}

/** Every row of `t`, a page at a time, in primary-key order. */
async function* rowsOf(reader: Reader, t: CopyTable, batch: number): AsyncGenerator<Row[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const rows = await reader.page(t, after, batch);
    if (rows.length) yield rows;
    if (rows.length < batch) return;
    const last = rows[rows.length - 1]!;
    after = t.primaryKey.map((k) => last[k]);
  }
}

/**
 * The report checksum of one side: sha256 (hex) over, for each table in copy order, a line with its SQL name
 * and then one line per row in primary-key order — the row's values in schema column order as canonical JSON
 * (Dates as ISO strings, JSON objects with sorted keys). Equal on both sides exactly when every row arrived
 * with the same values.
 */
async function checksumOf(reader: Reader, tables: CopyTable[], batch: number): Promise<string> {
  const h = createHash('sha256');
  for (const t of tables) {
    h.update(`${t.name}\n`);
    for await (const rows of rowsOf(reader, t, batch)) {
      for (const r of rows) h.update(`${JSON.stringify(t.columns.map((c) => canonical(r[c])))}\n`);
    }
  }
  return h.digest('hex');
}

/** Rows per batch for `t`: `batch`, or fewer when `t` has so many columns that they would pass 65,535 bind parameters. */
function batchFor(t: CopyTable, batch: number): number {
  return Math.max(1, Math.min(batch, Math.floor(60_000 / t.columns.length)));
}

/** The first row of `page` with a NUL character (U+0000) in a text or JSON value: its primary key and the column's key. */
function withNul(t: CopyTable, page: Row[]): { key: string; column: string } | null {
  const has = (v: unknown): boolean =>
    typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) ? v.some(has) : v !== null && typeof v === 'object' && !(v instanceof Date) ? Object.entries(v).some(([k, x]) => has(k) || has(x)) : false;
  for (const r of page) {
    const column = t.columns.find((c) => has(r[c]));
    if (column) return { key: t.primaryKey.map((k) => r[k]).join('/'), column };
  }
  return null;
}

/** Thrown inside the target transaction to roll it back when the verification fails. */
class Unverified extends Error {
  constructor(readonly report: CopyReport) {
    super('unverified');
  }
}

/**
 * Copies a SQLite database into an empty PostgreSQL one (see the file comment for the steps and guarantees).
 * @returns the per-table counts, both checksums (equal), the migrations applied to the target, the sequences
 *   moved, and the time taken (ms)
 * @throws CopyError `usage` (not `file:` → `postgres://`), `source` (no such file, not a gridrelay database, or
 *   migrations missing — exit 2), `not-empty` (the target holds rows; nothing written — exit 2), `failed` (the
 *   copy failed and was rolled back — exit 1), `mismatch` (counts or checksums differ; rolled back; `report`
 *   says what differed — exit 1); MigrationsAheadError when either side belongs to a newer gridrelay; the
 *   driver's error when PostgreSQL cannot be reached
 */
export async function copyDatabase(opts: CopyOptions): Promise<CopyReport> {
  const t0 = performance.now();
  const batch = opts.batchSize ?? 1000;
  if (!/^postgres(ql)?:\/\//.test(opts.to) || dialectOf(opts.from) !== 'sqlite' || sqlitePath(opts.from) === ':memory:') {
    throw new CopyError('usage', `db copy copies a SQLite file into PostgreSQL only: --from file:<path> --to postgres://… (got --from ${redactUrl(opts.from)} --to ${redactUrl(opts.to)})`);
  }
  const tables = copyTables();
  const source = openSource(opts.from);
  try {
    const client = new pg.Client({ connectionString: opts.to });
    await client.connect();
    try {
      return await withMigrateLock(client, async () => {
        const { applied } = await migratePgSession(client, redactUrl(opts.to));
        return await copyInto(client, source, tables, batch, redactUrl(opts.to), applied, t0);
      });
    } finally {
      await client.end();
    }
  } finally {
    if (source.inTransaction) source.exec('ROLLBACK');
    source.close();
  }
}

/** Opens the SQLite source read-only and begins its read transaction. @throws CopyError `source` */
function openSource(from: string): Database.Database {
  const path = sqlitePath(from);
  let client: Database.Database;
  try {
    client = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new CopyError('source', `cannot open the SQLite database ${path}: ${(err as Error).message}`);
  }
  try {
    client.pragma('busy_timeout = 5000');
    const last = lastSqliteMigration(client);
    if (last === null) throw new CopyError('source', `${path} is not a gridrelay database (it has no migrations)`);
    const pending = pendingAfter('sqlite', last, path);
    if (pending.length) {
      throw new CopyError(
        'source',
        `${path} lacks ${pending.length} migration(s) of this version (${pending.map((m) => m.tag).join(', ')}): run DATABASE_URL=${from} npm run gridrelay -- db migrate first`,
      );
    }
    // one snapshot for the copy and the checksum (a deferred read transaction: it starts at the first read)
    client.exec('BEGIN');
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

async function copyInto(client: pg.Client, source: Database.Database, tables: CopyTable[], batch: number, where: string, applied: string[], t0: number): Promise<CopyReport> {
  const src = drizzleSqlite(source);
  const srcReader = sqliteReader(src);
  const target = drizzlePg(client);
  try {
    return await target.transaction(async (tx) => {
      await tx.execute(sql`lock table ${sql.join(tables.map((t) => sql.identifier(t.name)), sql`, `)} in exclusive mode`);
      const dstReader = pgReader(tx);
      const occupied: string[] = [];
      for (const t of tables) {
        const n = await dstReader.count(t);
        if (n > 0) occupied.push(`${t.name} ${n}`);
      }
      if (occupied.length) {
        throw new CopyError('not-empty', `${where} is not empty (${occupied.join(', ')} rows): db copy only fills an empty database; nothing was written`);
      }

      let rows = 0;
      for (const t of tables) {
        for await (const page of rowsOf(srcReader, t, batchFor(t, batch))) {
          try {
            await tx.insert(t.pg).values(page);
          } catch (err) {
            const first = t.primaryKey.map((k) => page[0]![k]).join('/');
            const last = t.primaryKey.map((k) => page[page.length - 1]![k]).join('/');
            const cause = err as Error & { cause?: Error };
            const nul = withNul(t, page);
            const hint = nul ? ` (row ${nul.key}, column ${nul.column}, holds a NUL character, which PostgreSQL text and jsonb cannot store: edit it in the SQLite file and copy again)` : '';
            throw new CopyError('failed', `copying ${t.name} (rows ${first} … ${last}) failed: ${cause.cause?.message ?? cause.message}${hint}; rolled back, ${where} unchanged`);
          }
          rows += page.length;
        }
      }

      const sequences: CopyReport['sequences'] = [];
      for (const t of tables) {
        for (const column of t.identities) {
          // the identity's own sequence, whatever drizzle named it (`<table>_<column>_seq` today)
          const r = await tx.execute<{ next: string }>(
            sql`select setval(pg_get_serial_sequence(${`"${t.name}"`}, ${column}), coalesce(max(${sql.identifier(column)}), 0) + 1, false)::text as next from ${sql.identifier(t.name)}`,
          );
          sequences.push({ table: t.name, column, next: Number(r.rows[0]!.next) });
        }
      }

      const counts: TableCount[] = [];
      for (const t of tables) counts.push({ table: t.name, source: await srcReader.count(t), target: await dstReader.count(t) });
      const sourceChecksum = await checksumOf(srcReader, tables, batch);
      const targetChecksum = await checksumOf(dstReader, tables, batch);
      const [inst] = await src.select({ id: sqliteSchema.instance.instanceId }).from(sqliteSchema.instance);
      const report: CopyReport = {
        tables: counts,
        sourceChecksum,
        targetChecksum,
        rows,
        migrationsApplied: applied,
        sequences,
        ms: 0,
        instanceId: inst?.id ?? null,
      };
      report.ms = Math.round(performance.now() - t0);
      if (sourceChecksum !== targetChecksum || counts.some((c) => c.source !== c.target)) throw new Unverified(report);
      return report;
    }).then((report) => ({ ...report, ms: Math.round(performance.now() - t0) }));
  } catch (err) {
    if (err instanceof Unverified) {
      throw new CopyError('mismatch', `the copy did not verify (row counts or checksums differ): rolled back, ${where} unchanged`, err.report);
    }
    if (err instanceof CopyError || err instanceof MigrationsAheadError) throw err;
    throw new CopyError('failed', `copy failed: ${(err as Error).message}; rolled back, ${where} unchanged`);
  }
}
