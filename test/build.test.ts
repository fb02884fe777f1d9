/**
 * The compiled gridrelay (`npm start` = `node dist/src/main.js`): built by `npm run build` (here only when dist/ is
 * missing or older than the sources: `scripts/build.mjs --if-stale`, ~25 s), started as `npm start` would on a fresh
 * SQLite file with the console platform and its own queue prefix, it loads the demo roster (DEMO_ROSTER relative to
 * the working directory), answers `/healthz`, answers `/帮助` in chat, and serves the files the build copies
 * (the dashboard page) and those it finds from the package root (the migrations, or start-up would fail), prints the
 * web console's URL and serves the page Vite built into dist/console/. And `npm run demo -- --dingtalk` (the demo county's
 * day on the fake DingTalk with cards on, scripts/demo-dingtalk.ts) runs through against that build (~25 s).
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomPrefix } from './helpers/app.js';
import { county } from './helpers/console.js';
import { DIST_ENTRY, launchRelay, REPO_ROOT, type RelayProcess } from './helpers/processes.js';
import { until } from './helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'gridrelay-build-'));
const prefix = randomPrefix();
const children: ChildProcess[] = [];
let relay: RelayProcess;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT, stdio: 'pipe' });
  relay = await launchRelay(
    { DATABASE_URL: `file:${join(dir, 'gridrelay.db')}`, QUEUE_PREFIX: prefix, QUIET_HOURS: '', LOG_LEVEL: 'warn', DEMO_ROSTER: 'examples/demo-county' },
    { command: DIST_ENTRY, logFile: join(dir, 'relay.log'), children, upWithinMs: 30_000 },
  );
}, 120_000);

afterAll(async () => {
  await relay?.kill();
  for (const ch of children) if (ch.exitCode === null && ch.signalCode === null) ch.kill('SIGKILL');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
  } catch {
    // keys left behind only take space: the prefix is fresh
  } finally {
    redis.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start (compiled dist/)', () => {
  it('is healthy on SQLite with the console platform', async () => {
    const h = await relay.health();
    expect(h).toMatchObject({ status: 'ok', database: { dialect: 'sqlite' }, platform: { name: 'console', ok: true } });
  });

  it('answers /帮助 in the command group of the demo roster it loaded', async () => {
    const c = county();
    const group = c.groupOf[c.units.find((u) => u.kind === 'county')!.unit_id!]!;
    const commander = c.members.find((m) => m.role === 'commander')!.member_id!;
    const r = await fetch(`${relay.base}/console/v1/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: group, senderId: commander, text: '/帮助', msgId: `build-${process.pid}` }),
    });
    expect(r.status).toBe(202);
    const answer = await until(
      'the /帮助 answer',
      async () => ((await (await fetch(`${relay.base}/console/v1/outbound?conversationId=${group}&after=0`)).json()) as { messages: { text: string }[] }).messages[0],
      20_000,
    );
    expect(answer.text).toMatch(/\/令/);
  });

  it("prints the web console's URL and serves the page the build made", async () => {
    const url = `${relay.base}/console/`;
    await until('the console URL in the log', async () => readFileSync(relay.logFile, 'utf8').includes(`网页控制台 / web console: ${url}`) || undefined, 10_000);
    const r = await fetch(url);
    expect(r.status).toBe(200);
    const html = await r.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(relay.base + script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves the dashboard page copied beside its JavaScript', async () => {
    const r = await fetch(`${relay.base}/dashboard`);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/<html/i);
  });
});

describe('npm run demo -- --dingtalk', () => {
  it('runs the day on the fake DingTalk with cards on: 762 relay cards, presses shown on the cards, reminder cards that @ the silent grids’ leader and worker', async () => {
    // as `npm run demo -- --dingtalk` runs it (tsx); it starts its own fake and gridrelay from the dist/ built above
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--dingtalk'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEMO_SEED: '17' },
      timeout: 100_000,
      maxBuffer: 16 << 20,
    });
    expect(stdout).toMatch(/\/healthz：平台 dingtalk，卡片 on，@ 方式 card/);
    expect(stdout).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    expect(stdout).toContain('互动卡片 762 张 —— 乡镇指挥室 15 张、网格群 747 张；以文字下发 0 条');
    const [, pressed, typed, acked] = /(\d+) 个网格按了卡片上的「收到」，(\d+) 个网格在群里打字回复（共 (\d+)\/747 个网格），然后 15 个乡镇指挥室按了「收到」/.exec(stdout) ?? [];
    expect(Number(pressed) + Number(typed)).toBe(Number(acked));
    expect(Number(pressed)).toBeGreaterThan(600);
    expect(Number(typed)).toBeGreaterThan(0);
    expect(stdout).toMatch(/卡片公开状态（群里人人看到）：已确认 · \p{Script=Han}+ \d\d:\d\d\n/u);
    expect(stdout).toMatch(/按钮「已确认」（不可再按）/);
    expect(stdout).toMatch(/本乡镇网格已确认 [1-9]\d*\/\d+/);
    expect(stdout).toContain(`网格：${acked}/747`);
    const silent = 747 - Number(acked);
    expect(stdout).toContain(`${silent} 个网格未确认`);
    // every reminder card went to a silent grid and @s exactly its 网格长 and 网格员; nothing @所有人
    expect(stdout).toMatch(new RegExp(`提醒卡片 ${silent} 张（[^）]+），${silent} 张发到未确认的网格群；${silent} 张的投放（atUserIds）正好 @ 了本网格的网格长和网格员；@所有人 0 次`));
    expect(stdout).toMatch(/@\p{Script=Han}+（网格长） @\p{Script=Han}+（网格员） 【提醒】/u);
    expect(stdout).toMatch(/群消息（文字）0 次/);
  }, 120_000);
});
