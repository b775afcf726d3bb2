/**
 * Which pending requests an approver may decide, so `GET /approvals` lists
 * only those and `POST /approvals/:id` turns the others away before a thread
 * is touched. Warden checks all of it again (and more: the token, the binding,
 * the expiry) when the thread resumes; this is the service's own view.
 */
import { type ApprovalRequest, type Policy, type Principal, scopeGrants } from "langchain-warden";

/** Why an approver may not decide a request (Warden's refusal codes for the same checks), or `ok`. */
export type ApproverAccess = "ok" | "approver-kind" | "other-tenant" | "self-approval" | "approver-scope";

/** The scopes `principal` holds: its own, and those its roles grant under `policy.roles`. */
function heldScopes(policy: Policy, principal: Principal): string[] {
  const scopes = [...principal.scopes];
  for (const role of principal.roles) {
    if (Object.hasOwn(policy.roles, role)) scopes.push(...(policy.roles[role] ?? []));
  }
  return scopes;
}

/**
 * Whether `approver` may decide `request`: a person (not a service), of the
 * requester's tenant, not the requester (unless the rule allows self-approval),
 * holding every scope the request names.
 */
export function approverAccess(policy: Policy, approver: Principal, request: ApprovalRequest): ApproverAccess {
  if (approver.kind !== "user") return "approver-kind";
  if ((approver.tenant ?? null) !== (request.requester.tenant ?? null)) return "other-tenant";
  const rule = Object.hasOwn(policy.tools, request.tool) ? policy.tools[request.tool] : undefined;
  const selfApproval = rule?.approval ? rule.approval.selfApproval : false;
  if (approver.sub === request.requester.sub && !selfApproval) return "self-approval";
  const held = heldScopes(policy, approver);
  const missing = request.approverScopes.some((required) => !held.some((granted) => scopeGrants(granted, required)));
  return missing ? "approver-scope" : "ok";
}
