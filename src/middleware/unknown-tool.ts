import { randomUUID } from "node:crypto";
import { ToolMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { auditRun } from "../audit/event.js";
import { toolEndEvent, toolErrorEvent } from "../audit/tool-lifecycle.js";
import { AccessDeniedError, NestingLimitError } from "../errors.js";
import { GuardPipeline } from "../guards/pipeline.js";
import type { GuardRuntime, OnDenied } from "../guards/runtime.js";
import { PRINCIPAL_KEY } from "../run-config.js";

/** A tool name as providers allow them: anything else the model wrote is not recorded as written. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The name events and errors give a tool name the model wrote: as written when it is a plain tool name in which masking finds no value. */
function recordedName(runtime: GuardRuntime, name: string): string {
  if (!TOOL_NAME.test(name)) return "redacted";
  return runtime.masking && runtime.masking.masker.mask(name).findings.length > 0 ? "redacted" : name;
}

/**
 * Refuses a tool call (through the agent middleware) to a tool the agent
 * does not have, through the guarded-call path: the run's principal is
 * checked (a missing, forged or expired one is refused as by every guard),
 * then the refusal is recorded as `access.denied` with code `unknown-tool`.
 * The model gets the same answer as for a tool it may not use, so it cannot
 * tell which tools exist; with `onDenied: "throw"` (or no tool call id) the
 * refusal is thrown ({@link AccessDeniedError}).
 */
export async function refuseUnknownTool(runtime: GuardRuntime, toolCall: ToolCall, principal: unknown, threadId: unknown, onDenied: OnDenied | undefined): Promise<ToolMessage> {
  const name = recordedName(runtime, toolCall.name);
  const pipeline = new GuardPipeline(runtime, { kind: "tool", name }, { end: (context, output) => toolEndEvent(context, output, runtime.audit), error: toolErrorEvent });
  const config = { configurable: { [PRINCIPAL_KEY]: principal, ...(threadId !== undefined ? { thread_id: threadId } : {}) } };
  const context = await pipeline.begin(config, auditRun(randomUUID(), undefined, threadId));
  let argsDigest: string | null;
  try {
    argsDigest = runtime.audit.digest(toolCall.args ?? {});
  } catch (error) {
    if (!(error instanceof NestingLimitError)) throw error;
    argsDigest = null;
  }
  await pipeline.recordAccess(context, false, { effect: "deny", code: "unknown-tool", reason: "the agent has no tool of this name", rule: "agent.tools" }, argsDigest);
  const mode = onDenied ?? runtime.policy.onDenied;
  if (mode === "throw" || typeof toolCall.id !== "string") throw new AccessDeniedError("tool", name, `the tool "${name}" is not available to you`);
  // The model's own words back to it: the same answer as for a tool it may not use.
  return new ToolMessage({ content: `Access denied: the tool "${toolCall.name}" is not available to you.`, status: "error", tool_call_id: toolCall.id, name: toolCall.name });
}
