/**
 * `npm run bench` — gridrelay against the floor of its own stack, measured in the same run on this machine, printed
 * as one table (figure, gridrelay, floor, ratio, target) and written to BENCHMARKS.md with the machine.
 *
 * The floor is scripts/bench/bare.ts: the same dependencies doing only the pipeline every message goes through
 * (fastify → store → one transaction marks it processed and stores a reply → BullMQ → a worker marks it sent), and
 * for fan-out N rows in one transaction + one `addBulk`; for reports a hand-written SQL aggregate. Both servers run
 * compiled (`dist/`), each in its own process, driven by the same clients through the console API.
 *
 * On SQLite by default (fresh files under the OS temp dir); `DATABASE_URL=postgres://user@host:port/<any>` runs every
 * part on that PostgreSQL server (each server gets a fresh database, dropped after). Needs Redis on `REDIS_URL`.
 * `BENCH_QUICK=1` runs a shorter version (fewer messages, no scale sweep) for trying changes. Takes ≈ 4–5 min.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createPgDatabase, dropPgDatabase, median, queuePrefix, quiet, REPO_ROOT, startServer, type Server } from './bench/lib.js';
import { readCounty, type BenchCounty } from './bench/roster.js';
import { fanOutBare, fanOutGridrelay, ingestClosed, ingestOpen, ladderLateness, taskLateness, type FanOut, type Lateness, type Target } from './bench/sections.js';
import type { IngestResult } from './bench/ingest.js';
import { dingtalkRelay } from './bench/dingtalk.js';
import { reportsSection, yearOf } from './bench/reports.js';
import { generateCounty } from './bench/county.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PG = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : null;
const COUNTY_DIR = join(REPO_ROOT, 'examples/demo-county');
const county = readCounty(COUNTY_DIR);
const GRIDRELAY = ['dist/src/main.js'];
const BARE = ['dist/scripts/bench/bare.js'];
/** Groups a county-wide directive reaches: every grid and township. */
const GROUPS = county.grids.length + county.townships.length;
/** Concurrent clients of the closed loop (as in the issue's measurement). */
const CLIENTS = 32;
/** Acknowledgements per measured ingest round (PostgreSQL, ~4× slower per message, takes fewer so a run stays near 5 min). */
const CLOSED_N = QUICK || PG ? 1500 : 4000;
/** Acknowledgements through each size of the scale sweep. */
const SCALE_N = PG ? 800 : 2000;
const OPEN_S = QUICK ? 8 : 15;
/** Measured rounds of fan-out and ingest (after warm-ups), gridrelay and the floor in turn: the table shows medians. */
const ROUNDS = QUICK ? 1 : 3;

/** One row of the table. `ratio` ≥ 1 is better than the floor (or the target, where there is no floor). */
interface Row {
  figure: string;
  gridrelay: string;
  floor: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
}
const rows: Row[] = [];
const notes: string[] = [];

/** A row where more is better (throughput): ratio = gridrelay / floor; `target` is the least ratio asked for. */
function higher(figure: string, v: number, floor: number | null, unit: string, target?: number) {
  const ratio = floor ? v / floor : null;
  rows.push({ figure, gridrelay: `${fmt(v)} ${unit}`, floor: floor ? `${fmt(floor)} ${unit}` : '—', ratio, target: target ? `≥ ${target} × floor` : '', met: target && ratio ? ratio >= target : null });
}
/** A row where less is better (time, memory): ratio = floor / gridrelay; `target` a ratio (×) or an absolute bound. */
function lower(figure: string, v: number, floor: number | null, unit: string, target?: { ratio?: number; below?: number }) {
  const ratio = floor ? floor / v : null;
  const t = target?.ratio ? `≥ ${target.ratio} × floor` : target?.below !== undefined ? `< ${fmt(target.below)} ${unit}` : '';
  const met = target?.ratio && ratio ? ratio >= target.ratio : target?.below !== undefined ? v < target.below : null;
  rows.push({ figure, gridrelay: `${fmt(v)} ${unit}`, floor: floor ? `${fmt(floor)} ${unit}` : '—', ratio, target: t, met });
}
const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(Math.abs(v) >= 10 ? 0 : 1));

/** Common environment of the bench's gridrelay processes: console platform, no send limit, nothing scheduled on its own. */
function gridrelayEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: queuePrefix('gr'),
    DEMO_ROSTER: COUNTY_DIR,
    CONSOLE_GROUP_RATE: '100000/s',
    QUIET_HOURS: '',
    DAILY_REPORT_CRON: '0 3 1 1 *',
    ERRAND_CUTOFF_CRON: '0 3 1 1 *',
    ACK_REMIND_AFTER: '6h',
    ACK_ESCALATE_AFTER: '12h',
    ACK_ESCALATE_COUNTY_AFTER: '24h',
    DINGTALK_CLIENT_ID: '',
    SLACK_BOT_TOKEN: '',
    ...extra,
  };
}

/** A fresh database URL for one server: a SQLite file in `dir`, or a new PostgreSQL database. */
const dbs: string[] = [];
function freshDb(dir: string, name: string): string {
  if (!PG) return `file:${join(dir, `${name}.db`)}`;
  const url = createPgDatabase(PG, `gr_bench_${name}`);
  dbs.push(url);
  return url;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gridrelay-bench-'));
  let grClosed = 0;
  const t0 = performance.now();
  const servers: Server[] = [];
  const stopAll = async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  };
  try {
    // ── start-up ──────────────────────────────────────────────────────────────────────────────────
    const grDb = freshDb(dir, 'gridrelay');
    let gr = await startServer(GRIDRELAY, gridrelayEnv(grDb));
    const firstStart = gr.startMs;
    await gr.stop();
    gr = await startServer(GRIDRELAY, gridrelayEnv(grDb));
    servers.push(gr);
    const bareDb = freshDb(dir, 'bare');
    const bare = await startServer(BARE, { DATABASE_URL: bareDb, QUEUE_PREFIX: queuePrefix('bare') });
    servers.push(bare);
    lower('start-up to a healthy /healthz (county in the database)', gr.startMs, bare.startMs, 'ms');
    notes.push(`First start on an empty database (migrations + the demo county's roster import): ${fmt(firstStart)} ms.`);
    const G: Target & { databaseUrl: string } = { server: gr, replies: { kind: 'gridrelay', databaseUrl: grDb }, databaseUrl: grDb };
    const B: Target = { server: bare, replies: { kind: 'bare', url: bare.url } };

    // ── fan-out: one county-wide directive ──────────────────────────────────────────────────────
    // both warmed up twice (the JIT), then ROUNDS measured rounds, gridrelay and the floor in turn; medians
    for (let i = 0; i < 2; i++) {
      await fanOutGridrelay(G, county, GROUPS, `warm-dir-${i}`);
      await quiet(gr.url);
      await fanOutBare(bare.url, GROUPS);
    }
    const fans: FanOut[] = [];
    const bareFans: FanOut[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      fans.push(await fanOutGridrelay(G, county, GROUPS, `fan-dir-${i}`));
      await quiet(gr.url);
      bareFans.push(await fanOutBare(bare.url, GROUPS));
    }
    const med = (xs: number[]) => median(xs);
    lower(`fan-out to ${GROUPS} groups: stored and queued (median of ${ROUNDS})`, med(fans.map((f) => f.storedMs)), med(bareFans.map((f) => f.storedMs)), 'ms', { ratio: 0.5 });
    lower(`fan-out to ${GROUPS} groups: all sent (median of ${ROUNDS})`, med(fans.map((f) => f.sentMs)), med(bareFans.map((f) => f.sentMs)), 'ms', { ratio: 0.5 });

    // ── ingest ─────────────────────────────────────────────────────────────────────────────────
    await ingestClosed(G, county, 500, 8, 'warm-ack');
    await ingestClosed(B, county, 500, 8, 'warm-ack');
    const closed: { gr: IngestResult; bare: IngestResult; grCpu: number; bareCpu: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let c0 = gr.cpuMs();
      const g = await ingestClosed(G, county, CLOSED_N, CLIENTS, `closed${i}`);
      const grCpu = (gr.cpuMs() - c0) / CLOSED_N;
      await quiet(gr.url);
      c0 = bare.cpuMs();
      const b = await ingestClosed(B, county, CLOSED_N, CLIENTS, `closed${i}`);
      closed.push({ gr: g, bare: b, grCpu, bareCpu: (bare.cpuMs() - c0) / CLOSED_N });
    }
    grClosed = med(closed.map((c) => c.gr.perSecond));
    higher(`ingest: ${CLOSED_N.toLocaleString('en')} acknowledgements, ${CLIENTS} clients, until every reply is sent (median of ${ROUNDS})`, grClosed, med(closed.map((c) => c.bare.perSecond)), 'msgs/s', 0.7);
    lower('ingest: server CPU per message (user + system)', med(closed.map((c) => c.grCpu)), med(closed.map((c) => c.bareCpu)), 'ms');
    notes.push(`Ingest rounds (gridrelay / floor, msgs/s): ${closed.map((c) => `${fmt(c.gr.perSecond)} / ${fmt(c.bare.perSecond)}`).join('; ')}.`);
    for (const [load, perMin] of [['1×', county.grids.length], ['4×', 4 * county.grids.length]] as const) {
      const g = await ingestOpen(G, county, perMin, OPEN_S, `open${load}`);
      await quiet(gr.url);
      const b = await ingestOpen(B, county, perMin, OPEN_S, `open${load}`);
      lower(`message → answer sent, p50 (${load} county: ${perMin}/min for ${OPEN_S} s)`, g.p50, b.p50, 'ms');
      lower(`message → answer sent, p99 (${load} county: ${perMin}/min for ${OPEN_S} s)`, g.p99, b.p99, 'ms');
    }
    lower('peak RSS of the gridrelay process (after the parts above)', gr.peakRssMb(), bare.peakRssMb(), 'MB', { below: 200 });
    await stopAll();

    // ── the relay at the DingTalk app's QPS ─────────────────────────────────────────────────────
    const qps = Number(process.env.BENCH_DINGTALK_QPS ?? 40);
    const dt = await dingtalkRelay({ args: GRIDRELAY, env: gridrelayEnv(freshDb(dir, 'dingtalk')), county, qps, groups: GROUPS });
    higher(`relay to ${GROUPS} groups through the DingTalk fake at DINGTALK_APP_QPS=${qps}: achieved rate`, dt.perSecond, qps, 'calls/s', 0.9);
    rows.at(-1)!.floor = `${qps} calls/s (the limit)`;

    // ── reminders ───────────────────────────────────────────────────────────────────────────────
    const remindAfterMs = 15_000;
    const remDb = freshDb(dir, 'ladder');
    const rem = await startServer(GRIDRELAY, gridrelayEnv(remDb, { ACK_REMIND_AFTER: `${remindAfterMs / 1000}s`, ACK_ESCALATE_AFTER: '6h' }));
    servers.push(rem);
    const ladder: Lateness = await ladderLateness({ server: rem, replies: { kind: 'gridrelay', databaseUrl: remDb }, databaseUrl: remDb }, county, remindAfterMs, GROUPS, 'ladder');
    lower(`reminder lateness, first ladder step to ${ladder.count} groups: p50`, ladder.p50, null, 'ms');
    lower(`reminder lateness, first ladder step to ${ladder.count} groups: p99`, ladder.p99, null, 'ms', { below: 1000 });
    lower(`reminder lateness, first ladder step to ${ladder.count} groups: max`, ladder.max, null, 'ms');
    await stopAll();
    // 100 tasks with one deadline (a whole minute, so it can be written 截止:YYYY-MM-DD HH:MM); TASK_REMIND_BEFORE puts
    // their first reminders 35 s (PostgreSQL: 45 s) after this server starts, time enough to issue them and relay them to their grids
    const now = Date.now();
    const lead = PG ? 45_000 : 35_000;
    const deadline = new Date(Math.ceil((now + lead + 25_000) / 60_000) * 60_000);
    const remindBeforeS = Math.floor((deadline.getTime() - (now + lead)) / 1000);
    const taskDb = freshDb(dir, 'tasks');
    const ts = await startServer(GRIDRELAY, gridrelayEnv(taskDb, { TASK_REMIND_BEFORE: `${remindBeforeS}s` }));
    servers.push(ts);
    const words = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(deadline);
    const tasks = await taskLateness({ server: ts, replies: { kind: 'gridrelay', databaseUrl: taskDb }, databaseUrl: taskDb }, county, { tasks: 100, deadline, deadlineWords: words, remindBeforeMs: remindBeforeS * 1000, tag: 'task' });
    notes.push(`100 tasks (each to one township's grids) issued and relayed in ${fmt(tasks.issuedMs)} ms; their reminders, due together, went out as ${tasks.count} bundled messages, one per grid.`);
    lower('reminder lateness, 100 tasks due at the same instant: p50', tasks.p50, null, 'ms');
    lower('reminder lateness, 100 tasks due at the same instant: p99', tasks.p99, null, 'ms', { below: 1000 });
    lower('reminder lateness, 100 tasks due at the same instant: max', tasks.max, null, 'ms');
    await stopAll();

    // ── reports over a county-year ──────────────────────────────────────────────────────────────
    for (const r of await reportsSection({ freshDb: (name) => freshDb(dir, name), countyDir: COUNTY_DIR, quick: QUICK })) {
      if (r.kind === 'note') notes.push(r.text);
      else lower(r.figure, r.ms, r.floorMs, 'ms', r.below !== undefined ? { below: r.below } : undefined);
    }

    // ── scale sweep: the organisation 1×, 4× and 16× ───────────────────────────────────────────
    // each: the county generated, imported and given a week of history (in this process), /统计 over the week; then
    // gridrelay started on that database and SCALE_N acknowledgements through it
    if (!QUICK) {
      for (const factor of [1, 4, 16]) {
        const cdir = factor === 1 ? COUNTY_DIR : join(dir, `county-${factor}`);
        if (factor !== 1) generateCounty(cdir, factor);
        const big: BenchCounty = readCounty(cdir);
        const url = freshDb(dir, `x${factor}`);
        const y = await yearOf(url, cdir, 7, false);
        lower(`scale ${factor}× (${big.grids.length.toLocaleString('en')} grids): /统计 over 7 days (${y.seeded.acks.toLocaleString('en')} acknowledgements)`, y.stats.statsMs, y.floor.floorMs, 'ms');
        const s = await startServer(GRIDRELAY, { ...gridrelayEnv(url), DEMO_ROSTER: cdir }, 120_000);
        servers.push(s);
        const T = { server: s, replies: { kind: 'gridrelay' as const, databaseUrl: url } };
        await fanOutGridrelay({ ...T, databaseUrl: url }, big, big.grids.length + big.townships.length, `scale-dir-${factor}`);
        await quiet(s.url);
        await ingestClosed(T, big, 300, 8, 'warm-ack');
        const r = await ingestClosed(T, big, SCALE_N, CLIENTS, 'closed');
        higher(`scale ${factor}×: ingest, ${SCALE_N.toLocaleString('en')} acknowledgements`, r.perSecond, grClosed, 'msgs/s');
        rows.at(-1)!.floor = `${fmt(grClosed)} msgs/s (1×, above)`;
        await stopAll();
      }
    }
  } finally {
    await stopAll();
    for (const url of dbs) dropPgDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  }
  const tookS = (performance.now() - t0) / 1000;
  print(tookS);
}

/** Prints the table and writes the run into BENCHMARKS.md between its markers (one block per dialect). */
function print(tookS: number) {
  const header = ['figure', 'gridrelay', 'floor', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [r.figure, r.gridrelay, r.floor, r.ratio === null ? '—' : `${r.ratio.toFixed(2)}`, r.target, r.met === null ? '' : r.met ? 'met' : 'NOT met']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => width(c[i]!))));
  const line = (c: string[]) => c.map((x, i) => x + ' '.repeat(widths[i]! - width(x))).join(' | ');
  const machine = describeMachine();
  console.log(`gridrelay bench — ${PG ? 'PostgreSQL' : 'SQLite'} — ${machine} — ${tookS.toFixed(0)} s`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
  for (const n of notes) console.log(`note: ${n}`);

  const md = [
    `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${PG ? 'PostgreSQL' : 'SQLite'}${QUICK ? ' (BENCH_QUICK)' : ''}, ${tookS.toFixed(0)} s. Machine: ${machine}.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  // a short run (BENCH_QUICK) has a block of its own: it never replaces a full run's figures
  const key = `${PG ? 'pg' : 'sqlite'}${QUICK ? '-quick' : ''}`;
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const block = `${start}\n${md}\n${end}`;
  doc = doc.includes(start) && doc.includes(end) ? doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, doc);
  console.log(`written to BENCHMARKS.md (${key})`);
}

/** Display width: CJK characters take two columns. */
const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);

/** CPU model and count, memory, OS, Node, SQLite, Redis and (when used) PostgreSQL versions. */
function describeMachine(): string {
  const c = cpus();
  const v = (cmd: string, args: string[], re: RegExp) => {
    try {
      return re.exec(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1] ?? '?';
    } catch {
      return '?';
    }
  };
  // PostgreSQL's version from the maintenance database: the run's own may not exist
  const parts = [
    `${c.length} × ${c[0]?.model.trim() ?? 'CPU'}`,
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free)`,
    `${platform()} ${release()}`,
    `Node ${process.version}`,
    `Redis ${v('redis-cli', ['info', 'server'], /redis_version:(\S+)/)}`,
    PG ? `PostgreSQL ${v('psql', [PG.replace(/\/[^/?]*(\?.*)?$/, '/postgres'), '-tAc', 'show server_version'], /(\S+)/)}` : `SQLite ${sqliteVersion()}`,
  ];
  return parts.join(', ');
}

function sqliteVersion(): string {
  try {
    return execFileSync(process.execPath, ['-e', "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
