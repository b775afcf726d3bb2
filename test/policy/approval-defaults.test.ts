import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createWarden, type PendingApproval, PolicyError, pendingApprovals, type ToolRuleInput } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();

/**
 * `refund_order` behind `rule` in a ToolNode graph with a checkpointer; alice
 * (tenant-less, holding `orders:refund` and `extraScopes`) asks for refunds.
 */
async function setup(rule: ToolRuleInput, extraScopes = "") {
  const sink = memorySink();
  const ran: unknown[] = [];
  const warden = createWarden({ identity: idp.identity, audit: { sink }, policy: { tools: { refund_order: rule } } });
  const refund = tool(async (args) => (ran.push(args), `refunded ${args.orderId}`), {
    name: "refund_order",
    description: "Refund an order",
    schema: z.object({ orderId: z.string(), note: z.string().optional() }),
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode([warden.tool(refund)]))
    .addEdge("__start__", "tools")
    .compile({ checkpointer: new MemorySaver() });
  const alice = await warden.authenticate(await idp.issue({ sub: "alice", scope: `orders:refund ${extraScopes}`.trim() }));
  const config = warden.config(alice, { configurable: { thread_id: "t" } });
  const ask = async (args: Record<string, unknown>) =>
    (await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "refund_order", args }] })] }, config)) as { messages: BaseMessage[] };
  const resume = async (pending: PendingApproval, decision: string, approverToken: string, args?: Record<string, unknown>) =>
    (await graph.invoke(new Command({ resume: { [pending.interruptId]: { requestId: pending.request.id, decision, approverToken, ...(args ? { args } : {}) } } }), config)) as {
      messages: BaseMessage[];
    };
  return { sink, ran, ask, resume };
}

const only = (result: unknown): PendingApproval => {
  const pending = pendingApprovals(result);
  expect(pending).toHaveLength(1);
  return pending[0]!;
};
const invalidCodes = (sink: ReturnType<typeof memorySink>) => sink.ofType("approval.invalid").map((e) => e.data?.code);

describe("approval rules without approverScopes", () => {
  it("approval: true requires the approver to hold approvals:<tool name>, and shows it in the request", async () => {
    const fx = await setup({ scopes: ["orders:refund"], approval: true });
    const pending = only(await fx.ask({ orderId: "o1" }));
    expect(pending.request.approverScopes).toEqual(["approvals:refund_order"]);
    expect(pending.request.allowedDecisions).toEqual(["approve", "edit", "reject"]);

    // Any other verified user without the scope: refused and recorded, nothing runs.
    const again = only(await fx.resume(pending, "approve", await idp.issue({ sub: "bob" })));
    expect(invalidCodes(fx.sink)).toEqual(["approver-scope"]);
    expect(fx.sink.ofType("approval.invalid")[0]).toMatchObject({ outcome: "denied", actor: { sub: "bob" }, target: { kind: "approval", name: "refund_order" } });
    expect(fx.ran).toEqual([]);
    expect(again.request.refused).toMatchObject({ reason: "approver-scope" });

    // A scope for another tool's approvals does not do either.
    const third = only(await fx.resume(again, "approve", await idp.issue({ sub: "carl", scope: "approvals:delete_customer" })));
    expect(invalidCodes(fx.sink)).toEqual(["approver-scope", "approver-scope"]);

    await fx.resume(third, "approve", await idp.issue({ sub: "mgr", scope: "approvals:refund_order" }));
    expect(fx.ran).toEqual([{ orderId: "o1" }]);
    expect(fx.sink.ofType("approval.granted")[0]?.actor).toEqual({ sub: "mgr" });
  });

  it("approval: true refuses self-approval, even by a requester holding the approvals scope", async () => {
    const fx = await setup({ scopes: ["orders:refund"], approval: true }, "approvals:refund_order");
    const pending = only(await fx.ask({ orderId: "o2" }));
    only(await fx.resume(pending, "approve", await idp.issue({ sub: "alice", scope: "orders:refund approvals:refund_order" })));
    expect(invalidCodes(fx.sink)).toEqual(["self-approval"]);
    expect(fx.ran).toEqual([]);
  });

  it("approval: true allows edits, and re-checks them with the requester's deny patterns as written", async () => {
    const fx = await setup({ scopes: ["orders:refund"], deny: { args: [/\bdrop\b/i] }, approval: true });
    const approver = await idp.issue({ sub: "mgr", scope: "approvals:refund_order" });
    const pending = only(await fx.ask({ orderId: "o3" }));
    // An edit smuggling a statement after a newline is refused like the requester's own call.
    const again = only(await fx.resume(pending, "edit", approver, { orderId: "o3", note: "\nDROP TABLE refunds" }));
    expect(invalidCodes(fx.sink)).toEqual(["edit-policy"]);
    expect(fx.ran).toEqual([]);
    await fx.resume(again, "edit", approver, { orderId: "o4" });
    expect(fx.ran).toEqual([{ orderId: "o4" }]);
  });

  it("an approval object without approverScopes gets the same default", async () => {
    const fx = await setup({ scopes: ["orders:refund"], approval: { ttl: "90s", allowEdit: false } });
    const pending = only(await fx.ask({ orderId: "o5" }));
    expect(pending.request).toMatchObject({ approverScopes: ["approvals:refund_order"], allowedDecisions: ["approve", "reject"] });
    only(await fx.resume(pending, "approve", await idp.issue({ sub: "bob" })));
    expect(invalidCodes(fx.sink)).toEqual(["approver-scope"]);
  });

  it("explicit approverScopes replace the default", async () => {
    const fx = await setup({ scopes: ["orders:refund"], approval: { approverScopes: ["finance:approve"] } });
    const pending = only(await fx.ask({ orderId: "o6" }));
    expect(pending.request.approverScopes).toEqual(["finance:approve"]);
    only(await fx.resume(pending, "approve", await idp.issue({ sub: "bob", scope: "approvals:refund_order" })));
    expect(invalidCodes(fx.sink)).toEqual(["approver-scope"]);
  });

  it("approval: false runs the call without asking anyone", async () => {
    const fx = await setup({ scopes: ["orders:refund"], approval: false });
    const result = await fx.ask({ orderId: "o7" });
    expect(pendingApprovals(result)).toEqual([]);
    expect(fx.ran).toEqual([{ orderId: "o7" }]);
    expect(result.messages.filter((m) => ToolMessage.isInstance(m)).at(-1)?.content).toBe("refunded o7");
    expect(fx.sink.ofType("approval.requested")).toEqual([]);
    expect(fx.sink.ofType("access.allowed")[0]?.data).toMatchObject({ code: "allowed", rule: "tools.refund_order" });
  });

  it("refuses an explicit empty approverScopes list at createWarden, naming the path", () => {
    let error: unknown;
    try {
      createWarden({ identity: idp.identity, policy: { tools: { refund_order: { scopes: [], approval: { approverScopes: [] } } } } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ code: "WARDEN_POLICY", path: "policy.tools.refund_order.approval.approverScopes" });
    expect((error as Error).message).toContain("any verified user");
  });
});
