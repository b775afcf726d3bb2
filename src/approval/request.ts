import { createHmac, timingSafeEqual } from "node:crypto";

/** What an approver may answer. */
export type ApprovalDecisionKind = "approve" | "edit" | "reject";

/**
 * A request for human approval, as an approver sees it (the value of the
 * LangGraph interrupt). Its `id` binds it to the tool, the canonical arguments,
 * the tool call, the thread, the requester and its creation time.
 */
export interface ApprovalRequest {
  type: "warden.approval";
  /** Bound request id: a decision must name it. */
  id: string;
  tool: string;
  /** The arguments the model asked for. */
  args: Record<string, unknown>;
  /** `sha256:` digest of the canonical arguments. */
  argsHash: string;
  requester: { sub: string; tenant?: string };
  threadId?: string;
  toolCallId?: string;
  /** Why approval is needed. */
  reason: string;
  risk?: "low" | "medium" | "high" | "destructive";
  /** Epoch ms after which a decision for this request is refused. */
  expiresAt: number;
  allowedDecisions: ApprovalDecisionKind[];
  /** Scopes an approver must hold: the rule's `approverScopes`, by default `approvals:<tool name>`. */
  approverScopes: readonly string[];
  /** Distinct approvers needed. */
  quorum: number;
  /** Approvers who already approved (when `quorum` > 1). */
  approvals: { sub: string }[];
  /** Why the previous answer to this request was refused, when it is raised again. */
  refused?: { code: "WARDEN_APPROVAL_INVALID"; reason: string; message: string };
}

/** The facts a request id is bound to. */
export interface RequestBinding {
  tool: string;
  argsHash: string;
  toolCallId: string;
  threadId: string;
  requester: { sub: string; tenant?: string };
}

/**
 * Issues and checks bound request ids: `<createdAt base36>.<HMAC-SHA256>` over
 * the binding and the creation time. The HMAC key never leaves the process, so
 * neither the binding nor the expiry of a request can be forged.
 */
export class RequestBinder {
  private readonly key: Uint8Array;

  /** @param key - HMAC key (at least 32 bytes); share it between processes that resume each other's requests */
  constructor(key: Uint8Array) {
    this.key = key;
  }

  private mac(binding: RequestBinding, createdAt: number): string {
    // A JSON array in fixed order: every field is delimited, so no two bindings share a message.
    const message = JSON.stringify([
      "warden.approval.v1",
      binding.tool,
      binding.argsHash,
      binding.toolCallId,
      binding.threadId,
      binding.requester.sub,
      binding.requester.tenant ?? null,
      createdAt,
    ]);
    return createHmac("sha256", this.key).update(message).digest("base64url").slice(0, 32);
  }

  /** A fresh request id for `binding`, created at `createdAt`. */
  issue(binding: RequestBinding, createdAt: number): string {
    return `${createdAt.toString(36)}.${this.mac(binding, createdAt)}`;
  }

  /** The creation time of `id` if it was issued for exactly `binding`; otherwise `undefined`. */
  check(id: unknown, binding: RequestBinding): number | undefined {
    if (typeof id !== "string" || id.length > 64) return undefined;
    const [stamp, mac] = id.split(".");
    if (!stamp || !mac || !/^[0-9a-z]{1,12}$/.test(stamp)) return undefined;
    const createdAt = Number.parseInt(stamp, 36);
    const expected = Buffer.from(this.mac(binding, createdAt));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? createdAt : undefined;
  }
}
