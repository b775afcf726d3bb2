import type { AuditEvent, AuditEventType, AuditSink } from "./event.js";

/** An audit sink that keeps events in memory, in order. */
export interface MemorySink extends AuditSink {
  /** Every event written so far, oldest first. */
  readonly events: readonly AuditEvent[];
  /** The events of one type, oldest first. */
  ofType(type: AuditEventType): AuditEvent[];
  /** Forgets every event. */
  clear(): void;
}

/** Creates an in-memory audit sink (tests, demos, short-lived processes). */
export function memorySink(): MemorySink {
  const events: AuditEvent[] = [];
  return {
    events,
    write(event) {
      events.push(event);
    },
    ofType(type) {
      return events.filter((event) => event.type === type);
    },
    clear() {
      events.length = 0;
    },
    async flush() {},
    async close() {},
  };
}
