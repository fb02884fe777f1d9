/**
 * A second database on a queue prefix an earlier one used (a re-created database, staging beside
 * production on one Redis): app A issues directive 1 with the default 15-minute ladder and stops; app B,
 * on a fresh database with the same QUEUE_PREFIX and a short ladder, issues its own directive 1 that
 * nobody acknowledges. B's reminders, township lists and roll-up come on B's times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';

const c = county();
const apps: TestApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const town = c.townships.at(-1)!;
const gridsOf = (tid: string) => c.grids.filter((g) => c.units.find((v) => v.unit_id === g.parent_id)!.parent_id === tid);

describe('a fresh database on a used queue prefix', () => {
  it('gets its own reminders, township list and roll-up although an earlier database left directive 1’s timers in Redis', async () => {
    const a = await buildTestApp(); // default ladder: 15 min / 30 min / 60 min
    apps.push(a);
    expect(await ask(a.http, c.commandGroup, c.commander, `/令 范围:${town.name} 请复核本乡重点人员`)).toMatch(/第1号/);
    const aQueued = await a.timers.queue.getDelayedCount();
    expect(aQueued).toBeGreaterThan(0);
    await a.stop(); // its directive-1 timers stay queued in Redis, 15 minutes out

    const dirB = mkdtempSync(join(tmpdir(), 'gridrelay-test-'));
    dirs.push(dirB);
    const config = testConfig(dirB, { QUEUE_PREFIX: a.config.QUEUE_PREFIX, ACK_REMIND_AFTER: '2s', ACK_ESCALATE_AFTER: '4s', ACK_ESCALATE_COUNTY_AFTER: '5s' });
    const b = await buildTestApp({ config, dir: dirB });
    apps.push(b);
    expect(await ask(b.http, c.commandGroup, c.commander, `/令 范围:${town.name} 请复核本乡重点人员`)).toMatch(/第1号/);

    const grids = gridsOf(town.unit_id!);
    const reminded = (ms: { conversationId: string; text: string }[]) => new Set(ms.filter((m) => m.text.startsWith('【提醒】')).map((m) => m.conversationId));
    const all = await waitFor(b.http, undefined, (ms) => grids.every((g) => reminded(ms).has(c.groupOf[g.unit_id!]!)), 20_000);
    expect(reminded(all).size).toBeGreaterThanOrEqual(grids.length);
    await waitFor(b.http, c.groupOf[town.unit_id!], (ms) => ms.some((m) => m.text.startsWith('【逾期未确认】')), 20_000);
    await waitFor(b.http, c.commandGroup, (ms) => ms.some((m) => m.text.startsWith('【超时未确认汇总】')), 20_000);

    // A's directive-1 timers are still queued for A: B's start-up reconciliation left them alone
    expect(b.timers.queue.name).not.toBe(a.timers.queue.name);
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const qa = new Queue(a.timers.queue.name, { connection, prefix: config.QUEUE_PREFIX });
    try {
      expect(await qa.getDelayedCount()).toBe(aQueued);
    } finally {
      await qa.close();
      await connection.quit();
    }
  }, 60_000);
});
