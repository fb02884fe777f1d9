/** How special tasks are named and written: `专项任务〔2026〕第3号`, the numbers people type, lists of grids. */
import { drillTag } from '../../src/core/drill.js';
import { NUMERAL_SOURCE, parseNumeral } from '../../src/core/numerals.js';
import type { Task, TaskTarget } from '../../src/db/schema/index.js';

/** Roles @-mentioned in a grid's relay and reminders: the people who must act. */
export const ACTORS = ['grid_leader', 'grid_worker'];

/** `专项任务〔2026〕第3号`; a drill task `【演练】专项任务〔2026〕第3号` (the outbox moves the mark to the message's start, src/core/drill.ts). */
export function formatTaskNumber(t: Pick<Task, 'year' | 'number'> & { drill?: boolean | null }): string {
  return `${drillTag(t)}专项任务〔${t.year}〕第${t.number}号`;
}

const TASK_REF = new RegExp(`^\\s*(?:专项任务|任务|task)?\\s*(?:[〔\\[(（]\\s*\\d{4}\\s*[〕\\])）]\\s*)?(?:第\\s*)?(${NUMERAL_SOURCE})(?:\\s*号)?\\s*$`, 'i');

/**
 * Parses a task reference: `3`, `三`, `第3号`, `任务3`, `专项任务〔2026〕第3号` (numbers in Arabic digits or
 * Chinese numerals; `1.5`, `1 4`, `0` are not numbers). @returns the number, or null.
 */
export function parseTaskRef(text: string): number | null {
  const m = TASK_REF.exec(text);
  const n = m ? parseNumeral(m[1]!) : null;
  return n !== null && n >= 1 ? n : null;
}

const MAX_NAMES = 20;

/** The grids' names for a message, the first `max` of them and how many in all (`… 等25个`). */
export function gridNames(xs: TaskTarget[], max = MAX_NAMES): string {
  const shown = xs.slice(0, max).map((t) => t.unitName).join('、');
  return xs.length > max ? `${shown} 等${xs.length}个` : shown;
}
