/**
 * Durations and rates as written in configuration: `30s`, `15m`, `2h`, `1d`; rates `20/min`, `20/s`, `20`.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration such as `30s`, `15m`, `2h`, `1d` or `500ms` into milliseconds.
 * @returns milliseconds, or `null` when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$/i.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!);
}

/** A send rate: at most `max` messages per window of `perMs` milliseconds. */
export interface Rate {
  max: number;
  perMs: number;
}

/**
 * Parses a rate such as `20/min`, `1/s`, `600/h` or a bare number (per second).
 * @returns the rate, or `null` when the text is not a rate.
 */
export function parseRate(text: string): Rate | null {
  const m = /^\s*(\d+)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?\s*$/i.exec(text);
  if (!m) return null;
  const max = Number(m[1]);
  if (max <= 0) return null;
  const unit = (m[2] ?? 's').toLowerCase();
  const perMs = unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1000;
  return { max, perMs };
}

/** Formats milliseconds for a person: `45秒`, `15分钟`, `2小时`, `1小时30分钟`. */
export function formatDurationZh(ms: number): string {
  const totalMin = Math.round(ms / 60_000);
  if (ms < 60_000) return `${Math.round(ms / 1000)}秒`;
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return `${m}分钟`;
  return m === 0 ? `${h}小时` : `${h}小时${m}分钟`;
}
