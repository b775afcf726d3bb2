/**
 * Errors as HTTP answers. Every answer is `{ "error": { "code", "message" } }`.
 * Warden's errors carry safe messages (never a token, a key or an unmasked
 * value), so they go to the client with their code; anything else is an
 * internal error and becomes a bare 500.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { InvalidTokenError, WardenError, type WardenErrorCode } from "langchain-warden";

/** A refusal decided by the service itself: its status, a stable code, a safe message, extra headers and fields. */
export class HttpProblem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

/** An HTTP answer: status, headers and JSON body. */
export interface ProblemAnswer {
  status: ContentfulStatusCode;
  headers: Record<string, string>;
  body: { error: { code: string; message: string } & Record<string, unknown> };
}

/** Warden error codes by HTTP status. Codes not listed (`WARDEN_POLICY`, `WARDEN_ERROR`) are configuration faults: 500. */
const STATUS: Partial<Record<WardenErrorCode, ContentfulStatusCode>> = {
  WARDEN_INVALID_TOKEN: 401,
  WARDEN_MISSING_PRINCIPAL: 403,
  WARDEN_ACCESS_DENIED: 403,
  WARDEN_APPROVAL_REJECTED: 403,
  WARDEN_APPROVAL_INVALID: 409,
  WARDEN_MASK_BLOCKED: 422,
  WARDEN_TOO_DEEP: 422,
  WARDEN_RATE_LIMITED: 429,
  WARDEN_BUDGET_EXCEEDED: 429,
  WARDEN_CIRCUIT_OPEN: 503,
  WARDEN_LIMITS_UNAVAILABLE: 503,
  WARDEN_TAINT_UNAVAILABLE: 503,
  WARDEN_AUDIT_WRITE: 503,
};

/** `Retry-After` in whole seconds (at least 1), or nothing when waiting cannot help (`Infinity`). */
export function retryAfterSeconds(retryAfterMs: number): string | undefined {
  if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) return undefined;
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/**
 * The RFC 6750 challenge: `Bearer realm="…"` alone when no credential came
 * (`reason` absent or `missing`), with `error="invalid_token"` and the reason
 * (a stable word such as `expired` or `signature`) when one came and did not verify.
 */
export function bearerChallenge(realm: string, reason?: string): string {
  if (reason === undefined || reason === "missing") return `Bearer realm="${realm}"`;
  return `Bearer realm="${realm}", error="invalid_token", error_description="${reason}"`;
}

/**
 * What to answer for `error`. `realm` names the protected resource in
 * `WWW-Authenticate`; `onUnexpected` sees every error that becomes a 500 (log it there).
 */
export function problemFor(error: unknown, realm: string, onUnexpected: (error: unknown) => void): ProblemAnswer {
  if (error instanceof HttpProblem) {
    return { status: error.status, headers: error.headers, body: { error: { code: error.code, message: error.message, ...error.details } } };
  }
  if (error instanceof HTTPException) {
    // Hono's own refusals: the body limit (413) and malformed JSON (400).
    const status = error.status as ContentfulStatusCode;
    const code = status === 413 ? "payload-too-large" : status === 400 ? "invalid-request" : "http-error";
    const message = status === 413 ? "the request body is too large" : status === 400 ? "the request body is not valid JSON" : "the request was refused";
    return { status, headers: {}, body: { error: { code, message } } };
  }
  if (error instanceof WardenError) {
    const status = STATUS[error.code];
    if (status !== undefined) {
      const headers: Record<string, string> = {};
      const body: ProblemAnswer["body"] = { error: { code: error.code, message: error.message } };
      if (error instanceof InvalidTokenError) {
        headers["www-authenticate"] = bearerChallenge(realm, error.reason);
        body.error.reason = error.reason;
      }
      if ("retryAfterMs" in error && typeof error.retryAfterMs === "number") {
        const seconds = retryAfterSeconds(error.retryAfterMs);
        if (seconds !== undefined) headers["retry-after"] = seconds;
      }
      return { status, headers, body };
    }
  }
  onUnexpected(error);
  return { status: 500, headers: {}, body: { error: { code: "internal", message: "internal error" } } };
}
