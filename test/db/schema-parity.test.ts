/**
 * The PostgreSQL schema (src/db/schema/pg) is the SQLite one (src/db/schema/sqlite) in another dialect:
 * same tables, columns, keys, defaults and indexes, and rows of the same JS shapes — so the queries,
 * written once against schema/index.ts, behave alike on both. Also: migrations/pg builds that schema on
 * a real PostgreSQL (a fresh database, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { getTableColumns, is, Table } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { PG_MIGRATIONS_DIR } from '../../src/db/client.js';
import * as schema from '../../src/db/schema/index.js';
import { currentDialect, pgSchema, sqliteSchema, useDialect } from '../../src/db/schema/index.js';

/** The server the test creates its throw-away database on (trust auth). */
const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

type Sq = typeof sqliteSchema;
type Pg = typeof pgSchema;
type TableName = { [K in keyof Sq]: Sq[K] extends SQLiteTable ? K : never }[keyof Sq];

/** Export name → table, for every table a schema module exports. */
function tablesOf(mod: Record<string, unknown>): Map<string, Table> {
  return new Map(Object.entries(mod).filter((e): e is [string, Table] => is(e[1], Table)));
}

/** One column as both dialects must agree on it (the SQL type itself differs by design). */
interface ColumnFacts {
  key: string;
  sqlName: string;
  /** JS shape drizzle maps it to: string, number, boolean, date, json. */
  dataType: string;
  notNull: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  primary: boolean;
  /** SQLite autoincrement ↔ PostgreSQL identity. */
  generatedId: boolean;
  unique: string | null;
  enumValues: string[] | null;
}

/** Everything about one table that both dialects must agree on. */
interface TableFacts {
  sqlName: string;
  columns: ColumnFacts[];
  primaryKeys: { name: string; columns: string[] }[];
  indexes: { name: string; unique: boolean; columns: string[] }[];
  checks: string[];
}

function columnFacts(table: Table): ColumnFacts[] {
  return Object.entries(getTableColumns(table)).map(([key, c]) => ({
    key,
    sqlName: c.name,
    // a PostgreSQL bytea is a custom type (drizzle has no built-in one) read as a Buffer, like SQLite's blob in buffer mode
    dataType: c.dataType === 'custom' && c.getSQLType() === 'bytea' ? 'buffer' : c.dataType,
    notNull: c.notNull,
    hasDefault: c.hasDefault,
    defaultValue: c.default,
    primary: c.primary,
    generatedId: Boolean((c as { autoIncrement?: boolean }).autoIncrement) || (c as { generatedIdentity?: unknown }).generatedIdentity !== undefined,
    unique: c.isUnique ? (c.uniqueName ?? '') : null,
    enumValues: c.enumValues ?? null,
  }));
}

function sqliteFacts(table: SQLiteTable): TableFacts {
  const t = sqliteTableConfig(table);
  return {
    sqlName: t.name,
    columns: columnFacts(table),
    primaryKeys: t.primaryKeys.map((k) => ({ name: k.getName(), columns: k.columns.map((c) => c.name) })),
    indexes: t.indexes.map((i) => ({
      name: i.config.name,
      unique: i.config.unique,
      columns: i.config.columns.map((c) => (c as { name: string }).name),
    })),
    checks: t.checks.map((c) => c.name),
  };
}

function pgFacts(table: PgTable): TableFacts {
  const t = pgTableConfig(table);
  return {
    sqlName: t.name,
    columns: columnFacts(table),
    primaryKeys: t.primaryKeys.map((k) => ({ name: k.getName(), columns: k.columns.map((c) => c.name) })),
    indexes: t.indexes.map((i) => ({
      name: i.config.name ?? '',
      unique: i.config.unique,
      columns: i.config.columns.map((c) => (c as { name: string }).name),
    })),
    checks: t.checks.map((c) => c.name),
  };
}

/**
 * The one default that differs by design, as `table export.column key` → the PostgreSQL default: SQLite
 * fills an INTEGER PRIMARY KEY itself (the rowid, no SQL default), PostgreSQL defaults it to 1, the only
 * id the table's check allows.
 */
const PG_ONLY_DEFAULTS: Record<string, unknown> = { 'instance.id': 1 };

const sqliteTables = tablesOf(sqliteSchema);
const pgTables = tablesOf(pgSchema);

describe('PostgreSQL schema beside the SQLite one', () => {
  it('has the same tables under the same export names', () => {
    expect(sqliteTables.size).toBeGreaterThan(20);
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    for (const [name, t] of sqliteTables) {
      expect(is(t, SQLiteTable), name).toBe(true);
      expect(is(pgTables.get(name), PgTable), name).toBe(true);
    }
  });

  it.each([...sqliteTables.keys()])('%s: same columns, keys, defaults, indexes and checks', (name) => {
    const s = sqliteFacts(sqliteTables.get(name) as SQLiteTable);
    const p = pgFacts(pgTables.get(name) as PgTable);
    for (const c of p.columns) {
      const key = `${name}.${c.key}`;
      if (key in PG_ONLY_DEFAULTS) {
        expect(c.defaultValue, key).toBe(PG_ONLY_DEFAULTS[key]);
        c.defaultValue = undefined;
      }
    }
    expect(p).toEqual(s);
  });

  it('stores every SQLite timestamp as timestamptz read back as a Date', () => {
    let timestamps = 0;
    for (const [name, st] of sqliteTables) {
      const pgColumns = getTableColumns(pgTables.get(name) as PgTable);
      for (const [key, c] of Object.entries(getTableColumns(st))) {
        // every Date column of SQLite is a timestamp-mode integer (timestamp_ms or timestamp)
        if (c.dataType === 'date') expect(c.columnType, `${name}.${key}`).toBe('SQLiteTimestamp');
        if (c.columnType !== 'SQLiteTimestamp') continue;
        timestamps++;
        const p = pgColumns[key];
        expect(p?.getSQLType(), `${name}.${key}`).toBe('timestamp with time zone');
        expect(p?.columnType, `${name}.${key}`).toBe('PgTimestamp'); // mode 'date' (PgTimestampString otherwise)
      }
    }
    expect(timestamps).toBeGreaterThanOrEqual(43); // as of migration 0012
  });

  it('gives rows the same TypeScript shapes on both dialects', () => {
    // checked by `tsc -p .`; a failing line here is a type error, not a runtime one
    expectTypeOf<{ [K in TableName]: Pg[K]['$inferSelect'] }>().toEqualTypeOf<{ [K in TableName]: Sq[K]['$inferSelect'] }>();
    expectTypeOf<{ [K in TableName]: Pg[K]['$inferInsert'] }>().toEqualTypeOf<{ [K in TableName]: Sq[K]['$inferInsert'] }>();
  });
});

describe('dialect switch (schema/index.ts)', () => {
  afterEach(() => useDialect('sqlite'));

  it('points every table binding at the chosen dialect, SQLite by default', () => {
    const bindings = schema as unknown as Record<string, unknown>;
    expect(currentDialect()).toBe('sqlite');
    for (const [name, t] of sqliteTables) expect(bindings[name] === t, `${name} is the sqlite table`).toBe(true);

    useDialect('pg');
    expect(currentDialect()).toBe('pg');
    // a table missing from the switch would still be the sqlite one here
    for (const [name, t] of pgTables) expect(bindings[name] === t, `${name} switches to the pg table`).toBe(true);

    useDialect('sqlite');
    expect(currentDialect()).toBe('sqlite');
    for (const [name, t] of sqliteTables) expect(bindings[name] === t, `${name} switches back`).toBe(true);
  });
});

describe('migrations/pg on PostgreSQL', () => {
  afterEach(() => useDialect('sqlite'));

  it('builds every table of the pg schema, and a directive row reads back with its JS types', async () => {
    const dbName = `gr_parity_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`create database ${dbName}`);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${dbName}`;
      const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
      try {
        const db = drizzle(pool);
        await migrate(db, { migrationsFolder: PG_MIGRATIONS_DIR });

        // every table and column of the schema exists (a schema change without its migration fails here)
        const { rows } = await pool.query<{ table_name: string; column_name: string }>(
          `select table_name, column_name from information_schema.columns where table_schema = 'public'`,
        );
        const built = new Map<string, string[]>();
        for (const r of rows) built.set(r.table_name, [...(built.get(r.table_name) ?? []), r.column_name]);
        const expected = new Map([...pgTables.values()].map((t) => [pgTableConfig(t as PgTable).name, pgTableConfig(t as PgTable).columns.map((c) => c.name)]));
        expect([...built.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [table, columns] of expected) expect(built.get(table)?.sort(), table).toEqual([...columns].sort());

        // through the switched binding, as the queries will use it
        useDialect('pg');
        const directives = schema.directives as unknown as typeof pgSchema.directives;
        const issuedAt = new Date('2026-01-29T01:02:03.456Z');
        const ackDeadline = new Date(issuedAt.getTime() + 30 * 60_000);
        const [inserted] = await db
          .insert(directives)
          .values({
            kind: 'directive',
            year: 2026,
            number: 17,
            text: '各网格今晚 20:00 前上报返乡人员',
            issuerId: 'm-commander',
            issuedIn: 'conv-command',
            issuedAt,
            ackDeadline,
            ackWindowMs: 30 * 24 * 3_600_000, // 30 days: past 2^31 ms, needs the bigint column
            urgent: true,
          })
          .returning({ id: directives.id });
        const [row] = await db.select().from(directives);
        expect(row).toEqual({
          id: inserted?.id,
          kind: 'directive',
          series: '',
          seriesName: null,
          year: 2026,
          number: 17,
          text: '各网格今晚 20:00 前上报返乡人员',
          issuerId: 'm-commander',
          issuedIn: 'conv-command',
          issuedAt,
          ackDeadline,
          ackRequired: true,
          status: 'open',
          sourceInboundId: null,
          revision: 1,
          ackWindowMs: 2_592_000_000,
          urgent: true,
          drill: false,
          scope: null,
          revokedAt: null,
          revisedAt: null,
        });
        expect(typeof row?.id).toBe('number');
        expect(row?.issuedAt).toBeInstanceOf(Date);
        expect(typeof row?.ackRequired).toBe('boolean');
        expect(typeof row?.ackWindowMs).toBe('number');
      } finally {
        await pool.end();
      }
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  });
});
