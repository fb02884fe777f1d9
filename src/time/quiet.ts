/** Quiet hours (`QUIET_HOURS`, e.g. 22:00-07:00 in `TIMEZONE`): non-urgent reminders wait until they end. */

/** Quiet hours as minutes after local midnight; `startMin > endMin` wraps midnight. */
export interface QuietHours {
  startMin: number;
  endMin: number;
}

/** One formatter per time zone (making one costs far more than using it). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function localMinutes(date: Date, timeZone: string): number {
  let fmt = formatters.get(timeZone);
  if (!fmt) formatters.set(timeZone, (fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const p = fmt.formatToParts(date);
  const get = (t: string) => Number(p.find((x) => x.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/**
 * When quiet hours end, if `now` falls inside them.
 * @returns the instant quiet hours end (start of that minute), or null when `now` is not quiet or quiet hours are off.
 */
export function quietUntil(now: Date, quiet: QuietHours | null, timeZone: string): Date | null {
  if (!quiet || quiet.startMin === quiet.endMin) return null;
  const m = localMinutes(now, timeZone);
  const inside = quiet.startMin < quiet.endMin ? m >= quiet.startMin && m < quiet.endMin : m >= quiet.startMin || m < quiet.endMin;
  if (!inside) return null;
  const delta = (quiet.endMin - m + 1440) % 1440;
  const startOfMinute = now.getTime() - (now.getTime() % 60_000);
  return new Date(startOfMinute + delta * 60_000);
}
