/**
 * Errors thrown by Warden. Every error carries a stable `code`; messages never
 * contain a token, a key or an unmasked value, so they are safe to log and to
 * show to a model.
 *
 * @module
 */

/** Stable codes of every Warden error. */
export type WardenErrorCode =
  | "WARDEN_ERROR"
  | "WARDEN_INVALID_TOKEN"
  | "WARDEN_MISSING_PRINCIPAL"
  | "WARDEN_ACCESS_DENIED"
  | "WARDEN_APPROVAL_REJECTED"
  | "WARDEN_APPROVAL_INVALID"
  | "WARDEN_RATE_LIMITED"
  | "WARDEN_BUDGET_EXCEEDED"
  | "WARDEN_CIRCUIT_OPEN"
  | "WARDEN_LIMITS_UNAVAILABLE"
  | "WARDEN_TAINT_UNAVAILABLE"
  | "WARDEN_AUDIT_WRITE"
  | "WARDEN_POLICY"
  | "WARDEN_MASK_BLOCKED"
  | "WARDEN_TOO_DEEP";

/** Base class of every Warden error. `code` is stable across releases. */
export class WardenError extends Error {
  /** Stable machine-readable code. */
  readonly code: WardenErrorCode;

  /**
   * @param code - stable code of the failure
   * @param message - a safe, human-readable message (never a secret)
   * @param options - standard error options (`cause` is kept off the message)
   */
  constructor(code: WardenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Why a credential (a JWT, an API key or an opaque token) was refused. Stable
 * strings: `missing`, `expired`, `not-yet-valid`, `signature`, `claim`,
 * `algorithm`, `key`, `malformed` and `jwks-unavailable` for JWTs (`expired`,
 * `not-yet-valid`, `claim` and `malformed` for the other sources too);
 * `unsupported` for a kind of credential the warden does not accept;
 * `unknown-key`, `revoked` and `key-store-unavailable` for API keys;
 * `inactive` and `introspection-unavailable` for opaque tokens.
 */
export type InvalidTokenReason =
  | "missing"
  | "expired"
  | "not-yet-valid"
  | "signature"
  | "claim"
  | "algorithm"
  | "key"
  | "malformed"
  | "jwks-unavailable"
  | "unsupported"
  | "unknown-key"
  | "revoked"
  | "key-store-unavailable"
  | "inactive"
  | "introspection-unavailable";

/** A bearer token (or the principal minted from it) failed verification. */
export class InvalidTokenError extends WardenError {
  /** The category of the failure. */
  readonly reason: InvalidTokenReason;
  /** The claim at fault, when the failure concerns one claim. */
  readonly claim: string | undefined;
  /**
   * The lookup id of an API key that is genuine (its secret matched) but
   * `revoked` or `expired`, so an operator can tell which key is still in
   * use. The id is not secret; it is never set for an unknown or wrong key.
   */
  readonly keyId: string | undefined;

  /**
   * @param reason - the category of the failure
   * @param message - a safe description; never the token itself
   * @param options - `claim` names the claim at fault; `keyId` the genuine API key at fault; `cause` keeps the original error
   */
  constructor(reason: InvalidTokenReason, message: string, options?: { claim?: string; keyId?: string; cause?: unknown }) {
    super("WARDEN_INVALID_TOKEN", message, { cause: options?.cause });
    this.reason = reason;
    this.claim = options?.claim;
    this.keyId = options?.keyId;
  }
}

/** A guarded call carried no verified principal in its config. */
export class MissingPrincipalError extends WardenError {
  /** @param message - a safe description of where the principal was missing */
  constructor(message = "No verified principal in the run config: pass warden.config(principal) to invoke()") {
    super("WARDEN_MISSING_PRINCIPAL", message);
  }
}

/** The policy refused a call. */
export class AccessDeniedError extends WardenError {
  /** The kind of resource refused. */
  readonly targetKind: "tool" | "retriever" | "model";
  /** The name of the resource refused. */
  readonly target: string;
  /** The policy's reason, safe to show to the caller. */
  readonly reason: string;

  /**
   * @param targetKind - the kind of resource refused
   * @param target - its name
   * @param reason - the policy's reason (no secrets, no argument values)
   */
  constructor(targetKind: "tool" | "retriever" | "model", target: string, reason: string) {
    super("WARDEN_ACCESS_DENIED", `Access to ${targetKind} "${target}" denied: ${reason}`);
    this.targetKind = targetKind;
    this.target = target;
    this.reason = reason;
  }
}

/** An approver rejected the request. */
export class ApprovalRejectedError extends WardenError {
  /** @param message - the approver's message, if any */
  constructor(message = "The request was rejected by an approver") {
    super("WARDEN_APPROVAL_REJECTED", message);
  }
}

/** An approval decision failed verification (wrong approver, replay, expiry, …). */
export class ApprovalInvalidError extends WardenError {
  /** Why the decision was refused (e.g. `approver-scope`, `expired`, `wrong-request`). */
  readonly reason: string;
  /**
   * @param reason - stable refusal code
   * @param message - what was wrong with the decision
   */
  constructor(reason: string, message: string) {
    super("WARDEN_APPROVAL_INVALID", message);
    this.reason = reason;
  }
}

/** Which limit refused a call: the scope it counts (`user`, `tenant`, `global`) and its window or kind. */
export interface LimitInfo {
  /** Whose calls the limit counts. */
  readonly scope: "user" | "tenant" | "global";
  /** What it counts: `rate` (calls per window), `concurrency` (calls at once), `tokens` (a token budget), `input` (tokens of one prompt). */
  readonly kind: "rate" | "concurrency" | "tokens" | "input";
  /** The limit as written in the policy, e.g. `"30/min"`, `"day"`, or a number. */
  readonly limit: string;
}

/** A rate limit was hit. */
export class RateLimitedError extends WardenError {
  /** How long to wait before trying again, in milliseconds. */
  readonly retryAfterMs: number;
  /** Which limit refused the call, when known. */
  readonly limit: LimitInfo | undefined;
  /**
   * @param retryAfterMs - suggested wait in milliseconds
   * @param message - a safe description
   * @param limit - which limit refused the call
   */
  constructor(retryAfterMs: number, message = "Rate limit exceeded", limit?: LimitInfo) {
    super("WARDEN_RATE_LIMITED", message);
    this.retryAfterMs = retryAfterMs;
    this.limit = limit;
  }
}

/** A token budget is spent (or one prompt is larger than a model rule allows). */
export class BudgetExceededError extends WardenError {
  /** How long until the budget has room again, in milliseconds (`Infinity` when waiting cannot help, e.g. a prompt over `maxInputTokens`). */
  readonly retryAfterMs: number;
  /** Which budget refused the call, when known. */
  readonly limit: LimitInfo | undefined;
  /**
   * @param message - a safe description
   * @param retryAfterMs - how long until the budget has room again
   * @param limit - which budget refused the call
   */
  constructor(message = "Budget exceeded", retryAfterMs = Number.POSITIVE_INFINITY, limit?: LimitInfo) {
    super("WARDEN_BUDGET_EXCEEDED", message);
    this.retryAfterMs = retryAfterMs;
    this.limit = limit;
  }
}

/**
 * The shared store of limits (Redis) could not be reached in time, so the call
 * was refused (`limits.failMode: "closed"`, the default). Nothing runs
 * unthrottled; calls are admitted again as soon as the store answers.
 */
export class LimitsUnavailableError extends WardenError {
  /**
   * @param message - a safe description
   * @param options - `cause` keeps the store's own error
   */
  constructor(message = "The limits store is unavailable; the call was refused", options?: { cause?: unknown }) {
    super("WARDEN_LIMITS_UNAVAILABLE", message, options);
  }
}

/**
 * The shared taint store (Redis) could not record or tell a thread's taint.
 * The store only reports it; failing closed is the caller's part: a guard
 * that cannot tell whether a thread is tainted treats it as tainted, and one
 * that cannot record a taint withholds what would have tainted it.
 */
export class TaintUnavailableError extends WardenError {
  /**
   * @param message - a safe description (never a thread id or a value)
   * @param options - `cause` keeps the store's own error
   */
  constructor(message = "The taint store is unavailable", options?: { cause?: unknown }) {
    super("WARDEN_TAINT_UNAVAILABLE", message, options);
  }
}

/** A circuit breaker is open. */
export class CircuitOpenError extends WardenError {
  /** How long until the breaker lets one trial call through, in milliseconds. */
  readonly retryAfterMs: number;
  /**
   * @param message - a safe description
   * @param retryAfterMs - how long until a trial call is let through
   */
  constructor(message = "Circuit open: the downstream service is failing", retryAfterMs = 0) {
    super("WARDEN_CIRCUIT_OPEN", message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The audit sink could not take an event, so the action was refused. */
export class AuditWriteError extends WardenError {
  /**
   * @param message - a safe description
   * @param options - `cause` keeps the sink's own error
   */
  constructor(message = "The audit sink could not record the event; the action was refused", options?: { cause?: unknown }) {
    super("WARDEN_AUDIT_WRITE", message, options);
  }
}

/** The Warden options or policy are invalid. `path` names the offending entry. */
export class PolicyError extends WardenError {
  /** Dotted path of the offending option, e.g. `policy.tools.refund_order.scopes`. */
  readonly path: string;
  /**
   * @param path - dotted path of the offending option
   * @param message - what is wrong with it
   */
  constructor(path: string, message: string) {
    super("WARDEN_POLICY", path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/**
 * A value is nested deeper than Warden digests and masks (`limit` levels of
 * objects, arrays, maps, sets and errors), or holds a cycle where it must be
 * serialised. Too-deep tool arguments are refused (and recorded as
 * `access.denied`); a too-deep output is withheld (and recorded as `tool.error`).
 */
export class NestingLimitError extends WardenError {
  /** The deepest nesting accepted. */
  readonly limit: number;

  /** @param limit - the deepest nesting accepted */
  constructor(limit: number) {
    super("WARDEN_TOO_DEEP", `The value is nested more than ${limit} levels deep (or is circular)`);
    this.limit = limit;
  }
}
