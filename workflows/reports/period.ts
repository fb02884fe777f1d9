/**
 * Report periods in `TIMEZONE`: 今日, 昨天, 前天, 本周 and 上周 (Monday first), 本月 and 上月, a day
 * (`YYYY-MM-DD`, `12月2日`), a span of days (`YYYY-MM-DD~YYYY-MM-DD`, `12月1日到3日`; both ends included). A period is the half-open interval `[from, to)` of
 * instants; days start at 00:00 local time.
 */
import { clip } from '../../src/core/text.js';

/** A half-open interval of instants `[from, to)` and its label in Chinese. */
export interface Period {
  from: Date;
  to: Date;
  /**
   * As read, with dates and weekdays: `今日（2月8日 周日）`, `本周（2月2日 周一—2月8日 周日）`,
   * `12月1日（周一）—12月3日（周三）`; {@link daysPeriod} without a label: `2026-02-01~2026-02-07`.
   */
  label: string;
  /** First and last local day, `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
}

function ymdIn(date: Date, tz: string): { y: number; m: number; d: number; weekday: number } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' })
      .formatToParts(date)
      .map((x) => [x.type, x.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday!);
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), weekday };
}

/** Offset (ms) of `tz` from UTC at instant `t`. */
function offsetAt(t: number, tz: string): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(t))
      .map((x) => [x.type, x.value]),
  );
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The instant of 00:00 local time on `day` (`YYYY-MM-DD`) in `tz`. */
export function startOfDay(day: string, tz: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetAt(guess, tz);
  t = guess - offsetAt(t, tz);
  return new Date(t);
}

/** `YYYY-MM-DD` of `day` plus `n` days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` of `date` in `tz`. */
export function dayOf(date: Date, tz: string): string {
  const { y, m, d } = ymdIn(date, tz);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const WEEKDAY_ZH = ['日', '一', '二', '三', '四', '五', '六'];

/** `周一` … `周日` of a calendar day `YYYY-MM-DD`. */
export function weekdayOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return `周${WEEKDAY_ZH[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}`;
}

const zh = (day: string) => `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;
/** `2月8日 周日`, with the year first when it is not `year`: `2025年12月2日 周二`. */
const zhDay = (day: string, year?: string) => `${year && day.slice(0, 4) !== year ? `${day.slice(0, 4)}年` : ''}${zh(day)} ${weekdayOf(day)}`;

/** Whether `s` is a real calendar day `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return addDays(s, 0) === s;
}

/** The period of days `first`…`last` (both included). */
export function daysPeriod(first: string, last: string, tz: string, label?: string): Period {
  return { from: startOfDay(first, tz), to: startOfDay(addDays(last, 1), tz), label: label ?? (first === last ? first : `${first}~${last}`), firstDay: first, lastDay: last };
}

/**
 * The label of days `first`…`last` as `<name>（2月2日 周一—2月8日 周日）`, or without a name
 * `12月1日（周一）—12月3日（周三）`; a day of another year than `today`'s shows its year.
 */
function spanLabel(first: string, last: string, today: string, name?: string): string {
  const a = zhDay(first, today.slice(0, 4));
  // the end shows its year only when the span crosses into another year
  const b = first === last ? '' : zhDay(last, first.slice(0, 4));
  if (name) return `${name}（${a}${b ? `—${b}` : ''}）`;
  const paren = (x: string) => x.replace(/ (周.)$/, '（$1）');
  return b ? `${paren(a)}—${paren(b)}` : paren(a);
}

export type PeriodWord = '今日' | '昨天' | '前天' | '本周' | '上周' | '本月' | '上月';

/**
 * 今日, 昨天, 前天, 本周 (Monday to today), 上周 (Monday to Sunday), 本月 (the 1st to today), 上月 (the whole
 * month) as of `now` in `tz`; labelled with their dates and weekdays, e.g. `昨天（2月7日 周六）`.
 */
export function namedPeriod(word: PeriodWord, now: Date, tz: string): Period {
  const today = dayOf(now, tz);
  const named = (first: string, last: string) => daysPeriod(first, last, tz, spanLabel(first, last, today, word));
  if (word === '今日') return named(today, today);
  if (word === '昨天') return named(addDays(today, -1), addDays(today, -1));
  if (word === '前天') return named(addDays(today, -2), addDays(today, -2));
  const monday = addDays(today, -ymdIn(now, tz).weekday);
  if (word === '本周') return named(monday, today);
  if (word === '上周') return named(addDays(monday, -7), addDays(monday, -1));
  const first = `${today.slice(0, 8)}01`;
  if (word === '本月') return named(first, today);
  const lastOfPrevious = addDays(first, -1);
  return named(`${lastOfPrevious.slice(0, 8)}01`, lastOfPrevious);
}

const NAMED: [RegExp, PeriodWord][] = [
  [/^(今日|今天|today)$/i, '今日'],
  [/^(昨天|昨日|yesterday)$/i, '昨天'],
  [/^(前天|前日)$/, '前天'],
  [/^(本周|这周|這週|本星期|这星期|this ?week)$/i, '本周'],
  [/^(上周|上週|上星期|上个星期|上個星期|上礼拜|上个礼拜|last ?week)$/i, '上周'],
  [/^(本月|这个月|這個月|this ?month)$/i, '本月'],
  [/^(上月|上个月|上個月|last ?month)$/i, '上月'],
];

const pad2 = (x: string | number) => String(x).padStart(2, '0');
/** A day as written: `2026-2-1`, `2026/2/1`, `2026年2月1日`, `2月1日`, `2月1号`, `2-1`, `2/1`; or (after a start) `3日`. */
const DAY = String.raw`(?:(\d{4})\s*[-/年]\s*)?(?:(\d{1,2})\s*[-/月]\s*)?(\d{1,2})\s*(?:日|号|號)?`;
const SPAN = new RegExp(String.raw`^${DAY}\s*(?:~|～|至|到|—|－－|--|\.\.)\s*${DAY}$`);
const ONE = new RegExp(`^${DAY}$`);

/**
 * Parses a period as people write it: 今日/今天, 昨天, 前天, 本周, 上周, 本月, 上月 (also `today`, `yesterday`,
 * `this week`, `last week`, `this month`, `last month`); a day `2026-02-01`, `2026年2月1日`, `12月2日`, `12-2`,
 * `12/2`; a span of days `12月1日到3日`, `12月1日至12月3日`, `2026-02-01~2026-02-07` (also `—`, `..`).
 * A month and day without a year is the last such day up to today (in December, `1月5日` is this year's;
 * in January, `12月2日` is last year's); a day later in the current month is still to come. Labels restate the dates with their weekdays.
 * @returns the period, `null` when the text is not a period (it may be a directive number), or a
 *   string with the reason when it looks like dates but is wrong (a bad day, a reversed span, a day
 *   still to come).
 */
export function parsePeriod(text: string, now: Date, tz: string): Period | string | null {
  const shown = clip(text.trim());
  const t = text.trim().replace(/[\uFF10-\uFF19]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replace(/\s+/g, ' ');
  for (const [re, word] of NAMED) if (re.test(t)) return namedPeriod(word, now, tz);
  const today = dayOf(now, tz);
  const span = SPAN.exec(t);
  const one = span ? null : ONE.exec(t);
  const m = span ?? one;
  // a bare number is a directive number; a day needs a month (or a year) with it
  if (!m || !m[2]) return /^\d{4}[-/年]/.test(t) ? `「${shown}」不是日期，请写 YYYY-MM-DD、12月2日 或 12月1日到3日` : null;
  const [, y1, m1, d1, y2, m2, d2] = m;
  let first: string;
  if (y1) first = `${y1}-${pad2(m1!)}-${pad2(d1!)}`;
  else {
    // the last such day up to today; later this month is still to come (refused below)
    first = `${today.slice(0, 4)}-${pad2(m1!)}-${pad2(d1!)}`;
    if (first > today && first.slice(0, 7) !== today.slice(0, 7)) first = `${Number(today.slice(0, 4)) - 1}-${pad2(m1!)}-${pad2(d1!)}`;
  }
  let last = first;
  if (span) {
    if (y2) last = `${y2}-${pad2(m2 ?? 0)}-${pad2(d2!)}`;
    else {
      last = `${first.slice(0, 4)}-${pad2(m2 ?? first.slice(5, 7))}-${pad2(d2!)}`;
      // 12月30日到1月2日: the end is in the next year
      if (last < first && m2 && !y2) last = `${Number(first.slice(0, 4)) + 1}${last.slice(4)}`;
    }
    if (y2 && !m2) return `「${shown}」不是日期，请写 YYYY-MM-DD、12月2日 或 12月1日到3日`;
  }
  // refusals name a day as written: with its year only when one was written (the year guessed may be wrong)
  const asWritten = (day: string, year: string | undefined) => (year ? day : `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`);
  const [firstShown, lastShown] = [asWritten(first, y1), asWritten(last, y2 ?? y1)];
  if (!isDay(first)) return `「${firstShown}」不是有效日期`;
  if (!isDay(last)) return `「${lastShown}」不是有效日期`;
  if (last < first) return `起始日期 ${firstShown} 晚于结束日期 ${lastShown}`;
  if (first > today) return `「${shown}」（${first.slice(0, 4)}年${zhDay(first)}）还没到`;
  return daysPeriod(first, last, tz, spanLabel(first, last, today));
}
