/**
 * The drill (演练, PRODUCT.md §2.9): a scripted exercise on the loaded county, so a commander can rehearse with
 * staff and watch the ladder and the reports move. Started by `POST /console/v1/drill` (src/http/drill.ts, console
 * platform only) or `npm run demo -- --drill` (scripts/demo.ts, which calls that route).
 *
 * The script (script.ts), one step after another, `DRILL_PACE_MS` apart (default 900 ms: the acknowledgements of the
 * first township's grids spread over about a minute):
 * 1. **指挥部令** — a commander issues `/令 … 范围:<first township> 时限:<N>秒 紧急:是` in the command group; the window
 *    is twice the span of the on-time acknowledgements, so the ladder's reminder falls after them (紧急: the ladder
 *    runs in quiet hours too);
 * 2. **网格陆续确认** — the township officer, then most grids' workers acknowledge, one each `DRILL_PACE_MS`, in varied
 *    wording; every eighth grid is late, every eighth other one stays silent;
 * 3. **等待提醒** — until the ladder has reminded the silent grids (its `remind` event);
 * 4. **迟到确认** — the late grids acknowledge;
 * 5. **上报线索** — a grid worker reports a lead (`/上报`) and the township officer accepts it (`/受理`);
 * 6. **专项任务** — the commander issues a task to the township's grids (`/任务 … 回报:到岗人数`), three grids complete it;
 * 7. **查看进度** — the commander asks `/进度` of the drill's directive.
 *
 * Its people speak through the inbox like anyone on the console (their messages carry `drill: true`, which the public
 * console API never sets), so every rule, permission and answer is the real one. What their messages create —
 * the directive, the lead, the task — are drill items (`drill` column): numbered in the same series as real ones,
 * named 【演练】 at the start of every message about them (src/core/drill.ts), left out of response-rate reports,
 * the digest, the dashboard and the exports; `/进度` of them works.
 *
 * One drill at a time: per process, and across processes through a {@link DrillLease} (Redis, src/jobs/drill-lease.ts).
 * A step whose message is not answered within {@link STEP_TIMEOUT_MS} ends the drill (logged).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CoreDeps } from '../../src/core/deps.js';
import { errorFields } from '../../src/core/errors.js';
import type { InboundMessage } from '../../src/core/message.js';
import { runScript, STEP_ZH, type DrillStep } from './script.js';

export { STEP_ZH, type DrillStep } from './script.js';

/** How long the script waits for one of its messages to be processed before it gives up, ms. */
export const STEP_TIMEOUT_MS = 30_000;

/** One drill at a time across processes: taken at the start, rewritten at each step, given back at the end. */
export interface DrillLease {
  /** @returns false when another drill holds it */
  take(drillId: string, step: string): Promise<boolean>;
  step(drillId: string, step: string): Promise<void>;
  give(drillId: string): Promise<void>;
  /** The drill running anywhere, and its step; null when none. */
  read(): Promise<{ drillId: string; step: string } | null>;
}

/** What {@link Drills} needs. */
export interface DrillOptions {
  deps: CoreDeps;
  /** Stores a person's message as the console adapter's sink does (the inbox's `accept`). */
  accept: (msg: InboundMessage) => Promise<unknown>;
  /** The gap between two scripted messages, ms (`DRILL_PACE_MS`). */
  paceMs: number;
  /** Across processes; absent → one drill at a time in this process only. */
  lease?: DrillLease;
  log: Logger;
}

/** `GET /console/v1/drill`: whether a drill runs (here or in another process) and its step in Chinese. */
export interface DrillStatus {
  running: boolean;
  step?: string;
}

/** The drills of this process: start one, read its state, stop it with the app. */
export class Drills {
  private current: { drillId: string; step: DrillStep; done: Promise<void> } | null = null;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly opts: DrillOptions) {}

  /**
   * Starts a drill in the background. @returns its id, or null while a drill runs (here, or — with a lease — in
   * another process sharing the database)
   */
  async start(): Promise<{ drillId: string } | null> {
    if (this.current || this.stopped) return null;
    const drillId = randomUUID();
    const first: DrillStep = 'directive';
    // claimed before the first await: a second start in this process is refused at once
    const run = { drillId, step: first, done: Promise.resolve() };
    this.current = run;
    try {
      if (this.opts.lease && !(await this.opts.lease.take(drillId, STEP_ZH[first]))) {
        this.current = null;
        return null;
      }
    } catch (err) {
      this.current = null;
      throw err;
    }
    run.done = this.run(drillId).finally(() => {
      if (this.current === run) this.current = null;
    });
    return { drillId };
  }

  /** Whether a drill runs and its step: this process's, else the lease's (another process's). */
  async status(): Promise<DrillStatus> {
    if (this.current) return { running: true, step: STEP_ZH[this.current.step] };
    const other = await this.opts.lease?.read();
    return other ? { running: true, step: other.step } : { running: false };
  }

  /** Resolves when the drill running in this process (if any) has ended. */
  async idle(): Promise<void> {
    await this.current?.done;
  }

  /** Ends a running drill at its next pause and waits for it; no drill starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.idle();
  }

  private async run(drillId: string): Promise<void> {
    const { deps, accept, paceMs, lease, log } = this.opts;
    const dlog = log.child({ drillId });
    let n = 0;
    try {
      dlog.info('drill started');
      await runScript({
        deps,
        paceMs,
        timeoutMs: STEP_TIMEOUT_MS,
        signal: this.abort.signal,
        say: async (conversationId, senderId, text) => {
          const platformMsgId = `drill-${drillId}-${++n}`;
          await accept({ platform: 'console', platformMsgId, conversationId, senderId, text, sentAt: deps.now(), drill: true });
          return platformMsgId;
        },
        step: async (step) => {
          if (this.current?.drillId === drillId) this.current.step = step;
          await lease?.step(drillId, STEP_ZH[step]);
          dlog.info({ step }, 'drill step');
        },
      });
      dlog.info('drill finished');
    } catch (err) {
      if (this.abort.signal.aborted) dlog.info('drill stopped');
      else dlog.error(errorFields(err), 'drill ended early');
    } finally {
      await lease?.give(drillId).catch((err: unknown) => dlog.warn(errorFields(err), 'drill: could not give the lease back'));
    }
  }
}
