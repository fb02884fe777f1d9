/**
 * The unit of work: the one way gridrelay changes state and then acts on the change.
 *
 * 1. Run the change in one write transaction — synchronous (better-sqlite3; a drizzle transaction
 *    cannot take an async callback), so nothing is awaited while the write lock is held. Inside it the
 *    outbox stores messages, the timers store timers, the read-receipt polls are planned, and
 *    {@link afterCommit} notes work to do once the change is durable.
 * 2. After commit, flush: queue the stored messages (outbox), the timers' wake-ups and the planned
 *    polls in BullMQ, then run the after-commit hooks.
 *
 * A transaction that throws rolls back and its hooks are dropped (a message or timer it stored is gone
 * with it; a wake-up already noted for it finds no row and does nothing). Step 2 may be deferred to
 * batch several units into one round of Redis calls ({@link commitUnit} then {@link flushCommitted}, as
 * the inbox does for a burst of messages); {@link runUnitOfWork} does both at once.
 *
 * Work stored before a crash between the steps is not lost: the outbox, the timers and the read-receipt
 * polls re-queue what SQLite holds at start, and an after-commit hook must be such that start-up does
 * its work too (e.g. the task series are reconciled at start).
 */
import { writeTx, type Db } from '../db/client.js';

/** What a unit of work flushes after commit: the app's outbox, timers and (where the platform reports reads) read-receipt polls. */
export interface UnitOfWorkDeps {
  db: Db;
  outbox: { flush(): Promise<void> };
  timers: { flush(): Promise<void> };
  receipts?: { flush(): Promise<void> };
}

/** Work to run after commit; may be async. */
export type AfterCommitHook = () => void | Promise<void>;

/** Hooks of the units whose transaction is running now, innermost last (transactions are synchronous: one at a time). */
const running: Set<AfterCommitHook>[] = [];
/** Hooks of committed units not yet flushed, per database. */
const committed = new WeakMap<Db, Set<AfterCommitHook>>();

/**
 * Notes `fn` to run after the current unit of work commits (once, however often it is noted in the
 * same flush: hooks are kept by identity). Call inside {@link runUnitOfWork} / {@link commitUnit}.
 * @throws Error outside a unit of work (a plain `writeTx` does not run hooks).
 */
export function afterCommit(fn: AfterCommitHook): void {
  const unit = running.at(-1);
  if (!unit) throw new Error('afterCommit() outside a unit of work: run the transaction with runUnitOfWork() or commitUnit()');
  unit.add(fn);
}

/**
 * Step 1: runs `fn` in an IMMEDIATE write transaction and, once it commits, keeps its after-commit hooks
 * for {@link flushCommitted}. A unit inside another unit's transaction hands its hooks to the outer one.
 * @returns what `fn` returns
 * @throws whatever `fn` throws (the transaction is rolled back, its hooks dropped)
 */
export function commitUnit<T>(deps: { db: Db }, fn: (tx: Db) => T): T {
  const hooks = new Set<AfterCommitHook>();
  running.push(hooks);
  let result: T;
  try {
    result = writeTx(deps.db, fn);
  } finally {
    running.pop();
  }
  if (hooks.size > 0) {
    const outer = running.at(-1) ?? committed.get(deps.db) ?? new Set<AfterCommitHook>();
    for (const h of hooks) outer.add(h);
    if (running.length === 0) committed.set(deps.db, outer);
  }
  return result;
}

/**
 * Step 2: queues what the committed units stored — outbox messages, timer wake-ups, read-receipt polls —
 * then runs their after-commit hooks, in the order noted. Every hook runs even when one throws.
 * @throws the first error of a flush or hook
 */
export async function flushCommitted(deps: UnitOfWorkDeps): Promise<void> {
  await deps.outbox.flush();
  await deps.timers.flush();
  await deps.receipts?.flush();
  const hooks = committed.get(deps.db);
  if (!hooks) return;
  committed.delete(deps.db);
  let first: unknown = null;
  for (const h of hooks) {
    try {
      await h();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== null) throw first;
}

/**
 * {@link commitUnit} then {@link flushCommitted}: runs `fn` in one write transaction, then queues what
 * it stored and runs its after-commit hooks.
 * @returns what `fn` returns, once flushed
 * @throws whatever `fn` throws (nothing of it is queued), or the first error of the flush
 */
export async function runUnitOfWork<T>(deps: UnitOfWorkDeps, fn: (tx: Db) => T): Promise<T> {
  const result = commitUnit(deps, fn);
  await flushCommitted(deps);
  return result;
}
