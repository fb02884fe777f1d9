/** Polling for tests that watch a fake platform rather than the console API. */

/**
 * Polls `probe` every 50 ms until it returns a truthy value, and returns that value.
 * @throws with `what` after `ms` milliseconds
 */
export async function until<T>(what: string, probe: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The largest number of `times` (ms) falling in any window [t, t + windowMs): what a sliding-window rate limit bounds. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - windowMs + 1) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
