/**
 * `npm run demo` — a simulated county day, driven only through the console HTTP API (PRODUCT.md §3):
 * a commander issues a directive, the township rooms and a seeded random ~90 % of the 747 grids
 * acknowledge in varied wording, then the bot's own `/进度` answer is printed; the commander asks for the
 * whole silent list (`/进度 N 全部`) and chases the silent grids once (`/催办 N`); then how many messages
 * the bot posted per grid group. Then a special task with a return (`回报:排查户数,返乡人数`) to the first
 * township's grids: most answer with figures, one is asked for a figure it left out, and the commander's
 * `/统计 任务<号>` shows the sums.
 *
 * Talks to the gridrelay at GRIDRELAY_URL (default http://127.0.0.1:$PORT, PORT default 3000). If none
 * answers there, it starts one itself — the compiled one, `node dist/src/main.js` as `npm start` runs it,
 * building dist/ first when it is missing or older than the sources — on a fresh SQLite file (console
 * platform, local Redis) and stops it at the end. Env: DEMO_ROSTER (default examples/demo-county), DEMO_SEED (default 17), DEMO_ACK_RATE (0.9).
 *
 * `npm run demo -- --drill` runs the drill (演练, PRODUCT.md §2.9) instead: `POST /console/v1/drill` on the same
 * gridrelay, then prints its steps and what the bot posts (the command group and township rooms in full, grid groups
 * one of each kind) until it ends. Its pace is the server's `DRILL_PACE_MS` (default 900 ms: about 80 s in all; a
 * gridrelay this script starts gets the variable from this environment).
 *
 * `npm run demo -- --dingtalk` runs the county's day on the local fake DingTalk with interactive cards on instead
 * (scripts/demo-dingtalk.ts): it never talks to a gridrelay already running, but always starts its own, the same way,
 * pointed at the fake it starts in this process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const roster = process.env.DEMO_ROSTER || 'examples/demo-county';
const seed = Number(process.env.DEMO_SEED || 17);
const ackRate = Number(process.env.DEMO_ACK_RATE || 0.9);
let base = process.env.GRIDRELAY_URL || `http://127.0.0.1:${process.env.PORT || 3000}`;

function csv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(roster, file), 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h.trim(), (r[i] ?? '').trim()])));
}

/** mulberry32: a small seeded PRNG, so a demo run is reproducible. */
function rng(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Posted { seq: number; conversationId: string; text: string }

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function say(conversationId: string, senderId: string, text: string): Promise<void> {
  const r = await fetch(`${base}/console/v1/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId, senderId, text }) });
  if (r.status !== 202) throw new Error(`inbound answered ${r.status}: ${await r.text()}`);
}

async function outbound(after = 0, conversationId?: string): Promise<Posted[]> {
  const all: Posted[] = [];
  for (;;) {
    const q = new URLSearchParams({ after: String(after), ...(conversationId ? { conversationId } : {}) });
    const msgs = ((await (await fetch(`${base}/console/v1/outbound?${q}`)).json()) as { messages: Posted[] }).messages;
    if (!msgs.length) return all;
    all.push(...msgs);
    after = msgs[msgs.length - 1]!.seq;
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Deletes the Redis keys of a queue prefix this demo created (its timers, outbox and schedulers). */
async function clearQueues(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  try {
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

const CHINESE = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/**
 * A special task with a return, in the first township: the commander asks each grid for 排查户数 and
 * 返乡人数; most grids answer with figures (digits or Chinese numerals), one forgets a figure and is asked
 * for it by name; then the commander's `/统计 任务<号>` with the sums per township.
 */
async function taskReturns(day: {
  units: Record<string, string>[];
  groupOf: Record<string, string>;
  members: Record<string, string>[];
  commandGroup: string;
  commander: Record<string, string>;
  random: () => number;
}): Promise<void> {
  const { units, groupOf, members, commandGroup, commander, random } = day;
  const township = units.find((u) => u.kind === 'township')!;
  const villageTownship = new Map(units.filter((u) => u.kind === 'village').map((v) => [v.unit_id!, v.parent_id!]));
  const own = units.filter((u) => u.kind === 'grid' && (villageTownship.get(u.parent_id!) ?? u.parent_id) === township.unit_id && groupOf[u.unit_id!]);
  const from = (await outbound()).at(-1)?.seq ?? 0;
  const text = `/任务 返乡人员排查 截止:2小时内 范围:${township.name} 回报:排查户数,返乡人数`;
  console.log(`\n${commander.name}：${text}`);
  await say(commandGroup, commander.member_id!, text);
  const issued = await until('the task confirmation', async () => (await outbound(from, commandGroup)).find((m) => /已下达|任务未下达/.test(m.text)));
  console.log(`机器人：${issued.text}`);
  const number = /第(\d+)号/.exec(issued.text)?.[1];
  if (!number) return;
  const doer = (unitId: string) => members.find((m) => m.unit_id === unitId && m.role === 'grid_worker') ?? members.find((m) => m.unit_id === unitId)!;
  const figure = (n: number) => (n <= 10 && random() < 0.5 ? CHINESE[n]! : String(n));
  let reported = 0;
  for (const [i, g] of own.entries()) {
    if (i > 0 && random() >= 0.8) continue;
    const conv = groupOf[g.unit_id!]!;
    const who = doer(g.unit_id!);
    const households = 20 + Math.floor(random() * 80);
    const returned = Math.floor(random() * 6);
    if (i === 0) {
      // the first grid forgets one figure: asked for it by name, it sends just that one
      const first = `/完成 ${number} 排查户数:${households}`;
      await say(conv, who.member_id!, first);
      const asked = await until('the ask for the missing figure', async () => (await outbound(from, conv)).find((m) => m.text.includes('还需回报')));
      console.log(`\n${g.name} ${who.name}：${first}\n机器人：${asked.text}`);
      const second = `/完成 ${number} 返乡人数:${figure(returned)}`;
      await say(conv, who.member_id!, second);
      const done = await until('the completion', async () => (await outbound(from, conv)).find((m) => m.text.startsWith('✅')));
      console.log(`${g.name} ${who.name}：${second}\n机器人：${done.text}\n`);
    } else {
      await say(conv, who.member_id!, `/完成 ${number} 排查户数:${households} 返乡人数:${figure(returned)}`);
    }
    reported++;
  }
  const ownConvs = new Set(own.map((g) => groupOf[g.unit_id!]));
  await until('every completion', async () => ((await outbound(from)).filter((m) => ownConvs.has(m.conversationId) && m.text.startsWith('✅')).length >= reported ? true : undefined));
  console.log(`${township.name} ${own.length} 个网格中 ${reported} 个回报了排查户数和返乡人数。`);
  const before = (await outbound(from, commandGroup)).length;
  await say(commandGroup, commander.member_id!, `/统计 任务${number}`);
  const sums = await until('the /统计 answer', async () => (await outbound(from, commandGroup)).slice(before).find((m) => m.text.startsWith('📊')));
  console.log(`\n${commander.name}：/统计 任务${number}\n机器人：\n${sums.text}`);
}

/**
 * The drill (`--drill`): starts it on the gridrelay at `base`, prints each step and the bot's messages as they come
 * (the command group and township rooms in full; in grid groups the first message of each kind, the rest counted),
 * then how many messages went where and whether each started with 【演练】.
 */
async function drill(): Promise<void> {
  const titles = Object.fromEntries(csv('groups.csv').map((g) => [g.conversation_id!, g.title!]));
  const rooms = new Set(csv('units.csv').filter((u) => u.kind !== 'grid').map((u) => u.unit_id!));
  const full = new Set(csv('groups.csv').filter((g) => rooms.has(g.unit_id!)).map((g) => g.conversation_id!));
  let after = (await outbound()).at(-1)?.seq ?? 0;
  const r = await fetch(`${base}/console/v1/drill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (r.status !== 202) throw new Error(`POST /console/v1/drill answered ${r.status}: ${await r.text()}`);
  console.log(`演练开始（${((await r.json()) as { drillId: string }).drillId}）\n`);
  const kinds = new Set<string>();
  let shown = 0;
  let folded = 0;
  let marked = 0;
  let total = 0;
  let step = '';
  const print = async () => {
    const got = await outbound(after);
    for (const m of got) {
      total++;
      if (m.text.startsWith('【演练】')) marked++;
      // a grid group's message of a kind already shown (the same first line but for the grid's name) is counted only
      const kind = m.text.split('\n')[0]!.replace(/[\p{Script=Han}]+?(村|社区)第\d+网格/gu, '').replace(/\d+/g, '');
      if (full.has(m.conversationId) || !kinds.has(kind)) {
        if (!full.has(m.conversationId)) kinds.add(kind);
        console.log(`[${titles[m.conversationId] ?? m.conversationId}] 机器人：${m.text}\n`);
        shown++;
      } else folded++;
    }
    if (got.length) after = got.at(-1)!.seq;
  };
  for (;;) {
    const s = (await (await fetch(`${base}/console/v1/drill`)).json()) as { running: boolean; step?: string };
    if (s.step && s.step !== step) console.log(`—— 演练步骤：${(step = s.step)} ——\n`);
    await print();
    if (!s.running) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  await new Promise((res) => setTimeout(res, 1500)); // let the last answers go out
  await print();
  console.log(`演练结束。机器人共发 ${total} 条（上面列出 ${shown} 条，网格群中同类的另 ${folded} 条从略），以【演练】开头的 ${marked} 条。`);
  console.log('演练中的指挥部令、线索和任务不计入 /统计、每日汇总和导出；/进度 照常可查。');
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it), for the gridrelay this script starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A gridrelay this script started: its address, and how to stop it and remove its database and queue keys. */
export interface OwnRelay {
  base: string;
  /** Stops the process (SIGTERM: it finishes in-flight sends), deletes its Redis keys and its folder. */
  stop(): Promise<void>;
}

/**
 * Starts the compiled gridrelay (`node dist/src/main.js`, as `npm start` runs it; dist/ built first when missing or
 * older than the sources) on a free port (the OS's pick) with a fresh SQLite file in a new temp folder, its own QUEUE_PREFIX,
 * QUIET_HOURS off and the demo roster, `env` over that; prints `<intro> on <address> with a fresh database in <folder>`
 * and resolves once `/healthz` answers 200.
 * @throws when the build fails, or the process exits or `/healthz` is not 200 within 60 s (the process is stopped first)
 */
async function startOwnRelay(intro: string, env: Record<string, string> = {}): Promise<OwnRelay> {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build dist/ (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'gridrelay-demo-'));
  const port = await freePort();
  const prefix = `demo${process.pid}`;
  const own = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
    // its own database and its own queue prefix, so it never meets another gridrelay on this Redis
    env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(dir, 'demo.db')}`, QUEUE_PREFIX: prefix, QUIET_HOURS: '', DEMO_ROSTER: roster, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await clearQueues(prefix);
    rmSync(dir, { recursive: true, force: true });
  };
  console.log(`${intro} on ${own} with a fresh database in ${dir}`);
  try {
    base = own;
    await until('gridrelay to start', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gridrelay exited (${child.exitCode ?? child.signalCode}) before it answered /healthz`);
      return (await healthy()) ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { base: own, stop };
}

async function main(): Promise<void> {
  if (process.argv.includes('--dingtalk')) {
    // the fake DingTalk and its own gridrelay on it, never one already running (scripts/demo-dingtalk.ts)
    const { dingtalkDay } = await import('./demo-dingtalk.js');
    await dingtalkDay({ csv, random: rng(seed), ackRate, startRelay: startOwnRelay });
    return;
  }
  let own: OwnRelay | null = null;
  if (!(await healthy())) {
    own = await startOwnRelay('no gridrelay answering; starting one');
  }
  try {
    if (process.argv.includes('--drill')) {
      await drill();
      return;
    }
    const units = csv('units.csv');
    const groupOf = Object.fromEntries(csv('groups.csv').map((g) => [g.unit_id!, g.conversation_id!]));
    const members = csv('members.csv');
    const grids = units.filter((u) => u.kind === 'grid');
    const townships = units.filter((u) => u.kind === 'township');
    const commander = members.find((m) => m.role === 'commander')!;
    const commandGroup = groupOf[units.find((u) => u.kind === 'county')!.unit_id!]!;
    const start = (await outbound()).at(-1)?.seq ?? 0;
    const t0 = Date.now();

    console.log(`\n${commander.name}（指挥长）在指挥部群发布：/令 请各网格今日18时前完成返乡人员排查，结果报乡镇指挥室`);
    await say(commandGroup, commander.member_id!, '/令 请各网格今日18时前完成返乡人员排查，结果报乡镇指挥室');
    const confirm = await until('the confirmation', async () => (await outbound(start, commandGroup)).find((m) => /已发布/.test(m.text)));
    console.log(`机器人：${confirm.text}`);
    const number = /第(\d+)号/.exec(confirm.text)![1]!;
    const targets = new Set([...grids, ...townships].map((u) => groupOf[u.unit_id!]));
    await until('the relay to reach every group', async () => {
      const reached = new Set((await outbound(start)).filter((m) => targets.has(m.conversationId) && m.text.includes(`第${number}号`)).map((m) => m.conversationId));
      return reached.size === targets.size ? true : undefined;
    });
    console.log(`下发完成：${targets.size} 个群，用时 ${((Date.now() - t0) / 1000).toFixed(1)} 秒`);

    const random = rng(seed);
    const words = ['收到', '收到！', '已收到', '收悉', '明白', '好的收到', `/收到 ${number}`, 'OK', '收到，马上落实'];
    const roles = ['grid_worker', 'grid_leader', 'grid_member'];
    let acked = 0;
    for (const t of townships) {
      const officer = members.find((m) => m.unit_id === t.unit_id && m.role === 'township_officer');
      if (officer) await say(groupOf[t.unit_id!]!, officer.member_id!, '收到');
    }
    for (const g of grids) {
      if (random() >= ackRate) continue;
      const role = roles[Math.floor(random() * roles.length)]!;
      const who = members.find((m) => m.unit_id === g.unit_id && m.role === role) ?? members.find((m) => m.unit_id === g.unit_id)!;
      await say(groupOf[g.unit_id!]!, who.member_id!, words[Math.floor(random() * words.length)]!);
      acked++;
    }
    console.log(`${townships.length} 个乡镇指挥室和 ${acked} 个网格回复了确认。`);

    const before = (await outbound(start, commandGroup)).length;
    await say(commandGroup, commander.member_id!, `/进度 ${number}`);
    const answer = await until('the /进度 answer', async () => (await outbound(start, commandGroup)).slice(before).find((m) => m.text.includes('确认进度')));
    console.log(`\n${commander.name}：/进度 ${number}\n机器人：\n${answer.text}\n`);

    // the follow-through: the whole silent list, then one chase of the silent grids
    const beforeList = (await outbound(start, commandGroup)).length;
    await say(commandGroup, commander.member_id!, `/进度 ${number} 全部`);
    const list = await until('the full silent list', async () => {
      const got = (await outbound(start, commandGroup)).slice(beforeList).filter((m) => m.text.includes('未确认名单'));
      const n = Number(/（\d+\/(\d+)）/.exec(got[0]?.text ?? '')?.[1] ?? 1);
      return got.length >= n && got.length > 0 ? got : undefined;
    });
    console.log(`${commander.name}：/进度 ${number} 全部\n机器人（${list.length} 条，每条不超过一屏）：\n${(list.find((m) => /（1\//.test(m.text)) ?? list[0]!).text.split('\n').slice(0, 4).join('\n')}\n…\n`);
    const mark = (await outbound()).at(-1)?.seq ?? 0;
    await say(commandGroup, commander.member_id!, `/催办 ${number}`);
    const chased = await until('the chase', async () => {
      const got = await outbound(mark);
      return got.some((m) => m.conversationId === commandGroup && /催办/.test(m.text)) ? got : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // let the chase's messages go out
    const chase = await outbound(mark);
    const gridGroups = new Set(grids.map((g) => groupOf[g.unit_id!]));
    const toGrids = chase.filter((m) => gridGroups.has(m.conversationId));
    const toRooms = chase.filter((m) => townships.some((t) => groupOf[t.unit_id!] === m.conversationId));
    console.log(`${commander.name}：/催办 ${number}\n机器人：${chased.find((m) => m.conversationId === commandGroup)!.text}`);
    console.log(`  → ${toGrids.length} 个未确认网格群各 1 条（@网格长、网格员），如：${toGrids[0]?.text ?? '—'}`);
    console.log(`  → ${toRooms.length} 个乡镇指挥室各 1 条，如：${toRooms[0]?.text ?? '—'}`);
    await say(commandGroup, commander.member_id!, `/催办 ${number}`);
    const refusal = await until('the second chase', async () => (await outbound(mark, commandGroup)).find((m) => /不再催办/.test(m.text)));
    console.log(`${commander.name}：/催办 ${number}（再催一次）\n机器人：${refusal.text}\n`);

    const posted = await outbound(start);
    const perGrid = grids.map((g) => posted.filter((m) => m.conversationId === groupOf[g.unit_id!]).length);
    const total = perGrid.reduce((a, b) => a + b, 0);
    console.log(`机器人在每个网格群发消息：平均 ${(total / grids.length).toFixed(2)} 条，最多 ${Math.max(...perGrid)} 条（下发 1 条 + 确认回复或催办 1 条）；全县共 ${posted.length} 条。`);

    await taskReturns({ units, groupOf, members, commandGroup, commander, random });
  } finally {
    await own?.stop();
  }
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
