/**
 * Fault: Redis dies (it keeps nothing on disk, so it comes back empty) while people keep writing.
 * Every message posted during the outage is accepted (202, stored in SQLite), every one is answered
 * once Redis is back, replies owed from before the outage are not lost with Redis's queue, and the
 * directive's reminder, due during the outage, fires once in each silent grid.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startRedis } from '../helpers/redis.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, say, waitFor } from '../helpers/console.js';
import { recordFault } from './record.js';

const c = county();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: ChildProcess | null = null;
let app: TestApp | null = null;
afterEach(async () => {
  await app?.close().catch(() => {});
  redis?.kill('SIGKILL');
});


describe('Redis outage while people write', () => {
  it('accepts every message during the outage, answers each once after, and fires each reminder once', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    app = await buildTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, CONSOLE_GROUP_RATE: '1/s', ACK_REMIND_AFTER: '4s', ACK_ESCALATE_AFTER: '60m', ACK_ESCALATE_COUNTY_AFTER: '120m' } });
    const town = c.townships[0]!;
    const confirm = await ask(app.http, c.commandGroup, c.commander, `/令 范围:${town.name} 请复核本乡重点人员`);
    expect(confirm).toMatch(/第\s*\d+\s*号/);
    const grids = c.grids.map((g) => g.unit_id!).filter((id) => id.startsWith(`${town.unit_id}-`));
    const cid = (g: string) => c.groupOf[g]!;
    await waitFor(app.http, undefined, (m) => grids.every((g) => m.some((x) => x.conversationId === cid(g))), 30_000);

    // three questions in the command group, answered one per second (the group's send rate): two answers
    // are still waiting in Redis's queue when it dies
    const cmdBefore = (await outbound(app.http, c.commandGroup)).length;
    for (let i = 0; i < 3; i++) await say(app.http, c.commandGroup, c.commander, '/进度 1');
    await waitFor(app.http, c.commandGroup, (m) => m.length > cmdBefore, 10_000);
    redis.kill('SIGKILL');
    redis = null;
    await sleep(300);
    // half the grids acknowledge during the outage, in the grid group, as their grid worker
    const acking = grids.slice(0, Math.ceil(grids.length / 2));
    const silent = grids.slice(acking.length);
    let accepted = 0;
    for (const g of acking) {
      const r = await say(app.http, cid(g), c.memberOf(g, 'grid_worker'), '收到');
      if (r.status === 202) accepted++;
    }
    await sleep(5000); // past the reminder's due time (+4 s) with Redis still down
    redis = await startRedis(port);

    // every acknowledgement is answered once, every silent grid reminded once, acknowledged ones not at all
    const all = await waitFor(
      app.http,
      undefined,
      (m) =>
        m.filter((x) => x.conversationId === c.commandGroup).length >= cmdBefore + 3 &&
        acking.every((g) => m.filter((x) => x.conversationId === cid(g)).length >= 2) &&
        silent.every((g) => m.some((x) => x.conversationId === cid(g) && x.text.startsWith('【提醒】'))),
      45_000,
    );
    await sleep(1500);
    const after = await outbound(app.http);
    const answered = acking.filter((g) => after.filter((x) => x.conversationId === cid(g)).length === 2).length;
    const remindedOnce = silent.filter((g) => after.filter((x) => x.conversationId === cid(g) && x.text.startsWith('【提醒】')).length === 1).length;
    const wronglyReminded = acking.filter((g) => after.some((x) => x.conversationId === cid(g) && x.text.startsWith('【提醒】'))).length;
    const owed = after.filter((x) => x.conversationId === c.commandGroup).length - cmdBefore;
    recordFault('Redis outage: replies queued before it, sent after', owed, 'of 3')
    recordFault('Redis outage: messages accepted during it', accepted, `of ${acking.length} posted`);
    recordFault('Redis outage: messages answered once after it', answered, `of ${acking.length}`);
    recordFault('Redis outage: reminders fired exactly once', remindedOnce, `of ${silent.length} silent grids`);
    recordFault('Redis outage: acknowledged grids reminded anyway', wronglyReminded, 'expected 0');
    expect(all.length).toBeGreaterThan(0);
    expect(accepted).toBe(acking.length);
    expect(answered).toBe(acking.length);
    expect(remindedOnce).toBe(silent.length);
    expect(wronglyReminded).toBe(0);
  }, 120_000);
});
