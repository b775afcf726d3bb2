import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { isGraphBubbleUp } from "@langchain/langgraph";
import type { AuditLog } from "./audit-log.js";
import { digest } from "./digest.js";
import type { AuditActor, AuditRun } from "./event.js";

interface OpenToolRun {
  name: string;
  actor: AuditActor;
  run: AuditRun;
}

function actorOf(metadata: Record<string, unknown> | undefined): AuditActor {
  const sub = typeof metadata?.warden_sub === "string" ? metadata.warden_sub : "anonymous";
  const tenant = typeof metadata?.warden_tenant === "string" ? metadata.warden_tenant : undefined;
  return tenant !== undefined ? { sub, tenant } : { sub };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : "unknown";
}

/**
 * A LangChain callback handler that records the lifecycle of every tool run
 * of a Warden-configured run: `tool.start`, `tool.end` and `tool.error`, joined
 * to the run ids, the thread and the principal. A LangGraph interrupt is
 * recorded as pending, never as an error. Outputs are digested, never stored.
 * `warden.config()` attaches it.
 */
export class WardenAuditHandler extends BaseCallbackHandler {
  name = "warden_audit";
  override awaitHandlers = true;
  override raiseError = true;
  private readonly log: AuditLog;
  private readonly open = new Map<string, OpenToolRun>();

  /** @param log - the audit log events go to */
  constructor(log: AuditLog) {
    super();
    this.log = log;
  }

  override async handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    const name = runName ?? (tool.id?.[tool.id.length - 1] as string | undefined) ?? "tool";
    const threadId = metadata?.thread_id;
    const run: AuditRun = {
      id: runId,
      ...(parentRunId !== undefined ? { parentId: parentRunId } : {}),
      ...(threadId !== undefined ? { threadId: String(threadId) } : {}),
    };
    const entry: OpenToolRun = { name, actor: actorOf(metadata), run };
    this.open.set(runId, entry);
    await this.log.record({
      type: "tool.start",
      outcome: "pending",
      actor: entry.actor,
      target: { kind: "tool", name },
      run,
      data: { inputDigest: digest(input) },
    });
  }

  override async handleToolEnd(output: unknown, runId: string): Promise<void> {
    const entry = this.open.get(runId);
    if (!entry) return;
    this.open.delete(runId);
    const status = (output as { status?: unknown })?.status;
    await this.log.record({
      type: "tool.end",
      outcome: status === "error" ? "failure" : "success",
      actor: entry.actor,
      target: { kind: "tool", name: entry.name },
      run: entry.run,
      data: { outputDigest: digest((output as { content?: unknown })?.content ?? output) },
    });
  }

  override async handleToolError(error: unknown, runId: string): Promise<void> {
    const entry = this.open.get(runId);
    if (!entry) return;
    this.open.delete(runId);
    const interrupted = isGraphBubbleUp(error);
    await this.log.record({
      type: interrupted ? "tool.end" : "tool.error",
      outcome: interrupted ? "pending" : "failure",
      actor: entry.actor,
      target: { kind: "tool", name: entry.name },
      run: entry.run,
      reason: interrupted ? "interrupted: waiting for input" : "the tool failed",
      data: { error: errorCode(error) },
    });
  }
}
