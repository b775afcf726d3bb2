import type { Clock } from "../clock.js";

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to `ms` (epoch milliseconds). */
  set(ms: number): void;
}

/** Creates a fake clock starting at `start` (epoch ms; default: the real time now). Pass it as `clock`. */
export function fakeClock(start: number = Date.now()): FakeClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError("fakeClock.advance() takes a non-negative number of milliseconds");
      current += ms;
    },
    set(ms) {
      if (!Number.isFinite(ms)) throw new RangeError("fakeClock.set() takes epoch milliseconds");
      current = ms;
    },
  };
}
