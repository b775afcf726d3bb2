import type { RunnableConfig } from "@langchain/core/runnables";
import { type AuditActor, type AuditRun, type AuditTarget, actorOf } from "../audit/event.js";
import type { GuardRuntime } from "../guards/runtime.js";
import type { Principal } from "../identity/principal.js";
import { type PolicyDecision, ruleOf, taintSensitive } from "../policy/decision.js";
import { principalSlot } from "../run-config.js";
import type { Approver } from "./approver.js";

/*
 * An approval may outlive the requester's token: an inbox answered hours
 * later. The decision is verified on the approver's own token and bound to the
 * one request the requester raised while their token was live, so that
 * request (and only it) may still run for the requester. Every other guarded
 * call of the resumed run needs a live token, as always.
 */

/**
 * The requester of a tool call whose token has expired, when the call may be
 * the answer to an approval raised while the token was live: the principal
 * is one this warden trusts, approvals are LangGraph interrupts (whose answers
 * arrive on resume), and the tool's rule can ask for approval (an `approval`
 * rule, or a destructive or exfiltrating tool on a tainted thread).
 * `undefined` otherwise: the call is checked as any other (and an expired
 * token refused).
 */
export function expiredRequester(runtime: GuardRuntime, config: RunnableConfig | undefined, tool: string): Principal | undefined {
  const value = principalSlot(config);
  if (!runtime.trusts(value) || value.expiresAt > runtime.clock.now()) return undefined;
  if (runtime.approvals?.approver.kind !== "interrupt") return undefined;
  const rule = ruleOf(runtime.policy, "tools", tool);
  return rule !== undefined && ((rule.approval !== undefined && rule.approval !== false) || taintSensitive(runtime.policy, tool)) ? value : undefined;
}

/** True when an expired requester's call may go on to its approval: the policy asks for one. */
export function awaitsApproval(decision: PolicyDecision): boolean {
  return decision.effect === "needs-approval" && decision.approval !== undefined;
}

/**
 * The approver of an expired requester's call: it hands back the answers the
 * run was resumed with, and never raises a new request (nothing is asked in
 * the name of an expired token). Where a new request would be raised — no
 * answer yet, or another after an invalid one or for a quorum — or no answer
 * can be had at all (outside a graph), `refuse` records and throws the
 * expired token's refusal instead.
 */
export function answersOnly(approver: Approver, refuse: () => Promise<never>): Approver {
  return {
    kind: approver.kind,
    async ask(request) {
      try {
        return await approver.ask(request);
      } catch {
        // A pending interrupt (no answer yet) is swallowed too: it would ask in the expired token's name.
        return refuse();
      }
    },
  };
}

/**
 * Records that an approved call runs for a requester whose token expired:
 * `access.allowed` in the name of the approver whose verified decision
 * completed the approval, with `data.onBehalfOf` (the requester),
 * `data.approvedBy` (every approver) and `data.requesterToken: "expired"`.
 * Stored before the call runs: no action without a record.
 */
export async function recordOnBehalf(
  runtime: GuardRuntime,
  event: {
    target: AuditTarget;
    run: AuditRun;
    requester: Principal;
    approvers: readonly AuditActor[];
    requestId: string;
    argsDigest: string;
    rule: string;
  },
): Promise<void> {
  const { approvers } = event;
  await runtime.audit.record({
    type: "access.allowed",
    outcome: "success",
    actor: approvers[approvers.length - 1]!,
    target: event.target,
    reason: "allowed after approval: the requester's token expired while the request waited; the call runs for the requester on the approver's verified decision",
    run: event.run,
    data: {
      approval: event.requestId,
      approvedBy: approvers.map((approver) => ({ ...approver })),
      argsDigest: event.argsDigest,
      code: "allowed",
      effect: "allow",
      onBehalfOf: { ...actorOf(event.requester) },
      requesterToken: "expired",
      rule: event.rule,
    },
  });
  await runtime.audit.commit();
}
