/**
 * Registers every workflow's timer handlers (reminders, escalations, SLA checks) with the app's Timers.
 * Each workflow exports `registerTimers(deps)`; add one line per workflow here.
 */
import type { CoreDeps } from '../src/core/command.js';
import { registerTimers as registerTaskTimers } from './task.js';
import { registerTimers as registerTaskSeriesTimers } from './task-recurrence.js';

export function registerWorkflowTimers(deps: CoreDeps): void {
  registerTaskTimers(deps);
  registerTaskSeriesTimers(deps);
  // directive ladder, lead SLA, task reminders register here
}
