/**
 * The leader lease (src/jobs/leader.ts) on the real Redis at 127.0.0.1:6379, each test on a key of its
 * own: two Leadership instances stand for two gridrelay processes of one database, each with its own
 * Redis connection. Durations are short and come from the environment (`TEST_LEADER_LEASE_MS`, default
 * 600 ms; renew every third of it) — never the 10 s default.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Leadership, leaderKey, type LostReason } from '../../src/jobs/leader.js';
import { freePort, startRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const LEASE_MS = Number(process.env.TEST_LEADER_LEASE_MS ?? 600);
const RENEW_MS = Math.floor(LEASE_MS / 3);
/** Timer and polling slack on a shared, loaded machine (until() polls every 50 ms). */
const SLACK_MS = Number(process.env.TEST_LEADER_SLACK_MS ?? 250);

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });

/** One "process": a Leadership on its own connection, recording its callbacks. */
interface Contender {
  lead: Leadership;
  redis: Redis;
  events: ('elected' | LostReason)[];
  /** What the lease key held when onLost ran (step down happens before the lease is given back). */
  keyAtLost: (string | null)[];
}

const opened: Contender[] = [];
const keys: string[] = [];
const probes: Redis[] = [];
let ownRedis: ChildProcess | null = null;

afterEach(async () => {
  for (const c of opened.splice(0)) {
    await c.lead.stop();
    c.redis.disconnect();
  }
  const p = probe();
  for (const k of keys.splice(0)) await p.del(k);
  for (const r of probes.splice(0)) r.disconnect();
  ownRedis?.kill('SIGKILL');
  ownRedis = null;
});

/** A fresh lease key of one made-up database. */
function freshKey(): string {
  const key = leaderKey(`t${randomBytes(5).toString('hex')}`, randomBytes(6).toString('hex'));
  keys.push(key);
  return key;
}

/** `p`, or null after `ms` (Redis may be gone). */
const within = <T>(p: Promise<T>, ms = 200) => Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), ms))]);

function contender(key: string, url = 'redis://127.0.0.1:6379'): Contender {
  // like the app's jobs connection: commands wait out a reconnect instead of failing
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const c: Contender = { redis, events: [], keyAtLost: [], lead: undefined as unknown as Leadership };
  c.lead = new Leadership({
    redis, key, leaseMs: LEASE_MS, renewMs: RENEW_MS, log,
    onElected: () => void c.events.push('elected'),
    onLost: async (reason) => {
      c.events.push(reason);
      c.keyAtLost.push(await within(redis.get(key)).catch(() => null));
    },
  });
  opened.push(c);
  return c;
}

/** A plain connection for the test itself (reading and overwriting the key). */
function probe(): Redis {
  const r = new Redis('redis://127.0.0.1:6379');
  probes.push(r);
  return r;
}

/** Waits until `pred` holds, and returns the ms it took from `since`. */
async function msUntil(what: string, since: number, pred: () => boolean): Promise<number> {
  await until(what, pred, LEASE_MS * 10 + 5_000);
  return Date.now() - since;
}

describe('leader lease', () => {
  it('of two processes, the first to start leads at once; the second follows and sees who leads', async () => {
    const key = freshKey();
    const a = contender(key);
    const b = contender(key);
    await a.lead.start();
    expect(a.lead.isLeader).toBe(true); // no waiting for a renew interval
    expect(a.events).toEqual(['elected']);
    await b.lead.start();
    expect(b.lead.isLeader).toBe(false);
    expect(b.lead.holder).toBe(a.lead.id);
    expect(await probe().get(key)).toBe(a.lead.id);

    // renewals keep it: still one leader after several leases
    await new Promise((r) => setTimeout(r, LEASE_MS * 3));
    expect([a.lead.isLeader, b.lead.isLeader]).toEqual([true, false]);
    expect(a.events).toEqual(['elected']);
    expect(b.events).toEqual([]);
  });

  it('a leader that stops steps down, then gives the lease back: the follower leads within one renew interval', async () => {
    const key = freshKey();
    const a = contender(key);
    const b = contender(key);
    await a.lead.start();
    await b.lead.start();
    await a.lead.stop();
    const stoppedAt = Date.now();
    expect(a.events).toEqual(['elected', 'stopped']);
    expect(a.keyAtLost).toEqual([a.lead.id]); // closed its connection while still holding the lease
    const took = await msUntil('the follower elected', stoppedAt, () => b.lead.isLeader);
    expect(took).toBeLessThanOrEqual(RENEW_MS + SLACK_MS);
    expect(b.events).toEqual(['elected']);
    expect(await probe().get(key)).toBe(b.lead.id);
    console.info(`leader lease: takeover after a release ${took} ms (renew ${RENEW_MS} ms)`);
  });

  it('a leader killed without giving the lease back (kill -9) is replaced once the lease runs out, within lease + renew', async () => {
    const key = freshKey();
    const a = contender(key);
    const b = contender(key);
    await a.lead.start();
    await b.lead.start();
    await a.lead.stop({ release: false }); // renewals stop, the key stays
    const killedAt = Date.now();
    const leaseLeft = await probe().pttl(key);
    expect(leaseLeft).toBeGreaterThan(0);
    const took = await msUntil('the follower elected', killedAt, () => b.lead.isLeader);
    expect(took).toBeGreaterThanOrEqual(leaseLeft - 50); // never while the dead leader's lease lives
    expect(took).toBeLessThanOrEqual(LEASE_MS + RENEW_MS + SLACK_MS);
    expect(await probe().get(key)).toBe(b.lead.id);
    console.info(`leader lease: takeover after a kill ${took} ms (lease ${LEASE_MS} ms, ${leaseLeft} ms of it left, renew ${RENEW_MS} ms)`);
  });

  it('a leader whose lease was taken (key overwritten) steps down at its next renew and stays follower', async () => {
    const key = freshKey();
    const a = contender(key);
    await a.lead.start();
    const p = probe();
    await p.set(key, 'intruder', 'PX', LEASE_MS * 10);
    const stolenAt = Date.now();
    const took = await msUntil('the leader stepped down', stolenAt, () => !a.lead.isLeader);
    expect(took).toBeLessThanOrEqual(RENEW_MS + SLACK_MS);
    await until('onLost ran', () => a.events.length === 2);
    expect(a.events).toEqual(['elected', 'taken']);
    expect(a.lead.holder).toBe('intruder');
    await new Promise((r) => setTimeout(r, RENEW_MS * 3));
    expect(a.lead.isLeader).toBe(false);
    expect(await p.get(key)).toBe('intruder'); // a follower never overwrites a live lease
  });

  it('a follower that finds its own id in the key (a late SET of its own) claims the lease', async () => {
    const key = freshKey();
    const a = contender(key);
    const p = probe();
    await p.set(key, 'someone', 'PX', LEASE_MS * 10);
    await a.lead.start();
    expect(a.lead.isLeader).toBe(false);
    await p.set(key, a.lead.id, 'PX', LEASE_MS * 10);
    await msUntil('claimed', Date.now(), () => a.lead.isLeader);
    expect(a.events).toEqual(['elected']);
    expect(await p.pttl(key)).toBeLessThanOrEqual(LEASE_MS); // renewed to its own lease
  });

  it('a leader that cannot reach Redis steps down before its lease can run out', async () => {
    const port = await freePort();
    ownRedis = await startRedis(port);
    const a = contender(freshKey(), `redis://127.0.0.1:${port}`);
    const startedAt = Date.now();
    await a.lead.start();
    expect(a.lead.isLeader).toBe(true);
    await new Promise((r) => setTimeout(r, RENEW_MS / 2));
    ownRedis.kill('SIGKILL');
    ownRedis = null;
    await until('stepped down', () => !a.lead.isLeader, LEASE_MS * 10);
    const steppedDownAt = Date.now();
    await until('onLost ran', () => a.events.length === 2);
    expect(a.events).toEqual(['elected', 'unsure']);
    // the lease was taken after startedAt, so it lives at least until startedAt + lease
    expect(steppedDownAt).toBeLessThan(startedAt + LEASE_MS);
    expect(a.lead.holder).toBeNull();
  });
});
