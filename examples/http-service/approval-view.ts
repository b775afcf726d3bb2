/** How a pending approval request is shown to clients (requesters and approvers). */
import type { PendingApproval } from "langchain-warden";

/** One pending request, as `GET /approvals` and `POST /chat` show it. */
export interface ApprovalView {
  /** The request id: what `POST /approvals/:id` answers. */
  id: string;
  /** The requester's thread id (as the requester named it). */
  threadId: string;
  tool: string;
  /** The arguments as Warden put them in the request: masked (an email reads `[EMAIL]`). */
  args: Record<string, unknown>;
  requester: { sub: string; tenant?: string };
  reason: string;
  risk?: string;
  /** When a decision naming this id stops being accepted (ISO 8601). */
  expiresAt: string;
  allowedDecisions: string[];
  approverScopes: readonly string[];
  quorum: number;
  /** Approvers who already approved (quorum above 1). */
  approvals: readonly { sub: string }[];
  /** Why the previous answer was refused, when the request was raised again after one. */
  refused?: { reason: string; message: string };
}

/** The view of one pending request of `threadId`. */
export function approvalView(threadId: string, { request }: PendingApproval): ApprovalView {
  return {
    id: request.id,
    threadId,
    tool: request.tool,
    args: request.args,
    requester: request.requester,
    reason: request.reason,
    ...(request.risk !== undefined ? { risk: request.risk } : {}),
    expiresAt: new Date(request.expiresAt).toISOString(),
    allowedDecisions: [...request.allowedDecisions],
    approverScopes: request.approverScopes,
    quorum: request.quorum,
    approvals: request.approvals ?? [],
    ...(request.refused ? { refused: { reason: request.refused.reason, message: request.refused.message } } : {}),
  };
}
