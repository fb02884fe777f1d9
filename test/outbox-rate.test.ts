/**
 * The outbox's per-conversation rate: a sliding window shared through Redis, so no window of the
 * configured length ever holds more than the configured number of sends — also with two workers —
 * and nothing is dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeTx } from '../src/db/client.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { county, outbound, waitFor } from './helpers/console.js';

const c = county();
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('per-conversation send rate', () => {
  it('never more than 3 sends in any 1 s to one group, across two workers, none lost; other groups unaffected', async () => {
    const a = await buildTestApp({ env: { CONSOLE_GROUP_RATE: '3/s' } });
    apps.push(a);
    const b = await buildTestApp({ roster: false, config: a.config, dir: a.dir });
    apps.push(b);
    const busy = c.commandGroup;
    const quiet = c.groupOf['T01']!;
    await writeTx(a.db, async () => {
            for (let i = 0; i < 10; i++) await a.outbox.store(a.db, { conversationId: busy, text: `消息${i}`, dedupKey: `rate-${i}` });
            await a.outbox.store(a.db, { conversationId: quiet, text: '另一个群', dedupKey: 'rate-other' });
    });
    const t0 = Date.now();
    await a.outbox.flush();
    const other = await waitFor(a.http, quiet, (m) => m.length === 1, 5_000);
    expect(Date.parse(other[0]!.sentAt) - t0).toBeLessThan(1500);
    const sent = await waitFor(a.http, busy, (m) => m.length === 10, 20_000);
    expect(new Set(sent.map((m) => m.text)).size).toBe(10);
    const times = sent.map((m) => Date.parse(m.sentAt)).sort((x, y) => x - y);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(3);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(3000); // 10 at 3/s take at least three windows
    expect((await outbound(a.http, busy)).length).toBe(10);
  });
});
