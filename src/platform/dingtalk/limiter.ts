/**
 * An in-process rate limiter for the app-wide DingTalk QPS (`DINGTALK_APP_QPS`): at most `max` calls per
 * `perMs` as DingTalk sees them. A call holds its slot from the moment it is granted until `perMs` after it
 * finished, so however the network delays requests, no window of `perMs` at the server sees more than
 * `max` arrivals. Callers wait their turn in arrival order (queueing, never dropping). One process per
 * DingTalk app is assumed; several processes would each get the full budget.
 */
export class SlidingWindowLimiter {
  /** End of each held slot (epoch ms); `Infinity` while the call is in flight. */
  private readonly slots: number[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly max: number,
    private readonly perMs = 1000,
  ) {}

  /** Resolves when the caller may make one call. @returns `release`, to call once the call has finished. */
  take(): Promise<() => void> {
    const turn = this.chain.then(() => this.wait());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async wait(): Promise<() => void> {
    for (;;) {
      const now = Date.now();
      for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]! <= now) this.slots.splice(i, 1);
      if (this.slots.length < this.max) {
        this.slots.push(Infinity);
        let released = false;
        // slots are interchangeable: releasing turns one in-flight slot into one that ends perMs from now
        return () => {
          if (released) return;
          released = true;
          const i = this.slots.indexOf(Infinity);
          if (i >= 0) this.slots[i] = Date.now() + this.perMs;
        };
      }
      const finite = this.slots.filter((s) => s !== Infinity);
      const nextFree = finite.length ? Math.min(...finite) - now + 1 : 20;
      await new Promise((r) => setTimeout(r, Math.max(1, nextFree)));
    }
  }
}
