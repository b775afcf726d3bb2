import type { RunnableConfig } from "@langchain/core/runnables";
import { type AuditRun, type AuditTarget, actorOf } from "../audit/event.js";
import { InvalidTokenError, MissingPrincipalError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { principalSlot } from "../run-config.js";
import type { GuardRuntime } from "./runtime.js";

/**
 * Reads the principal of a guarded call. A missing, forged or foreign principal
 * throws {@link MissingPrincipalError}; an expired one throws
 * {@link InvalidTokenError} (`expired`). Every refusal is recorded first.
 */
export function requirePrincipal(runtime: GuardRuntime, config: RunnableConfig | undefined, target: AuditTarget, run: AuditRun | undefined): Principal | Promise<never> {
  const value = principalSlot(config);
  if (runtime.trusts(value) && value.expiresAt > runtime.clock.now()) return value;
  return refuse(runtime, value, target, run);
}

/** Records why the principal was refused, then throws the matching error. */
async function refuse(runtime: GuardRuntime, value: unknown, target: AuditTarget, run: AuditRun | undefined): Promise<never> {
  const record = (reason: string, actor: { sub: string; tenant?: string } = { sub: "anonymous" }) =>
    runtime.audit.record({ type: "access.denied", outcome: "denied", actor, target, reason, ...(run ? { run } : {}) });
  if (value === undefined) {
    await record("no principal in the run config");
    throw new MissingPrincipalError();
  }
  if (!runtime.trusts(value)) {
    await record("the principal was not minted by this warden's verifier");
    throw new MissingPrincipalError("The run config carries a principal that no trusted verifier minted");
  }
  await record("token expired", actorOf(value));
  throw new InvalidTokenError("expired", "Token expired", { claim: "exp" });
}
