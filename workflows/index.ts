/**
 * Registers every workflow's timer handlers (reminders, escalations, SLA checks) with the app's Timers.
 * Each workflow exports `registerTimers(deps)`; add one line per workflow here.
 */
import type { CoreDeps } from '../src/core/deps.js';
import { registerTimers as registerDirectiveTimers } from './directive/ladder.js';
import * as delivery from './delivery/index.js';
import * as lead from './lead/index.js';
import { registerTimers as registerTaskTimers } from './task/index.js';
import { registerTimers as registerTaskSeriesTimers } from './task/recurrence.js';

export function registerWorkflowTimers(deps: CoreDeps): void {
  registerDirectiveTimers(deps);
  lead.registerTimers(deps);
  delivery.registerTimers(deps);
  registerTaskTimers(deps);
  registerTaskSeriesTimers(deps);
}
