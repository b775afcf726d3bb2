import { hitlApprovalResponseSchema } from "langchain-warden";
import { describe, expect, it } from "vitest";
import { readApprovalAnswer } from "../../src/approval/hitl-format.js";

const base = { approverToken: "token", requestId: "lq3x1.abcdefgh.0123456789abcdef0123456789abcdef" };

describe("reading an approver's answer in LangChain's HITLResponse format", () => {
  it("reads each decision type as Warden's decision", () => {
    expect(readApprovalAnswer({ ...base, decisions: [{ type: "approve" }] })).toEqual({ ok: true, decision: { ...base, decision: "approve" } });
    expect(readApprovalAnswer({ ...base, decisions: [{ type: "edit", editedAction: { name: "refund_order", args: { amount: 5 } } }] })).toEqual({
      ok: true,
      decision: { ...base, decision: "edit", args: { amount: 5 } },
      editedTool: "refund_order",
    });
    expect(readApprovalAnswer({ ...base, decisions: [{ type: "reject" }] })).toEqual({ ok: true, decision: { ...base, decision: "reject" } });
    expect(readApprovalAnswer({ ...base, decisions: [{ type: "reject", message: "no" }] })).toEqual({ ok: true, decision: { ...base, decision: "reject", message: "no" } });
    // A `respond`-style answer replies to the agent instead of running the call: a rejection with its message.
    expect(readApprovalAnswer({ ...base, decisions: [{ type: "respond", message: "use store credit" }] })).toEqual({
      ok: true,
      decision: { ...base, decision: "reject", message: "use store credit" },
    });
  });

  it("still reads Warden's own format", () => {
    const decision = { ...base, decision: "approve" as const };
    expect(readApprovalAnswer(decision)).toEqual({ ok: true, decision });
  });

  it.each([
    ["no decisions", { ...base, decisions: [] }],
    ["two decisions (a Warden request holds one action)", { ...base, decisions: [{ type: "approve" }, { type: "approve" }] }],
    ["no approver token", { requestId: base.requestId, decisions: [{ type: "approve" }] }],
    ["no request id", { approverToken: base.approverToken, decisions: [{ type: "approve" }] }],
    ["an unknown decision type", { ...base, decisions: [{ type: "ignore" }] }],
    ["an unknown key beside the decisions", { ...base, decisions: [{ type: "approve" }], tool: "delete_customer" }],
    ["an unknown key in a decision", { ...base, decisions: [{ type: "approve", args: { amount: 1 } }] }],
    ["an edit without args", { ...base, decisions: [{ type: "edit", editedAction: { name: "refund_order" } }] }],
    ["an edit with args that are not an object", { ...base, decisions: [{ type: "edit", editedAction: { name: "refund_order", args: [1] } }] }],
    ["a respond without a message", { ...base, decisions: [{ type: "respond" }] }],
    ["an over-long message", { ...base, decisions: [{ type: "reject", message: "x".repeat(2_001) }] }],
    ["both formats at once", { ...base, decision: "approve", decisions: [{ type: "approve" }] }],
    ["a bare HITLResponse (no token, no request id)", { decisions: [{ type: "approve" }] }],
  ])("refuses %s", (_why, value) => {
    expect(readApprovalAnswer(value)).toEqual({ ok: false });
  });

  it("exports the response schema for applications that validate before resuming", () => {
    expect(hitlApprovalResponseSchema.safeParse({ ...base, decisions: [{ type: "approve" }] }).success).toBe(true);
    expect(hitlApprovalResponseSchema.safeParse({ decisions: [{ type: "approve" }] }).success).toBe(false);
  });
});
