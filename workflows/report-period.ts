/**
 * Report periods in `TIMEZONE`: 今日, 本周 (Monday first), 本月, a day `YYYY-MM-DD`, a span of days
 * `YYYY-MM-DD~YYYY-MM-DD` (both ends included). A period is the half-open interval `[from, to)` of
 * instants; days start at 00:00 local time.
 */

/** A half-open interval of instants `[from, to)` and its label in Chinese. */
export interface Period {
  from: Date;
  to: Date;
  /** E.g. `今日（2月8日）`, `本周（2月2日—2月8日）`, `2026-02-01~2026-02-07`. */
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

const zh = (day: string) => `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`;

/** Whether `s` is a real calendar day `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return addDays(s, 0) === s;
}

/** The period of days `first`…`last` (both included). */
export function daysPeriod(first: string, last: string, tz: string, label?: string): Period {
  return { from: startOfDay(first, tz), to: startOfDay(addDays(last, 1), tz), label: label ?? (first === last ? first : `${first}~${last}`), firstDay: first, lastDay: last };
}

export type PeriodWord = '今日' | '本周' | '本月';

/** 今日 / 本周 (Monday to today) / 本月 (the 1st to today) as of `now` in `tz`. */
export function namedPeriod(word: PeriodWord, now: Date, tz: string): Period {
  const today = dayOf(now, tz);
  if (word === '今日') return daysPeriod(today, today, tz, `今日（${zh(today)}）`);
  if (word === '本周') {
    const first = addDays(today, -ymdIn(now, tz).weekday);
    return daysPeriod(first, today, tz, `本周（${zh(first)}—${zh(today)}）`);
  }
  const first = `${today.slice(0, 8)}01`;
  return daysPeriod(first, today, tz, `本月（${zh(first)}—${zh(today)}）`);
}

/**
 * Parses a period as people write it: 今日/今天/today, 本周/this week, 本月/this month, `YYYY-MM-DD`,
 * `YYYY-MM-DD~YYYY-MM-DD` (also `至`, `到`, `—`, `..`; `/` as date separator).
 * @returns the period, `null` when the text is not a period (it may be a directive number), or a
 *   string with the reason when it looks like dates but is wrong (a bad day, a reversed span).
 */
export function parsePeriod(text: string, now: Date, tz: string): Period | string | null {
  const t = text.trim().replace(/\//g, '-');
  if (/^(今日|今天|today)$/i.test(t)) return namedPeriod('今日', now, tz);
  if (/^(本周|这周|this ?week)$/i.test(t)) return namedPeriod('本周', now, tz);
  if (/^(本月|这个月|this ?month)$/i.test(t)) return namedPeriod('本月', now, tz);
  const span = /^(\d{4}-\d{1,2}-\d{1,2})\s*(?:~|～|至|到|—|--|\.\.)\s*(\d{4}-\d{1,2}-\d{1,2})$/.exec(t);
  const one = /^(\d{4}-\d{1,2}-\d{1,2})$/.exec(t);
  if (!span && !one) return /^\d{4}-/.test(t) ? `「${text}」不是日期，请写 YYYY-MM-DD 或 YYYY-MM-DD~YYYY-MM-DD` : null;
  const norm = (s: string) => s.split('-').map((x, i) => (i === 0 ? x : x.padStart(2, '0'))).join('-');
  const first = norm(span ? span[1]! : one![1]!);
  const last = span ? norm(span[2]!) : first;
  for (const d of [first, last]) if (!isDay(d)) return `「${d}」不是有效日期`;
  if (last < first) return `起始日期 ${first} 晚于结束日期 ${last}`;
  return daysPeriod(first, last, tz);
}
