import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Approver } from "../approval/approver.js";
import type { ApprovalLedger } from "../approval/ledger.js";
import type { RequestBinder } from "../approval/request.js";
import type { ApprovalStore } from "../approval/store.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import type { Principal } from "../identity/principal.js";
import type { Policy } from "../policy/schema.js";
import type { TaintStore } from "../retrieval/taint.js";
import type { BreakerSet } from "../throttle/breakers.js";
import type { LimitCheck } from "../throttle/limit-store.js";
import type { MaskingRuntime } from "./masking-runtime.js";

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
  /** Human approvals; without them a call that needs approval is refused. */
  readonly approvals?: ApprovalRuntime;
  /** Masking of what leaves the guards; without it outputs pass unmasked. */
  readonly masking?: MaskingRuntime;
  /** Rates, concurrency, token budgets and breakers of the rules that set them. */
  readonly limits: LimitsRuntime;
  /** Which threads read untrusted content (in process, or shared through Redis with `limits.redis`). */
  readonly taint: TaintStore;
}

/** A call admitted by the limits: handed back when the call ends. */
export interface LimitPass {
  /** True when the limits store was unavailable and `limits.failMode` is `"open"`: the call was not counted. */
  readonly unthrottled: boolean;
}

/** Where the guards' limits are counted, and the breakers of model rules. */
export interface LimitsRuntime {
  /**
   * Admits a call that fits every check (counting it), waiting up to `waitMs`
   * for room; else throws `RateLimitedError` (rates, concurrency),
   * `BudgetExceededError` (token budgets) or `LimitsUnavailableError`.
   */
  acquire(checks: readonly LimitCheck[], options: { waitMs?: number; signal?: AbortSignal }): Promise<LimitPass>;
  /** Ends an admitted call: frees its concurrency slots and settles its token reservation to `usedTokens` (undefined keeps it). */
  finish(pass: LimitPass, usedTokens?: number): Promise<void>;
  /** The breakers of model rules, one per rule, per instance. */
  readonly breakers: BreakerSet;
}

/** What the guards need to run approvals. */
export interface ApprovalRuntime {
  readonly approver: Approver;
  readonly binder: RequestBinder;
  readonly ledger: ApprovalLedger;
  /** Where approved requests are claimed before they run (single use across instances). */
  readonly store: ApprovalStore;
  /** Verifies an approver's token through the warden's identity layer. */
  verifyToken(token: string): Promise<Principal>;
}
