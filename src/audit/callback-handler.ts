import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { AuditLog } from "./audit-log.js";
import { type AuditActor, type AuditRun, type AuditTarget, actorOf, auditRun } from "./event.js";
import { errorCode, toolEndEvent, toolErrorEvent } from "./tool-lifecycle.js";

/** Class name under which guarded tools serialise (see `GuardedTool.lc_name`). */
const GUARDED_TOOL = "GuardedTool";

interface OpenRun {
  target: AuditTarget;
  actor: AuditActor;
  run: AuditRun;
}

function actorFromMetadata(metadata: Record<string, unknown> | undefined): AuditActor {
  return actorOf({
    sub: typeof metadata?.warden_sub === "string" ? metadata.warden_sub : "anonymous",
    tenant: typeof metadata?.warden_tenant === "string" ? metadata.warden_tenant : undefined,
  });
}

function nameOf(serialized: Serialized | undefined, runName: string | undefined, fallback: string): string {
  const id = serialized?.id;
  return runName ?? (Array.isArray(id) && typeof id[id.length - 1] === "string" ? (id[id.length - 1] as string) : fallback);
}

function tokenUsage(output: LLMResult): Record<string, number> | undefined {
  const fromLlm = output.llmOutput?.tokenUsage as Record<string, unknown> | undefined;
  const message = (output.generations?.[0]?.[0] as { message?: { usage_metadata?: Record<string, unknown> } } | undefined)?.message;
  const source = message?.usage_metadata ?? fromLlm;
  if (!source) return undefined;
  const usage: Record<string, number> = {};
  for (const [key, value] of Object.entries(source)) if (typeof value === "number") usage[key] = value;
  return usage;
}

/**
 * A LangChain callback handler that records what happens inside a run that
 * `warden.config()` set up: tool start, end and error (a LangGraph interrupt
 * ends a tool run as `pending`, never as an error) — guarded tools record
 * their own; retriever end with the
 * number of documents; chat model start, end with token usage, and errors.
 * Every event carries the run id, parent run id and `thread_id`, and the
 * principal's `sub` and `tenant`. Inputs and outputs are digested, never
 * stored. Guards record their own decisions without it.
 */
export class WardenAuditHandler extends BaseCallbackHandler {
  name = "warden_audit";
  override awaitHandlers = true;
  override raiseError = true;
  private readonly log: AuditLog;
  private readonly open = new Map<string, OpenRun>();

  /** @param log - the audit log events go to */
  constructor(log: AuditLog) {
    super();
    this.log = log;
  }

  private begin(runId: string, target: AuditTarget, parentRunId: string | undefined, metadata: Record<string, unknown> | undefined): OpenRun {
    const entry: OpenRun = { target, actor: actorFromMetadata(metadata), run: auditRun(runId, parentRunId, metadata?.thread_id) };
    this.open.set(runId, entry);
    return entry;
  }

  private finish(runId: string): OpenRun | undefined {
    const entry = this.open.get(runId);
    this.open.delete(runId);
    return entry;
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
    // Guarded tools record their own decision and lifecycle.
    if (Array.isArray(tool?.id) && tool.id[tool.id.length - 1] === GUARDED_TOOL) return;
    const entry = this.begin(runId, { kind: "tool", name: nameOf(tool, runName, "tool") }, parentRunId, metadata);
    await this.log.record({ type: "tool.start", outcome: "pending", ...entry, data: { inputDigest: this.log.digest(input) } });
  }

  override async handleToolEnd(output: unknown, runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (entry) await this.log.record(toolEndEvent(entry, output, this.log));
  }

  override async handleToolError(error: unknown, runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (entry) await this.log.record(toolErrorEvent(entry, error));
  }

  override async handleRetrieverStart(
    retriever: Serialized,
    _query: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): Promise<void> {
    this.begin(runId, { kind: "retriever", name: nameOf(retriever, name, "retriever") }, parentRunId, metadata);
  }

  override async handleRetrieverEnd(documents: DocumentInterface[], runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (!entry) return;
    await this.log.record({ type: "retriever.end", outcome: "success", ...entry, data: { documents: documents.length } });
  }

  override async handleRetrieverError(error: unknown, runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (!entry) return;
    await this.log.record({ type: "retriever.end", outcome: "failure", ...entry, reason: "the retriever failed", data: { error: errorCode(error) } });
  }

  override async handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    _extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    const entry = this.begin(runId, { kind: "model", name: nameOf(llm, runName, "model") }, parentRunId, metadata);
    await this.log.record({ type: "model.start", outcome: "pending", ...entry, data: { messages: messages[0]?.length ?? 0 } });
  }

  override async handleLLMEnd(output: LLMResult, runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (!entry) return;
    const usage = tokenUsage(output);
    await this.log.record({ type: "model.end", outcome: "success", ...entry, ...(usage ? { data: { usage } } : {}) });
  }

  override async handleLLMError(error: unknown, runId: string): Promise<void> {
    const entry = this.finish(runId);
    if (!entry) return;
    await this.log.record({ type: "model.error", outcome: "failure", ...entry, reason: "the model call failed", data: { error: errorCode(error) } });
  }
}
