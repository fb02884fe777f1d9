/** A picture sent on its own right after a report or a completion belongs to it, within this window (ms). */
export const PICTURE_FOLLOW_UP_MS = 5 * 60_000;
