import type { Clock } from "../clock.js";

/** A clock that moves only when told to. */
export interface FakeClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to `ms` (epoch milliseconds or a Date). */
  set(ms: number | Date): void;
}

/** Creates a fake clock starting at `start` (epoch ms or a Date; default: the real time now). Pass it as `clock`. */
export function fakeClock(start: number | Date = Date.now()): FakeClock {
  let current = start instanceof Date ? start.getTime() : start;
  if (!Number.isFinite(current)) throw new RangeError("fakeClock() takes epoch milliseconds or a Date");
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError("fakeClock.advance() takes a non-negative number of milliseconds");
      current += ms;
    },
    set(ms) {
      const next = ms instanceof Date ? ms.getTime() : ms;
      if (!Number.isFinite(next)) throw new RangeError("fakeClock.set() takes epoch milliseconds or a Date");
      current = next;
    },
  };
}
