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
