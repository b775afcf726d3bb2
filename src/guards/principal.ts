import type { RunnableConfig } from "@langchain/core/runnables";
import type { AuditRun, AuditTarget } from "../audit/event.js";
import { InvalidTokenError, MissingPrincipalError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { principalSlot } from "../run-config.js";
import type { GuardRuntime } from "./runtime.js";

/**
 * Reads the principal of a guarded call. A missing, forged or foreign principal
 * throws {@link MissingPrincipalError}; an expired one throws
 * {@link InvalidTokenError} (`expired`). Every refusal is recorded first.
 */
export async function requirePrincipal(
  runtime: GuardRuntime,
  config: RunnableConfig | undefined,
  target: AuditTarget,
  run: AuditRun | undefined,
): Promise<Principal> {
  const value = principalSlot(config);
  const refuse = async (reason: string, actor = { sub: "anonymous" }) => {
    await runtime.audit.record({ type: "access.denied", outcome: "denied", actor, target, reason, ...(run ? { run } : {}) });
  };
  if (value === undefined) {
    await refuse("no principal in the run config");
    throw new MissingPrincipalError();
  }
  if (!runtime.trusts(value)) {
    await refuse("the principal was not minted by this warden's verifier");
    throw new MissingPrincipalError("The run config carries a principal that no trusted verifier minted");
  }
  if (value.expiresAt <= runtime.clock.now()) {
    await refuse("token expired", { sub: value.sub, ...(value.tenant !== undefined ? { tenant: value.tenant } : {}) });
    throw new InvalidTokenError("expired", "Token expired", { claim: "exp" });
  }
  return value;
}
