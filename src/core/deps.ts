/** The dependencies every workflow and command receives (as `ctx.deps`), passed in rather than imported. */
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Outbox } from './outbox.js';
import type { Timers } from '../jobs/timer-queue.js';
import type { ReceiptPolls } from '../jobs/receipts.js';

/** What workflows need: the database, configuration, the outbox and a clock. No module singletons. */
export interface CoreDeps {
  db: Db;
  config: Config;
  outbox: Outbox;
  /** Durable timers (reminders, escalations, SLAs); schedule inside the transaction. */
  timers: Timers;
  /** Read-receipt polls; present only when the platform reports reads (DingTalk). */
  receipts?: ReceiptPolls;
  /**
   * The recurring task series' job schedulers: `reconcile` brings them in step with SQLite (a stable
   * function, noted as an after-commit hook). Absent where no recurrence worker runs.
   */
  taskSeries?: { reconcile(): Promise<void> };
  /** The current time; tests may fix it. Read the clock only through this. */
  now(): Date;
}
