/** Every audit event type Warden writes. */
export type AuditEventType =
  | "access.allowed"
  | "access.denied"
  | "approval.requested"
  | "approval.granted"
  | "approval.rejected"
  | "approval.invalid"
  | "tool.start"
  | "tool.end"
  | "tool.error"
  | "retriever.end"
  | "model.end"
  | "ratelimit.exceeded"
  | "budget.exceeded"
  | "circuit.open"
  | "token.rejected"
  | "mask.applied";

/** How the recorded action turned out. */
export type AuditOutcome = "success" | "failure" | "denied" | "pending";

/** What an event is about. */
export interface AuditTarget {
  /** Kind of resource: a tool, retriever, model, approval, or the identity layer itself. */
  kind: "tool" | "retriever" | "model" | "approval" | "identity";
  /** Name of the resource. */
  name: string;
}

/** Who acted. `sub` is `"anonymous"` when no verified principal exists (e.g. a rejected token). */
export interface AuditActor {
  sub: string;
  tenant?: string;
}

/** The LangChain run an event belongs to. */
export interface AuditRun {
  id: string;
  parentId?: string;
  threadId?: string;
}

/**
 * One audit record (schema v1). Holds digests, counts and usage, never raw
 * arguments, outputs or tokens. `prev` and `hash` chain events of one `chain`.
 */
export interface AuditEvent {
  v: 1;
  id: string;
  chain: string;
  seq: number;
  ts: string;
  type: AuditEventType;
  outcome: AuditOutcome;
  actor: AuditActor;
  target: AuditTarget;
  reason?: string;
  run?: AuditRun;
  data?: Record<string, unknown>;
  prev: string;
  hash: string;
  sig?: string;
}

/** The fields a recorder fills in; everything else comes from the caller. */
export type AuditEventInput = Omit<AuditEvent, "v" | "id" | "chain" | "seq" | "ts" | "prev" | "hash" | "sig">;

/** Where audit events go. `write` must keep the order it is called in. */
export interface AuditSink {
  /** Stores one event. Throwing (or rejecting) means the event was not stored. */
  write(event: AuditEvent): void | Promise<void>;
  /** Makes every written event durable. */
  flush?(): Promise<void>;
  /** Flushes and releases resources. */
  close?(): Promise<void>;
}
