import { Command } from "@langchain/langgraph";
import { type Approver, callbackApprover } from "../approval/approver.js";
import type { ApprovalDecision } from "../approval/decision.js";
import { pendingApprovals } from "../approval/pending.js";
import type { ApprovalRequest } from "../approval/request.js";
import { trustedDecision } from "../approval/trusted.js";

/** The approver name test doubles record in the audit log. */
const TEST_APPROVER = "test-approver";

/**
 * An approver that approves every request at once, as `test-approver` (it
 * skips token and scope checks: for tests only). Pass it as
 * `createWarden({ approvals: { approver: autoApprove() } })`.
 */
export function autoApprove(): Approver {
  return callbackApprover(() => trustedDecision({ decision: "approve", approver: TEST_APPROVER }));
}

/** An approver that rejects every request at once, with `reason` as the approver's message. */
export function autoReject(reason?: string): Approver {
  return callbackApprover(() => trustedDecision({ decision: "reject", approver: TEST_APPROVER, ...(reason !== undefined ? { message: reason } : {}) }));
}

/** One scripted answer: a shorthand, a decision carrying a real approver token (verified as usual), or a function of the request. */
export type ScriptedDecision =
  | "approve"
  | "reject"
  | { decision: "approve" | "reject" | "edit"; approver?: string; args?: Record<string, unknown>; message?: string }
  | ((request: ApprovalRequest) => ApprovalDecision | "approve" | "reject");

/**
 * An approver that answers requests with `decisions`, in order (then rejects).
 * Shorthands and `{ decision, approver?, args?, message? }` are trusted test
 * decisions (approver name default `test-approver`); a function may return a
 * full decision with an `approverToken`, which Warden verifies like any other.
 * `requests` lists what was asked.
 */
export function scriptedApprover(decisions: readonly ScriptedDecision[]): Approver & { readonly requests: ApprovalRequest[] } {
  const queue = [...decisions];
  const requests: ApprovalRequest[] = [];
  const approver = callbackApprover((request) => {
    requests.push(request);
    const next = queue.shift() ?? "reject";
    const answer = typeof next === "function" ? next(request) : next;
    if (answer === "approve" || answer === "reject") return trustedDecision({ decision: answer, approver: TEST_APPROVER });
    if ("approverToken" in answer) return answer;
    return trustedDecision({
      decision: answer.decision,
      approver: answer.approver ?? TEST_APPROVER,
      ...(answer.args !== undefined ? { args: answer.args } : {}),
      ...(answer.message !== undefined ? { message: answer.message } : {}),
    });
  });
  return Object.assign(approver, { requests });
}

/**
 * Answers every pending Warden approval of a LangGraph result (its
 * `__interrupt__`) or state snapshot: `decide` gets each request and returns
 * the decision (with the approver's token). Returns the `Command` to resume
 * the run with, keyed by interrupt id, or `undefined` when nothing is pending.
 */
export async function resumePending(source: unknown, decide: (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>): Promise<Command | undefined> {
  const pending = pendingApprovals(source);
  if (pending.length === 0) return undefined;
  const resume: Record<string, ApprovalDecision> = {};
  for (const { interruptId, request } of pending) resume[interruptId] = await decide(request);
  return new Command({ resume });
}
