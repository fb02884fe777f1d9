/**
 * Wall clocks in the configured time zone (`TIMEZONE`, IANA name): an instant's year, day and time as
 * answers write them, its wall-clock fields, and the instant at a wall-clock time.
 */

/** One formatter per time zone: making an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** The last second asked for, per time zone: many answers in a row ask about the same instant (now). */
const lastParts = new Map<string, { second: number; parts: Record<string, string> }>();

function parts(date: Date, timeZone: string): Record<string, string> {
  const second = Math.floor(date.getTime() / 1000);
  const last = lastParts.get(timeZone);
  if (last && last.second === second) return last.parts;
  const p = Object.fromEntries(formatterFor(timeZone).formatToParts(date).map((x) => [x.type, x.value]));
  lastParts.set(timeZone, { second, parts: p });
  return p;
}

/** The calendar year of `date` in `timeZone`. */
export function yearIn(date: Date, timeZone: string): number {
  return Number(parts(date, timeZone).year);
}

/** `HH:MM` of `date` in `timeZone`. */
export function clockIn(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.hour}:${p.minute}`;
}

/**
 * A deadline as seen from `from`: `HH:MM` when it falls on the same day in `timeZone`, else `M月D日 HH:MM`
 * (`今晚12点` seen at 09:30 is `1月30日 00:00`, not a bare `00:00`).
 */
export function clockFrom(date: Date, from: Date, timeZone: string): string {
  return isoDayIn(date, timeZone) === isoDayIn(from, timeZone) ? clockIn(date, timeZone) : shortDateTimeIn(date, timeZone);
}

/** `M月D日 HH:MM` of `date` in `timeZone`. */
export function shortDateTimeIn(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function isoDayIn(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A day in milliseconds (24 h; a calendar day in `TIMEZONE` may differ on a daylight-saving change). */
export const DAY_MS = 86_400_000;

/** `日` … `六`, by weekday number (0 = Sunday): `周${WEEKDAY_ZH[d]}`. */
export const WEEKDAY_ZH = ['日', '一', '二', '三', '四', '五', '六'];

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
  const p = parts(date, timeZone);
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
