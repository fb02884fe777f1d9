/**
 * The unit of work: the one way gridrelay changes state and then acts on the change.
 *
 * 1. Run the change in one transaction of the store (src/db/client.ts `writeTx`: PostgreSQL
 *    `BEGIN … COMMIT`; SQLite `BEGIN IMMEDIATE … COMMIT` under the process lock). Inside it the
 *    outbox stores messages, the timers store timers, the read-receipt polls are planned, and
 *    {@link afterCommit} notes work to do once the change is durable. Nothing but the database is
 *    awaited inside it: platform calls and Redis come after commit.
 * 2. After commit, flush: queue the stored messages (outbox), the timers' wake-ups and the planned
 *    polls in BullMQ, then run the after-commit hooks.
 *
 * A transaction that throws rolls back and its hooks are dropped (a message or timer it stored is gone
 * with it; a wake-up already noted for it finds no row and does nothing). Step 2 may be deferred to
 * batch several units into one round of Redis calls ({@link commitUnit} then {@link flushCommitted}, as
 * the inbox does for a burst of messages); {@link runUnitOfWork} does both at once.
 *
 * Work stored before a crash between the steps is not lost: the outbox, the timers and the read-receipt
 * polls re-queue what the database holds at start, and an after-commit hook must be such that start-up does
 * its work too (e.g. the task series are reconciled at start).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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

/** Hooks of the unit whose transaction is running in this async context (an inner unit's hooks join the outer unit's). */
const running = new AsyncLocalStorage<Set<AfterCommitHook>>();
/** The outermost unit of this async context: whether its transaction is still open, committed or rolled back. */
const outermost = new AsyncLocalStorage<{ state: 'open' | 'committed' | 'rolled-back' }>();

/**
 * Work noted inside transactions and taken after they commit — the outbox's stored message ids, the timers'
 * wake-ups, the planned read-receipt polls. Several transactions may be open at once (PostgreSQL: the inbox and
 * a timer in one process), so {@link take} gives only what committed units noted, keeps what open units noted
 * for their own flush, and drops what rolled-back units noted.
 */
export class CommitBuffer<T> {
  private items: { item: T; unit: { state: 'open' | 'committed' | 'rolled-back' } | undefined }[] = [];

  /** Notes `item` for the current unit of work (outside one: ready at once). */
  add(item: T): void {
    this.items.push({ item, unit: outermost.getStore() });
  }

  /** Removes and returns the items of committed units (and those noted outside any unit), in the order noted. */
  take(): T[] {
    const ready: T[] = [];
    const keep: typeof this.items = [];
    for (const e of this.items) {
      if (!e.unit || e.unit.state === 'committed') ready.push(e.item);
      else if (e.unit.state === 'open') keep.push(e);
    }
    this.items = keep;
    return ready;
  }
}
/** Hooks of committed units not yet flushed, per database. */
const committed = new WeakMap<Db, Set<AfterCommitHook>>();

/**
 * Notes `fn` to run after the current unit of work commits (once, however often it is noted in the
 * same flush: hooks are kept by identity). Call inside {@link runUnitOfWork} / {@link commitUnit}.
 * @throws Error outside a unit of work (a plain `writeTx` does not run hooks).
 */
export function afterCommit(fn: AfterCommitHook): void {
  const unit = running.getStore();
  if (!unit) throw new Error('afterCommit() outside a unit of work: run the transaction with runUnitOfWork() or commitUnit()');
  unit.add(fn);
}

/**
 * Step 1: runs `fn` in an IMMEDIATE write transaction and, once it commits, keeps its after-commit hooks
 * for {@link flushCommitted}. A unit inside another unit's transaction hands its hooks to the outer one.
 * @returns what `fn` returns
 * @throws whatever `fn` throws (the transaction is rolled back, its hooks dropped)
 */
export async function commitUnit<T>(deps: { db: Db }, fn: (tx: Db) => Promise<T> | T): Promise<T> {
  const outer = running.getStore();
  if (outer) {
    // inside another unit: a savepoint; its hooks join the outer unit's once it succeeds
    const inner = new Set<AfterCommitHook>();
    const result = await running.run(inner, async () => await writeTx(deps.db, fn));
    for (const h of inner) outer.add(h);
    return result;
  }
  const hooks = new Set<AfterCommitHook>();
  const unit = { state: 'open' as 'open' | 'committed' | 'rolled-back' };
  let result: T;
  try {
    result = await outermost.run(unit, () => running.run(hooks, async () => await writeTx(deps.db, fn)));
    unit.state = 'committed';
  } catch (err) {
    unit.state = 'rolled-back';
    throw err;
  }
  if (hooks.size > 0) {
    const pending = committed.get(deps.db) ?? new Set<AfterCommitHook>();
    for (const h of hooks) pending.add(h);
    committed.set(deps.db, pending);
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
export async function runUnitOfWork<T>(deps: UnitOfWorkDeps, fn: (tx: Db) => Promise<T> | T): Promise<T> {
  const result = await commitUnit(deps, fn);
  await flushCommitted(deps);
  return result;
}
