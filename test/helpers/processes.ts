/**
 * Real gridrelay processes for multi-process fault tests: `src/main.ts` spawned as one node process with
 * tsx's loader (so SIGKILL kills the server itself, not a wrapper; or the compiled `dist/src/main.js`), each on its own port, sharing one
 * PostgreSQL database and one Redis prefix. Also: fresh PostgreSQL databases (from a roster template made
 * once with the CLI — importing the demo county into PostgreSQL takes ~10 s, copying a template well under one).
 *
 * PostgreSQL: `TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`, trust auth), as test/helpers/app.ts.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis.js';
import { FIXTURE_DIR } from './app.js';

export { freePort };

/** The repository root: the working directory of every spawned gridrelay. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

const PG_BASE_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const PG_ADMIN_URL = `${PG_BASE_URL}/postgres`;

/** Runs one SQL statement on the maintenance database (`create/drop database`). @throws psql's error */
function adminSql(statement: string): void {
  execFileSync('psql', [PG_ADMIN_URL, '-qc', statement], { stdio: 'pipe' });
}

/**
 * A fresh, empty PostgreSQL database named `<prefix>_<12 hex>` (copied from `template` when given).
 * @returns its `postgres://` URL
 */
export function createPgDatabase(prefix: string, template?: string): string {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  adminSql(`create database ${name}${template ? ` template ${dbName(template)}` : ''}`);
  return `${PG_BASE_URL}/${name}`;
}

/** Drops the database of a URL from {@link createPgDatabase}, closing its connections (never throws). */
export function dropPgDatabase(url: string): void {
  try {
    adminSql(`drop database if exists ${dbName(url)} with (force)`);
  } catch {
    // a database left behind is dropped by hand; the test's result does not depend on it
  }
}

const dbName = (url: string) => {
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a test database name: ${name}`);
  return name;
};

/**
 * A PostgreSQL database holding the fixture county (examples/demo-county), imported with the CLI
 * (`roster import`, which also applies the migrations), for {@link createPgDatabase} to copy as a template.
 * @returns its URL (drop it with {@link dropPgDatabase})
 * @throws when the import fails (with the CLI's output)
 */
export async function pgRosterTemplate(prefix: string): Promise<string> {
  const url = createPgDatabase(prefix);
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'roster', 'import', FIXTURE_DIR], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    });
  } catch (err) {
    dropPgDatabase(url);
    throw err;
  }
  return url;
}

/** What `GET /healthz` answers (the fields these tests read). */
export interface Health {
  status: 'ok' | 'degraded';
  role: 'leader' | 'follower';
  holder: string | null;
  self: string;
  database: { dialect: 'sqlite' | 'pg'; status: string };
  inbox: { lagMs: number };
  platform: { name: string; ok: boolean; state?: string };
  outbox: Record<string, number>;
}

/** One spawned gridrelay process. */
export interface RelayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Its stdout and stderr (pino at `LOG_LEVEL`). */
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** `/healthz`, or null when it does not answer (not up yet, or gone). */
  health(): Promise<Health | null>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** The last `lines` lines of its log, for a failure message. */
  tail(lines?: number): string;
}

/** node's arguments for gridrelay from its TypeScript sources, through tsx's loader (the default of {@link launchRelay}). */
export const TSX_ENTRY: readonly string[] = ['--import', 'tsx', 'src/main.ts'];
/** node's arguments for the compiled gridrelay, as `npm start` runs it (needs `npm run build`). */
export const DIST_ENTRY: readonly string[] = ['dist/src/main.js'];

/**
 * Spawns gridrelay (`src/main.ts` under tsx, or `opts.command`) with `env` (over this process's environment, minus any
 * DINGTALK_/SLACK_ variable) on a free port and waits until its `/healthz` answers 200.
 * @param opts.logFile where its stdout and stderr go
 * @param opts.upWithinMs how long it may take to answer (ms, default 60000: tsx compiles on a loaded machine)
 * @param opts.children the child is added here as soon as it is spawned (for the test's clean-up, even when start-up fails)
 * @param opts.command node's arguments, run in {@link REPO_ROOT} (default {@link TSX_ENTRY}; {@link DIST_ENTRY}: compiled)
 * @throws with the log's tail when it exits or does not answer in time (the process is killed)
 */
export async function launchRelay(
  env: Record<string, string>,
  opts: { logFile: string; upWithinMs?: number; children?: ChildProcess[]; command?: readonly string[] },
): Promise<RelayProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [...(opts.command ?? TSX_ENTRY)], {
    cwd: REPO_ROOT,
    env: { ...envWithoutPlatform(), ...env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  opts.children?.push(child);
  let gone = false;
  const exited = new Promise<void>((r) => child.once('exit', () => ((gone = true), r())));
  const p: RelayProcess = {
    child,
    port,
    base,
    logFile: opts.logFile,
    exited,
    async health() {
      try {
        return (await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) })).json()) as Health;
      } catch {
        return null;
      }
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    tail(lines = 20) {
      try {
        return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  const t0 = Date.now();
  const within = opts.upWithinMs ?? 60_000;
  while (Date.now() - t0 < within) {
    if (gone) throw new Error(`gridrelay on port ${port} exited during start-up:\n${p.tail()}`);
    try {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) })).ok) return p;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await p.kill();
  throw new Error(`gridrelay on port ${port} did not answer /healthz within ${within} ms:\n${p.tail()}`);
}

/** `process.env` without platform credentials: a spawned gridrelay's platform comes from the env the test gives it. */
function envWithoutPlatform(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DINGTALK|SLACK)_/.test(k)) out[k] = v;
  return out;
}
