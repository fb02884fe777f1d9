/**
 * How many of a group's bot messages this browser has seen, kept in localStorage (per origin) so the
 * unseen counts in the tree survive a reload. A stored count above the server's (the database was reset)
 * counts as nothing seen.
 */
const KEY = 'gridrelay.console.seen.v1';

/** Seen bot-message counts per conversation id, as stored. */
export function loadSeen(): Record<string, number> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Stores the seen counts (quietly does nothing where storage is refused). */
export function saveSeen(seen: Record<string, number>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(seen));
  } catch {
    // private mode or full: the counts live for this page only
  }
}

/** Unseen bot messages of a group: its count minus those seen (all of them when seen > count). */
export const unseenOf = (count: number, seen: number | undefined): number => (seen === undefined || seen > count ? count : count - seen);
