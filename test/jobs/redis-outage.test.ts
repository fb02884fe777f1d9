/**
 * Redis really stopped across a reminder's due time (a Redis of its own, started and killed by this
 * test; it keeps nothing on disk, so it comes back empty): when it is back, the reminder fires once,
 * marked late — the timers table in SQLite is the truth and is re-queued on reconnect.
 */
import { sqliteClient } from '../../src/db/client.js';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startRedis } from '../helpers/redis.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor, type Posted } from '../helpers/console.js';

const c = county();
const G = 'T01-V01-G1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reminders = (msgs: Posted[]) => msgs.filter((m) => m.text.startsWith('⏰'));

let redis: ChildProcess | null = null;
let app: TestApp | null = null;
afterEach(async () => {
  await app?.close().catch(() => {});
  redis?.kill('SIGKILL');
});


describe('Redis down at the due time', () => {
  it('a task reminder due while Redis was down fires once when it is back, marked late', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    let shift = 0;
    app = await buildTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, TASK_REMIND_BEFORE: '3s' }, now: () => new Date(Date.now() + shift) });
    const confirm = await ask(app.http, c.commandGroup, c.commander, `/任务 排查返乡人员 截止:5秒内 范围:周家坞村第1网格`);
    expect(confirm).toContain('已下达 专项任务');
    await waitFor(app.http, c.groupOf[G], (m) => m.some((x) => x.text.includes('排查返乡人员')));

    redis.kill('SIGKILL'); // Redis goes away, and with it every queued job
    redis = null;
    await sleep(6000); // past the reminder (+2 s) and the deadline (+5 s)
    expect(reminders(await outbound(app.http, c.groupOf[G]))).toHaveLength(0);

    shift = 2 * 60_000; // it is back "two minutes later"
    redis = await startRedis(port);
    const got = await waitFor(app.http, c.groupOf[G], (m) => reminders(m).length >= 1, 30_000);
    expect(reminders(got)).toHaveLength(1);
    await waitFor(app.http, c.groupOf['T01'], (m) => m.some((x) => x.text.startsWith('⚠️')), 30_000);
    await sleep(1000);
    expect(reminders(await outbound(app.http, c.groupOf[G]))).toHaveLength(1);
    const fired = sqliteClient(app.db).prepare(`select id, late from timers where id like 'task-%' order by id`).all() as { id: string; late: number }[];
    expect(fired.map((t) => t.late)).toEqual([1, 1]);
  }, 90_000);
});
