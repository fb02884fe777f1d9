/**
 * Recurrences of a special task (`/任务 … 每天18点`, `每周一9点`): read as a cron pattern in `TIMEZONE`,
 * and the next time one comes round. The words for parts of the day are those of deadlines (phrases.ts).
 */
import { DAY_MS, WEEKDAY_ZH, wallClock, zonedInstant } from './clock.js';
import { adjustHour, DEFAULT_DAY_TIME, normaliseTimeText, PERIOD_DEFAULT, PERIODS, WEEKDAY_CHAR, type Period } from './phrases.js';

/** A recurrence read from `每天18点` / `每周一9点`: a cron pattern in `timeZone` and its period. */
export interface Recurrence {
  /** Cron pattern (5 fields: minute hour day month weekday), read in TIMEZONE. */
  pattern: string;
  /** Time between occurrences, ms (24 h or 7 days). */
  periodMs: number;
  /** As people read it: `每天 18:00`, `每周一 09:00`. */
  label: string;
}

/**
 * Reads `每天18点`, `每日8:30`, `每天下午6点`, `每周一9点`, `每星期五下午5点` (full-width and Chinese numerals too).
 * A day without a time means 18:00; midnight (`每天晚上12点`, `每周五24点`) is 00:00 of the next day.
 * @returns the recurrence, or null when the text is not one.
 */
export function parseRecurrence(text: string): Recurrence | null {
  const t = normaliseTimeText(text).replace(/\s/g, '').replace(/(之前|以前|前)$/, '');
  const m = /^每(?:(天|日)|(?:周|週|星期|礼拜)([一二三四五六日天七1-7]))(.*)$/.exec(t);
  if (!m) return null;
  const weekly = !m[1];
  let rest = m[3]!;
  let period: Period | null = null;
  for (const [re, p] of PERIODS) {
    const pm = re.exec(rest);
    if (pm) { period = p; rest = rest.replace(re, ''); break; }
  }
  let hour: number;
  let minute = 0;
  let tm: RegExpExecArray | null;
  if ((tm = /^(\d{1,2}):(\d{2})$/.exec(rest))) { hour = Number(tm[1]); minute = Number(tm[2]); }
  else if ((tm = /^(\d{1,2})(?:点|點|时|時)(?:(半)|(\d{1,2})分?|整)?$/.exec(rest))) { hour = Number(tm[1]); minute = tm[2] ? 30 : tm[3] ? Number(tm[3]) : 0; }
  else if (rest === '') [hour, minute] = period ? PERIOD_DEFAULT[period] : DEFAULT_DAY_TIME;
  else return null;
  hour = adjustHour(hour, period);
  // 每天晚上12点 / 每周五24点: 00:00 of the next day
  let nextDay = 0;
  if (hour === 24 && minute === 0) { hour = 0; nextDay = 1; }
  if (hour > 23 || minute > 59) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (weekly) {
    const wd = (WEEKDAY_CHAR[m[2]!]! + nextDay) % 7;
    return { pattern: `${minute} ${hour} * * ${wd}`, periodMs: 7 * DAY_MS, label: `每周${WEEKDAY_ZH[wd]} ${pad(hour)}:${pad(minute)}` };
  }
  return { pattern: `${minute} ${hour} * * *`, periodMs: DAY_MS, label: `每天 ${pad(hour)}:${pad(minute)}` };
}

/**
 * The next time at or after `after` (exclusive) that a recurrence's wall-clock time comes round, in `timeZone`.
 * Only for patterns made by {@link parseRecurrence} (`m h * * *` or `m h * * wd`).
 */
export function nextRecurrence(r: Recurrence, after: Date, timeZone: string): Date {
  const [mi, h, , , wd] = r.pattern.split(' ');
  const w = wallClock(after, timeZone);
  for (let i = 0; i <= 8; i++) {
    const at = zonedInstant(timeZone, w.year, w.month, w.day + i, Number(h), Number(mi));
    if (at.getTime() <= after.getTime()) continue;
    if (wd !== '*' && wallClock(at, timeZone).weekday !== Number(wd)) continue;
    return at;
  }
  throw new Error(`no next time for ${r.pattern}`);
}
