import type { ApprovalRequest } from "./request.js";

/** A Warden approval request waiting in a paused run, with the id of its interrupt. */
export interface PendingApproval {
  /** LangGraph interrupt id: the key to resume this request with. */
  interruptId: string;
  request: ApprovalRequest;
}

interface InterruptLike {
  id?: unknown;
  value?: unknown;
}

function isRequest(value: unknown): value is ApprovalRequest {
  return typeof value === "object" && value !== null && (value as ApprovalRequest).type === "warden.approval" && typeof (value as ApprovalRequest).id === "string";
}

/**
 * The Warden approval requests pending in a LangGraph invoke result (its
 * `__interrupt__`) or state snapshot (`graph.getState(config)`: the tasks'
 * interrupts). Other interrupts are left out.
 */
export function pendingApprovals(source: unknown): PendingApproval[] {
  const interrupts: InterruptLike[] = [];
  const value = source as { __interrupt__?: unknown; tasks?: unknown; interrupts?: unknown };
  if (Array.isArray(value?.__interrupt__)) interrupts.push(...(value.__interrupt__ as InterruptLike[]));
  if (Array.isArray(value?.tasks)) {
    for (const task of value.tasks as { interrupts?: unknown }[]) {
      if (Array.isArray(task?.interrupts)) interrupts.push(...(task.interrupts as InterruptLike[]));
    }
  } else if (Array.isArray(value?.interrupts)) {
    interrupts.push(...(value.interrupts as InterruptLike[]));
  }
  const seen = new Set<string>();
  const pending: PendingApproval[] = [];
  for (const entry of interrupts) {
    if (typeof entry?.id !== "string" || !isRequest(entry.value) || seen.has(entry.id)) continue;
    seen.add(entry.id);
    pending.push({ interruptId: entry.id, request: entry.value });
  }
  return pending;
}
