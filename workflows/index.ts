/**
 * Registers every lifecycle's timer kinds (reminders, escalations, SLA checks) with the app's Timers:
 * the one place that lists them. Each lifecycle folder (`directive/`, `lead/`, `task/`, `delivery/`, `inspection/`)
 * exports its kinds, declared with `defineTimer` (src/jobs/timers.ts), from its index; add them to the
 * list here. What each timer does is told in that folder's index.ts.
 */
import type { CoreDeps } from '../src/core/deps.js';
import { chaseTimer, ladderTimer } from './directive/index.js';
import { failuresTimer } from './delivery/index.js';
import { rectifySlaTimer } from './inspection/index.js';
import { slaTimer } from './lead/index.js';
import { dueTimer, remindTimer } from './task/index.js';

/**
 * Registers the timer kinds of every lifecycle with `deps.timers` (each handler gets `deps` with `db`
 * the firing transaction's). @throws Error when a kind is registered twice.
 */
export function registerWorkflowTimers(deps: CoreDeps): void {
  deps.timers.register(deps, ladderTimer, chaseTimer, slaTimer, failuresTimer, remindTimer, dueTimer, rectifySlaTimer);
}
