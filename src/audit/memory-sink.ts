import type { AuditEvent, AuditEventType, AuditSink } from "./event.js";

/** How many events a {@link memorySink} keeps unless told otherwise. */
export const DEFAULT_MEMORY_SINK_MAX = 10_000;

/** Options of {@link memorySink}. */
export interface MemorySinkOptions {
  /**
   * Most events kept (default {@link DEFAULT_MEMORY_SINK_MAX}): past it, each
   * new event pushes out the oldest. `Infinity` keeps every event (a process
   * that records forever then grows forever).
   */
  max?: number;
}

/** An audit sink that keeps the latest events in memory, in order. */
export interface MemorySink extends AuditSink {
  /**
   * The events kept, oldest first: every event written so far until more than
   * `max` were written, then the latest `max` of them (see `dropped`). Read it
   * again after writing: once the sink has wrapped, each read is a new array.
   */
  readonly events: readonly AuditEvent[];
  /** How many events were pushed out to keep within `max` (0 while nothing was). */
  readonly dropped: number;
  /** The most events kept. */
  readonly max: number;
  /** The kept events of one type, oldest first. */
  ofType(type: AuditEventType): AuditEvent[];
  /** Forgets every event (and the `dropped` count). */
  clear(): void;
}

/**
 * Creates an in-memory audit sink (tests, demos, short-lived processes). It
 * keeps the latest `max` events (default 10,000) in a ring, so a long-running
 * process does not grow with every call; a durable record belongs in
 * `jsonlSink` or `postgresSink`.
 *
 * @throws RangeError when `max` is not a positive whole number or `Infinity`
 */
export function memorySink(options: MemorySinkOptions = {}): MemorySink {
  const max = options.max ?? DEFAULT_MEMORY_SINK_MAX;
  if (!(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max > 0))) {
    throw new RangeError("memorySink(): max must be a positive whole number or Infinity");
  }
  // Until the ring is full, `ring` is the events in order; then `next` is the slot of the oldest.
  const ring: AuditEvent[] = [];
  let next = 0;
  let dropped = 0;
  const ordered = (): AuditEvent[] => (dropped === 0 || next === 0 ? ring : [...ring.slice(next), ...ring.slice(0, next)]);
  return {
    get events() {
      return ordered();
    },
    get dropped() {
      return dropped;
    },
    max,
    write(event) {
      if (ring.length < max) {
        ring.push(event);
        return;
      }
      ring[next] = event;
      next = next + 1 === max ? 0 : next + 1;
      dropped++;
    },
    ofType(type) {
      return ordered().filter((event) => event.type === type);
    },
    clear() {
      ring.length = 0;
      next = 0;
      dropped = 0;
    },
    async flush() {},
    async close() {},
  };
}
