/**
 * A county-year of history and what `/统计` makes of it (issue 14).
 *
 * - {@link seedYear} fills a migrated database whose roster is imported with a year (or any number of days) of
 *   directives and notices, their target snapshots, the units' acknowledgements and some leads, in gridrelay's own
 *   tables and shapes (as `/令`, `/通告`, `/更正`, `/撤回`, `/收到` and `/上报` store them), with raw multi-row
 *   inserts in big transactions: better-sqlite3 prepared statements on SQLite, `unnest` batches on PostgreSQL.
 * - {@link timeStats} times `/统计 <first>~<last>` county-wide (the function the command calls, called as it calls
 *   it) and the month's XLSX export (`report response-rate --format xlsx`).
 * - {@link timeFloorAggregate} times one hand-written GROUP BY giving the figures `/统计` shows, and checks that they
 *   are the figures `/统计` printed.
 *
 * `npx tsx scripts/bench/year.ts [--factor 1] [--days 365] [--per-day 4] [--runs 5] [--db file.db] [--reuse]`
 * runs all of it and prints the figures; `DATABASE_URL=postgres://user@host:port/<any>` runs it on a fresh
 * PostgreSQL database on that server (dropped after).
 */
import { sql, type SQL } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { percent } from '../../src/core/percent.js';
import { closeDb, dialect, openDb, sqliteClient, storeOf, writeTx, type Db } from '../../src/db/client.js';
import { refreshTallies } from '../../src/db/queries/directives.js';
import { countyUnit, groupOfUnit, unitsWithGroups } from '../../src/db/queries/roster.js';
import { members as membersTable } from '../../src/db/schema/index.js';
import { importRoster } from '../../src/roster/import.js';
import { yearIn } from '../../src/time/clock.js';
import { exportReport, parseExportParams } from '../../workflows/reports/export.js';
import { parsePeriod, statsText, type ReportDeps } from '../../workflows/reports/index.js';
import { addDays, dayOf, startOfDay } from '../../workflows/reports/period.js';
import { generateCounty } from './county.js';
import { rng } from '../../test/reports/month.js';

const MIN = 60_000;


// ── raw batched inserts, both dialects ──────────────────────────────────────────────────────────────────────

/** A column's type, for binding: SQLite stores times as ms and booleans as 0/1; PostgreSQL casts the unnest arrays. */
type ColType = 'int' | 'bigint' | 'text' | 'ts' | 'bool' | 'json';
type Value = string | number | boolean | Date | null;

interface TableSpec {
  name: string;
  columns: [string, ColType][];
}

const DIRECTIVES: TableSpec = {
  name: 'directives',
  columns: [
    ['id', 'int'], ['kind', 'text'], ['series', 'text'], ['series_name', 'text'], ['year', 'int'], ['number', 'int'], ['text', 'text'],
    ['issuer_id', 'text'], ['issued_in', 'text'], ['issued_at', 'ts'], ['ack_deadline', 'ts'], ['ack_required', 'bool'], ['status', 'text'],
    ['revision', 'int'], ['ack_window_ms', 'bigint'], ['urgent', 'bool'], ['scope', 'text'], ['revoked_at', 'ts'], ['revised_at', 'ts'],
  ],
};
const TARGETS: TableSpec = {
  name: 'directive_targets',
  columns: [['directive_id', 'int'], ['unit_id', 'text'], ['unit_kind', 'text'], ['unit_name', 'text'], ['township_id', 'text'], ['conversation_id', 'text']],
};
const ACKS: TableSpec = {
  name: 'acknowledgements',
  columns: [['directive_id', 'int'], ['unit_id', 'text'], ['revision', 'int'], ['member_id', 'text'], ['words', 'text'], ['at', 'ts'], ['late', 'bool']],
};
const EVENTS: TableSpec = {
  name: 'directive_events',
  columns: [['directive_id', 'int'], ['revision', 'int'], ['kind', 'text'], ['at', 'ts'], ['actor_id', 'text'], ['text', 'text'], ['count', 'int']],
};
const LEADS: TableSpec = {
  name: 'leads',
  columns: [
    ['day', 'int'], ['number', 'int'], ['text', 'text'], ['dedup_text', 'text'], ['category', 'text'], ['urgent', 'bool'], ['not_understood', 'json'],
    ['attachments', 'json'], ['reporter_id', 'text'], ['reported_in', 'text'], ['unit_id', 'text'], ['township_id', 'text'], ['reported_at', 'ts'],
    ['state', 'text'], ['accepted_at', 'ts'], ['accepted_by', 'text'], ['verifying_at', 'ts'], ['handling_at', 'ts'], ['closed_at', 'ts'], ['closed_by', 'text'],
  ],
};

const PG_CAST: Record<ColType, string> = { int: 'int[]', bigint: 'bigint[]', text: 'text[]', ts: 'timestamptz[]', bool: 'boolean[]', json: 'text[]' };

/** Writes rows of one table: SQLite prepared multi-row statements, PostgreSQL `insert … select from unnest(…)`. */
class Writer {
  private readonly sqliteStatements = new Map<string, import('better-sqlite3').Statement>();
  constructor(private readonly db: Db) {}

  async insert(spec: TableSpec, rows: Value[][]): Promise<void> {
    if (rows.length === 0) return;
    if (dialect(this.db) === 'sqlite') this.insertSqlite(spec, rows);
    else await this.insertPg(spec, rows);
  }

  private insertSqlite(spec: TableSpec, rows: Value[][]): void {
    const client = sqliteClient(this.db);
    const per = Math.max(1, Math.floor(999 / spec.columns.length));
    const bind = (v: Value, t: ColType): string | number | null => {
      if (v === null) return null;
      if (t === 'ts') return (v as Date).getTime();
      if (t === 'bool') return v ? 1 : 0;
      return v as string | number;
    };
    const stmt = (n: number) => {
      const key = `${spec.name}:${n}`;
      let s = this.sqliteStatements.get(key);
      if (!s) {
        const one = `(${spec.columns.map(() => '?').join(',')})`;
        s = client.prepare(`insert into ${spec.name} (${spec.columns.map((c) => c[0]).join(',')}) values ${Array(n).fill(one).join(',')}`);
        this.sqliteStatements.set(key, s);
      }
      return s;
    };
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const flat: (string | number | null)[] = [];
      for (const r of chunk) for (let c = 0; c < spec.columns.length; c++) flat.push(bind(r[c] ?? null, spec.columns[c]![1]));
      stmt(chunk.length).run(flat);
    }
  }

  private async insertPg(spec: TableSpec, rows: Value[][]): Promise<void> {
    const store = storeOf(this.db);
    for (let i = 0; i < rows.length; i += 20_000) {
      const chunk = rows.slice(i, i + 20_000);
      const arrays = spec.columns.map(([, t], c) => chunk.map((r) => {
        const v = r[c] ?? null;
        return v instanceof Date ? v.toISOString() : t === 'json' && v !== null ? String(v) : v;
      }));
      const cols = sql.raw(spec.columns.map((c) => c[0]).join(','));
      const selects = sql.raw(spec.columns.map(([, t], c) => (t === 'json' ? `u${c}::jsonb` : `u${c}`)).join(', '));
      const unnest = sql.join(arrays.map((a, c) => sql`${sql.param(a)}::${sql.raw(PG_CAST[spec.columns[c]![1]])}`), sql`, `);
      const names = sql.raw(spec.columns.map((_, c) => `u${c}`).join(','));
      await store.rows(sql`insert into ${sql.raw(spec.name)} (${cols}) select ${selects} from unnest(${unnest}) as x(${names})`);
    }
  }
}

// ── the year ────────────────────────────────────────────────────────────────────────────────────────────────

/** Options of {@link seedYear}. */
export interface SeedOptions {
  /** Days of history, ending with `endDay` (365 = a year). */
  days: number;
  /** County-wide directives and notices issued each day (all township rooms and grid groups). */
  directivesPerDay: number;
  /** The last day of the history: the local day (in `timeZone`) of this instant. */
  endDay: Date;
  /** Nothing is issued or acknowledged after this instant (default: now). */
  now?: Date;
  /** Default `Asia/Shanghai` (as `TIMEZONE`). */
  timeZone?: string;
  /** Mean share of target units that acknowledge (default 0.92; a few laggard townships lower). */
  ackRate?: number;
  /** Chance per day that one township officer issues a notice to its own township's grids (default 0.3). */
  townshipNoticeRate?: number;
  /** Mean leads reported per day county-wide (default 2). */
  leadsPerDay?: number;
  /** RNG seed (default 14). */
  seed?: number;
}

/** What {@link seedYear} stored. */
export interface SeedResult {
  /** Directives and notices (every kind and state). */
  directives: number;
  /** Target-unit rows (`directive_targets`). */
  targets: number;
  /** Acknowledgement rows (all revisions). */
  acks: number;
  leads: number;
  /** The first and last day seeded, `YYYY-MM-DD` in `timeZone`. */
  firstDay: string;
  lastDay: string;
  /** Wall time of the seeding, ms. */
  ms: number;
}

const WORDS = ['收到', '收到', '收到', '已收到', '收到！', '好的收到', '收悉', '明白', '收到👍', 'ok'];

/**
 * Fills `db` (migrated, roster imported) with `opts.days` days of history ending on `opts.endDay`: each day
 * `directivesPerDay` county-wide items (¾ directives, ¼ notices; 4 % of the notices without a receipt; 3 % urgent;
 * windows of 30 min mostly, some 1 h / 2 h) issued 07:30–21:00 local time to every township room and grid group,
 * sometimes a township's own notice to its grids; 1 % amended an hour later (revision 2, acknowledged again by about
 * 70 % of the first round) and 0.5 % revoked; the units' acknowledgements (about `ackRate`, a few laggard
 * townships lower; delays mostly minutes, some hours — late past the deadline — and some never), by the unit's
 * grid worker or leader (township rooms: an officer); plus leads with acceptance and closure times.
 * Numbers continue the counters of each series and year, and the counters are moved past them; the response tallies
 * (`directive_tallies`) are computed as the product's writes keep them (`refreshTallies`).
 * @returns counts and the wall time (ms)
 * @throws Error when the roster has no county, township room or grid group
 */
export async function seedYear(db: Db, opts: SeedOptions): Promise<SeedResult> {
  const t0 = performance.now();
  const tz = opts.timeZone ?? 'Asia/Shanghai';
  const now = (opts.now ?? new Date()).getTime();
  const r = rng(opts.seed ?? 14);
  const ackRate = opts.ackRate ?? 0.92;
  const county = await countyUnit(db);
  if (!county) throw new Error('seedYear: no roster (import one first)');
  const commandGroup = (await groupOfUnit(db, county.id))?.conversationId;
  if (!commandGroup) throw new Error('seedYear: the county has no command group');
  const all = await unitsWithGroups(db, ['township', 'grid']);
  const rooms = all.filter((u) => u.kind === 'township');
  if (rooms.length === 0 || all.length === rooms.length) throw new Error('seedYear: no township rooms or grid groups');
  const people = await db.select({ id: membersTable.id, role: membersTable.role, unitId: membersTable.unitId }).from(membersTable);
  const byUnit = new Map<string, { id: string; role: string }[]>();
  for (const m of people) (byUnit.get(m.unitId) ?? byUnit.set(m.unitId, []).get(m.unitId)!).push(m);
  const commander = people.find((m) => m.role === 'commander')?.id ?? 'commander';
  /** Who acknowledges for a unit: a grid's worker (70 %) or leader, a room's officer; a made-up id when none. */
  const acker = (unitId: string) => {
    const ms = byUnit.get(unitId) ?? [];
    const pick = (role: string) => ms.filter((m) => m.role === role);
    const pool = r() < 0.7 ? pick('grid_worker') : pick('grid_leader');
    const any = pool.length ? pool : pick('township_officer').length ? pick('township_officer') : ms;
    return any.length ? any[Math.floor(r() * any.length)]!.id : `m-${unitId}`;
  };
  const townshipOf = (u: (typeof all)[number]) => u.townshipId ?? u.id;
  // per-township acknowledgement probability: every fifth a laggard
  const pAck = new Map(rooms.map((t, i) => [t.id, Math.min(0.995, i % 5 === 4 ? ackRate - 0.08 + r() * 0.04 : ackRate + 0.01 + r() * 0.04)]));

  const lastDay = dayOf(opts.endDay, tz);
  const firstDay = addDays(lastDay, -(opts.days - 1));
  const store = storeOf(db);
  const one = async <R>(q: SQL) => (await store.rows<R>(q))[0];
  let nextId = Number((await one<{ m: number | string | null }>(sql`select max(id) as m from directives`))?.m ?? 0) + 1;
  const counterLast = new Map<string, number>();
  for (const c of await store.rows<{ kind: string; year: number | string; last: number | string }>(sql`select kind, year, last from counters`)) counterLast.set(`${c.kind}|${c.year}`, Number(c.last));
  const next = (kind: string, year: number) => {
    const k = `${kind}|${year}`;
    const n = (counterLast.get(k) ?? 0) + 1;
    counterLast.set(k, n);
    return n;
  };

  const w = new Writer(db);
  const res: SeedResult = { directives: 0, targets: 0, acks: 0, leads: 0, firstDay, lastDay, ms: 0 };
  const CHUNK_DAYS = 20;
  for (let d0 = 0; d0 < opts.days; d0 += CHUNK_DAYS) {
    const firstId = nextId;
    const dRows: Value[][] = [];
    const tRows: Value[][] = [];
    const aRows: Value[][] = [];
    const eRows: Value[][] = [];
    const lRows: Value[][] = [];
    for (let d = d0; d < Math.min(opts.days, d0 + CHUNK_DAYS); d++) {
      const day = addDays(firstDay, d);
      const dayStart = startOfDay(day, tz).getTime();
      const year = yearIn(new Date(dayStart + 12 * 60 * MIN), tz);
      type Plan = { at: number; township: (typeof rooms)[number] | null };
      const plans: Plan[] = [];
      for (let k = 0; k < opts.directivesPerDay; k++) plans.push({ at: dayStart + (450 + Math.floor(r() * 810)) * MIN, township: null });
      if (r() < (opts.townshipNoticeRate ?? 0.3)) plans.push({ at: dayStart + (480 + Math.floor(r() * 600)) * MIN, township: rooms[Math.floor(r() * rooms.length)]! });
      plans.sort((a, b) => a.at - b.at);
      for (const p of plans) {
        if (p.at > now) continue;
        const id = nextId++;
        const own = p.township;
        const kind = own || r() < 0.25 ? 'notice' : 'directive';
        const series = own ? own.id : '';
        const number = next(series ? `notice:${series}` : kind, year);
        const ackRequired = !(kind === 'notice' && r() < 0.04);
        const urgent = r() < 0.03;
        const windowMs = r() < 0.85 ? 30 * MIN : r() < 0.5 ? 60 * MIN : 120 * MIN;
        const deadline = p.at + windowMs;
        const x = r();
        const special = !ackRequired ? null : x < 0.005 ? 'revoke' : x < 0.015 ? 'amend' : null;
        const amendAt = p.at + 60 * MIN;
        const revision = special === 'amend' && amendAt <= now ? 2 : 1;
        const deadline2 = amendAt + windowMs;
        const revokedAt = special === 'revoke' ? Math.min(p.at + 40 * MIN, now) : null;
        const targets = own ? all.filter((u) => u.kind === 'grid' && townshipOf(u) === own.id) : all;
        const issuer = own ? (byUnit.get(own.id)?.find((m) => m.role === 'township_officer')?.id ?? commander) : commander;
        dRows.push([
          id, kind, series, own ? own.name : null, year, number, `${kind === 'notice' ? '通告' : '指挥部令'}：第${number}号 各网格落实排查与值守（基准数据）`,
          issuer, own ? (own.conversationId ?? commandGroup) : commandGroup, new Date(p.at), ackRequired ? new Date(revision === 2 ? deadline2 : deadline) : null,
          ackRequired, special === 'revoke' ? 'revoked' : 'open', revision, ackRequired ? windowMs : null, urgent, own ? own.name : null,
          revokedAt === null ? null : new Date(revokedAt), revision === 2 ? new Date(amendAt) : null,
        ]);
        eRows.push([id, 1, 'issue', new Date(p.at), issuer, null, targets.length]);
        if (revision === 2) eRows.push([id, 2, 'amend', new Date(amendAt), issuer, '更正：时间改为今晚18点前', null]);
        if (revokedAt !== null) eRows.push([id, 1, 'revoke', new Date(revokedAt), issuer, '重复下发', null]);
        for (const u of targets) tRows.push([id, u.id, u.kind, u.name, townshipOf(u), u.conversationId]);
        res.directives++;
        res.targets += targets.length;
        if (!ackRequired) continue;
        for (const u of targets) {
          if (r() >= pAck.get(townshipOf(u))!) continue;
          // most within minutes, a tail of hours (late), the room a little faster
          const y = r();
          const delay = y < 0.85 ? -Math.log(1 - r()) * (u.kind === 'township' ? 6 : 10) * MIN : y < 0.97 ? (30 + r() * 90) * MIN : (2 + r() * 20) * 60 * MIN;
          const at = Math.round(p.at + 20_000 + delay);
          if (at > now || (revokedAt !== null && at > revokedAt)) continue;
          aRows.push([id, u.id, 1, acker(u.id), WORDS[Math.floor(r() * WORDS.length)]!, new Date(at), at > deadline]);
          res.acks++;
          if (revision === 2 && r() < 0.7) {
            const at2 = Math.round(Math.max(at, amendAt) + 20_000 + -Math.log(1 - r()) * 15 * MIN);
            if (at2 > now) continue;
            aRows.push([id, u.id, 2, acker(u.id), '收到更正', new Date(at2), at2 > deadline2]);
            res.acks++;
          }
        }
      }
      // leads: about leadsPerDay a day, reported 07:00–19:00 in a random grid
      const grids = all.filter((u) => u.kind === 'grid');
      const mean = opts.leadsPerDay ?? 2;
      const nLeads = Math.floor(r() * (2 * mean + 1));
      const dayKey = Number(day.replace(/-/g, ''));
      for (let k = 0; k < nLeads; k++) {
        const g = grids[Math.floor(r() * grids.length)]!;
        const at = dayStart + (420 + Math.floor(r() * 720)) * MIN;
        if (at > now) continue;
        const acceptAt = r() < 0.9 ? at + Math.round((1 + -Math.log(1 - r()) * 8) * MIN) : null;
        const closeAt = acceptAt !== null && r() < 0.75 ? acceptAt + Math.round(r() * 600 * MIN) : null;
        const accepted = acceptAt !== null && acceptAt <= now;
        const closed = closeAt !== null && closeAt <= now;
        const officer = byUnit.get(townshipOf(g))?.find((m) => m.role === 'township_officer')?.id ?? commander;
        const num = next('lead', dayKey);
        lRows.push([
          dayKey, num, `${g.name}发现一户从外地返回人员，已登记（基准数据${dayKey}-${num}）`, `基准${dayKey}-${num}`, r() < 0.5 ? '返乡人员' : '发热',
          false, '[]', '[]', acker(g.id), g.conversationId, g.id, townshipOf(g), new Date(at), closed ? 'closed' : accepted ? 'accepted' : 'reported',
          accepted ? new Date(acceptAt!) : null, accepted ? officer : null, null, null, closed ? new Date(closeAt!) : null, closed ? officer : null,
        ]);
        res.leads++;
      }
    }
    await writeTx(db, async () => {
      await w.insert(DIRECTIVES, dRows);
      await w.insert(TARGETS, tRows);
      await w.insert(ACKS, aRows);
      await w.insert(EVENTS, eRows);
      await w.insert(LEADS, lRows);
      // the response tallies, as insertTargets / insertAck / updateDirective keep them
      if (nextId > firstId) await refreshTallies(db, { fromId: firstId, toId: nextId - 1 });
    });
  }
  // counters past every number taken (a later /令 continues the series)
  const exec = async (q: SQL) => void (dialect(db) === 'sqlite' ? db.run(q) : await store.rows(q));
  await writeTx(db, async () => {
    const greatest = dialect(db) === 'sqlite' ? 'max' : 'greatest';
    for (const [k, last] of counterLast) {
      const [kind, year] = k.split('|') as [string, string];
      await exec(sql`insert into counters (kind, year, last) values (${kind}, ${Number(year)}, ${last})
        on conflict (kind, year) do update set last = ${sql.raw(greatest)}(counters.last, excluded.last)`);
    }
    if (dialect(db) === 'pg') {
      for (const t of ['directives', 'directive_events', 'leads']) {
        await store.rows(sql`select setval(pg_get_serial_sequence(${t}, 'id'), coalesce((select max(id) from ${sql.raw(t)}), 1))`);
      }
    }
  });
  res.ms = performance.now() - t0;
  return res;
}

// ── timings ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Median of numbers (the lower middle for an even count). */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** Runs `fn` once to warm up, then `runs` times. @returns the median ms, every run's ms and the last result */
async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ medianMs: number; runsMs: number[]; result: T }> {
  let result = await fn();
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    runsMs.push(performance.now() - t);
  }
  return { medianMs: median(runsMs), runsMs, result };
}

/** Options of {@link timeStats} and {@link timeFloorAggregate}. */
export interface TimeOptions {
  /** The period `/统计` is asked for: first and last day, `YYYY-MM-DD` (both included). */
  firstDay: string;
  lastDay: string;
  /** The XLSX export's month: first and last day (default: the last 30 days up to `lastDay`); null = skip it. */
  xlsx?: { firstDay: string; lastDay: string } | null;
  /** Timed runs after one warm-up (default 5; the XLSX: at most 3). */
  runs?: number;
  /** Timed runs of the XLSX after one warm-up (default: `runs`, at most 3). */
  xlsxRuns?: number;
  /** The configuration reports read (default: the console's, no reads). */
  config?: Config;
  /** The clock of the command (default now). */
  now?: Date;
}

/** What {@link timeStats} measured. */
export interface StatsTiming {
  /** `/统计 <first>~<last>` county-wide: median and runs, ms. */
  statsMs: number;
  statsRunsMs: number[];
  /** The answer `/统计` gave. */
  text: string;
  /** The XLSX export of the month: median and runs, ms; its size in bytes (null when skipped). */
  xlsxMs: number | null;
  xlsxRunsMs: number[];
  xlsxBytes: number | null;
}

/** Report deps for a bench database: the console's configuration (or `config`), the clock `now`. */
function reportDeps(db: Db, config: Config | undefined, now: Date): ReportDeps {
  return { db, config: config ?? loadConfig({ LOG_LEVEL: 'silent' }), now: () => now };
}

/**
 * Times what `/统计 <firstDay>~<lastDay>` computes in the command group (commands/stats.ts: `parsePeriod` of the
 * text, then `statsText` for the county tier and unit), median of `runs` after one warm-up; and the XLSX export of a
 * month (`exportReport` with `format=xlsx`, as `report response-rate --format xlsx` and the HTTP export call it),
 * written to a temporary file.
 * @returns medians and runs in ms, the answer's text and the XLSX size
 * @throws Error when the roster has no county or the period does not parse
 */
export async function timeStats(db: Db, opts: TimeOptions): Promise<StatsTiming> {
  const now = opts.now ?? new Date();
  const deps = reportDeps(db, opts.config, now);
  const county = await countyUnit(db);
  if (!county) throw new Error('timeStats: no county in the roster');
  const tz = deps.config.TIMEZONE;
  const runs = opts.runs ?? 5;
  const stats = await timed(runs, async () => {
    const period = parsePeriod(`${opts.firstDay}~${opts.lastDay}`, now, tz);
    if (!period || typeof period === 'string') throw new Error(`timeStats: period ${opts.firstDay}~${opts.lastDay}: ${period}`);
    return await statsText(deps, { tier: 'county', unit: county }, { kind: 'period', period });
  });
  const out: StatsTiming = { statsMs: stats.medianMs, statsRunsMs: stats.runsMs, text: stats.result, xlsxMs: null, xlsxRunsMs: [], xlsxBytes: null };
  const month = opts.xlsx === undefined ? { firstDay: addDays(opts.lastDay, -29), lastDay: opts.lastDay } : opts.xlsx;
  if (month) {
    const params = parseExportParams({ from: month.firstDay, to: month.lastDay, format: 'xlsx' }, tz);
    if (typeof params === 'string') throw new Error(`timeStats: export ${params}`);
    const dir = mkdtempSync(join(tmpdir(), 'bench-xlsx-'));
    try {
      const x = await timed(opts.xlsxRuns ?? Math.min(runs, 3), async () => {
        const file = await exportReport(deps, params);
        writeFileSync(join(dir, file.filename), file.body);
        return file.body.length;
      });
      Object.assign(out, { xlsxMs: x.medianMs, xlsxRunsMs: x.runsMs, xlsxBytes: x.result });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** One township's figures from the floor aggregate. */
export interface FloorTownship {
  townshipId: string;
  targeted: number;
  acknowledged: number;
  onTime: number;
}

/** What {@link timeFloorAggregate} measured and computed. */
export interface FloorTiming {
  /** Median and runs, ms. */
  floorMs: number;
  floorRunsMs: number[];
  /** The same sums from the response tallies (`directive_tallies`), median ms; null when the schema has none. */
  talliesFloorMs: number | null;
  totals: { targeted: number; acknowledged: number; onTime: number; items: number; revoked: number };
  townships: FloorTownship[];
  /** Where `/统计`'s text (when given) disagrees with these figures; empty = it agrees. */
  mismatches: string[];
}

/**
 * Times the floor: the figures `/统计` shows county-wide over `[firstDay, lastDay]` from one hand-written GROUP BY
 * (target snapshot ⟕ acknowledgement of the current revision, per township) plus the count of distinct items and
 * of revoked items — the least work any implementation must do. Median of `runs` after one warm-up.
 * With `statsText` (the answer of {@link timeStats}) it checks the answer's totals, item and revoked counts and each
 * township's rate and unacknowledged count against these figures, and the tallies' sums against the raw ones;
 * every difference is listed in `mismatches`.
 * @throws Error when the roster has no county
 */
export async function timeFloorAggregate(db: Db, opts: TimeOptions & { statsText?: string }): Promise<FloorTiming> {
  const now = opts.now ?? new Date();
  const deps = reportDeps(db, opts.config, now);
  const tz = deps.config.TIMEZONE;
  const from = startOfDay(opts.firstDay, tz);
  const to = startOfDay(addDays(opts.lastDay, 1), tz);
  const isSqlite = dialect(db) === 'sqlite';
  const p = (d: Date) => (isSqlite ? d.getTime() : d.toISOString());
  const store = storeOf(db);
  const counted = sql`d.ack_required and d.status <> 'revoked' and d.issued_at >= ${p(from)} and d.issued_at < ${p(to)}`;
  const run = async () => {
    const per = await store.rows<{ township_id: string; targeted: number | string; acknowledged: number | string; on_time: number | string }>(sql`
      select t.township_id, count(*) as targeted, count(a.unit_id) as acknowledged,
             sum(case when a.unit_id is not null and not a.late then 1 else 0 end) as on_time
        from directives d
        join directive_targets t on t.directive_id = d.id
        left join acknowledgements a on a.directive_id = t.directive_id and a.unit_id = t.unit_id and a.revision = d.revision
       where ${counted}
       group by t.township_id`);
    const items = await store.rows<{ n: number | string }>(sql`select count(*) as n from directives d where ${counted} and exists (select 1 from directive_targets t where t.directive_id = d.id)`);
    const revoked = await store.rows<{ n: number | string }>(sql`select count(*) as n from directives d where d.ack_required and d.status = 'revoked' and d.issued_at >= ${p(from)} and d.issued_at < ${p(to)}`);
    return { per, items: Number(items[0]?.n ?? 0), revoked: Number(revoked[0]?.n ?? 0) };
  };
  // the same sums from the response tallies (one row per item and township), where the schema has them
  const hasTallies = (await store.rows<{ n: number | string }>(
    isSqlite ? sql`select count(*) as n from sqlite_master where name = 'directive_tallies'` : sql`select count(*) as n from information_schema.tables where table_name = 'directive_tallies'`,
  ))[0];
  const tallied = Number(hasTallies?.n ?? 0) > 0
    ? await timed(opts.runs ?? 5, async () => await store.rows<{ township_id: string; targeted: number | string; acknowledged: number | string; on_time: number | string }>(sql`
        select x.township_id, sum(x.targeted) as targeted, sum(x.acknowledged) as acknowledged, sum(x.on_time) as on_time
          from directives d join directive_tallies x on x.directive_id = d.id and x.revision = d.revision
         where ${counted} group by x.township_id`))
    : null;
  const x = await timed(opts.runs ?? 5, run);
  const townships = x.result.per.map((t) => ({ townshipId: t.township_id, targeted: Number(t.targeted), acknowledged: Number(t.acknowledged), onTime: Number(t.on_time) }));
  const sum = (k: 'targeted' | 'acknowledged' | 'onTime') => townships.reduce((n, t) => n + t[k], 0);
  const totals = { targeted: sum('targeted'), acknowledged: sum('acknowledged'), onTime: sum('onTime'), items: x.result.items, revoked: x.result.revoked };
  const mismatches: string[] = [];
  if (opts.statsText !== undefined) {
    const text = opts.statsText;
    const n = (v: number) => v.toLocaleString('en-US');
    const expect = (what: string, needle: string) => {
      if (!text.includes(needle)) mismatches.push(`${what}: expected 「${needle}」`);
    };
    expect('totals', `响应率 ${percent(totals.acknowledged, totals.targeted)}（${n(totals.acknowledged)}/${n(totals.targeted)}单位次）`);
    expect('on time', `按时率 ${percent(totals.onTime, totals.targeted)}`);
    expect('items', `指挥部令/通告 ${totals.items} 条${totals.revoked ? `（另有撤回 ${totals.revoked} 条不计）` : ''}`);
    const names = new Map((await store.rows<{ id: string; name: string }>(sql`select id, name from units where kind = 'township'`)).map((u) => [u.id, u.name]));
    for (const t of townships) {
      const missing = t.targeted - t.acknowledged;
      expect(`township ${t.townshipId}`, `· ${names.get(t.townshipId) ?? t.townshipId} ${percent(t.acknowledged, t.targeted)}${missing ? `（未确认${missing}）` : ''}\n`);
    }
  }
  if (tallied) {
    const byId = new Map(tallied.result.map((t) => [t.township_id, t]));
    for (const t of townships) {
      const y = byId.get(t.townshipId);
      if (!y || Number(y.targeted) !== t.targeted || Number(y.acknowledged) !== t.acknowledged || Number(y.on_time) !== t.onTime) {
        mismatches.push(`tallies of ${t.townshipId}: ${y ? `${y.acknowledged}/${y.targeted} (${y.on_time} on time)` : 'none'} ≠ raw ${t.acknowledged}/${t.targeted} (${t.onTime} on time)`);
      }
    }
  }
  return { floorMs: x.medianMs, floorRunsMs: x.runsMs, talliesFloorMs: tallied?.medianMs ?? null, totals, townships, mismatches };
}

// ── the command line ────────────────────────────────────────────────────────────────────────────────────────

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main() {
  const factor = Number(arg('factor', '1'));
  const days = Number(arg('days', '365'));
  const perDay = Number(arg('per-day', '4'));
  const runs = Number(arg('runs', '5'));
  const reuse = process.argv.includes('--reuse');
  const pgBase = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? new URL(process.env.DATABASE_URL!) : null;
  const work = mkdtempSync(join(tmpdir(), 'bench-year-'));
  let url: string;
  let pgName: string | null = null;
  const admin = pgBase ? `${pgBase.protocol}//${pgBase.username ? `${pgBase.username}@` : ''}${pgBase.host}/postgres` : '';
  if (pgBase) {
    pgName = `bench_year_${randomBytes(5).toString('hex')}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database ${pgName}`);
    await c.end();
    url = `${pgBase.protocol}//${pgBase.username ? `${pgBase.username}@` : ''}${pgBase.host}/${pgName}`;
  } else {
    url = `file:${arg('db', join(work, 'year.db'))}`;
  }
  const fresh = !(reuse && !pgBase && existsSync(url.slice(5)));
  if (fresh && !pgBase && existsSync(url.slice(5))) throw new Error(`${url.slice(5)} exists: pass --reuse to time it as it is, or another --db`);
  const now = new Date();
  const lastDay = dayOf(now, 'Asia/Shanghai');
  const firstDay = addDays(lastDay, -(days - 1));
  try {
    const opened = performance.now();
    const db = await openDb(url);
    console.log(`opened (pending migrations applied) in ${(performance.now() - opened).toFixed(0)} ms`);
    try {
      if (fresh) {
        const rosterDir = join(work, 'roster');
        const counts = generateCounty(rosterDir, factor);
        let t = performance.now();
        const imported = await importRoster(db, rosterDir);
        console.log(`roster ${factor}×: ${JSON.stringify(counts)} imported in ${(performance.now() - t).toFixed(0)} ms (${imported.grid} grids)`);
        t = performance.now();
        const seeded = await seedYear(db, { days, directivesPerDay: perDay, endDay: now, now });
        console.log(`seeded ${days} days: ${seeded.directives} items, ${seeded.targets} targets, ${seeded.acks} acks, ${seeded.leads} leads in ${seeded.ms.toFixed(0)} ms`);
      }
      console.log(`database: ${pgBase ? `PostgreSQL ${pgBase.host}/${pgName}` : url}`);
      const s = await timeStats(db, { firstDay, lastDay, runs, now, xlsx: process.argv.includes('--no-xlsx') ? null : undefined });
      console.log(`/统计 ${firstDay}~${lastDay}: median ${s.statsMs.toFixed(1)} ms (runs ${s.statsRunsMs.map((x) => x.toFixed(0)).join(', ')})`);
      if (s.xlsxMs !== null) console.log(`XLSX of the last 30 days: median ${s.xlsxMs.toFixed(0)} ms (runs ${s.xlsxRunsMs.map((x) => x.toFixed(0)).join(', ')}), ${s.xlsxBytes} bytes`);
      const f = await timeFloorAggregate(db, { firstDay, lastDay, runs, now, statsText: s.text });
      console.log(`floor aggregate: median ${f.floorMs.toFixed(1)} ms (runs ${f.floorRunsMs.map((x) => x.toFixed(0)).join(', ')}); totals ${JSON.stringify(f.totals)}`);
      if (f.talliesFloorMs !== null) console.log(`floor over the tallies: median ${f.talliesFloorMs.toFixed(1)} ms`);
      if (f.mismatches.length) for (const m of f.mismatches) console.error(`MISMATCH /统计 vs floor: ${m}`);
      else console.log('/统计 agrees with the floor aggregate');
      if (process.argv.includes('--print')) console.log(s.text);
      if (f.mismatches.length) process.exitCode = 1;
    } finally {
      await closeDb(db);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (pgName) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${pgName} with (force)`);
      await c.end();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
