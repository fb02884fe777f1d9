/**
 * Leadership: which one of several gridrelay processes (sharing one database and one Redis) holds the
 * platform's inbound connection — DingTalk Stream allows one connection per app at a time, Slack Socket
 * Mode is held once too. Every process serves HTTP and runs the workers; only the leader receives.
 *
 * The lease is one Redis key per database, `<prefix>:{<instance id>}:leader` ({@link leaderKey}; with
 * the default `QUEUE_PREFIX` `gridrelay:{3f9a1c2b7d40}:leader`; the braces are a Redis Cluster hash tag),
 * holding the leader's {@link newHolderId holder id}:
 * - take it: `SET <key> <holder> NX PX <leaseMs>`; a process that is not leader tries again every
 *   `renewMs`;
 * - keep it: every `renewMs` a Lua compare-and-`PEXPIRE` (only while the key still holds our id);
 * - give it back on {@link Leadership.stop}: a Lua compare-and-`DEL`, after stepping down.
 * A leader steps down *first* whenever it may no longer hold the lease — two connections are worse than
 * a few seconds of none: when a renew finds another holder (`taken`) or no key (`expired`), and when
 * Redis has not answered for so long that the lease could run out before the next renew is answered
 * (`unsure`: no successful renew for about `leaseMs − 1.5 × renewMs`). A leader killed without giving
 * the lease back is replaced once its key expires: within `leaseMs + renewMs` (15 s by default).
 *
 * Every Redis call is bounded by a timeout of `renewMs / 2` (the app's connection queues commands while
 * Redis is away, it does not fail them). A command given up on may still run later: a `SET NX` of ours
 * that lands late makes the key ours without our knowing, so a follower that finds its own id in the key
 * claims it (compare-and-`PEXPIRE`) and leads.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorFields } from '../core/errors.js';

/** `LEADER_LEASE_MS`'s default: a lease lasts 10 s unless renewed. */
export const DEFAULT_LEASE_MS = 10_000;

/** The lease key of one database: `<prefix>:{<instance id>}:leader` (`prefix` = `QUEUE_PREFIX`, `instance` = `instanceId(db)`). */
export function leaderKey(prefix: string, instance: string): string {
  return `${prefix}:{${instance}}:leader`;
}

/** A new holder id naming this process for `/healthz` and logs: `<host name>-<pid>-<6 random hex>`. */
export function newHolderId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Renews the lease if the key still holds ARGV[1]: 1 when renewed, else the key's holder (nil when there is no key). */
const RENEW = `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return cur`;

/** Deletes the key if it still holds ARGV[1]: 1 when deleted, else 0. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Why a leader stepped down: `taken` (another process holds the key), `expired` (the key is gone),
 * `unsure` (Redis did not answer for so long that the lease may have run out), `failed` (this process
 * could not open its inbound connection: it gives the lease back so that it, or another, tries again),
 * `stopped` ({@link Leadership.stop}).
 */
export type LostReason = 'taken' | 'expired' | 'unsure' | 'failed' | 'stopped';

/** What `/healthz` shows of leadership. */
export interface LeaderView {
  /** This process's holder id ({@link newHolderId}). */
  readonly id: string;
  /** Whether this process holds the lease (and so the inbound connection). */
  readonly isLeader: boolean;
  /** Holder id of the process holding the lease as last seen; null when none holds it or Redis did not answer. */
  readonly holder: string | null;
}

/**
 * Leadership where there is nothing to hold once (the console platform: in-memory chat served by every
 * process; Slack over HTTP events): this process is always leader and no lease is taken.
 */
export function soleLeader(id: string = newHolderId()): LeaderView {
  return { id, isLeader: true, holder: id };
}

export interface LeadershipOptions {
  /** A Redis connection (the app's jobs connection will do; it is not closed by {@link Leadership.stop}). */
  redis: Redis;
  /** The lease key ({@link leaderKey}). */
  key: string;
  /** This process's holder id; default {@link newHolderId}. */
  id?: string;
  /** How long a lease lasts unless renewed, ms (`LEADER_LEASE_MS`, default 10000). */
  leaseMs?: number;
  /** How often the leader renews and a follower tries to take the lease, ms (`LEADER_RENEW_MS`); default `leaseMs / 3`, at most `leaseMs / 2`. */
  renewMs?: number;
  log: Logger;
  /**
   * Called once elected (open the inbound connection). Callbacks run one at a time in the order of the
   * events, apart from the renew loop (a slow connection does not delay renewing). When it throws, the
   * process steps down (`failed`), gives the lease back and competes again at its next try.
   */
  onElected?: () => Promise<void> | void;
  /** Called once stepped down (close the inbound connection), with why. Errors are logged. */
  onLost?: (reason: LostReason) => Promise<void> | void;
}

/**
 * One process's part in the leader election of one database (see the file comment). {@link start} it
 * once; {@link stop} steps down and gives the lease back. Times are wall-clock ms (`Date.now()`); only
 * durations matter, so Redis's clock and ours need not agree.
 */
export class Leadership implements LeaderView {
  readonly id: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  private readonly timeoutMs: number;
  private leader = false;
  private seen: string | null = null;
  /** Until when (epoch ms) the lease is surely ours: when the last successful take or renew was sent + leaseMs. */
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastTickAt = 0;
  private ticking: Promise<void> | null = null;
  private started = false;
  private stopped = false;
  /** The callbacks, run one after another. */
  private callbacks: Promise<void> = Promise.resolve();
  /** While start() runs: the error its onElected threw, for start() to rethrow. */
  private starting = false;
  private electError: unknown = null;
  private redisFailing = false;

  /** @throws Error when `renewMs` is not below `leaseMs / 2` (the lease would lapse between renews), or either is not positive. */
  constructor(private readonly opts: LeadershipOptions) {
    this.id = opts.id ?? newHolderId();
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewMs = opts.renewMs ?? Math.floor(this.leaseMs / 3);
    if (!(this.leaseMs > 0 && this.renewMs > 0)) throw new Error(`leader lease: lease ${this.leaseMs} ms and renew ${this.renewMs} ms must be positive`);
    if (this.renewMs * 2 > this.leaseMs) throw new Error(`leader lease: renew every ${this.renewMs} ms is more than half the lease (${this.leaseMs} ms)`);
    this.timeoutMs = Math.max(1, Math.floor(this.renewMs / 2));
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get holder(): string | null {
    return this.leader ? this.id : this.seen;
  }

  /**
   * Tries to take the lease at once (a lone process is leader as soon as this resolves, its `onElected`
   * done), then keeps renewing or retrying every `renewMs` in the background.
   * @throws what the first `onElected` threw (after stepping down and giving the lease back), so a start
   * that cannot open its connection fails as it did without leadership; it keeps competing until {@link stop}.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.starting = true;
    try {
      await this.runTick();
      await this.callbacks;
    } finally {
      this.starting = false;
    }
    this.schedule();
    const err = this.electError;
    this.electError = null;
    if (err) throw err;
  }

  /**
   * Stops renewing; if leader, steps down (`onLost('stopped')`, awaited) and then, unless `release` is
   * false, deletes the key if it still holds our id so a follower takes over at its next try.
   * `release: false` leaves the key to expire on its own — what a killed process leaves behind.
   * Safe to call twice; never throws (a Redis error only delays the takeover until the lease expires).
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const wasLeader = this.leader;
    if (wasLeader) this.stepDown('stopped');
    await this.callbacks;
    if (wasLeader && (opts.release ?? true)) {
      try {
        await this.timed(this.opts.redis.eval(RELEASE, 1, this.opts.key, this.id));
      } catch (err) {
        this.opts.log.warn({ ...errorFields(err) }, 'leader: could not give the lease back; a follower takes over once it expires');
      }
    }
  }

  /** Runs the next try `renewMs` after the last one began. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runTick().then(() => this.schedule());
    }, Math.max(0, this.lastTickAt + this.renewMs - Date.now()));
    this.timer.unref();
  }

  private async runTick(): Promise<void> {
    this.lastTickAt = Date.now();
    this.ticking = this.tick();
    await this.ticking;
    this.ticking = null;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.leader) await this.renew();
      else await this.tryToTake();
      if (this.redisFailing) this.opts.log.info({ key: this.opts.key }, 'leader: redis answers again');
      this.redisFailing = false;
    } catch (err) {
      this.onRedisError(err);
    }
  }

  /** Leader: extends the lease, or steps down when the key holds another id or none. */
  private async renew(): Promise<void> {
    const sentAt = Date.now();
    const r = await this.timed(this.opts.redis.eval(RENEW, 1, this.opts.key, this.id, String(this.leaseMs)));
    if (this.stopped || !this.leader) return;
    if (r === 1) {
      this.validUntil = sentAt + this.leaseMs;
      return;
    }
    this.seen = typeof r === 'string' ? r : null;
    this.stepDown(this.seen ? 'taken' : 'expired');
  }

  /** Follower: takes the lease if no one holds it (or if a late `SET` of ours made it ours); else notes the holder. */
  private async tryToTake(): Promise<void> {
    const sentAt = Date.now();
    const taken = await this.timed(this.opts.redis.set(this.opts.key, this.id, 'PX', this.leaseMs, 'NX'));
    if (this.stopped) return;
    if (taken === 'OK') return this.elect(sentAt);
    const holder = await this.timed(this.opts.redis.get(this.opts.key));
    if (this.stopped) return;
    this.seen = holder;
    if (holder !== this.id) return;
    // ours without our knowing (a command we gave up on ran after all): claim it only if it is still ours
    const claimedAt = Date.now();
    const r = await this.timed(this.opts.redis.eval(RENEW, 1, this.opts.key, this.id, String(this.leaseMs)));
    if (this.stopped) return;
    if (r === 1) this.elect(claimedAt);
    else this.seen = typeof r === 'string' ? r : null;
  }

  private onRedisError(err: unknown): void {
    const first = !this.redisFailing;
    this.redisFailing = true;
    if (!this.leader) {
      this.seen = null;
      if (first) this.opts.log.warn({ ...errorFields(err), key: this.opts.key }, 'leader: redis did not answer; trying again every renew interval');
      return;
    }
    // step down while the lease surely holds: the next renew's answer could come after it ran out
    if (Date.now() + this.renewMs + this.timeoutMs >= this.validUntil) {
      this.opts.log.warn({ ...errorFields(err), key: this.opts.key }, 'leader: redis did not answer for too long; stepping down before the lease may run out');
      this.stepDown('unsure');
    } else if (first) {
      this.opts.log.warn({ ...errorFields(err), key: this.opts.key, leaseLeftMs: this.validUntil - Date.now() }, 'leader: could not renew the lease; trying again');
    }
  }

  private elect(sentAt: number): void {
    this.validUntil = sentAt + this.leaseMs;
    this.leader = true;
    this.seen = this.id;
    this.opts.log.info({ key: this.opts.key, holder: this.id }, 'leader: elected; this process holds the inbound connection');
    this.queue(async () => {
      try {
        await this.opts.onElected?.();
      } catch (err) {
        this.opts.log.error({ ...errorFields(err) }, 'leader: could not open the inbound connection; giving the lease back');
        if (this.starting) this.electError = err;
        if (this.leader) {
          this.stepDown('failed');
          await this.timed(this.opts.redis.eval(RELEASE, 1, this.opts.key, this.id)).catch(() => undefined);
        }
      }
    });
  }

  private stepDown(reason: LostReason): void {
    this.leader = false;
    this.validUntil = 0;
    if (reason !== 'taken') this.seen = null;
    const log = reason === 'stopped' ? this.opts.log.info.bind(this.opts.log) : this.opts.log.warn.bind(this.opts.log);
    log({ key: this.opts.key, reason, holder: this.seen }, `leader: stepped down (${reason}); closing the inbound connection`);
    this.queue(async () => {
      try {
        await this.opts.onLost?.(reason);
      } catch (err) {
        this.opts.log.error({ ...errorFields(err) }, 'leader: closing the inbound connection failed');
      }
    });
  }

  /** Runs `fn` after the callbacks queued before it. */
  private queue(fn: () => Promise<void>): void {
    this.callbacks = this.callbacks.then(fn);
  }

  /** `p`, or a rejection after `timeoutMs`. */
  private timed<T>(p: Promise<T>): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      }),
    ]).finally(() => clearTimeout(t));
  }
}
