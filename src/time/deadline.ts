/**
 * Chinese deadlines (截止时间) and recurrences, read in the configured time zone (`TIMEZONE`).
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
import * as chrono from 'chrono-node';
import { UsageError } from '../core/errors.js';
import { clip } from '../core/text.js';

const DAY_MS = 86_400_000;

/** The furthest ahead a deadline may be: a year (366 days, so 「明年今天」 still fits), ms. */
export const MAX_DEADLINE_AHEAD_MS = 366 * DAY_MS;

/** Wall-clock fields in a time zone; `month` 1–12, `weekday` 0 = Sunday. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAY_EN: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall clock of `date` in `timeZone` (IANA name). */
export function wallClock(date: Date, timeZone: string): WallClock {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', weekday: 'short',
  });
  const p = Object.fromEntries(fmt.formatToParts(date).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year), month: Number(p.month), day: Number(p.day),
    hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second), weekday: WEEKDAY_EN[p.weekday!] ?? 0,
  };
}

/**
 * The instant at a wall-clock time in `timeZone`. Fields may overflow (day 32, hour 24) and roll over.
 * @param month 1–12
 */
export function zonedInstant(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  let guess = naive;
  for (let i = 0; i < 3; i++) {
    const w = wallClock(new Date(guess), timeZone);
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    const diff = asUtc - naive;
    if (diff === 0) break;
    guess -= diff;
  }
  return new Date(guess);
}

const WEEKDAY_ZH = ['日', '一', '二', '三', '四', '五', '六'];

/** `2026年2月1日 18:00（周日）` in `timeZone`. */
export function formatDeadline(date: Date, timeZone: string): string {
  const w = wallClock(date, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sec = w.second ? `:${pad(w.second)}` : '';
  return `${w.year}年${w.month}月${w.day}日 ${pad(w.hour)}:${pad(w.minute)}${sec}（周${WEEKDAY_ZH[w.weekday]}）`;
}

/** Examples shown when a deadline cannot be read or is in the past. */
export const DEADLINE_EXAMPLES = '今天18点、今晚12点、下班前、周五前、2小时内、3天内、2026-02-01 18:00';

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

type Period = 'midnight' | 'dawn' | 'morning' | 'noon' | 'afternoon' | 'evening';
const PERIODS: [RegExp, Period][] = [
  [/午夜|半夜|深夜/, 'midnight'],
  [/凌晨/, 'dawn'],
  [/早上|早晨|清晨|上午|早|晨/, 'morning'],
  [/中午|正午|午间/, 'noon'],
  [/下午|午后|傍晚/, 'afternoon'],
  [/晚上|夜里|夜间|今晚|明晚|晚间|晚|夜/, 'evening'],
];
const PERIOD_DEFAULT: Record<Period, [number, number]> = { midnight: [24, 0], dawn: [6, 0], morning: [12, 0], noon: [13, 0], afternoon: [18, 0], evening: [21, 0] };
const DEFAULT_DAY_TIME: [number, number] = [18, 0];

/** The hour on the 24-hour clock; 24 means 00:00 of the next day (`今晚12点`, `半夜零点`). */
function adjustHour(h: number, period: Period | null): number {
  if (!period) return h;
  if ((period === 'evening' || period === 'midnight') && (h === 12 || h === 0)) return 24;
  if ((period === 'afternoon' || period === 'evening') && h < 12) return h + 12;
  if (period === 'noon' && h < 11) return h + 12;
  if (period === 'dawn' && h === 12) return 0;
  return h;
}

const WEEKDAY_CHAR: Record<string, number> = { 日: 0, 天: 0, 七: 0, '7': 0, 一: 1, '1': 1, 二: 2, '2': 2, 三: 3, '3': 3, 四: 4, '4': 4, 五: 5, '5': 5, 六: 6, '6': 6 };

/**
 * Reads a deadline written in Chinese (or ISO) relative to `now`, in `timeZone`.
 * Does not judge whether it is in the past — the caller refuses that with {@link DEADLINE_EXAMPLES}.
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

/** A leap year's first instant: any month and day (2月29日 too) is still ahead of it in any time zone. */
const SYNTAX_NOW = new Date(Date.UTC(2028, 0, 1, 12));

/**
 * Whether `text` reads as a deadline at all, whatever the clock says: for a pure parser that keeps the
 * text and reads it against the clock later with {@link readDeadline}.
 */
export function isDeadlineText(text: string): boolean {
  return parseDeadline(text, SYNTAX_NOW, 'UTC') !== null;
}

/** {@link readDeadline}'s options: those of {@link parseDeadline}, the name of the field and how far ahead it may be. */
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

function offsetMinutes(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

function chronoFallback(text: string, now: Date, timeZone: string): Date | null {
  // a clock of three digits or more (`123点`) or a long number is no time; chrono would read `123点` as 01:23
  if (/\d{3,}\s*(点|點|时|時|分|秒|:)|\d{5,}/.test(normaliseTimeText(text))) return null;
  const results = chrono.zh.parse(normaliseTimeText(text), { instant: now, timezone: offsetMinutes(now, timeZone) }, { forwardDate: true });
  const r = results[0];
  if (!r) return null;
  // only accept a reading that covers (nearly) the whole text, so a stray date in a sentence is not taken
  const covered = r.text.replace(/\s/g, '').length;
  const total = normaliseTimeText(text).replace(/[\s前内]/g, '').length;
  return covered >= total - 1 ? r.start.date() : null;
}

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
