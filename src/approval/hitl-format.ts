import { z } from "zod";
import { type ApprovalDecision, approvalDecisionSchema } from "./decision.js";
import type { ApprovalDecisionKind } from "./request.js";

/**
 * One action for review, as LangChain's `humanInTheLoopMiddleware` names it
 * (`ActionRequest`): the tool, its arguments (masked as approvers see them)
 * and why it waits.
 */
export interface HITLActionRequest {
  name: string;
  args: Record<string, unknown>;
  description: string;
}

/** What a reviewer may answer for an action, as LangChain names it (`ReviewConfig`). */
export interface HITLReviewConfig {
  actionName: string;
  allowedDecisions: ApprovalDecisionKind[];
}

/**
 * The part of a Warden approval request shaped as LangChain's `HITLRequest`:
 * inbox UIs built for `humanInTheLoopMiddleware` read it as they read
 * LangChain's own. A Warden request holds exactly one action.
 */
export interface HITLRequestView {
  actionRequests: [HITLActionRequest];
  reviewConfigs: [HITLReviewConfig];
}

/** The `HITLRequest` view of a request for `tool`, with the arguments approvers are shown. */
export function hitlRequestView(
  tool: string,
  shownArgs: Record<string, unknown>,
  reason: string,
  allowedDecisions: ApprovalDecisionKind[],
  risk: string | undefined,
): HITLRequestView {
  const description = `Tool execution requires approval: ${reason}${risk !== undefined ? ` (risk: ${risk})` : ""}\n\nTool: ${tool}`;
  return {
    actionRequests: [{ name: tool, args: shownArgs, description }],
    reviewConfigs: [{ actionName: tool, allowedDecisions: [...allowedDecisions] }],
  };
}

const MAX_MESSAGE = 2_000;

/**
 * One decision of a LangChain `HITLResponse`: `approve`, `edit` (with the
 * complete edited action), `reject` (with an optional message for the agent),
 * or `respond` (a reply to the agent instead of the call: a rejection with
 * that message). Unknown keys are refused.
 */
export const hitlDecisionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("approve") }),
  z.strictObject({
    type: z.literal("edit"),
    editedAction: z.strictObject({ name: z.string().min(1).max(256), args: z.record(z.string(), z.unknown()) }),
  }),
  z.strictObject({ type: z.literal("reject"), message: z.string().max(MAX_MESSAGE).optional() }),
  z.strictObject({ type: z.literal("respond"), message: z.string().min(1).max(MAX_MESSAGE) }),
]);

/** One decision of a LangChain `HITLResponse`, as Warden accepts it. */
export type HITLDecision = z.infer<typeof hitlDecisionSchema>;

/**
 * An approver's answer in LangChain's `HITLResponse` format, with what Warden
 * needs to verify it: the approver's own token and the id of the request it
 * answers (a decision answers exactly one request: the id carries its binding
 * and its expiry). A Warden request holds one action, so `decisions` holds
 * exactly one decision.
 */
export const hitlApprovalResponseSchema = z.strictObject({
  decisions: z.array(hitlDecisionSchema).length(1),
  approverToken: z
    .string()
    .min(1)
    .max(16 * 1024),
  requestId: z.string().min(1).max(64),
});

/** An approver's answer in LangChain's `HITLResponse` format. */
export type HITLApprovalResponse = z.infer<typeof hitlApprovalResponseSchema>;

/** An answer read in either format: Warden's decision, and the tool an edit names (HITL edits name one). */
export type ReadAnswer = { ok: true; decision: ApprovalDecision; editedTool?: string } | { ok: false };

/**
 * Reads an approver's answer in Warden's format ({@link approvalDecisionSchema})
 * or LangChain's ({@link hitlApprovalResponseSchema}) as Warden's decision.
 * Anything else, or an answer that mixes the two, is not an answer.
 */
export function readApprovalAnswer(value: unknown): ReadAnswer {
  const warden = approvalDecisionSchema.safeParse(value);
  if (warden.success) return { ok: true, decision: warden.data };
  const hitl = hitlApprovalResponseSchema.safeParse(value);
  if (!hitl.success) return { ok: false };
  const { decisions, approverToken, requestId } = hitl.data;
  const answer = decisions[0]!;
  const base = { requestId, approverToken };
  switch (answer.type) {
    case "approve":
      return { ok: true, decision: { ...base, decision: "approve" } };
    case "edit":
      return { ok: true, decision: { ...base, decision: "edit", args: answer.editedAction.args }, editedTool: answer.editedAction.name };
    case "reject":
      return { ok: true, decision: { ...base, decision: "reject", ...(answer.message !== undefined ? { message: answer.message } : {}) } };
    case "respond":
      return { ok: true, decision: { ...base, decision: "reject", message: answer.message } };
  }
}
