/**
 * `db copy` moves a county from SQLite to PostgreSQL without loss (issue 13): a county with history made through
 * the app on SQLite, copied by the CLI into a fresh PostgreSQL database (dropped afterwards), carries on there —
 * same acknowledgements, the next numbers and ids continue, the lead is there — and the CLI's counts and
 * checksums agree. A second copy into the now non-empty database is refused and changes nothing. Also `db migrate`.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTables } from '../../src/db/copy.js';
import { migrationJournal } from '../../src/db/migrate.js';
import { yearIn } from '../../src/time/clock.js';
import { dayKey } from '../../workflows/lead/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, say, waitFor } from '../helpers/console.js';

/** The server the test creates its throw-away databases on (trust auth). */
const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const root = resolve(import.meta.dirname, '../..');
const c = county();
const YEAR = yearIn(new Date(), 'Asia/Shanghai');
const T01_GRIDS = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).map((g) => g.unit_id!);
const worker = (u: string) => c.memberOf(u, 'grid_worker');
const G1 = T01_GRIDS[0]!;
const leadNo = (n: number) => `${dayKey(new Date(), 'Asia/Shanghai')}-${String(n).padStart(3, '0')}`;

const databases: string[] = [];
const dirs: string[] = [];
const apps: TestApp[] = [];

/** A fresh, empty PostgreSQL database (dropped in afterAll); its URL. */
async function freshDatabase(): Promise<string> {
  const name = `gr_copy_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  databases.push(name);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `npm run gridrelay -- <args>` (with `env`): exit code, stdout, stderr. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Every gridrelay table's row count, the identity sequences' positions and the instance id, read with plain SQL. */
async function snapshot(url: string): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown> = {};
    for (const t of copyTables()) {
      out[t.name] = Number((await client.query<{ n: string }>(`select count(*) as n from "${t.name}"`)).rows[0]!.n);
      for (const col of t.identities) {
        const seq = await client.query<{ s: string }>('select pg_get_serial_sequence($1, $2) as s', [`"${t.name}"`, col]);
        out[`${t.name}.${col} sequence`] = (await client.query(`select last_value, is_called from ${seq.rows[0]!.s}`)).rows[0];
      }
    }
    out.instanceIds = (await client.query('select instance_id from instance')).rows;
    return out;
  } finally {
    await client.end();
  }
}

/** The `table  sqlite  postgres` rows the CLI prints, as table → [sqlite, postgres]. */
function printedCounts(stdout: string): Map<string, [number, number]> {
  const counts = new Map<string, [number, number]>();
  for (const m of stdout.matchAll(/^(\w+)\s+([\d,]+)\s+([\d,]+)\s*$/gm)) counts.set(m[1]!, [Number(m[2]!.replace(/,/g, '')), Number(m[3]!.replace(/,/g, ''))]);
  return counts;
}

afterAll(async () => {
  for (const a of apps.splice(0)) await a.close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (const name of databases.splice(0)) await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
});

describe('db copy: SQLite → PostgreSQL', () => {
  let dir: string;
  let pgUrl: string;
  let sqliteApp: TestApp;
  let directive: number;
  let progressBefore: string;
  let copied: { code: number; stdout: string; stderr: string };
  let copyMs: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridrelay-copy-'));
    dirs.push(dir);
    pgUrl = await freshDatabase();

    // a county with history, on SQLite
    sqliteApp = await buildTestApp({ dir });
    apps.push(sqliteApp);
    const { http } = sqliteApp;
    const issued = await ask(http, c.commandGroup, c.commander, '/令 今晚18点前完成返乡人员排查 范围:清溪街道');
    directive = Number(/指挥部令〔\d{4}〕第(\d+)号/.exec(issued)?.[1]);
    expect(directive, issued).toBeGreaterThan(0);
    await waitFor(http, c.groupOf[T01_GRIDS[2]!], (m) => m.some((x) => x.text.includes(`第${directive}号`)));
    for (const u of T01_GRIDS.slice(0, 3)) expect((await say(http, c.groupOf[u]!, worker(u), '收到')).status).toBe(202);
    const ackLine = `网格：3/${T01_GRIDS.length}`;
    for (let i = 0; ; i++) {
      progressBefore = await ask(http, c.commandGroup, c.commander, `/进度 ${directive}`);
      if (progressBefore.includes(ackLine) || i === 50) break;
    }
    expect(progressBefore).toContain(ackLine);
    expect(await ask(http, c.groupOf[G1]!, worker(G1), '/上报 村口有人从外地返乡，发热 人数:2 地点:周家坞村3组')).toContain(`线索 ${leadNo(1)}`);
    expect(await ask(http, c.commandGroup, c.commander, '/任务 排查返乡人员 截止:明天18点 范围:周家坞村')).toMatch(/专项任务〔\d{4}〕第1号/);
    await sqliteApp.inbox.idle();
    await sqliteApp.close();
    apps.splice(apps.indexOf(sqliteApp), 1);

    const t0 = performance.now();
    copied = await cli(['db', 'copy', '--from', sqliteApp.config.DATABASE_URL, '--to', pgUrl]);
    copyMs = performance.now() - t0;
  });

  it('copies every table with equal counts and checksums, printing them', () => {
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    const counts = printedCounts(copied.stdout);
    for (const t of copyTables()) expect(counts.get(t.name), t.name).toBeDefined();
    for (const [table, [s, p]] of counts) expect(p, table).toBe(s);
    for (const table of ['directives', 'acknowledgements', 'leads', 'tasks', 'members', 'units', 'instance']) expect(counts.get(table)![0], table).toBeGreaterThan(0);
    expect(counts.get('acknowledgements')![0]).toBe(3);
    const sums = [...copied.stdout.matchAll(/^checksum (?:sqlite|postgres)\s+sha256:([0-9a-f]{64})$/gm)].map((m) => m[1]);
    expect(sums).toHaveLength(2);
    expect(sums[0]).toBe(sums[1]);
    expect(copied.stdout).toMatch(/copied [\d,]+ rows in \d+\.\d\d s; verified/);
    console.info(`db copy of the demo county with history: ${/copied .*? s/.exec(copied.stdout)?.[0]} (CLI run ${Math.round(copyMs)} ms)`);
  });

  it('gridrelay carries on on PostgreSQL where it was: same progress, next numbers and ids continue, the lead is there', async () => {
    const app = await buildTestApp({ roster: false, dir, config: { ...sqliteApp.config, DATABASE_URL: pgUrl } });
    apps.push(app);
    const { http } = app;
    expect(await ask(http, c.commandGroup, c.commander, `/进度 ${directive}`)).toBe(progressBefore);

    // the counter continues (no gap, no reuse) and the directive's id comes from the moved sequence
    expect(await ask(http, c.commandGroup, c.commander, '/令 明早8点前上报排查结果 范围:清溪街道')).toContain(`指挥部令〔${YEAR}〕第${directive + 1}号`);
    // a new acknowledgement of the copied directive counts beside the copied ones
    const fourth = T01_GRIDS[3]!;
    expect((await say(http, c.groupOf[fourth]!, worker(fourth), `/收到 ${directive}`)).status).toBe(202);
    let progress = '';
    for (let i = 0; i < 50 && !progress.includes(`网格：4/${T01_GRIDS.length}`); i++) progress = await ask(http, c.commandGroup, c.commander, `/进度 ${directive}`);
    expect(progress).toContain(`网格：4/${T01_GRIDS.length}`);

    // the lead is there, and the next one of the day gets the next number
    const lead = await ask(http, c.groupOf['T01']!, c.memberOf('T01', 'township_officer'), `/线索 ${leadNo(1)}`);
    expect(lead).toContain(`线索 ${leadNo(1)} 待受理`);
    expect(lead).toContain('村口有人从外地返乡');
    expect(await ask(http, c.groupOf[G1]!, worker(G1), '/上报 3组有人聚餐 类别:聚集')).toContain(`线索 ${leadNo(2)}`);
    expect(await ask(http, c.commandGroup, c.commander, '/任务 核酸采样 截止:明天20点 范围:周家坞村')).toMatch(/专项任务〔\d{4}〕第2号/);
  });

  it('refuses to copy into a database that is not empty (exit 2) and changes nothing', async () => {
    await apps.at(-1)?.inbox.idle();
    const before = await snapshot(pgUrl);
    const again = await cli(['db', 'copy', '--from', sqliteApp.config.DATABASE_URL, '--to', pgUrl]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty \(.*directives \d+.*\): db copy only fills an empty database; nothing was written/);
    expect(await snapshot(pgUrl)).toEqual(before);
  });

  it('a copy that fails half-way exits 1, names the rows, and leaves the target empty', async () => {
    // a NUL character: SQLite text holds it, PostgreSQL text cannot; `units` is copied last, after every other table
    const broken = join(dir, 'broken.db');
    const file = new Database(join(dir, 'gridrelay.db'));
    file.exec(`vacuum into '${broken}'`);
    file.close();
    const edit = new Database(broken);
    const unit = (edit.prepare('select max(id) as id from units').get() as { id: string }).id;
    edit.prepare("update units set name = name || char(0) where id = ?").run(unit);
    edit.close();
    expect(copyTables().at(-1)?.name).toBe('units');

    const target = await freshDatabase();
    const r = await cli(['db', 'copy', '--from', `file:${broken}`, '--to', target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`copying units \\(rows \\S+ … ${unit}\\) failed: .+ \\(row ${unit}, column name, holds a NUL character.*; rolled back, .+ unchanged`));
    const after = await snapshot(target);
    for (const t of copyTables()) expect(after[t.name], t.name).toBe(0);
    expect(after.instanceIds).toEqual([]);
  });
});

describe('db copy: usage', () => {
  it('copies SQLite into PostgreSQL only: another direction is refused with the usage (exit 2)', async () => {
    const r = await cli(['db', 'copy', '--from', 'postgres://postgres@127.0.0.1:5432/x', '--to', 'file:./x.db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('db copy copies a SQLite file into PostgreSQL only');
    expect(r.stderr).toContain('usage:');
  });
});

describe('db migrate', () => {
  it('applies the pending migrations to DATABASE_URL and says which, then "up to date"', async () => {
    const url = await freshDatabase();
    const pgTags = migrationJournal('pg').map((m) => m.tag);
    const first = await cli(['db', 'migrate'], { DATABASE_URL: url });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`: applied ${pgTags.length} migration${pgTags.length === 1 ? '' : 's'}: ${pgTags.join(', ')} (now ${pgTags.length})`);
    const second = await cli(['db', 'migrate'], { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`: up to date \\(${pgTags.length} migrations?\\)`));
    // migrated, and still empty: a db copy may fill it
    expect(Object.entries(await snapshot(url)).filter(([k, v]) => !k.includes('sequence') && v !== 0 && !(Array.isArray(v) && v.length === 0))).toEqual([]);

    const dir = mkdtempSync(join(tmpdir(), 'gridrelay-migrate-'));
    dirs.push(dir);
    const sqliteTags = migrationJournal('sqlite').map((m) => m.tag);
    const file = await cli(['db', 'migrate'], { DATABASE_URL: `file:${join(dir, 'g.db')}` });
    expect(file.code).toBe(0);
    expect(file.stdout).toContain(`g.db: applied ${sqliteTags.length} migrations: ${sqliteTags.join(', ')} (now ${sqliteTags.length})`);
  });
});
