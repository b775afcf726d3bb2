import { AuditLog } from "../audit/audit-log.js";
import { defaultAuditSink } from "../audit/default-sink.js";
import type { AuditDigestKey } from "../audit/digest.js";
import type { AuditSink } from "../audit/event.js";
import { type Clock, systemClock } from "../clock.js";
import { isPrincipal } from "../identity/principal.js";
import type { MaskerOptions } from "../masking/masker.js";
import { type PolicyInput, policySchema } from "../policy/schema.js";
import { createLimitsRuntime, createTaintStore, type LimitsOptions, limitsOptionsSchema } from "../throttle/limits-runtime.js";
import { parseOptions } from "../validate.js";
import { createMaskingRuntime, type MaskingPolicy } from "./masking-runtime.js";
import type { GuardRuntime } from "./runtime.js";

/** Options of the guards used without the `createWarden` facade (`guardTool`, `guardModel`). */
export interface StandaloneGuardOptions {
  /** The policy (validated here; a bad one throws `PolicyError`). */
  policy: PolicyInput;
  /**
   * Where decisions go; defaults to `jsonlSink(DEFAULT_AUDIT_PATH)` (the file `warden-audit.jsonl`
   * in the working directory). `digestKey` keys the
   * digests the log holds (at least 32 bytes; without it, a random key per
   * guard runtime, so digests cannot be compared across restarts).
   */
  audit?: { sink?: AuditSink; failMode?: "closed" | "open"; digestKey?: AuditDigestKey } | AuditLog;
  /** Time source for expiry checks. */
  clock?: Clock;
  /** Masking of what leaves the guard: on by default (every detector, `redact`); `false` turns it off. */
  masking?: (MaskerOptions & MaskingPolicy) | false;
  /** Where the rules' limits are counted: in process by default; with `redis`, shared by every instance. */
  limits?: LimitsOptions;
}

/** The runtime of a guard used on its own: any principal minted by a Warden verifier is accepted. */
export function standaloneRuntime(options: StandaloneGuardOptions): GuardRuntime {
  const policy = parseOptions(policySchema, options.policy, "policy");
  const clock = options.clock ?? systemClock;
  const audit =
    options.audit instanceof AuditLog
      ? options.audit
      : new AuditLog({
          sink: options.audit?.sink ?? defaultAuditSink(),
          clock,
          failMode: options.audit?.failMode ?? "closed",
          ...(options.audit?.digestKey !== undefined ? { digestKey: options.audit.digestKey } : {}),
        });
  const masking = options.masking === false ? undefined : createMaskingRuntime(options.masking ?? {}, policy);
  const limitsOptions = parseOptions(limitsOptionsSchema, options.limits ?? {}, "limits");
  const limits = createLimitsRuntime(limitsOptions, clock);
  return { policy, audit, clock, trusts: isPrincipal, limits, taint: createTaintStore(limitsOptions), ...(masking ? { masking } : {}) };
}
