/**
 * Deadlines as the bot reads and restates them: `截止:` in `/任务` and `/改期`, `时限:` in `/令` and `/通告`.
 * {@link readDeadline} reads a phrase (the rules are in phrases.ts: `今天18点`, `下班前`, `3天内` …) against
 * the clock, refuses what is unreadable, past or too far ahead with examples, and {@link formatDeadline}
 * restates an instant as an absolute date with its weekday, so a misreading shows at once.
 */
import { UsageError } from '../core/errors.js';
import { clip } from '../core/text.js';
import { DAY_MS, WEEKDAY_ZH, wallClock } from './clock.js';
import { parseDeadline, type DeadlineOptions } from './phrases.js';

/** The furthest ahead a deadline may be: a year (366 days, so 「明年今天」 still fits), ms. */
export const MAX_DEADLINE_AHEAD_MS = 366 * DAY_MS;

/** `2026年2月1日 18:00（周日）` in `timeZone`. */
export function formatDeadline(date: Date, timeZone: string): string {
  const w = wallClock(date, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sec = w.second ? `:${pad(w.second)}` : '';
  return `${w.year}年${w.month}月${w.day}日 ${pad(w.hour)}:${pad(w.minute)}${sec}（周${WEEKDAY_ZH[w.weekday]}）`;
}

/** Examples shown when a deadline cannot be read or is in the past. */
export const DEADLINE_EXAMPLES = '今天18点、今晚12点、下班前、周五前、2小时内、3天内、2026-02-01 18:00';

/** A leap year's first instant: any month and day (2月29日 too) is still ahead of it in any time zone. */
const SYNTAX_NOW = new Date(Date.UTC(2028, 0, 1, 12));

/**
 * Whether `text` reads as a deadline at all, whatever the clock says: for a pure parser that keeps the
 * text and reads it against the clock later with {@link readDeadline}.
 */
export function isDeadlineText(text: string): boolean {
  return parseDeadline(text, SYNTAX_NOW, 'UTC') !== null;
}

/** {@link readDeadline}'s options: those of `parseDeadline` (phrases.ts), the name of the field and how far ahead it may be. */
export interface ReadDeadlineOptions extends DeadlineOptions {
  /** The field's name in answers; default `截止时间` (`/令` uses `时限`). */
  what?: string;
  /** The furthest ahead accepted, ms; default {@link MAX_DEADLINE_AHEAD_MS}. */
  maxAheadMs?: number;
  /** Said when it is further ahead than `maxAheadMs`; default `最多一年`. */
  maxAheadText?: string;
}

/**
 * Reads a deadline for a task (`/任务 … 截止:`, `/改期`) or an acknowledgement window (`/令 … 时限:`) and
 * checks it is ahead of `now` by at most {@link MAX_DEADLINE_AHEAD_MS} (or `options.maxAheadMs`).
 * @returns the instant
 * @throws UsageError saying why, with {@link DEADLINE_EXAMPLES}: not a time, already past, or too far ahead
 *   (also a number too big to be a date, such as `99999999天内`); a time that was read is restated as an
 *   absolute date with its weekday, so a misreading shows.
 */
export function readDeadline(text: string, now: Date, timeZone: string, options: ReadDeadlineOptions = {}): Date {
  const what = options.what ?? '截止时间';
  const parsed = parseDeadline(text, now, timeZone, options);
  const shown = clip(text);
  if (!parsed) throw new UsageError(`看不懂${what}「${shown}」。可以写：${DEADLINE_EXAMPLES}`);
  const at = parsed.at.getTime();
  // restated up to the year 9999 (a number too big for a date is not restated)
  const readAs = (d: Date) => (d.getTime() < Date.UTC(10000, 0, 1) ? `：读作 ${formatDeadline(d, timeZone)}` : '');
  if (!Number.isFinite(at) || at - now.getTime() > (options.maxAheadMs ?? MAX_DEADLINE_AHEAD_MS)) {
    throw new UsageError(`${what}太远（${options.maxAheadText ?? '最多一年'}）${Number.isFinite(at) ? readAs(parsed.at) : ''}`);
  }
  if (at <= now.getTime()) throw new UsageError(`${what} ${formatDeadline(parsed.at, timeZone)} 已过。请写将来的时间，如：${DEADLINE_EXAMPLES}`);
  return parsed.at;
}
