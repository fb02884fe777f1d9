/**
 * Errand numbers: gapless per day (`代办 20261202-015`, counter kind `errand`, like leads); people type
 * today's by its number within the day (`015`). And the days: the day key of an instant, the day after,
 * which cut-off's list an order made now belongs to.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { findErrand } from '../../src/db/queries/errands.js';
import type { Errand } from '../../src/db/schema/index.js';
import { wallClock, zonedInstant } from '../../src/time/clock.js';
import { dayKey } from '../lead/number.js';
import type { ErrandRef } from './fields.js';

export { dayKey };

/** `20261202-015`. */
export function errandNumber(e: Pick<Errand, 'day' | 'number'>): string {
  return `${e.day}-${String(e.number).padStart(3, '0')}`;
}

/** The short number people type for an order of today (`015`), else the full one. */
export function errandRefWord(e: Pick<Errand, 'day' | 'number'>, today: number): string {
  return e.day === today ? String(e.number).padStart(3, '0') : errandNumber(e);
}

/** The day key after `day` (`20261231` → `20270101`). */
export function nextDay(day: number, timeZone: string, by = 1): number {
  const y = Math.floor(day / 10000);
  const m = Math.floor(day / 100) % 100;
  const d = day % 100;
  return dayKey(zonedInstant(timeZone, y, m, d + by, 12), timeZone);
}

/** `12月2日` of a day key. */
export function dayLabel(day: number): string {
  return `${Math.floor(day / 100) % 100}月${day % 100}日`;
}

/** The cut-off `HH:MM` as minutes after midnight. */
function cutoffMinutes(cutoff: string): number {
  const [h, m] = cutoff.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Which cut-off's list an order made at `at` belongs to: the same day's when before `ERRAND_CUTOFF`
 * (in `TIMEZONE`), else the next day's. @returns the list's day key and whether it is the next day's.
 */
export function listDayOf(at: Date, cutoff: string, timeZone: string): { day: number; late: boolean } {
  const w = wallClock(at, timeZone);
  const today = dayKey(at, timeZone);
  const late = w.hour * 60 + w.minute >= cutoffMinutes(cutoff);
  return { day: late ? nextDay(today, timeZone) : today, late };
}

/**
 * Finds an order by number (a number without a day means today's, in `TIMEZONE`).
 * @throws Refusal naming the number when there is none.
 */
export async function resolveErrand(deps: CoreDeps, ref: ErrandRef): Promise<Errand> {
  const day = ref.day ?? dayKey(deps.now(), deps.config.TIMEZONE);
  const e = await findErrand(deps.db, day, ref.number);
  if (!e) throw new Refusal(`没有代办 ${errandNumber({ day, number: ref.number })}。请核对编号。`);
  return e;
}
