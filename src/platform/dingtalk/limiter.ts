/**
 * An in-process rate limiter for the app-wide DingTalk QPS (`DINGTALK_APP_QPS`): at most `max` calls per
 * `perMs` as DingTalk sees them. A call holds its slot from the moment it is granted until `perMs` after it
 * finished, so however the network delays requests, no window of `perMs` at the server sees more than
 * `max` arrivals. Grants are also paced at least `perMs / max` apart, so the budget is spread over the window
 * rather than spent in one burst each window (with bursts, a reply arriving just after one would wait for the
 * next, about `perMs`). Callers queue (never dropped) and a free slot goes to the waiting caller of the lowest
 * `rank` (the outbox lane's number: 1 a reply to a person … 4 a digest), then the earliest arrival — so a
 * reply does not wait behind the bulk sends the outbox's workers are already holding. A lower rank may
 * overtake a higher one indefinitely (no anti-starvation: replies and urgent sends are few). One process
 * per DingTalk app is assumed; several processes would each get the full budget.
 */
export class SlidingWindowLimiter {
  /** End of each held slot (epoch ms); `Infinity` while the call is in flight. */
  private readonly slots: number[] = [];
  /** Callers waiting for a slot, in arrival order. */
  private readonly waiting: { rank: number; seq: number; grant: (release: () => void) => void }[] = [];
  private seq = 0;
  /** The wake-up for when the next grant may be made (while someone waits). */
  private timer: NodeJS.Timeout | null = null;
  /** When the last slot was granted (epoch ms). */
  private lastGrant = -Infinity;
  /** The least time between two grants (ms): `perMs / max`. */
  private readonly gapMs: number;

  /**
   * @param max calls per window (≥ 1)
   * @param perMs the window (ms)
   * @param defaultRank the rank of a caller that gives none (the outbox's `bulk` lane, 3)
   */
  constructor(
    private readonly max: number,
    private readonly perMs = 1000,
    private readonly defaultRank = 3,
  ) {
    this.gapMs = perMs / max;
  }

  /**
   * Resolves when the caller may make one call: at once while fewer than `max` slots are held and the last
   * grant is `perMs / max` ago, else when that holds again and no waiting caller has a lower `rank` (or the same
   * rank and an earlier arrival).
   * @param rank lower goes first (the outbox lane number, 1..4); default the constructor's `defaultRank`
   * @returns `release`, to call once the call has finished (idempotent)
   */
  take(rank = this.defaultRank): Promise<() => void> {
    return new Promise((grant) => {
      this.waiting.push({ rank, seq: this.seq++, grant });
      this.pump();
    });
  }

  /** How many callers wait for a slot (for tests and health). */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Grants a free slot to the best waiting caller, if the pace allows; when some still wait, wakes up when the
   * next grant may be made (the pace, or the earliest held slot's end; a release pumps again while all are in flight).
   */
  private pump(): void {
    const now = Date.now();
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]! <= now) this.slots.splice(i, 1);
    const paced = now >= this.lastGrant + this.gapMs;
    if (this.waiting.length > 0 && this.slots.length < this.max && paced) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        const w = this.waiting[i]!;
        const b = this.waiting[best]!;
        if (w.rank < b.rank || (w.rank === b.rank && w.seq < b.seq)) best = i;
      }
      const [next] = this.waiting.splice(best, 1);
      this.slots.push(Infinity);
      this.lastGrant = now;
      next!.grant(this.releaser());
    }
    if (this.waiting.length === 0 || this.timer) return;
    let at = this.lastGrant + this.gapMs;
    if (this.slots.length >= this.max) {
      const finite = this.slots.filter((s) => s !== Infinity);
      // every slot in flight: a release pumps again
      if (finite.length === 0) return;
      at = Math.max(at, Math.min(...finite));
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(1, Math.ceil(at - now)));
  }

  /** The `release` of one granted slot: it turns one in-flight slot into one that ends `perMs` from now. */
  private releaser(): () => void {
    let released = false;
    // slots are interchangeable: any in-flight one will do
    return () => {
      if (released) return;
      released = true;
      const i = this.slots.indexOf(Infinity);
      if (i >= 0) this.slots[i] = Date.now() + this.perMs;
      this.pump();
    };
  }
}
