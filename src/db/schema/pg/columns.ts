/** Column builders shared by the PostgreSQL tables. */
import { timestamp } from 'drizzle-orm/pg-core';

/**
 * A `timestamptz` column read and written as a JS `Date` — the PostgreSQL counterpart of SQLite's
 * `integer(name, { mode: 'timestamp_ms' })`, so rows have the same shape on both dialects. Stored as an
 * absolute instant (microsecond precision; a JS Date carries milliseconds), independent of the server's
 * or the session's time zone.
 * @param name the SQL column name
 */
export function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true, mode: 'date' });
}
