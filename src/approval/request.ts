import { createHmac, timingSafeEqual } from "node:crypto";
import { canonicalJson } from "../canonical-json.js";
import type { HITLRequestView } from "./hitl-format.js";

/** What an approver may answer. */
export type ApprovalDecisionKind = "approve" | "edit" | "reject";

/**
 * A request for human approval, as an approver sees it (the value of the
 * LangGraph interrupt). Its `id` binds it to the tool, the canonical arguments,
 * the tool call, the thread, the requester and its creation time. It is also
 * a LangChain `HITLRequest` (`actionRequests`, `reviewConfigs`: one action),
 * so inbox UIs built for `humanInTheLoopMiddleware` can show it.
 */
export interface ApprovalRequest extends HITLRequestView {
  type: "warden.approval";
  /** Bound request id: a decision must name it. */
  id: string;
  tool: string;
  /** The arguments the model asked for. */
  args: Record<string, unknown>;
  /**
   * `hmac-sha256:` digest of the canonical arguments, keyed with the approvals
   * key: it travels with the request (checkpointer, approvers' inbox), so
   * nobody can recover a low-entropy argument from it by guessing.
   */
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

/** What {@link RequestBinder.check} found: the creation time of a genuine id, or why it is not one. */
export type BindingCheck =
  | { ok: true; createdAt: number }
  /** `foreign`: a well-formed id bound with another key (another process, or another `approvals.secret`). */
  | { ok: false; foreign: boolean };

const KEY_ID_LENGTH = 8;
const MAC_LENGTH = 32;

/**
 * Issues and checks bound request ids:
 * `<createdAt base36>.<key id>.<HMAC-SHA256>`, the HMAC over the binding and
 * the creation time. The key never leaves the process, so neither the binding
 * nor the expiry of a request can be forged; the key id (a short HMAC of a
 * fixed label under the key, which reveals nothing of it) tells an id bound
 * with another key from a forged or mismatched one.
 */
export class RequestBinder {
  private readonly key: Uint8Array;
  /** Identifies the key in the ids it binds. */
  readonly keyId: string;

  /** @param key - HMAC key (at least 32 bytes); share it between processes that resume each other's requests */
  constructor(key: Uint8Array) {
    this.key = key;
    this.keyId = createHmac("sha256", key).update("warden.approval.key-id").digest("base64url").slice(0, KEY_ID_LENGTH);
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
    return createHmac("sha256", this.key).update(message).digest("base64url").slice(0, MAC_LENGTH);
  }

  /**
   * The keyed digest of canonical arguments a request is bound to (`hmac-sha256:<hex>`).
   * `json` is `canonicalJson(args)` when the caller has it already.
   */
  argsHash(args: unknown, json: string = canonicalJson(args)): string {
    return `hmac-sha256:${createHmac("sha256", this.key).update("warden.approval.args\u0000").update(json).digest("hex")}`;
  }

  /** A fresh request id for `binding`, created at `createdAt`. */
  issue(binding: RequestBinding, createdAt: number): string {
    return `${createdAt.toString(36)}.${this.keyId}.${this.mac(binding, createdAt)}`;
  }

  /** Whether `id` was issued by this key for exactly `binding`, and when. */
  check(id: unknown, binding: RequestBinding): BindingCheck {
    if (typeof id !== "string" || id.length > 64) return { ok: false, foreign: false };
    const [stamp, keyId, mac, extra] = id.split(".");
    if (!stamp || !keyId || !mac || extra !== undefined || !/^[0-9a-z]{1,12}$/.test(stamp)) return { ok: false, foreign: false };
    if (keyId !== this.keyId) {
      return { ok: false, foreign: keyId.length === KEY_ID_LENGTH && mac.length === MAC_LENGTH && /^[\w-]+$/.test(keyId + mac) };
    }
    const createdAt = Number.parseInt(stamp, 36);
    const expected = Buffer.from(this.mac(binding, createdAt));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true, createdAt } : { ok: false, foreign: false };
  }
}
