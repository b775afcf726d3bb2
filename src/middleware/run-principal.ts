import { z } from "zod";
import type { AuditTarget } from "../audit/event.js";
import { MissingPrincipalError } from "../errors.js";
import type { GuardRuntime } from "../guards/runtime.js";
import type { Principal } from "../identity/principal.js";
import { PRINCIPAL_KEY } from "../run-config.js";

/**
 * The `context` field the middleware reads (createAgent's per-run data):
 * `agent.invoke(input, { context: { principal } })`. Any value is taken here
 * and verified by the guards: only a principal minted by the warden's own
 * verifier is trusted; a look-alike is refused and recorded.
 */
export const wardenContextSchema = z.object({
  /** The verified principal of the run, as `warden.authenticate()` returned it. */
  principal: z.custom<Principal>(() => true).optional(),
});

/** What the middleware reads of an agent's runtime: the run's config and its `context`. */
export interface AgentRunView {
  readonly configurable?: Record<string, unknown> | undefined;
  readonly context?: unknown;
}

/** The principal a run carries, and whether it came from `context` (so the guards must be handed it). */
export interface RunPrincipal {
  /** Unverified here: the guards verify it (trust, expiry) and record a refusal. */
  readonly principal: unknown;
  readonly fromContext: boolean;
}

/**
 * The run's principal: from its config (`warden.config(principal)`), else
 * from createAgent's `context.principal`. A run carrying two different ones
 * is refused (recorded, {@link MissingPrincipalError}): which user acts must
 * never be a guess.
 */
export async function runPrincipal(runtime: GuardRuntime, run: AgentRunView, target: AuditTarget): Promise<RunPrincipal> {
  const fromConfig = run.configurable?.[PRINCIPAL_KEY];
  const context = run.context;
  const fromContext = typeof context === "object" && context !== null ? (context as { principal?: unknown }).principal : undefined;
  if (fromConfig !== undefined && fromContext !== undefined && fromConfig !== fromContext) {
    await runtime.audit.record({
      type: "access.denied",
      outcome: "denied",
      actor: { sub: "anonymous" },
      target,
      reason: "the run carries two different principals (in its config and in its context)",
    });
    throw new MissingPrincipalError("The run carries two different principals, one in its config and another in its context: pass one");
  }
  return fromConfig !== undefined ? { principal: fromConfig, fromContext: false } : { principal: fromContext, fromContext: fromContext !== undefined };
}
