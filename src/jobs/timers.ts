/**
 * Timer kinds: a kind of timer (a reminder, an escalation, an SLA check) is declared once with
 * {@link defineTimer}: its handler receives the timer's data typed, and the returned handle schedules,
 * moves and cancels timers of that kind (and builds their ids). The types a handler sees live here too.
 *
 * The timers themselves — rows in SQLite, BullMQ wake-ups, firing each exactly once, reconciling after a
 * restart — are the {@link Timers} of ./timer-queue.ts; a kind's handler is registered there
 * ({@link Timers.register}).
 */
import type { Db } from '../db/client.js';
import { cancelTimers, getTimer, pendingTimersDue } from '../db/queries/timers.js';
import { Timers, typed } from './timer-queue.js';

/** When a timer fired: the processing clock, and whether that was more than `LATE_AFTER_MS` (./timer-queue.ts) after it was due. */
export interface Fired {
  at: Date;
  late: boolean;
}

/** A timer as its handler sees it: the row, with `data` of the kind's own type. */
export interface Timer<Data> {
  id: string;
  kind: string;
  version: number;
  data: Data;
  dueAt: Date;
  urgent: boolean;
}

/** What typed timers need of the app: the database (inside a handler: the firing transaction's) and the timers. */
export interface TimerDeps {
  db: Db;
  timers: Timers;
}

/** A typed handler: runs inside the unit of work that marks the timer done; `deps.db` is its transaction. */
export type TypedTimerHandler<Data, D extends TimerDeps> = (deps: D, timer: Timer<Data>, fired: Fired) => void | Promise<void>;

/** Where a timer handle works: the app's deps (inside a transaction: its `db`) or the Timers themselves. */
export type TimersTarget = TimerDeps | Timers;

/** The handle of one kind of timer, from {@link defineTimer}. */
export interface TimerDef<Data extends object, D extends TimerDeps = TimerDeps> {
  /** The kind, e.g. `directive.ladder`: stored with each timer, names its BullMQ jobs. */
  readonly kind: string;
  /** The handler (called by {@link Timers} once registered with {@link Timers.register}). */
  readonly handler: TypedTimerHandler<Data, D>;
  /**
   * Whether a firing timer of this kind takes over the others due with it ({@link pendingDue}, then
   * {@link cancel} each): such timers fire one at a time across processes, see {@link defineTimer}.
   */
  readonly bundles: boolean;
  /**
   * The timer id for `data`, from the id builder given to {@link defineTimer}.
   * @throws Error when the kind has no id builder
   */
  id(data: Data): string;
  /**
   * Creates the timer due `at`, or moves the pending one with the same id (a new version); a timer that
   * already fired or was cancelled stays as it is. Call inside a unit of work: queued after commit.
   * @param opts.id the timer id (default: the id builder's, from `data`)
   * @param opts.urgent fires during quiet hours (default false; a moved timer keeps its own when absent)
   * @returns true if the timer is now pending at `at`
   */
  schedule(target: TimersTarget, at: Date, data: Data, opts?: { id?: string; urgent?: boolean }): Promise<boolean>;
  /** Like {@link schedule}, but also re-arms a timer of that id that already fired or was cancelled (recurring checks under one id). */
  rearm(target: TimersTarget, at: Date, data: Data, opts?: { id?: string; urgent?: boolean }): Promise<void>;
  /** Cancels the pending timer `id`, or (`prefix`) every pending timer whose id starts with `id-`. @returns how many. */
  cancel(target: TimersTarget, id: string, opts?: { prefix?: boolean }): Promise<number>;
  /** Whether the timer `id` is pending. */
  isPending(target: TimersTarget, id: string): Promise<boolean>;
  /**
   * Pending timers of this kind due at or before `until`, other than `exceptId` (the firing one) — to
   * fold into one message; cancel each one folded in.
   */
  pendingDue(target: TimersTarget, until: Date, exceptId: string): Promise<Timer<Data>[]>;
}

/** The database a target works on (the app's one connection: inside a transaction, that transaction). */
const dbOf = (t: TimersTarget): Db => t.db;
const timersOf = (t: TimersTarget): Timers => (t instanceof Timers ? t : t.timers);

/**
 * Declares a kind of timer. The handler gets `deps` as registered ({@link Timers.register}, with `db`
 * the firing transaction) and the timer with `data` typed as scheduled.
 * @param kind unique among the app's timers, e.g. `directive.ladder`
 * @param opts.id builds a timer's id from its data (letters, digits, `-`, `_`), e.g. `dir-17-r1-s2`
 * @param opts.bundles the handler folds the other pending timers of the kind due with it into its own message
 *   (`pendingDue` + `cancel`). Such timers fire one at a time (on PostgreSQL a transaction-level advisory lock
 *   on the kind, taken before the timer's row; SQLite has one writer anyway): two of them firing together
 *   would otherwise each hold its own row and wait for the other's — a deadlock PostgreSQL breaks only after
 *   `deadlock_timeout` by failing one, which left 100 tasks' reminders due together ≈ 50 s late. The first
 *   to fire takes the others over; they find themselves cancelled. Default false.
 */
export function defineTimer<Data extends object, D extends TimerDeps = TimerDeps>(
  kind: string,
  handler: TypedTimerHandler<Data, D>,
  opts: { id?: (data: Data) => string; bundles?: boolean } = {},
): TimerDef<Data, D> {
  const id = (data: Data): string => {
    if (!opts.id) throw new Error(`timer kind ${kind} has no id builder: pass the id to schedule()`);
    return opts.id(data);
  };
  const row = (at: Date, data: Data, o: { id?: string; urgent?: boolean }) => ({
    id: o.id ?? id(data),
    kind,
    dueAt: at,
    data: data as Record<string, unknown>,
    ...(o.urgent !== undefined ? { urgent: o.urgent } : {}),
  });
  return {
    kind,
    handler,
    bundles: opts.bundles ?? false,
    id,
    schedule: async (target, at, data, o = {}) => await timersOf(target).scheduleRow(dbOf(target), row(at, data, o)),
    rearm: async (target, at, data, o = {}) => await timersOf(target).rearmRow(dbOf(target), row(at, data, o)),
    cancel: async (target, timerId, o = {}) => await cancelTimers(dbOf(target), timerId, o),
    isPending: async (target, timerId) => (await getTimer(dbOf(target), timerId))?.status === 'pending',
    pendingDue: async (target, until, exceptId) => (await pendingTimersDue(dbOf(target), kind, until, exceptId)).map((r) => typed<Data>(r)),
  };
}
