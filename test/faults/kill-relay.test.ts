/**
 * kill -9 mid-relay against the local fake DingTalk: a real gridrelay process relays a county-wide
 * `/令` (762 groups) and is killed (SIGKILL) at a random moment while sending, then started again on
 * the same database. Counted as the fake saw them, per (conversation, text): messages sent twice
 * (duplicates per kill) and messages never sent (lost). Also measured: the duplicate window — from the
 * fake receiving a relay to gridrelay recording it as sent (outbound_messages.sent_at).
 *
 * Normal CI: 1 kill. `FAULTS=long` (npm run test:faults): 10 kills, one per directive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { randomPrefix } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { until } from '../helpers/wait.js';
import { FakeDingTalk } from '../fakes/dingtalk.js';
import { recordFault } from './record.js';

const KILLS = process.env.FAULTS === 'long' ? 10 : 1;
const c = county();
const TARGETS = new Set([...c.grids, ...c.townships].map((u) => c.groupOf[u.unit_id!]!));

const dir = mkdtempSync(join(tmpdir(), 'gridrelay-kill-'));
const children: ChildProcess[] = [];
let fake: FakeDingTalk | undefined;
afterAll(async () => {
  for (const ch of children) ch.kill('SIGKILL');
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

/** Text of what the fake received: OpenAPI msgParam content/text, or a session-webhook body. */
const textOfSend = (p: Record<string, string>) => p.content ?? p.text ?? '';

describe('kill -9 mid-relay (DingTalk fake)', () => {
  it(`${KILLS} kill(s) while relaying: every group gets every relay; duplicates per kill are counted`, async () => {
    const f = (fake = await new FakeDingTalk().start());
    const port = await freePort();
    const dbFile = join(dir, 'g.db');
    const env = {
      ...process.env,
      ...f.env(),
      PORT: String(port),
      DATABASE_URL: `file:${dbFile}`,
      QUEUE_PREFIX: randomPrefix(),
      QUIET_HOURS: '',
      LOG_LEVEL: 'warn',
      DINGTALK_GROUP_RATE: '1000/s',
      // a relay of 762 groups takes ~8 s: long enough to be killed in the middle
      DINGTALK_APP_QPS: '100',
      DINGTALK_RECONNECT_BASE: '100ms',
      READ_RECEIPT_POLL: '1h',
    };
    const launch = async () => {
      const connections = f.connections.length;
      // one process (node with tsx's loader), so SIGKILL kills the server itself, not a wrapper
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: 'ignore' });
      children.push(child);
      await until('gridrelay up and connected to the fake', async () => {
        if (f.connections.length <= connections) return false;
        try {
          return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
        } catch {
          return false;
        }
      }, 30_000);
      return child;
    };
    const pendingRows = () => {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(`select count(*) as n from outbound_messages where status = 'pending'`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const relaysOf = (round: number) => f.sends.filter((s) => textOfSend(s.msgParam).includes(`第${round}轮排查`));

    let child = await launch();
    const kills: number[] = [];
    for (let round = 1; round <= KILLS; round++) {
      f.pushCallback(f.robotMessage({ text: `/令 第${round}轮排查 今晚完成返乡人员排查`, conversationId: c.commandGroup, senderStaffId: c.commander }));
      const threshold = 100 + Math.floor(Math.random() * 400);
      await until(`round ${round}: ${threshold} relays sent`, () => relaysOf(round).length >= threshold, 60_000);
      await sleep(Math.random() * 100); // a random moment while sends are in flight
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      kills.push(Date.now());
      expect(relaysOf(round).length).toBeLessThan(TARGETS.size); // the kill really was mid-relay
      child = await launch();
    }
    // every round relayed everywhere and nothing left to send (in-flight sends of the killed process come back after its locks expire)
    await until('every relay delivered and the outbox empty', () => {
      for (let round = 1; round <= KILLS; round++) if (new Set(relaysOf(round).map((s) => s.openConversationId)).size < TARGETS.size) return false;
      return pendingRows() === 0;
    }, 120_000);
    await sleep(1000);

    // per (conversation, text): how often the fake received it, and when first
    const seen = new Map<string, { n: number; first: number }>();
    const count = (key: string, at: number) => {
      const s = seen.get(key);
      if (s) s.n++;
      else seen.set(key, { n: 1, first: at });
    };
    for (const s of f.sends) count(`${s.openConversationId}|${textOfSend(s.msgParam)}`, s.at);
    for (const p of f.webhookPosts) count(`session:${p.session}|${p.body.text?.content ?? p.body.markdown?.text ?? ''}`, p.at);
    const perKill = kills.map((at, i) => [...seen.values()].filter((s) => s.n > 1 && s.first <= at && (i === 0 || s.first > kills[i - 1]!)).reduce((sum, s) => sum + s.n - 1, 0));
    const duplicates = [...seen.values()].reduce((sum, s) => sum + s.n - 1, 0);
    let lost = 0;
    for (let round = 1; round <= KILLS; round++) {
      const got = new Set(relaysOf(round).map((s) => s.openConversationId));
      lost += [...TARGETS].filter((cid) => !got.has(cid)).length;
    }

    // the window: fake received → sent_at recorded, per relay sent exactly once
    const db = new Database(dbFile, { readonly: true });
    const sentAt = new Map(
      (db.prepare(`select conversation_id as cid, text, sent_at as at from outbound_messages where status = 'sent'`).all() as { cid: string; text: string; at: number }[]).map((r) => [`${r.cid}|${r.text}`, r.at]),
    );
    db.close();
    const windows = f.sends
      .map((s) => {
        const key = `${s.openConversationId}|${textOfSend(s.msgParam)}`;
        return seen.get(key)?.n === 1 && sentAt.has(key) ? sentAt.get(key)! - s.at : null;
      })
      .filter((w): w is number => w !== null)
      .sort((a, b) => a - b);
    const pct = (p: number) => windows[Math.min(windows.length - 1, Math.floor((windows.length * p) / 100))] ?? NaN;

    recordFault('kills survived (kill -9 mid-relay)', kills.length);
    recordFault('duplicate sends after kill -9', duplicates, `per kill: ${perKill.join(', ')}; window fake-received→marked-sent p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms over ${windows.length} sends (OUTBOX_CONCURRENCY 16)`);
    recordFault('messages lost after kill -9', lost, 'expected 0');

    expect(lost).toBe(0);
    // at-least-once for the messages in flight: at most one duplicate per worker slot per kill
    for (const d of perKill) expect(d).toBeLessThanOrEqual(16);
  }, 300_000);
});
