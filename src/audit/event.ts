/** Every audit event type Warden writes. */
export const AUDIT_EVENT_TYPES = [
  "access.allowed",
  "access.denied",
  "approval.requested",
  "approval.granted",
  "approval.rejected",
  "approval.invalid",
  "tool.start",
  "tool.end",
  "tool.error",
  "retriever.end",
  "model.start",
  "model.end",
  "model.error",
  "ratelimit.exceeded",
  "budget.exceeded",
  "circuit.open",
  "circuit.close",
  "limits.unavailable",
  "taint.marked",
  "token.rejected",
  "mask.applied",
  "audit.checkpoint",
] as const;

/** Every audit event type Warden writes. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** How a recorded action can turn out. */
export const AUDIT_OUTCOMES = ["success", "failure", "denied", "pending"] as const;

/** How the recorded action turned out. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Kinds of resource an event can be about. */
export const AUDIT_TARGET_KINDS = ["tool", "retriever", "model", "approval", "identity", "audit"] as const;

/** What an event is about. */
export interface AuditTarget {
  /** Kind of resource: a tool, retriever, model, approval, the identity layer, or the audit log itself. */
  kind: (typeof AUDIT_TARGET_KINDS)[number];
  /** Name of the resource. */
  name: string;
}

/** Who acted. `sub` is `"anonymous"` when no verified principal exists (e.g. a rejected token). */
export interface AuditActor {
  sub: string;
  tenant?: string;
}

/** Actors of frozen (immutable) subjects such as principals: built once, shared by their events. */
const actorsOfFrozen = new WeakMap<object, AuditActor>();

/** The actor of an event: `sub`, and `tenant` when there is one. The actor of a frozen subject is itself frozen and reused. */
export function actorOf(who: { readonly sub: string; readonly tenant?: string | undefined }): AuditActor {
  if (!Object.isFrozen(who)) return who.tenant !== undefined ? { sub: who.sub, tenant: who.tenant } : { sub: who.sub };
  let actor = actorsOfFrozen.get(who);
  if (actor === undefined) {
    actor = Object.freeze(who.tenant !== undefined ? { sub: who.sub, tenant: who.tenant } : { sub: who.sub });
    actorsOfFrozen.set(who, actor);
  }
  return actor;
}

/** The LangChain run an event belongs to. */
export interface AuditRun {
  id: string;
  parentId?: string;
  threadId?: string;
}

/** The run of an event: its id, and its parent run and thread when there are some. */
export function auditRun(id: string, parentId: string | undefined, threadId: unknown): AuditRun {
  return {
    id,
    ...(parentId !== undefined ? { parentId } : {}),
    ...(threadId !== undefined ? { threadId: String(threadId) } : {}),
  };
}

/** Where an event was recorded: the host and process of the writing instance, and an optional service name. */
export interface AuditOrigin {
  host: string;
  pid: number;
  service?: string;
}

/** How a chain signs its events, written into each signed event. */
export interface AuditSigning {
  /** At most `every - 1` events follow a signature before the next one. */
  every: number;
  /** An event is signed when the oldest unsigned event before it is this many ms older (0: no time bound). */
  intervalMs: number;
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
  origin?: AuditOrigin;
  prev: string;
  /** Key id of the signing key, on signed events (part of the hashed content). */
  kid?: string;
  /**
   * On signed events: how the chain signs (every `every`th event, and any
   * event that finds unsigned ones `intervalMs` old). The verifier bounds the
   * unsigned tail after the last signature by it.
   */
  signing?: AuditSigning;
  hash: string;
  /** Ed25519 signature over `hash`, base64url (signed checkpoints only). */
  sig?: string;
}

/** The fields a recorder fills in; everything else comes from the caller. */
export type AuditEventInput = Omit<AuditEvent, "v" | "id" | "chain" | "seq" | "ts" | "origin" | "prev" | "kid" | "signing" | "hash" | "sig">;

/** Where audit events go. `write` must keep the order it is called in. */
export interface AuditSink {
  /**
   * Stores one event. Throwing (or rejecting) means the event was not stored.
   * For a sink with `writesLines`, `line` is the event already serialised as
   * JSON (one line, no newline).
   */
  write(event: AuditEvent, line?: string): void | Promise<void>;
  /** Set by sinks that store JSON text: the log then hands each event over serialised, too. */
  readonly writesLines?: boolean;
  /**
   * Stores every event taken so far (written to the file, inserted in the
   * table) before an action proceeds; throws if that fails. Sinks that store
   * each event in `write` do not need it. Durability against power loss is
   * `flush`'s job.
   */
  commit?(): void | Promise<void>;
  /**
   * Resolves once the last signed event written is durable (rejects if that
   * fails). The log publishes a checkpoint (`onCheckpoint`) only then, so a
   * published head is never lost to a power failure. Sinks whose `write`
   * already waits for durability do not need it.
   */
  durable?(): Promise<void>;
  /** Makes every written event durable. */
  flush?(): Promise<void>;
  /** Flushes and releases resources. */
  close?(): Promise<void>;
}
