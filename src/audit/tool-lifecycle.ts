import { isGraphBubbleUp } from "@langchain/langgraph";
import type { AuditDigester } from "./digest.js";
import type { OrderedAuditEventInput } from "./audit-log.js";
import type { PolicyDecision } from "../policy/decision.js";
import type { AuditActor, AuditRun, AuditTarget } from "./event.js";

/** Who ran which tool in which run: the common part of lifecycle events. */
export interface ToolRunContext {
  target: AuditTarget;
  actor: AuditActor;
  run?: AuditRun;
}

/** A stable, value-free code for an error: its `code`, else its class name. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : "unknown";
}

function outputDigest(output: unknown, digester: Pick<AuditDigester, "digest">): string | null {
  try {
    return digester.digest((output as { content?: unknown })?.content ?? output);
  } catch {
    return null;
  }
}

/** The policy's verdict on one call, as an access event records it. */
export type AccessVerdict = Pick<PolicyDecision, "code" | "effect" | "reason" | "rule">;

/**
 * `access.allowed` or `access.denied`: the guard's decision on a call, with a
 * keyed digest of the arguments (from `AuditLog.digest()`) and, after an approval, the
 * approved request's id. The code and effect are fixed words and the digest
 * is hex, so only the rule and the request id need escaping.
 */
export function accessEvent(allowed: boolean, context: ToolRunContext, verdict: AccessVerdict, argsDigest: string, approval?: string): OrderedAuditEventInput {
  const { code, effect, rule } = verdict;
  return {
    type: allowed ? "access.allowed" : "access.denied",
    outcome: allowed ? "success" : "denied",
    ...context,
    reason: approval !== undefined ? "allowed by policy after approval" : verdict.reason,
    data: { ...(approval !== undefined ? { approval } : {}), argsDigest, code, effect, rule },
    dataJson: () =>
      `{${approval !== undefined ? `"approval":${JSON.stringify(approval)},` : ""}"argsDigest":"${argsDigest}","code":"${code}","effect":"${effect}","rule":${JSON.stringify(rule)}}`,
  };
}

/** `tool.end`: the tool returned (an error ToolMessage counts as a failure). Only a keyed digest of the output is kept (the log's: `digester`). */
export function toolEndEvent(context: ToolRunContext, output: unknown, digester: Pick<AuditDigester, "digest">): OrderedAuditEventInput {
  const status = (output as { status?: unknown })?.status;
  const digested = outputDigest(output, digester);
  return {
    type: "tool.end",
    outcome: status === "error" ? "failure" : "success",
    ...context,
    data: { outputDigest: digested },
    dataJson: () => (digested === null ? `{"outputDigest":null}` : `{"outputDigest":"${digested}"}`),
  };
}

/**
 * `tool.error`, or — for a LangGraph interrupt or other control-flow signal —
 * `tool.end` with outcome `pending`: the run waits for input, it did not fail.
 */
export function toolErrorEvent(context: ToolRunContext, error: unknown): OrderedAuditEventInput {
  const interrupted = isGraphBubbleUp(error);
  return {
    type: interrupted ? "tool.end" : "tool.error",
    outcome: interrupted ? "pending" : "failure",
    ...context,
    reason: interrupted ? "interrupted: waiting for input" : "the tool failed",
    data: { error: errorCode(error) },
  };
}
