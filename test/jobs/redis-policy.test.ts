/**
 * The start-up check of Redis's eviction policy, against Redis servers of this test's own: one that
 * evicts (allkeys-lru), one that refuses CONFIG (as managed Redis often does), and the shared one.
 */
import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRedisEviction } from '../../src/jobs/queues.js';
import { freePort, startRedis } from '../helpers/redis.js';

const servers: ChildProcess[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) s.kill('SIGKILL');
});

/** A redis-server with `args`, and a client on it. */
async function redisWith(args: string[]): Promise<Redis> {
  const port = await freePort();
  servers.push(await startRedis(port, args));
  const client = new Redis({ port, host: '127.0.0.1' });
  clients.push(client);
  return client;
}

/** A logger that keeps its warn lines. */
function capture() {
  const lines: { level: number; msg: string; policy?: string }[] = [];
  const stream = new Writable({
    async write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      await done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), warnings: () => lines.filter((l) => l.level === 40) };
}

describe('the Redis eviction check at start', () => {
  it('warns once when maxmemory-policy is not noeviction', async () => {
    const redis = await redisWith(['--maxmemory-policy', 'allkeys-lru']);
    const { log, warnings } = capture();
    expect(await checkRedisEviction(redis, log)).toBe('allkeys-lru');
    await new Promise((r) => setImmediate(r));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toContain('noeviction');
  });

  it('warns that it could not check when CONFIG is refused, and does not throw', async () => {
    const redis = await redisWith(['--rename-command', 'CONFIG', '']);
    const { log, warnings } = capture();
    expect(await checkRedisEviction(redis, log)).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toContain('could not check');
  });

  it('says nothing when the policy is noeviction', async () => {
    const redis = await redisWith(['--maxmemory-policy', 'noeviction']);
    const { log, warnings } = capture();
    expect(await checkRedisEviction(redis, log)).toBe('noeviction');
    await new Promise((r) => setImmediate(r));
    expect(warnings()).toHaveLength(0);
  });
});
