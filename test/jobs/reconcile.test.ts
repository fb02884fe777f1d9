/**
 * Start-up reconciliation of BullMQ with SQLite — what a restored backup (same database, same instance
 * id) finds in Redis: jobs of timers, messages and task series the backup does not have, a job due at
 * another time than its row, a send that failed for good while its row is still pending. Jobs of
 * another database are never touched.
 */
import { eq } from 'drizzle-orm';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceId, writeTx } from '../../src/db/client.js';
import { outboundMessages, timers as timersTable } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { outbound } from '../helpers/console.js';
import { testTimer } from '../helpers/timers.js';
import { until } from '../helpers/wait.js';

const apps: TestApp[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  for (const c of closers.splice(0)) await c();
});

const HOUR = 3600_000;

/** A BullMQ handle on queue `name` of `app`'s Redis prefix, closed after the test. */
function queueOf(app: TestApp, name: string): Queue {
  const connection = new Redis(app.config.REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue(name, { connection, prefix: app.config.QUEUE_PREFIX });
  closers.push(async () => {
    await q.close();
    await connection.quit();
  });
  return q;
}

describe('start-up reconciliation', () => {
  it('timers: a job with no pending row is removed, a job due an hour after its row is replaced so the timer fires on time, another database’s job stays', async () => {
    const first = await buildTestApp({ roster: false });
    const { config, dir } = first;
    const inst = instanceId(first.db);
    const name = first.timers.queue.name;
    const due = new Date(Date.now() + 2500);
    // the row says: fire in 2.5 s (not flushed: the queued job is the one below)
    await writeTx(first.db, async () => await testTimer().schedule(first.deps, due, {}, { id: 'moved-1' }));
    await first.stop();

    // what a newer copy of this database left in Redis
    const q = queueOf(first, name);
    const opts = { delay: HOUR, removeOnComplete: true };
    await q.add('test.kind', { timerId: 'moved-1', version: 1 }, { ...opts, jobId: `tm-${inst}-moved-1-v1` });
    await q.add('test.kind', { timerId: 'gone-1', version: 1 }, { ...opts, jobId: `tm-${inst}-gone-1-v1` });
    await q.add('test.kind', { timerId: 'moved-1', version: 1 }, { ...opts, jobId: 'tm-0123456789ab-moved-1-v1' });

    const app = await buildTestApp({ roster: false, config, dir });
    apps.push(app);
    const fired: { id: string; at: number }[] = [];
    app.timers.register(app.deps, testTimer((t) => void fired.push({ id: t.id, at: Date.now() })));
    expect(await q.getJob(`tm-${inst}-gone-1-v1`)).toBeUndefined();
    expect(await q.getJob('tm-0123456789ab-moved-1-v1')).toBeDefined(); // not ours: left alone
    await until('the moved timer fired', () => fired.length > 0, 20_000);
    expect(fired.map((f) => f.id)).toEqual(['moved-1']);
    expect(fired[0]!.at).toBeGreaterThanOrEqual(due.getTime() - 50);
  });

  it('task series: a scheduler of a series the database does not have is removed; another database’s stays', async () => {
    const first = await buildTestApp({ roster: false });
    const { config, dir } = first;
    const inst = instanceId(first.db);
    await first.stop();
    const q = queueOf(first, `task-series-${inst}`);
    const tmpl = { name: 'occurrence', data: { seriesId: 99 } };
    await q.upsertJobScheduler(`tser-${inst}-99`, { every: HOUR, startDate: Date.now() + HOUR }, tmpl);
    await q.upsertJobScheduler('tser-0123456789ab-99', { every: HOUR, startDate: Date.now() + HOUR }, tmpl);

    const app = await buildTestApp({ roster: false, config, dir });
    apps.push(app);
    expect((await q.getJobSchedulers(0, -1)).map((j) => j.key)).toEqual(['tser-0123456789ab-99']);
  });

  it('task series: a pending task.series-sync timer an older version left is cancelled at start, not failed for want of a handler', async () => {
    const first = await buildTestApp({ roster: false });
    const { config, dir } = first;
    await first.db.insert(timersTable).values({ id: 'tser-7-sync', kind: 'task.series-sync', data: {}, dueAt: new Date(Date.now() - 1000), urgent: true, createdAt: new Date() });
    await first.stop();

    const app = await buildTestApp({ roster: false, config, dir });
    apps.push(app);
    expect((await app.db.select().from(timersTable).where(eq(timersTable.id, 'tser-7-sync')))[0]?.status).toBe('cancelled');
    expect(await app.timers.queue.getFailedCount()).toBe(0);
  });

  it('outbox: a queued send of a row already sent is dropped; a pending row whose job failed for good is sent once', async () => {
    const first = await buildTestApp({ roster: false });
    const { config, dir } = first;
    const inst = instanceId(first.db);
    const name = first.outbox.queue.name;
    // stored but not flushed; then the process stops before the worker saw them
    const [pendingId, sentId] = await writeTx(first.db, async () => [
          (await first.outbox.store(first.db, { conversationId: 'cid-a', text: '仍待发送' }))!,
          (await first.outbox.store(first.db, { conversationId: 'cid-b', text: '已经发过' }))!,
    ]);
    await first.db.update(outboundMessages).set({ status: 'sent', sentAt: new Date() }).where(eq(outboundMessages.id, sentId));
    await first.stop();

    // Redis holds a failed job for the pending row and a queued one for the sent row
    const q = queueOf(first, name);
    await q.add('send', { outboxId: pendingId }, { jobId: `ob-${inst}-${pendingId}`, attempts: 12, removeOnFail: 1000 });
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const w = new Worker(name, async () => { throw new UnrecoverableError('stalled too often'); }, { connection, prefix: config.QUEUE_PREFIX });
    await until('the job failed', async () => (await q.getJob(`ob-${inst}-${pendingId}`))?.failedReason);
    await w.close();
    await connection.quit();
    await q.add('send', { outboxId: sentId }, { jobId: `ob-${inst}-${sentId}`, delay: HOUR });

    const app = await buildTestApp({ roster: false, config, dir });
    apps.push(app);
    expect(await q.getJob(`ob-${inst}-${sentId}`)).toBeUndefined();
    const posted = await until('the pending message sent', async () => {
      const all = await outbound(app.http);
      return all.length > 0 ? all : null;
    });
    expect(posted.map((m) => m.text)).toEqual(['仍待发送']);
    expect((await app.db.select().from(outboundMessages).where(eq(outboundMessages.id, pendingId)))[0]?.status).toBe('sent');
  });

  it('outbox: queued sends without a priority (queued before lanes) get their lane’s priority at start', async () => {
    const first = await buildTestApp({ roster: false });
    const { config, dir } = first;
    const inst = instanceId(first.db);
    const name = first.outbox.queue.name;
    // stored as the outbox stores them, but not queued (the jobs are the ones below)
    const stored = await first.db
      .insert(outboundMessages)
      .values([
        { conversationId: 'cid-a', text: '答复', lane: 1, createdAt: new Date() },
        { conversationId: 'cid-b', text: '转发', lane: 3, createdAt: new Date() },
      ])
      .returning({ id: outboundMessages.id });
    const [replyId, bulkId] = stored.map((r) => r.id) as [number, number];
    await first.stop();
    const q = queueOf(first, name);
    // as an older version queued them: no priority (BullMQ would run them before every prioritized job); due later
    for (const id of [replyId, bulkId]) await q.add('send', { outboxId: id }, { jobId: `ob-${inst}-${id}`, delay: HOUR });

    const app = await buildTestApp({ roster: false, config, dir });
    apps.push(app);
    expect((await q.getJob(`ob-${inst}-${replyId}`))?.priority).toBe(1);
    expect((await q.getJob(`ob-${inst}-${bulkId}`))?.priority).toBe(3);
    const rows = await app.db.select({ id: outboundMessages.id, lane: outboundMessages.lane }).from(outboundMessages);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.lane]))).toEqual({ [replyId]: 1, [bulkId]: 3 });
  });
});
