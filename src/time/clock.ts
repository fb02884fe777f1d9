/** Wall-clock helpers in the configured time zone (`TIMEZONE`, IANA name). */

function parts(date: Date, timeZone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-GB', {
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
  return Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]));
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

/** A percentage with one decimal, rounded down so that 99.96 % never shows as 100 %: `93.7%`. */
export function percent(n: number, d: number): string {
  if (d === 0) return '—';
  return `${(Math.floor((n / d) * 1000) / 10).toFixed(1)}%`;
}
