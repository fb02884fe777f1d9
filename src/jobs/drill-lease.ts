/**
 * One drill (演练, workflows/drill/) at a time across the processes sharing a database: a Redis key per database,
 * `<prefix>:{<instance id>}:drill`, holding `<drillId>|<step>` while a drill runs.
 * - take it: `SET <key> <drillId>|<step> NX PX <ttlMs>` (refused while another drill holds it);
 * - keep it: each step rewrites it (Lua compare-and-`SET`, only while it still holds our drill id), and a
 *   renew every `ttlMs / 3` pushes its expiry: a process killed mid-drill frees it within `ttlMs`;
 * - give it back when the drill ends: Lua compare-and-`DEL`.
 * Any process reads it for `GET /console/v1/drill`.
 */
import type { Redis } from 'ioredis';
import type { DrillLease } from '../../workflows/drill/index.js';

/** How long the key outlives a process that stopped renewing it, ms. */
export const DRILL_LEASE_MS = 30_000;

/** The drill key of the database `instance` under `prefix`. */
export function drillKey(prefix: string, instance: string): string {
  return `${prefix}:{${instance}}:drill`;
}

/** SET the key to ARGV[2] with PX ARGV[3] only while its value starts with ARGV[1] (`<drillId>|`). */
const REWRITE = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return false`;
/** PEXPIRE the key by ARGV[2] only while its value starts with ARGV[1]. */
const RENEW = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** DEL the key only while its value starts with ARGV[1]. */
const RELEASE = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The drill lease in Redis (see the file's comment). */
export function redisDrillLease(redis: Redis, key: string, ttlMs = DRILL_LEASE_MS): DrillLease {
  const renewers = new Map<string, NodeJS.Timeout>();
  return {
    async take(drillId, step) {
      const ok = (await redis.set(key, `${drillId}|${step}`, 'PX', ttlMs, 'NX')) === 'OK';
      if (ok) {
        renewers.set(drillId, setInterval(() => void redis.eval(RENEW, 1, key, `${drillId}|`, String(ttlMs)).catch(() => {}), Math.floor(ttlMs / 3)).unref());
      }
      return ok;
    },
    async step(drillId, step) {
      await redis.eval(REWRITE, 1, key, `${drillId}|`, `${drillId}|${step}`, String(ttlMs));
    },
    async give(drillId) {
      clearInterval(renewers.get(drillId));
      renewers.delete(drillId);
      await redis.eval(RELEASE, 1, key, `${drillId}|`);
    },
    async read() {
      const v = await redis.get(key);
      if (!v) return null;
      const bar = v.indexOf('|');
      return { drillId: v.slice(0, bar), step: v.slice(bar + 1) };
    },
  };
}
