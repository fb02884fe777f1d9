/**
 * @deprecated The BullMQ keys of a database now live in ./queues.ts (queue names, job ids, the worker
 * factory). Kept for the importers not yet moved (`workflows/task-recurrence.ts`, one test); remove
 * once they import ./queues.ts.
 */
export {
  /** @deprecated import from ./queues.js */
  queueName,
} from './queues.js';
