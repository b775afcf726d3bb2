import { AuditLog } from "../audit/audit-log.js";
import type { AuditSink } from "../audit/event.js";
import { memorySink } from "../audit/memory-sink.js";
import { systemClock, type Clock } from "../clock.js";
import { PolicyError } from "../errors.js";
import { isPrincipal } from "../identity/principal.js";
import { createMasker, type MaskerOptions } from "../masking/masker.js";
import { policySchema, type PolicyInput } from "../policy/schema.js";
import { parseOptions } from "../validate.js";
import type { GuardRuntime } from "./runtime.js";

/** Options of the guards used without the `createWarden` facade (`guardTool`, `guardModel`). */
export interface StandaloneGuardOptions {
  /** The policy (validated here; a bad one throws `PolicyError`). */
  policy: PolicyInput;
  /** Where decisions go; defaults to an in-memory sink. */
  audit?: { sink?: AuditSink; failMode?: "closed" | "open" } | AuditLog;
  /** Time source for expiry checks. */
  clock?: Clock;
  /** Masking of what leaves the guard: on by default (every detector, `redact`); `false` turns it off. */
  masking?: MaskerOptions | false;
}

/** The runtime of a guard used on its own: any principal minted by a Warden verifier is accepted. */
export function standaloneRuntime(options: StandaloneGuardOptions): GuardRuntime {
  const policy = parseOptions(policySchema, options.policy, "policy");
  const clock = options.clock ?? systemClock;
  const audit =
    options.audit instanceof AuditLog
      ? options.audit
      : new AuditLog({ sink: options.audit?.sink ?? memorySink(), clock, failMode: options.audit?.failMode ?? "closed" });
  let masking: GuardRuntime["masking"];
  if (options.masking !== false) {
    try {
      const masker = createMasker(options.masking ?? {});
      masking = { masker, maskModelInput: false, revealFor: () => [] };
    } catch (error) {
      throw new PolicyError("masking", error instanceof Error ? error.message : "invalid masking options");
    }
  }
  return { policy, audit, clock, trusts: isPrincipal, ...(masking ? { masking } : {}) };
}
