/**
 * The process killed (SIGKILL) in the middle of a relay and started again on the same database finishes
 * the relay: every target group reached, none twice (console adapter).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomPrefix, testDatabaseUrl } from './helpers/app.js';
import { county } from './helpers/console.js';

const c = county();
const dir = mkdtempSync(join(tmpdir(), 'gridrelay-restart-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const ch of children) ch.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

describe('restart mid-relay', () => {
  it('finishes the relay after a crash: all 762 groups reached, none twice', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl(dir),
      QUEUE_PREFIX: randomPrefix(),
      QUIET_HOURS: '',
      OUTBOX_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
    };
    const launch = async () => {
      // one process (node with tsx's loader), so SIGKILL kills the server itself, not a wrapper
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: 'ignore' });
      children.push(child);
      for (let i = 0; i < 200; i++) {
        try {
          if ((await fetch(`${base}/healthz`)).ok) return child;
        } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('gridrelay did not start');
    };
    const relays = async () => {
      const all: { seq: number; conversationId: string; text: string }[] = [];
      for (let after = 0; ; ) {
        const r = (await (await fetch(`${base}/console/v1/outbound?after=${after}`)).json()) as { messages: typeof all };
        if (!r.messages.length) break;
        all.push(...r.messages);
        after = r.messages[r.messages.length - 1]!.seq;
      }
      return all.filter((m) => m.text.startsWith('【指挥部令'));
    };

    const first = await launch(); // empty database: loads the demo county
    await fetch(`${base}/console/v1/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: c.commandGroup, senderId: c.commander, text: '/令 中断测试' }),
    });
    let sentBeforeCrash = 0;
    for (let i = 0; i < 2000 && sentBeforeCrash < 40; i++) {
      sentBeforeCrash = (await relays()).length;
      if (sentBeforeCrash < 40) await new Promise((r) => setTimeout(r, 10));
    }
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow(); // really gone
    expect(sentBeforeCrash).toBeGreaterThanOrEqual(40);
    expect(sentBeforeCrash).toBeLessThan(762); // the crash really was mid-relay

    await launch();
    let got: Awaited<ReturnType<typeof relays>> = [];
    for (let i = 0; i < 600; i++) {
      got = await relays();
      if (new Set(got.map((m) => m.conversationId)).size >= 762) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const targets = new Set([...c.grids, ...c.townships].map((u) => c.groupOf[u.unit_id!]));
    expect(new Set(got.map((m) => m.conversationId))).toEqual(targets);
    expect(got).toHaveLength(762);
  }, 120_000);
});
