/**
 * The compiled gridrelay (`npm start` = `node dist/src/main.js`): built by `npm run build` (here only when dist/ is
 * missing or older than the sources: `scripts/build.mjs --if-stale`, ~25 s), started as `npm start` would on a fresh
 * SQLite file with the console platform and its own queue prefix, it loads the demo roster (DEMO_ROSTER relative to
 * the working directory), answers `/healthz`, answers `/帮助` in chat, and serves the files the build copies
 * (the dashboard page) and those it finds from the package root (the migrations, or start-up would fail), prints the
 * web console's URL and serves the page Vite built into dist/console/.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
