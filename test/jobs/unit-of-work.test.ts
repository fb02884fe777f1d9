import { afterEach, describe, expect, it } from 'vitest';
import { jobId } from '../../src/jobs/queues.js';
import { defineTimer, type Timer } from '../../src/jobs/timers.js';
import { afterCommit, commitUnit, flushCommitted, runUnitOfWork } from '../../src/jobs/unit-of-work.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function waitUntil(pred: () => boolean, ms = 10_000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Ping {
  grid: string;
  step: number;
}

describe('unit of work', () => {
  it('runs after-commit hooks once, after the flush; drops them on rollback; refuses them outside a unit', async () => {
    const app = await buildTestApp({ roster: false });
    apps.push(app);
    const seen: string[] = [];
    const hook = () => void seen.push('hook');
    const id = await runUnitOfWork(app.deps, async (tx) => {
      afterCommit(hook);
      afterCommit(hook); // the same hook twice: runs once
      return await app.deps.outbox.store(tx, { conversationId: 'cid-x', text: '一条' });
    });
    expect(id).toBeGreaterThan(0);
    expect(seen).toEqual(['hook']);

    await expect(
      runUnitOfWork(app.deps, async (tx) => {
        afterCommit(() => void seen.push('rolled back'));
        await app.deps.outbox.store(tx, { conversationId: 'cid-x', text: '不会存下' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await flushCommitted(app.deps);
    expect(seen).toEqual(['hook']);

    // deferred flush: two units, one flush, hooks in the order noted
    await commitUnit(app.deps, () => afterCommit(() => void seen.push('a')));
    await commitUnit(app.deps, () => afterCommit(() => void seen.push('b')));
    expect(seen).toEqual(['hook']);
    await flushCommitted(app.deps);
    expect(seen).toEqual(['hook', 'a', 'b']);

    expect(() => afterCommit(() => {})).toThrow(/outside a unit of work/);
  });

  it('a typed timer gets its data without casts, builds its ids, and its handler may note after-commit work', async () => {
    const app = await buildTestApp({ roster: false });
    apps.push(app);
    const fired: Timer<Ping>[] = [];
    const after: string[] = [];
    const ping = defineTimer<Ping, TestApp['deps']>(
      'test.ping',
      (deps, timer, f) => {
        expect(deps.db).toBe(app.db);
        expect(f.late).toBe(false);
        fired.push(timer);
        afterCommit(() => void after.push(timer.id));
      },
      { id: (d) => `ping-${d.grid}-s${d.step}` },
    );
    app.timers.register(app.deps, ping);
    expect(() => app.timers.register(app.deps, ping)).toThrow(/registered twice/);
    expect(ping.id({ grid: 'G1', step: 2 })).toBe('ping-G1-s2');

    const soon = new Date(Date.now() + 300);
    await runUnitOfWork(app.deps, async () => {
      expect(await ping.schedule(app.deps, soon, { grid: 'G1', step: 1 })).toBe(true);
      expect(await ping.schedule(app.timers, soon, { grid: 'G2', step: 1 }, { urgent: true })).toBe(true);
      expect(await ping.schedule(app.deps, soon, { grid: 'G3', step: 1 }, { id: 'ping-own-id' })).toBe(true);
      expect((await ping.pendingDue(app.deps, soon, 'ping-G1-s1')).map((t) => t.data.grid).sort()).toEqual(['G2', 'G3']);
      expect(await ping.cancel(app.deps, 'ping-G2', { prefix: true })).toBe(1);
      expect(await ping.isPending(app.deps, 'ping-G2-s1')).toBe(false);
    });
    await waitUntil(() => fired.length === 2 && after.length === 2);
    expect(fired.map((t) => [t.id, t.kind, t.data.grid, t.data.step]).sort()).toEqual([
      ['ping-G1-s1', 'test.ping', 'G1', 1],
      ['ping-own-id', 'test.ping', 'G3', 1],
    ]);
    expect(after.sort()).toEqual(['ping-G1-s1', 'ping-own-id']);
  });

  it('job ids carry the instance id and refuse what BullMQ forbids', () => {
    expect(jobId('timers', '3f9a1c2b7d40', 'dir-17-r1-s2', 'v1')).toBe('tm-3f9a1c2b7d40-dir-17-r1-s2-v1');
    expect(jobId('outbox', '3f9a1c2b7d40', 42)).toBe('ob-3f9a1c2b7d40-42');
    expect(jobId('reports', '3f9a1c2b7d40')).toBe('daily-digest-3f9a1c2b7d40');
    expect(() => jobId('receipts', '3f9a1c2b7d40', 'dir:17', 1)).toThrow(/bad job id/);
  });
});
