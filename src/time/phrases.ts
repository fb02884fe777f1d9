/**
 * Chinese time phrases (截止时间), read in the configured time zone (`TIMEZONE`): the tables of day periods and
 * weekdays, and the rules that turn a phrase into an instant. The checks and answers around them are in
 * deadline.ts; recurrences (`每天18点`) in recurrence.ts.
 *
 * {@link parseDeadline} reads what people type in a chat: `今天18点`, `今晚8点`, `明天上午10点`, `周五前`,
 * `下周一9:00`, `2小时内`, `3天内`, `半小时内`, `30秒内`, `2026-02-01 18:00`, `2月1日18时`, `后天`, `月底前`,
 * full-width digits and Chinese numerals (`下午三点半`). Its own rules come first; chrono-node's Chinese
 * parser (`chrono.zh`) is the fallback for anything else it can read.
 *
 * Decisions (so a reading is predictable; the confirmation restates it as an absolute time anyway):
 * - a day without a time (`周五前`, `后天`, `月底前`, `2月1日`) means that day at 18:00 (end of the working day);
 *   `今天` alone after 18:00 means 23:59 today;
 * - a period without a time: 上午/早上 → 12:00, 中午 → 13:00, 下午 → 18:00, 晚上/今晚 → 21:00, 午夜/半夜 → 24:00;
 * - midnight is the end of the day named: `今晚12点`, `晚上十二点`, `今晚24点`, `今天零点前`, `半夜12点` and, without
 *   a day, `零点`/`0点`/`00:00`/`24点` mean the coming 00:00 (tomorrow's date); `明晚12点` is 00:00 the day after
 *   tomorrow; `明天零点` is 00:00 tomorrow (the start of that day, as written); `中午12点` and `12点` are noon;
 * - `下班` (`下班前`, `今天下班前`, `周五下班前`) is the end of the working day, {@link DeadlineOptions.workdayEnd}
 *   (`WORKDAY_END`, default 17:30), on the day named or, without a day, the next time it comes;
 * - dates may be written `2026-02-01`, `2026.2.1`, `2月1日`, `2-1`, `2/1` and `2.1` (month.day, as in `1.15 9:00`);
 *   a month and day already gone this year mean next year's;
 * - `N天内` (also `N天`, `N天后`) is N × 24 h from now, `N小时内`, `N分钟内` likewise (rounded up to a whole minute); `N秒内` exact;
 * - an hour without a day (`18点`, `8点`) is the next time that hour comes; an hour ≤ 12 without a period
 *   that has passed today reads as the afternoon/evening hour if that is still ahead (`8点` at 09:30 → 20:00);
 * - a weekday without 本/下 (`周五`) is the next such day (today counts); `本周X` is this week's (Mon–Sun),
 *   `下周X` next week's.
 */
// the Chinese locale only (the package's index loads every locale it has)
import * as chronoZh from 'chrono-node/zh';
import { DAY_MS, wallClock, zonedInstant } from './clock.js';

/** The end of the working day when `WORKDAY_END` is not given, `HH:MM`. */
export const DEFAULT_WORKDAY_END = '17:30';

/** How {@link parseDeadline} reads words whose time is configured. */
export interface DeadlineOptions {
  /** `下班` (end of the working day) as `HH:MM` in the time zone (`WORKDAY_END`); default {@link DEFAULT_WORKDAY_END}. */
  workdayEnd?: string;
}

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** `十` → 10, `二十三` → 23, `两` → 2, `一百` → 100 (up to 999). @returns NaN when not a numeral. */
export function chineseNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let cur = 0;
  for (const ch of s) {
    if (ch in CN_DIGIT) cur = CN_DIGIT[ch]!;
    else if (ch === '十') { total += (cur || 1) * 10; cur = 0; }
    else if (ch === '百') { total += (cur || 1) * 100; cur = 0; }
    else return NaN;
  }
  return total + cur;
}

/** Full-width digits, letters, colon and space → ASCII; Chinese numerals before a unit → digits. */
export function normaliseTimeText(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .replace(/([零〇一二两三四五六七八九十百]+)(?=\s*(?:点|點|时|時|个|個|小时|小時|钟头|鐘頭|分|秒|天|日|号|號|月|周|週|星期|年))/g, (m, n: string, offset: number, whole: string) => {
      // 星期一、周三、礼拜五: the numeral is a weekday, not a count
      const before = whole.slice(Math.max(0, offset - 2), offset);
      if (/(周|週|星期|礼拜|禮拜)$/.test(before)) return m;
      const v = chineseNumber(n);
      return Number.isNaN(v) ? m : String(v);
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** Parsed deadline: the instant, and how it was read (for logs and tests). */
export interface ParsedDeadline {
  at: Date;
  via: 'relative' | 'rules' | 'chrono';
}

/** A part of the day written without (or before) an hour. */
export type Period = 'midnight' | 'dawn' | 'morning' | 'noon' | 'afternoon' | 'evening';
/** Words for each part of the day, tried in this order. */
export const PERIODS: [RegExp, Period][] = [
  [/午夜|半夜|深夜/, 'midnight'],
  [/凌晨/, 'dawn'],
  [/早上|早晨|清晨|上午|早|晨/, 'morning'],
  [/中午|正午|午间/, 'noon'],
  [/下午|午后|傍晚/, 'afternoon'],
  [/晚上|夜里|夜间|今晚|明晚|晚间|晚|夜/, 'evening'],
];
/** The time a part of the day means when no hour is written (`下午` → 18:00). */
export const PERIOD_DEFAULT: Record<Period, [number, number]> = { midnight: [24, 0], dawn: [6, 0], morning: [12, 0], noon: [13, 0], afternoon: [18, 0], evening: [21, 0] };
/** The time a day means when no time is written: 18:00, the end of the working day. */
export const DEFAULT_DAY_TIME: [number, number] = [18, 0];

/** The hour on the 24-hour clock; 24 means 00:00 of the next day (`今晚12点`, `半夜零点`). */
export function adjustHour(h: number, period: Period | null): number {
  if (!period) return h;
  if ((period === 'evening' || period === 'midnight') && (h === 12 || h === 0)) return 24;
  if ((period === 'afternoon' || period === 'evening') && h < 12) return h + 12;
  if (period === 'noon' && h < 11) return h + 12;
  if (period === 'dawn' && h === 12) return 0;
  return h;
}

/** Weekday characters after 周/星期 (`周五`, `星期日`, `周7`), 0 = Sunday. */
export const WEEKDAY_CHAR: Record<string, number> = { 日: 0, 天: 0, 七: 0, '7': 0, 一: 1, '1': 1, 二: 2, '2': 2, 三: 3, '3': 3, 四: 4, '4': 4, 五: 5, '5': 5, 六: 6, '6': 6 };

/**
 * Reads a deadline written in Chinese (or ISO) relative to `now`, in `timeZone`.
 * Does not judge whether it is in the past — the caller refuses that (see `readDeadline` in deadline.ts).
 * @param options `workdayEnd` for `下班` (`WORKDAY_END`)
 * @returns the instant, or null when the text is not a time.
 */
export function parseDeadline(text: string, now: Date, timeZone: string, options: DeadlineOptions = {}): ParsedDeadline | null {
  let t = normaliseTimeText(text)
    .replace(/(之前|以前|前|为止|為止|截止|之内|以内|内|內)$/u, (m) => (/内|內/.test(m) ? '内' : ''))
    .trim();
  if (!t) return null;
  // a minus sign before a number (`-3天内`, `负2小时`) is no time; chrono would read past the sign
  if (/(^|[^\d\s])\s*[-−－‐–—]\s*\d|负\s*[\d一二两三四五六七八九十半]/.test(t) || /^\s*[-−－‐–—]/.test(t)) return null;

  // relative: 2小时内, 半小时内, 1个半小时内, 3天内, 30分钟内, 10秒内, 2小时后
  const rel = /^(\d+(?:\.\d+)?|半)?\s*(个|個)?\s*(半)?\s*(小时|小時|钟头|鐘頭|h|分钟|分鐘|分|min|秒钟|秒|s|天|日|d|周|週|星期)(内|后|後|以后)?$/i.exec(t);
  if (rel && (rel[1] || rel[3]) && (rel[5] || !/^日$/.test(rel[4]!))) {
    const n = (rel[1] === '半' ? 0.5 : rel[1] ? Number(rel[1]) : 0) + (rel[3] ? 0.5 : 0);
    const unit = rel[4]!.toLowerCase();
    const ms = /小|钟头|鐘頭|^h$/.test(unit) ? 3_600_000 : /分|min/.test(unit) ? 60_000 : /秒|^s$/.test(unit) ? 1000 : /周|週|星期/.test(unit) ? 7 * DAY_MS : DAY_MS;
    if (n <= 0) return null; // `0秒内`, `0天内`: no time at all (chrono would read 0秒 as a clock time)
    const at = now.getTime() + Math.round(n * ms);
    // minutes and longer: round up to a whole minute, so the restated time reads 11:30, not 11:30:27
    return { at: new Date(ms >= 60_000 ? Math.ceil(at / 60_000) * 60_000 : at), via: 'relative' };
  }
  if (/^(马上|立即|立刻|尽快)$/.test(t)) return null;

  const w = wallClock(now, timeZone);
  let y = w.year;
  let mo = w.month;
  let d = w.day;
  let dateSet = false;
  let rest = t;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = (rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length)).trim();
    return m;
  };
  const addDays = (n: number) => {
    const base = zonedInstant(timeZone, y, mo, d, 12);
    const nw = wallClock(new Date(base.getTime() + n * DAY_MS), timeZone);
    y = nw.year; mo = nw.month; d = nw.day;
  };
  const lastDayOf = (yy: number, mm: number) => new Date(Date.UTC(yy, mm, 0)).getUTCDate();
  let impliedPeriod: Period | null = null;
  let forceEndOfToday = false;
  let todayWord = false;
  // 下班 (end of the working day): a time of day, taken before the dates so `周五下班前` reads as 周五 + 下班
  const offWork = take(/(下班|收工)(时间|时候|点)?/);

  // absolute dates
  let m: RegExpExecArray | null;
  if ((m = take(/(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*(日|号|號)?(?:T)?/))) {
    y = Number(m[1]); mo = Number(m[2]); d = Number(m[3]); dateSet = true;
    if (y < 1970) return null;
  } else if ((m = take(/(\d{1,2})\s*(?:月|\/|-|\.)\s*(\d{1,2})\s*(日|号|號)?/))) {
    mo = Number(m[1]); d = Number(m[2]); dateSet = true;
    // a month/day already gone this year means next year
    if (zonedInstant(timeZone, y, mo, d, 23, 59).getTime() < now.getTime()) y += 1;
  } else if ((m = take(/(本月|这个月|這個月|下个?月|下個?月)?\s*(\d{1,2})\s*(日|号|號)/))) {
    d = Number(m[2]); dateSet = true;
    if (m[1] && /下/.test(m[1])) { mo += 1; if (mo > 12) { mo = 1; y += 1; } }
    else if (!m[1] && zonedInstant(timeZone, y, mo, d, 23, 59).getTime() < now.getTime()) { mo += 1; if (mo > 12) { mo = 1; y += 1; } }
  } else if ((m = take(/(今天|今日|今晚|今早|今夜|今)/))) {
    dateSet = true;
    todayWord = true;
    if (/晚|夜/.test(m[1]!)) impliedPeriod = 'evening';
    if (/早/.test(m[1]!)) impliedPeriod = 'morning';
    if (m[1] === '今天' || m[1] === '今日') forceEndOfToday = true;
  } else if ((m = take(/(大后天|大後天|后天|後天|明天|明日|明晚|明早|明夜|明)/))) {
    dateSet = true;
    const word = m[1]!;
    addDays(/大/.test(word) ? 3 : /后|後/.test(word) ? 2 : 1);
    if (/晚|夜/.test(word)) impliedPeriod = 'evening';
    if (/早/.test(word)) impliedPeriod = 'morning';
  } else if ((m = take(/(本|这|這|下下|下)?\s*(?:个|個)?\s*(?:周|週|星期|礼拜|禮拜)\s*([一二三四五六日天七1-7])/))) {
    dateSet = true;
    const target = WEEKDAY_CHAR[m[2]!]!;
    const mondayBased = (wd: number) => (wd + 6) % 7; // Mon 0 … Sun 6
    const which = m[1] ?? '';
    if (which === '') {
      addDays((target - w.weekday + 7) % 7);
    } else {
      const weeks = which === '下下' ? 2 : which === '下' ? 1 : 0;
      addDays(mondayBased(target) - mondayBased(w.weekday) + weeks * 7);
    }
  } else if ((m = take(/(本周末|这周末|這週末|周末|週末|本周内|本周|这周|這週)/))) {
    dateSet = true;
    addDays((7 - w.weekday) % 7); // Sunday of this week
  } else if ((m = take(/(下周末|下週末|下周内|下周|下週)/))) {
    dateSet = true;
    addDays(((7 - w.weekday) % 7) + 7);
  } else if ((m = take(/(?<![下个個])(本月底|月底|月末|本月内|本月|这个月)/))) {
    dateSet = true;
    d = lastDayOf(y, mo);
  } else if ((m = take(/(下个?月底|下月末)/))) {
    dateSet = true;
    mo += 1; if (mo > 12) { mo = 1; y += 1; }
    d = lastDayOf(y, mo);
  } else if ((m = take(/(年底|年末|今年底|今年内|本年底)/))) {
    dateSet = true;
    mo = 12; d = 31;
  }

  let period: Period | null = impliedPeriod;
  for (const [re, p] of PERIODS) {
    if (take(re)) { period = p; break; }
  }

  let hour: number | null = null;
  let minute = 0;
  let second = 0;
  if ((m = take(/(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?/))) {
    hour = Number(m[1]); minute = Number(m[2]); second = Number(m[3] ?? 0);
  } else if ((m = take(/(\d{1,2})\s*(?:点|點|时|時)\s*(?:(半)|(一刻)|(三刻)|(\d{1,2})\s*(?:分)?|(整)|钟)?/))) {
    hour = Number(m[1]);
    minute = m[2] ? 30 : m[3] ? 15 : m[4] ? 45 : m[5] ? Number(m[5]) : 0;
  }
  rest = rest.replace(/[\s,，的之内前]+/g, '');
  if (offWork && hour === null) {
    const [wh, wm] = (options.workdayEnd ?? DEFAULT_WORKDAY_END).split(':').map(Number);
    hour = wh!; minute = wm!;
    period = null;
  }

  if (rest !== '') {
    // not fully read by the rules: let chrono try the original
    const viaChrono = chronoFallback(text, now, timeZone);
    return viaChrono ? { at: viaChrono, via: 'chrono' } : null;
  }
  if (!dateSet && hour === null && !period) return null;
  if (hour !== null && (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute > 0 || second > 0)))) return null;
  if (mo < 1 || mo > 12 || d < 1 || d > lastDayOf(y, mo)) return null;

  if (hour === null) {
    if (period) [hour, minute] = PERIOD_DEFAULT[period];
    else if (forceEndOfToday && zonedInstant(timeZone, y, mo, d, ...DEFAULT_DAY_TIME).getTime() <= now.getTime()) [hour, minute] = [23, 59];
    else [hour, minute] = DEFAULT_DAY_TIME;
    return { at: zonedInstant(timeZone, y, mo, d, hour, minute), via: 'rules' };
  }
  let h = adjustHour(hour, period);
  // 今天零点前 / 今晚0点: the midnight ahead, not the one already gone at the start of today
  if (todayWord && h === 0) h = 24;
  let at = zonedInstant(timeZone, y, mo, d, h, minute, second);
  if (!dateSet) {
    // `8点` at 09:30 → 20:00; but `0点` is midnight, never noon
    if (at.getTime() <= now.getTime() && !period && h < 12 && h > 0 && !offWork) {
      const pm = zonedInstant(timeZone, y, mo, d, h + 12, minute, second);
      if (pm.getTime() > now.getTime()) return { at: pm, via: 'rules' };
    }
    if (at.getTime() <= now.getTime()) {
      addDays(1);
      at = zonedInstant(timeZone, y, mo, d, h, minute, second);
    }
  }
  return { at, via: 'rules' };
}

function offsetMinutes(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

function chronoFallback(text: string, now: Date, timeZone: string): Date | null {
  // a clock of three digits or more (`123点`) or a long number is no time; chrono would read `123点` as 01:23
  if (/\d{3,}\s*(点|點|时|時|分|秒|:)|\d{5,}/.test(normaliseTimeText(text))) return null;
  const results = chronoZh.parse(normaliseTimeText(text), { instant: now, timezone: offsetMinutes(now, timeZone) }, { forwardDate: true });
  const r = results[0];
  if (!r) return null;
  // only accept a reading that covers (nearly) the whole text, so a stray date in a sentence is not taken
  const covered = r.text.replace(/\s/g, '').length;
  const total = normaliseTimeText(text).replace(/[\s前内]/g, '').length;
  return covered >= total - 1 ? r.start.date() : null;
}
