/**
 * Registers every lifecycle's timer handlers (reminders, escalations, SLA checks) with the app's Timers:
 * the one place that lists them. Each lifecycle folder (`directive/`, `lead/`, `task/`, `delivery/`, `inspection/`)
 * exports `registerTimers(deps)` from its index (the task series' sync timer from task/recurrence.ts);
 * add one line per lifecycle here. What each timer does is told in that folder's index.ts.
 */
import type { CoreDeps } from '../src/core/deps.js';
import { registerTimers as registerDirectiveTimers } from './directive/index.js';
import * as delivery from './delivery/index.js';
import * as inspection from './inspection/index.js';
import * as lead from './lead/index.js';
import { registerTimers as registerTaskTimers } from './task/index.js';
import { registerTimers as registerTaskSeriesTimers } from './task/recurrence.js';

/** Registers the timer handlers of every lifecycle with `deps.timers`. */
export function registerWorkflowTimers(deps: CoreDeps): void {
  registerDirectiveTimers(deps);
  lead.registerTimers(deps);
  delivery.registerTimers(deps);
  registerTaskTimers(deps);
  registerTaskSeriesTimers(deps);
  inspection.registerTimers(deps);
}
