/**
 * Registers every workflow's timer handlers (reminders, escalations, SLA checks) with the app's Timers.
 * Each workflow exports `registerTimers(deps)`; add one line per workflow here.
 */
import type { CoreDeps } from '../src/core/command.js';
import { registerTimers as registerDirectiveTimers } from './directive-ladder.js';

export function registerWorkflowTimers(deps: CoreDeps): void {
  // directive ladder, lead SLA, task reminders register here
  registerDirectiveTimers(deps);
}
