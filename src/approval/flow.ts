import type { AuditLog } from "../audit/audit-log.js";
import { sha256Hex } from "../audit/digest.js";
import { type AuditActor, type AuditRun, actorOf } from "../audit/event.js";
import { canonicalJson } from "../canonical-json.js";
import type { Clock } from "../clock.js";
import { ApprovalInvalidError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { missingScopes } from "../identity/scopes.js";
import { isGraphBubbleUp } from "../langgraph-signals.js";
import { decideTool, type EffectiveApprovalRule, effectiveScopes } from "../policy/decision.js";
import type { Policy, ToolRule } from "../policy/schema.js";
import { type Approver, TIMED_OUT } from "./approver.js";
import { hitlRequestView, readApprovalAnswer } from "./hitl-format.js";
import type { ApprovalLedger } from "./ledger.js";
import type { ApprovalDecisionKind, ApprovalRequest, RequestBinder, RequestBinding } from "./request.js";
import { isTrustedDecision } from "./trusted.js";

/**
 * How far a request's creation time may lie ahead of this instance's clock
 * (instances resuming each other's requests): it also extends how long an
 * approved request stays claimed, so a decision never verifies after its claim.
 */
export const CLOCK_SKEW_MS = 60_000;

/** Why a decision was refused: stable codes for the audit log and `ApprovalInvalidError.reason`. */
export type InvalidDecisionCode =
  | "malformed"
  | "wrong-request"
  | "foreign-binding"
  | "expired"
  | "approver-token"
  | "approver-kind"
  | "approver-scope"
  | "self-approval"
  | "other-tenant"
  | "edit-not-allowed"
  | "edit-tool"
  | "edit-schema"
  | "edit-policy"
  | "duplicate-approver";

const MESSAGES: Record<InvalidDecisionCode, string> = {
  malformed: "the decision is malformed",
  "wrong-request": "the decision does not answer this request (another request, thread, tool or arguments)",
  "foreign-binding":
    "the request was raised under another approvals key (another instance, or a restart): give every instance the same approvals.secret, or the same audit.signingKey",
  expired: "the request expired before the decision",
  "approver-token": "the approver's token is not valid",
  "approver-kind": "approvals are given by users: a service credential (an API key, a client-credentials token) cannot approve",
  "approver-scope": "the approver does not hold the required scope",
  "self-approval": "the requester cannot approve their own request",
  "other-tenant": "the approver belongs to another tenant",
  "edit-not-allowed": "this tool does not allow edits",
  "edit-tool": "an edit cannot switch to another tool",
  "edit-schema": "the edited arguments do not match the tool's schema",
  "edit-policy": "the edited arguments exceed the requester's policy",
  "duplicate-approver": "the same approver cannot count twice toward the quorum",
};

/** Everything one approval needs: the request's facts and the means to verify answers. */
export interface ApprovalContext {
  approver: Approver;
  binder: RequestBinder;
  ledger: ApprovalLedger;
  audit: AuditLog;
  clock: Clock;
  policy: Policy;
  /** The approval rule with its defaults applied (approver scopes always stated). */
  rule: EffectiveApprovalRule;
  toolRule: ToolRule | undefined;
  tool: string;
  args: Record<string, unknown>;
  /** `args` as canonical JSON, when the caller has serialised them already (the request binds it). */
  argsJson?: string;
  /** The audit log's keyed digest of `args`, when the caller has it already. */
  argsDigest?: string;
  requester: Principal;
  threadId: string;
  toolCallId: string;
  reason: string;
  run: AuditRun;
  /** Verifies an approver's bearer token through the warden's identity layer. */
  verifyToken(token: string): Promise<Principal>;
  /** What approvers are shown of the arguments (masked); the arguments themselves by default. */
  display?(args: Record<string, unknown>): Record<string, unknown>;
  /** Validates edited arguments against the tool's schema; `undefined` when they do not match. */
  validateArgs(args: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
}

/** How an approval ended. */
export type ApprovalOutcome =
  | { outcome: "approved"; args: Record<string, unknown>; edited: boolean; approvers: AuditActor[]; requestId: string; key: string }
  | { outcome: "rejected"; message: string | undefined; approver: AuditActor };

type Verdict =
  | { ok: true; kind: ApprovalDecisionKind; approver: AuditActor; args?: Record<string, unknown>; message?: string; requestId: string; timedOut?: true }
  | { ok: false; code: InvalidDecisionCode; approver?: AuditActor; requestId?: string };

/** Checks one answer against the request it claims to answer. */
async function verify(value: unknown, context: ApprovalContext, binding: RequestBinding, approvers: readonly AuditActor[]): Promise<Verdict> {
  const { rule, requester } = context;
  const now = context.clock.now();
  let kind: ApprovalDecisionKind;
  let approver: AuditActor;
  let args: Record<string, unknown> | undefined;
  let message: string | undefined;
  let requestId: string;
  let scopes: readonly string[] | undefined;
  let editedTool: string | undefined;

  if (value === TIMED_OUT) return { ok: true, kind: "reject", approver: { sub: "warden" }, message: "the approval timed out", requestId: "", timedOut: true };
  if (isTrustedDecision(value)) {
    ({ decision: kind, args, message } = value);
    approver = { sub: value.approver };
    requestId = "trusted";
  } else {
    // Warden's decision, or LangChain's HITLResponse with the approver's token and the request id.
    const parsed = readApprovalAnswer(value);
    if (!parsed.ok) return { ok: false, code: "malformed" };
    const { decision } = parsed;
    editedTool = parsed.editedTool;
    requestId = decision.requestId;
    const checked = context.binder.check(decision.requestId, binding);
    if (!checked.ok) return { ok: false, code: checked.foreign ? "foreign-binding" : "wrong-request", requestId };
    const { createdAt } = checked;
    if (now > createdAt + rule.ttl || createdAt > now + CLOCK_SKEW_MS) return { ok: false, code: "expired", requestId };
    let principal: Principal;
    try {
      principal = await context.verifyToken(decision.approverToken);
    } catch {
      return { ok: false, code: "approver-token", requestId };
    }
    approver = actorOf(principal);
    // A person answers for an approval: never a program holding a key.
    if (principal.kind !== "user") return { ok: false, code: "approver-kind", approver, requestId };
    scopes = effectiveScopes(context.policy, principal);
    ({ decision: kind, args, message } = decision);
  }
  const refuse = (code: InvalidDecisionCode): Verdict => ({ ok: false, code, approver, requestId });

  // Approvers verified by token must belong to the requester's tenant, or have none when the
  // requester has none (test doubles have none).
  if (scopes !== undefined && approver.tenant !== requester.tenant) return refuse("other-tenant");
  if (approver.sub === requester.sub && !rule.selfApproval) return refuse("self-approval");
  if (scopes !== undefined && missingScopes(scopes, rule.approverScopes).length > 0) return refuse("approver-scope");
  if (kind !== "reject" && approvers.some((earlier) => earlier.sub === approver.sub)) return refuse("duplicate-approver");
  if (kind === "edit") {
    if (!rule.allowEdit) return refuse("edit-not-allowed");
    if (editedTool !== undefined && editedTool !== context.tool) return refuse("edit-tool");
    if (args === undefined) return refuse("malformed");
    const valid = await context.validateArgs(args);
    if (valid === undefined) return refuse("edit-schema");
    const recheck = await decideTool(context.policy, context.tool, requester, valid);
    if (recheck.effect === "deny") return refuse("edit-policy");
    args = valid;
  } else if (args !== undefined) {
    return refuse("malformed");
  }
  return { ok: true, kind, approver, ...(args !== undefined ? { args } : {}), ...(message !== undefined ? { message } : {}), requestId };
}

/**
 * Runs an approval to its end: raises the request, verifies each answer
 * (approver token, approver is a user, scope, approver ≠ requester, same tenant, expiry, binding to
 * tool + arguments + tool call + thread + requester, single use, distinct
 * approvers up to the quorum, edits re-validated against the schema and the
 * requester's policy), records every step, and raises the request again after
 * an invalid answer so a bad resume never wedges the thread. LangGraph's
 * interrupt passes through untouched.
 */
export async function runApproval(context: ApprovalContext): Promise<ApprovalOutcome> {
  const { audit, ledger, clock, rule, tool, args, requester, run } = context;
  const argsHash = context.binder.argsHash(args, context.argsJson);
  // The audit log records its own keyed digest of the arguments, never the request's hash.
  let argsDigest = context.argsDigest ?? audit.digest(args);
  let binding: RequestBinding = {
    tool,
    argsHash,
    toolCallId: context.toolCallId,
    threadId: context.threadId,
    requester: actorOf(requester),
  };
  const target = { kind: "approval" as const, name: tool };
  const approvers: AuditActor[] = [];
  let finalArgs = args;
  let edited = false;
  let lastRequestId = "";
  let completingRequestId = "";
  let refusal: ApprovalInvalidError | undefined;
  const maxAttempts = context.approver.kind === "interrupt" ? Number.POSITIVE_INFINITY : 3;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const now = clock.now();
    const shownArgs = context.display ? context.display(finalArgs) : finalArgs;
    const allowedDecisions: ApprovalRequest["allowedDecisions"] = rule.allowEdit ? ["approve", "edit", "reject"] : ["approve", "reject"];
    const request: ApprovalRequest = {
      type: "warden.approval",
      id: context.binder.issue(binding, now),
      tool,
      args: shownArgs,
      argsHash: binding.argsHash,
      requester: binding.requester,
      ...(context.threadId ? { threadId: context.threadId } : {}),
      ...(context.toolCallId ? { toolCallId: context.toolCallId } : {}),
      reason: context.reason,
      ...(context.toolRule?.risk !== undefined ? { risk: context.toolRule.risk } : {}),
      expiresAt: now + rule.ttl,
      allowedDecisions,
      approverScopes: rule.approverScopes,
      quorum: rule.quorum,
      approvals: approvers.map((a) => ({ sub: a.sub })),
      ...(refusal ? { refused: { code: refusal.code as "WARDEN_APPROVAL_INVALID", reason: refusal.reason, message: refusal.message } } : {}),
      // The same request as LangChain's HITLRequest, for inbox UIs that speak humanInTheLoopMiddleware's format.
      ...hitlRequestView(tool, shownArgs, context.reason, allowedDecisions, context.toolRule?.risk),
    };
    const requested = {
      type: "approval.requested" as const,
      outcome: "pending" as const,
      actor: binding.requester,
      target,
      reason: context.reason,
      run,
      data: { argsDigest, expiresAt: request.expiresAt, quorum: rule.quorum, requestId: request.id },
    };
    let answer: unknown;
    if (context.approver.kind === "interrupt") {
      try {
        answer = await context.approver.ask(request);
      } catch (error) {
        if (isGraphBubbleUp(error)) await audit.record(requested);
        throw error;
      }
    } else {
      await audit.record(requested);
      answer = await context.approver.ask(request);
    }

    const fingerprint = sha256Hex(canonicalJson(isTrustedDecision(answer) ? { ...answer, attempt } : answer === TIMED_OUT ? "timeout" : answer));
    // A JSON array: thread ids and tool-call ids come from the client and the model, so no
    // separator character may let two different bindings share a key.
    const answerKey = JSON.stringify([
      binding.tool,
      binding.requester.sub,
      binding.requester.tenant ?? null,
      binding.threadId,
      binding.toolCallId,
      binding.argsHash,
      attempt,
      fingerprint,
    ]);
    // LangGraph replays earlier answers on every resume: an answer is judged once and keeps
    // its verdict (its token or the request may have expired, or a not-yet-valid token become
    // valid, since), so a replay never diverges from what was recorded and answered.
    // Only interrupt answers are replayed; a callback approver answers each call afresh.
    const replayable = context.approver.kind === "interrupt";
    const remembered = replayable ? (ledger.verdict(answerKey) as Verdict | undefined) : undefined;
    const verdict = remembered ?? (await verify(answer, context, binding, approvers));
    if (replayable) ledger.rememberVerdict(answerKey, verdict, clock.now());
    const firstTime = !replayable || ledger.first(answerKey, clock.now());
    if (!verdict.ok) {
      refusal = new ApprovalInvalidError(verdict.code, `The approval decision was refused: ${MESSAGES[verdict.code]}`);
      if (firstTime) {
        await audit.record({
          type: "approval.invalid",
          outcome: "denied",
          actor: verdict.approver ?? { sub: "anonymous" },
          target,
          reason: MESSAGES[verdict.code],
          run,
          data: { code: verdict.code, requestId: verdict.requestId ?? null },
        });
      }
      continue;
    }
    if (verdict.kind === "reject") {
      if (firstTime) {
        await audit.record({
          type: "approval.rejected",
          outcome: "denied",
          actor: verdict.approver,
          target,
          reason: verdict.timedOut ? "the approval timed out" : "rejected by an approver",
          run,
          data: { argsDigest, requestId: verdict.requestId },
        });
      }
      return { outcome: "rejected", message: verdict.message, approver: verdict.approver };
    }
    const answeredDigest = argsDigest;
    if (verdict.kind === "edit" && verdict.args) {
      finalArgs = verdict.args;
      edited = true;
      // Later approvers answer the edited request: it is bound to the new arguments, and
      // approvals of the earlier version no longer count toward the quorum.
      binding = { ...binding, argsHash: context.binder.argsHash(finalArgs) };
      argsDigest = audit.digest(finalArgs);
      approvers.length = 0;
    }
    approvers.push(verdict.approver);
    // A verified decision names its request, which the run is keyed by: every approval of one
    // request (another approver's, answered at the same time) shares a single run of it.
    lastRequestId = verdict.requestId === "trusted" ? `trusted|${fingerprint}` : verdict.requestId;
    completingRequestId = verdict.requestId;
    if (firstTime) {
      await audit.record({
        type: "approval.granted",
        outcome: "success",
        actor: verdict.approver,
        target,
        reason: verdict.kind === "edit" ? "approved with edited arguments" : "approved",
        run,
        data: {
          approvals: approvers.length,
          argsDigest: answeredDigest,
          ...(verdict.kind === "edit" ? { editedArgsDigest: argsDigest } : {}),
          quorum: rule.quorum,
          requestId: verdict.requestId,
        },
      });
    }
    if (approvers.length >= rule.quorum) {
      return {
        outcome: "approved",
        args: finalArgs,
        edited,
        approvers,
        requestId: completingRequestId,
        // The run key names the requester too: runs of two tenants (or users) never share a key.
        key: JSON.stringify([binding.tool, binding.requester.sub, binding.requester.tenant ?? null, binding.threadId, binding.toolCallId, argsHash, lastRequestId]),
      };
    }
  }
  // A callback approver that keeps answering invalidly: each answer is on the record; the call is refused.
  throw refusal ?? new ApprovalInvalidError("malformed", MESSAGES.malformed);
}
