import { eq } from 'drizzle-orm';
import { until } from '../helpers/wait.js';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTx } from '../../src/db/client.js';
import { timers } from '../../src/db/schema/index.js';
import { quietUntil } from '../../src/time/quiet.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { testTimer, type NoData } from '../helpers/timers.js';
import { defineTimer } from '../../src/jobs/timers.js';

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

describe('timers', () => {
  it('fire once at their due time, and a moved timer fires only at its new time', async () => {
    const app = await buildTestApp({ roster: false });
    apps.push(app);
    const fired: string[] = [];
    const kind = testTimer((t) => fired.push(t.id));
    app.timers.register(app.deps, kind);
    const now = Date.now();
    await writeTx(app.db, async () => {
            await kind.schedule(app.deps, new Date(now + 300), {}, { id: 'a-1' });
            await kind.schedule(app.deps, new Date(now + 300), {}, { id: 'b-1' });
    });
    await app.timers.flush();
    await writeTx(app.db, async () => await kind.schedule(app.deps, new Date(now + 1500), {}, { id: 'b-1' }));
    await app.timers.flush();
    await waitUntil(() => fired.includes('a-1'));
    expect(fired).toEqual(['a-1']);
    await waitUntil(() => fired.includes('b-1'));
    await app.timers.resync(); // a re-queue after firing does nothing
    await new Promise((r) => setTimeout(r, 300));
    expect(fired).toEqual(['a-1', 'b-1']);
  });

  it('a cancelled timer never fires', async () => {
    const app = await buildTestApp({ roster: false });
    apps.push(app);
    const fired: string[] = [];
    const kind = testTimer((t) => fired.push(t.id));
    app.timers.register(app.deps, kind);
    await writeTx(app.db, async () => {
            await kind.schedule(app.deps, new Date(Date.now() + 200), {}, { id: 'c-1-s1' });
            await kind.schedule(app.deps, new Date(Date.now() + 200), {}, { id: 'c-1-s2' });
            await kind.schedule(app.deps, new Date(Date.now() + 400), {}, { id: 'keep' });
            expect(await kind.cancel(app.deps, 'c-1', { prefix: true })).toBe(2);
    });
    await app.timers.flush();
    await waitUntil(() => fired.includes('keep'));
    expect(fired).toEqual(['keep']);
  });

  it('two apps on the same database and queue fire a timer exactly once', async () => {
    const a = await buildTestApp({ roster: false });
    apps.push(a);
    const b = await buildTestApp({ roster: false, config: a.config, dir: a.dir });
    apps.push(b);
    const fired: string[] = [];
    const kindA = testTimer((t) => fired.push(`a:${t.id}`));
    a.timers.register(a.deps, kindA);
    b.timers.register(b.deps, testTimer((t) => fired.push(`b:${t.id}`)));
    const due = new Date(Date.now() + 300);
    await writeTx(a.db, async () => {
            for (let i = 0; i < 20; i++) await kindA.schedule(a.deps, due, {}, { id: `x-${i}` });
    });
    await a.timers.flush();
    await b.timers.resync();
    await waitUntil(() => fired.length >= 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(fired.map((f) => f.slice(2)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `x-${i}`).sort());
  });

  it('timers that fold the others due with them (task reminders, ladder steps, SLA checks) fire as one bundle across two apps, none failing', async () => {
    const a = await buildTestApp({ roster: false });
    apps.push(a);
    const b = await buildTestApp({ roster: false, config: a.config, dir: a.dir });
    apps.push(b);
    const bundles: string[][] = [];
    const errors: unknown[] = [];
    // as workflows/task/reminders.ts: the firing timer takes over every other one due by then, cancelling each
    const bundling = () =>
      defineTimer<NoData, TestApp['deps']>(
        'test.bundling',
        async (deps, timer, fired) => {
          const bundle = [timer.id];
          try {
            for (const t of await kindA.pendingDue(deps, fired.at, timer.id)) if (await kindA.cancel(deps, t.id) === 1) bundle.push(t.id);
          } catch (err) {
            errors.push(err);
            throw err;
          }
          bundles.push(bundle.sort());
        },
        { bundles: true },
      );
    const kindA = bundling();
    a.timers.register(a.deps, kindA);
    b.timers.register(b.deps, bundling());
    const ids = Array.from({ length: 20 }, (_, i) => `fold-${String(i).padStart(2, '0')}`);
    const due = new Date(Date.now() + 400);
    await writeTx(a.db, async () => {
      for (const id of ids) await kindA.schedule(a.deps, due, {}, { id });
    });
    await a.timers.flush();
    await b.timers.resync();
    await until('every timer fired or folded', async () => (bundles.flat().length >= 20 ? true : null), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(errors).toEqual([]);
    // one message for all twenty, as a grid with twenty open tasks gets one reminder listing them
    expect(bundles).toEqual([ids]);
  });

  it('a timer that was due while nothing ran fires on start, marked late', async () => {
    const app = await buildTestApp({ roster: false });
    const fired: boolean[] = [];
    await writeTx(app.db, async () => await testTimer().schedule(app.deps, new Date(Date.now() - 5 * 60_000), {}, { id: 'old-1' }));
    // not flushed: as if Redis lost it; stop, then start again on the same database
    const { config, dir } = app;
    await app.stop();
    const again = await buildTestApp({ roster: false, config, dir });
    apps.push(again);
    again.timers.register(again.deps, testTimer((_t, f) => fired.push(f.late)));
    await again.timers.resync();
    await waitUntil(() => fired.length === 1);
    expect(fired).toEqual([true]);
    // the row is marked after the handler ran (its own commit): wait for it rather than read it at once
    const lateOf = async () => (await again.db.select().from(timers).where(eq(timers.id, 'old-1')))[0]?.late;
    await until('the row marked late', async () => ((await lateOf()) === true ? true : null));
    expect(await lateOf()).toBe(true);
  });
});

describe('quiet hours', () => {
  const q = { startMin: 22 * 60, endMin: 7 * 60 };
  it('delay a time inside 22:00-07:00 (Asia/Shanghai) to 07:00 and leave daytime alone', () => {
    expect(quietUntil(new Date('2026-11-29T15:30:00Z'), q, 'Asia/Shanghai')?.toISOString()).toBe('2026-11-29T23:00:00.000Z'); // 23:30 → 07:00
    expect(quietUntil(new Date('2026-11-29T20:10:00Z'), q, 'Asia/Shanghai')?.toISOString()).toBe('2026-11-29T23:00:00.000Z'); // 04:10 → 07:00
    expect(quietUntil(new Date('2026-11-29T02:00:00Z'), q, 'Asia/Shanghai')).toBeNull(); // 10:00
    expect(quietUntil(new Date('2026-11-29T15:30:00Z'), null, 'Asia/Shanghai')).toBeNull();
  });
});
