/**
 * How a resume ended. Warden refuses an invalid decision without throwing (it
 * records `approval.invalid` and raises the request again), so the service
 * learns the verdict from the audit events written while the resume ran: a tap
 * on the warden's sink passes every event on and shows it to whoever watches
 * that thread.
 */
import type { AuditEvent, AuditSink } from "langchain-warden";

/** The verdict types of an approval decision. */
const VERDICTS = new Set(["approval.granted", "approval.rejected", "approval.invalid"]);

/** A watch on one thread's approval verdicts. */
export interface VerdictWatch {
  /** The verdict events recorded on the thread since the watch began, in order. */
  readonly events: readonly AuditEvent[];
  /** Ends the watch. */
  stop(): void;
}

/** Wraps a sink and lets the service watch approval verdicts per thread. */
export interface AuditTap {
  /** Use this as the warden's sink: it writes to `inner` first, then shows the event to the watchers. */
  readonly sink: AuditSink;
  /** Starts watching `threadKey` (the checkpointer's thread id, as events carry it in `run.threadId`). */
  watch(threadKey: string): VerdictWatch;
}

/** A tap on `inner` (a `jsonlSink`, `postgresSink`, `memorySink`, …). */
export function auditTap(inner: AuditSink): AuditTap {
  const watchers = new Map<string, Set<AuditEvent[]>>();
  const show = (event: AuditEvent) => {
    const threadKey = event.run?.threadId;
    if (threadKey === undefined || !VERDICTS.has(event.type)) return;
    for (const events of watchers.get(threadKey) ?? []) events.push(event);
  };
  const sink: AuditSink = {
    ...(inner.writesLines ? { writesLines: true } : {}),
    write(event, line) {
      const written = inner.write(event, line);
      if (written instanceof Promise) return written.then(() => show(event));
      show(event);
    },
    ...(inner.commit ? { commit: () => inner.commit!() } : {}),
    ...(inner.durable ? { durable: () => inner.durable!() } : {}),
    ...(inner.flush ? { flush: () => inner.flush!() } : {}),
    ...(inner.close ? { close: () => inner.close!() } : {}),
  };
  return {
    sink,
    watch(threadKey) {
      const events: AuditEvent[] = [];
      let set = watchers.get(threadKey);
      if (!set) watchers.set(threadKey, (set = new Set()));
      set.add(events);
      return {
        events,
        stop() {
          set.delete(events);
          if (set.size === 0) watchers.delete(threadKey);
        },
      };
    },
  };
}
