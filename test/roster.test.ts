import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, closeDb, openDb } from '../src/db/client.js';
import { rosterCounts } from '../src/db/queries/roster.js';
import { auditLog, unitStatusHistory } from '../src/db/schema/index.js';
import { describeCounts, importRoster, importRosterIfEmpty, RosterError } from '../src/roster/import.js';
import { dropTestDatabase, FIXTURE_DIR, testDatabaseUrl } from './helpers/app.js';

const dirs: string[] = [];
const dbs: Db[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'gridrelay-roster-'));
  dirs.push(d);
  return d;
}
async function db(dir: string): Promise<Db> {
  const d = await openDb(join(dir, 'g.db'));
  dbs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dbs.splice(0)) await closeDb(d);
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const FIXTURE_COUNTS = { county: 1, township: 15, village: 266, grid: 747, groups: 763, members: 2336 };

describe('roster import', () => {
  it('imports the fixture county and reports its counts', async () => {
    const d = await db(tmp());
    const counts = await importRoster(d, FIXTURE_DIR);
    expect(counts).toEqual(FIXTURE_COUNTS);
    expect(await rosterCounts(d)).toEqual(FIXTURE_COUNTS);
    expect(describeCounts(counts)).toBe('1 county, 15 townships, 266 villages, 747 grids, 763 groups, 2,336 members');
  });

  it('two processes starting together on one empty database load the demo roster once (npm start with DEMO_ROSTER)', async () => {
    const dir = tmp();
    const url = testDatabaseUrl(dir); // SQLite here; a fresh PostgreSQL database in the pg project
    try {
      const a = await openDb(url);
      dbs.push(a);
      const b = await openDb(url, { migrate: false });
      dbs.push(b);
      const loaded = await Promise.all([importRosterIfEmpty(a, FIXTURE_DIR), importRosterIfEmpty(b, FIXTURE_DIR)]);
      expect(loaded.filter((c) => c !== null)).toEqual([FIXTURE_COUNTS]);
      expect(await rosterCounts(a)).toEqual(FIXTURE_COUNTS);
      expect(await a.select().from(auditLog).where(eq(auditLog.action, 'roster.import'))).toHaveLength(1);
      // a later start finds the county and loads nothing
      expect(await importRosterIfEmpty(b, FIXTURE_DIR)).toBeNull();
    } finally {
      for (const d of dbs.splice(0)) await closeDb(d);
      dropTestDatabase(dir);
    }
  });

  it('is an upsert: importing twice changes nothing, a changed risk colour is kept in the history', async () => {
    const dir = tmp();
    const d = await db(dir);
    await importRoster(d, FIXTURE_DIR);
    const historyBefore = d.select().from(unitStatusHistory).all().length;
    await importRoster(d, FIXTURE_DIR);
    expect(await rosterCounts(d)).toEqual(FIXTURE_COUNTS);
    expect(d.select().from(unitStatusHistory).all().length).toBe(historyBefore);

    const copy = join(dir, 'roster');
    cpSync(FIXTURE_DIR, copy, { recursive: true });
    const units = readFileSync(join(copy, 'units.csv'), 'utf8').replace('T01-V01-G1,grid,周家坞村第1网格,T01-V01,,green', 'T01-V01-G1,grid,周家坞村第1网格,T01-V01,,red');
    writeFileSync(join(copy, 'units.csv'), units);
    await importRoster(d, copy);
    const h = d.select().from(unitStatusHistory).all().filter((r) => r.unitId === 'T01-V01-G1');
    expect(h.map((r) => r.value)).toEqual(['green', 'red']);
  });

  it('rejects a file with a bad row — file, row and reason — and applies nothing', async () => {
    const dir = tmp();
    const copy = join(dir, 'roster');
    cpSync(FIXTURE_DIR, copy, { recursive: true });
    const lines = readFileSync(join(copy, 'members.csv'), 'utf8').split('\n');
    lines[100] = lines[100]!.replace(/,grid_\w+,|,township_officer,|,commander,|,inspector,|,duty_officer,/, ',captain,');
    writeFileSync(join(copy, 'members.csv'), lines.join('\n'));
    const d = await db(dir);
    const err = await importRoster(d, copy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterError);
    expect((err as RosterError).problems).toEqual([{ file: 'members.csv', row: 101, reason: expect.stringContaining('role "captain"') }]);
    expect(await rosterCounts(d)).toEqual({ county: 0, township: 0, village: 0, grid: 0, groups: 0, members: 0 });
  });

  it('names an unknown parent and a group bound to a village', async () => {
    const dir = tmp();
    const copy = join(dir, 'roster');
    cpSync(FIXTURE_DIR, copy, { recursive: true });
    writeFileSync(join(copy, 'units.csv'), readFileSync(join(copy, 'units.csv'), 'utf8') + 'X-G1,grid,无主网格,NOPE,,green\n');
    writeFileSync(join(copy, 'groups.csv'), readFileSync(join(copy, 'groups.csv'), 'utf8') + 'cidVILLAGE,T01-V01,村群\n');
    const err = (await importRoster(await db(dir), copy).catch((e: unknown) => e)) as RosterError;
    expect(err.message).toContain('units.csv:1031: parent_id NOPE is not a known unit');
    expect(err.message).toContain('groups.csv:765: unit T01-V01 is a village');
  });

  it('refuses a misspelt column (it would blank that field everywhere) and a file that is not UTF-8', async () => {
    const dir = tmp();
    const copy = join(dir, 'roster');
    cpSync(FIXTURE_DIR, copy, { recursive: true });
    writeFileSync(join(copy, 'units.csv'), readFileSync(join(copy, 'units.csv'), 'utf8').replace('risk_color', 'colour'));
    // members.csv as Excel on Chinese Windows saves it: GBK (周 = D6 DC)
    writeFileSync(join(copy, 'members.csv'), Buffer.from('member_id,name,role,unit_id,mobile\nstaff00001,\xd6\xdc,commander,C01,13800000001\n', 'latin1'));
    const d = await db(dir);
    const err = (await importRoster(d, copy).catch((e: unknown) => e)) as RosterError;
    expect(err.message).toContain('members.csv: not UTF-8 text');
    cpSync(join(FIXTURE_DIR, 'members.csv'), join(copy, 'members.csv'));
    const err2 = (await importRoster(d, copy).catch((e: unknown) => e)) as RosterError;
    expect(err2.message).toContain('units.csv:1: unknown column(s): colour');
    expect((await rosterCounts(d)).grid).toBe(0);
  });

  it('reads one XLSX with units, groups and members sheets', async () => {
    const dir = tmp();
    const wb = new ExcelJS.Workbook();
    for (const table of ['units', 'groups', 'members']) {
      const sheet = wb.addWorksheet(table);
      for (const line of readFileSync(join(FIXTURE_DIR, `${table}.csv`), 'utf8').trim().split('\n')) sheet.addRow(line.split(','));
    }
    const file = join(dir, 'county.xlsx');
    await wb.xlsx.writeFile(file);
    expect(await importRoster(await db(dir), file)).toEqual(FIXTURE_COUNTS);
  });

  it('the CLI prints the counts, and exits 1 with file:row: reason on a bad roster', () => {
    const dir = tmp();
    const env = { ...process.env, DATABASE_URL: `file:${join(dir, 'cli.db')}` };
    const out = execFileSync('npx', ['tsx', 'src/cli.ts', 'roster', 'import', FIXTURE_DIR], { env, encoding: 'utf8' });
    expect(out).toContain('1 county, 15 townships, 266 villages, 747 grids, 763 groups, 2,336 members');
    const copy = join(dir, 'roster');
    cpSync(FIXTURE_DIR, copy, { recursive: true });
    writeFileSync(join(copy, 'groups.csv'), readFileSync(join(copy, 'groups.csv'), 'utf8') + 'cidX,NOPE,无主群\n');
    const bad = spawnSync('npx', ['tsx', 'src/cli.ts', 'roster', 'import', copy], { env, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('groups.csv:765: unit_id NOPE is not a known unit');
  });
});
