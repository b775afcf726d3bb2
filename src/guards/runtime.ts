import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import type { Principal } from "../identity/principal.js";
import type { Policy } from "../policy/schema.js";

/** What to do when the policy refuses a tool call. */
export type OnDenied = "message" | "throw";

/** The shared state every guard composes: policy, audit log, clock and trust. */
export interface GuardRuntime {
  /** The validated policy. */
  readonly policy: Policy;
  /** Where decisions are recorded. */
  readonly audit: AuditLog;
  /** Time source for expiry checks. */
  readonly clock: Clock;
  /** True when `value` is a principal this runtime accepts (minted by a trusted verifier). */
  trusts(value: unknown): value is Principal;
  /**
   * The warden's audit handler. A guard records its own tool run, so when this
   * handler is a call's only callback the guard leaves it out of its own run
   * (sparing LangChain's callback machinery) and hands it on to nested runs.
   */
  readonly auditHandler?: BaseCallbackHandler;
}
