import { isGraphBubbleUp } from "@langchain/langgraph";
import { digest } from "./digest.js";
import type { AuditActor, AuditEventInput, AuditRun, AuditTarget } from "./event.js";

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

function outputDigest(output: unknown): string | null {
  try {
    return digest((output as { content?: unknown })?.content ?? output);
  } catch {
    return null;
  }
}

/** `tool.end`: the tool returned (an error ToolMessage counts as a failure). Only a digest of the output is kept. */
export function toolEndEvent(context: ToolRunContext, output: unknown): AuditEventInput {
  const status = (output as { status?: unknown })?.status;
  return { type: "tool.end", outcome: status === "error" ? "failure" : "success", ...context, data: { outputDigest: outputDigest(output) } };
}

/**
 * `tool.error`, or — for a LangGraph interrupt or other control-flow signal —
 * `tool.end` with outcome `pending`: the run waits for input, it did not fail.
 */
export function toolErrorEvent(context: ToolRunContext, error: unknown): AuditEventInput {
  const interrupted = isGraphBubbleUp(error);
  return {
    type: interrupted ? "tool.end" : "tool.error",
    outcome: interrupted ? "pending" : "failure",
    ...context,
    reason: interrupted ? "interrupted: waiting for input" : "the tool failed",
    data: { error: errorCode(error) },
  };
}
