/**
 * A timer kind for tests of the timer machinery itself: kind `test.kind`, no data, ids given to
 * `schedule`. Register it with an app (`app.timers.register(app.deps, kind)`) for that app to fire them.
 */
import { defineTimer, type Fired, type Timer, type TimerDef } from '../../src/jobs/timers.js';
import type { TestApp } from './app.js';

/** A `test.kind` timer carries nothing. */
export type NoData = Record<string, never>;

/** The `test.kind` timer kind, whose handler calls `onFire` with the timer and when it fired. */
export function testTimer(onFire: (timer: Timer<NoData>, fired: Fired) => void = () => {}): TimerDef<NoData, TestApp['deps']> {
  return defineTimer<NoData, TestApp['deps']>('test.kind', (_deps, timer, fired) => onFire(timer, fired));
}
