/**
 * What the benchmark's parts share: starting a server process (gridrelay or the bare floor) on a free port and
 * watching its peak memory, the clients that drive it through the console API (a closed loop of N concurrent
 * clients, or an open loop at a fixed rate), percentiles, and PostgreSQL scratch databases.
 *
 * Times are wall-clock epoch ms (`Date.now()`) where they are compared across processes (a client's send time
 * against a reply's `sent_at`), and `performance.now()` ms for durations inside this process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The repository root (package.json, examples/, dist/): where servers are started. */
import { PACKAGE_ROOT } from '../../src/paths.js';
export { PACKAGE_ROOT as REPO_ROOT };

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });

/** A random Redis key prefix for one server process (BullMQ ids must be unique per Redis database). */
export const queuePrefix = (what: string) => `bench-${what}-${randomBytes(4).toString('hex')}`;

/** A server process of the bench. */
export interface Server {
  /** `http://127.0.0.1:<port>` */
  url: string;
  child: ChildProcess;
  /** ms from spawn until `/healthz` answered 200 */
  startMs: number;
  /** The process's peak resident set so far (VmHWM of /proc/<pid>/status), MB. */
  peakRssMb(): number;
  /** CPU time the process has used so far (user + system, /proc/<pid>/stat; 10 ms grain), ms. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. */
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` in the repository root with `env` added to this process's environment and `PORT` set to a
 * free port, and waits until `GET /healthz` answers 200.
 * @throws when it exits or is not healthy within `timeoutMs` (its stderr's tail in the message)
 */
export async function startServer(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Server> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (process.env.BENCH_SERVER_STDERR) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`bench: ${args.join(' ')} exited before it was healthy:\n${stderr}`);
    if (performance.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`bench: ${args.join(' ')} not healthy within ${timeoutMs} ms:\n${stderr}`);
    }
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(25);
  }
  const startMs = performance.now() - t0;
  return {
    url,
    child,
    startMs,
    peakRssMb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    cpuMs() {
      try {
        // fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
        const after = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return ((Number(after[11]) + Number(after[12])) * 1000) / TICKS_PER_S;
      } catch {
        return NaN;
      }
    },
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((res) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          res();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

/** Clock ticks per second of /proc times (Linux: 100). */
const TICKS_PER_S = 100;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One chat message to post through `POST /console/v1/inbound`. */
export interface ChatMessage {
  msgId: string;
  conversationId: string;
  senderId: string;
  text: string;
}

/**
 * Posts `msg` to `url`'s console API. @returns the client's send time (epoch ms)
 * @throws when the server does not answer 202
 */
export async function post(url: string, msg: ChatMessage): Promise<number> {
  const sentAt = Date.now();
  const res = await fetch(`${url}/console/v1/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
  if (res.status !== 202) throw new Error(`bench: POST inbound ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return sentAt;
}

/**
 * A closed loop: `clients` concurrent clients post `msgs` one after another (each client its next message as soon as
 * the previous was accepted). @returns send time (epoch ms) per msgId
 */
export async function closedLoop(url: string, msgs: readonly ChatMessage[], clients: number): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < msgs.length) {
        const m = msgs[next++]!;
        sent.set(m.msgId, await post(url, m));
      }
    }),
  );
  return sent;
}

/**
 * An open loop: message i is posted at `i / perSecond` s after the start, whether or not earlier ones were
 * answered (people do not wait for each other). @returns send time (epoch ms) per msgId
 */
export async function openLoop(url: string, msgs: readonly ChatMessage[], perSecond: number): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (const [i, m] of msgs.entries()) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(post(url, m).then((at) => void sent.set(m.msgId, at)));
  }
  await Promise.all(inFlight);
  return sent;
}

/** The `p`-th percentile (0–100, nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median of `values`. */
export const median = (values: readonly number[]) => percentile(values, 50);

const PG_BASE = (url: URL) => `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}`;

/**
 * A fresh PostgreSQL database on the server of `serverUrl` (a `postgres://` URL; its database part is ignored).
 * @returns its URL; drop it with {@link dropPgDatabase}
 */
export function createPgDatabase(serverUrl: string, prefix: string): string {
  const base = PG_BASE(new URL(serverUrl));
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  execFileSync('psql', [`${base}/postgres`, '-qc', `create database ${name}`], { stdio: 'pipe' });
  return `${base}/${name}`;
}

/** Drops a database made by {@link createPgDatabase} (never throws). */
export function dropPgDatabase(url: string): void {
  const u = new URL(url);
  try {
    execFileSync('psql', [`${PG_BASE(u)}/postgres`, '-qc', `drop database if exists ${u.pathname.slice(1)} with (force)`], { stdio: 'pipe' });
  } catch {
    // left behind: dropped by hand
  }
}

/**
 * Waits until gridrelay at `url` has nothing left to do: no unprocessed message (`/healthz` `inbox.lagMs` 0) and no
 * unsent message (`outbox.pending` 0), seen twice 50 ms apart. @returns ms waited
 * @throws after `timeoutMs`
 */
export async function quiet(url: string, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  let calm = 0;
  while (calm < 2) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`bench: ${url} still busy after ${timeoutMs} ms`);
    const h = (await (await fetch(`${url}/healthz`)).json()) as { inbox?: { lagMs: number }; outbox?: Record<string, number> };
    calm = !h.inbox?.lagMs && !h.outbox?.pending ? calm + 1 : 0;
    await sleep(50);
  }
  return performance.now() - t0;
}
