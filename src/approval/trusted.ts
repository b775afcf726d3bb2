import type { ApprovalDecisionKind } from "./request.js";

const TRUSTED: unique symbol = Symbol("warden.approval.trusted");

/** A decision made in code by a test double, not by a person holding a token. */
export interface TrustedDecision {
  readonly [TRUSTED]: true;
  readonly decision: ApprovalDecisionKind;
  readonly approver: string;
  readonly args?: Record<string, unknown>;
  readonly message?: string;
}

/**
 * Creates a decision that skips token and scope checks (it still answers only
 * its own request, and counts once per approver name). Only the test doubles of
 * `langchain-warden/testing` make these. @internal
 */
export function trustedDecision(fields: Omit<TrustedDecision, typeof TRUSTED>): TrustedDecision {
  return Object.freeze({ ...fields, [TRUSTED]: true as const });
}

/** True for a decision made by {@link trustedDecision}. @internal */
export function isTrustedDecision(value: unknown): value is TrustedDecision {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TRUSTED] === true;
}
