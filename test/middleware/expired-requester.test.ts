import { ToolMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { InvalidTokenError, type Principal, pendingApprovals } from "langchain-warden";
import { scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { ask, type Fixture, guardedAgent, type RunConfig, rejection, rootCause, setup } from "./support.js";

const HOUR = 60 * 60 * 1000;
const refund500 = () => scriptedChatModel([[{ name: "refund_order", args: { orderId: "o-7", amount: 500 } }]]);

/** The two ways a createAgent run carries its principal. */
const routes: Record<"config" | "context", (fx: Fixture, principal: Principal, thread_id: string) => RunConfig> = {
  config: (fx: Fixture, principal: Principal, thread_id: string) => fx.warden.config(principal, { configurable: { thread_id } }),
  context: (_fx: Fixture, principal: Principal, thread_id: string) => ({ context: { principal }, configurable: { thread_id } }),
};

function isExpiredRefusal(error: unknown): boolean {
  const root = rootCause(error);
  return root instanceof InvalidTokenError && root.reason === "expired";
}

/** Alice's token lives ten minutes; she asks for a refund that needs approval, then her token expires. */
async function pausedThenExpired(route: keyof typeof routes, thread: string) {
  const fx = setup();
  const alice = await fx.login("alice", "orders:read orders:refund", { expiresIn: "10m" });
  const agent = guardedAgent(fx, refund500());
  const config = routes[route](fx, alice, thread);
  const [pending] = pendingApprovals(await agent.invoke(ask("refund o-7"), config));
  expect(pending?.request.tool).toBe("refund_order");
  fx.clock.advance(HOUR);
  expect(alice.expiresAt).toBeLessThan(fx.clock.now());
  return { fx, alice, agent, config, pending: pending! };
}

describe("an approval that outlives the requester's token", () => {
  it.each(["config", "context"] as const)("runs the approved call for the requester, recorded with requester and approver, and only that call (principal in %s)", async (route) => {
    const { fx, agent, config, pending } = await pausedThenExpired(route, `outlive-${route}`);
    const approverToken = await fx.token("fin", "approvals:refunds");

    // The approved refund runs; the model call after it needs a live token, and is refused.
    const error = await rejection(agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }], approverToken, requestId: pending.request.id } }), config));
    expect(isExpiredRefusal(error)).toBe(true);

    expect(fx.ran).toEqual([{ tool: "refund_order", args: { orderId: "o-7", amount: 500 }, sub: "alice" }]);
    const state = (await agent.agent.getState(config as never)) as unknown as { values: { messages: unknown[] } };
    const replies = state.values.messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(replies.map((m) => [m.status, m.content])).toEqual([["success", "refunded 500 on o-7"]]);

    const allowed = fx.sink.ofType("access.allowed").filter((e) => e.target.kind === "tool");
    expect(allowed).toHaveLength(1);
    expect(allowed[0]?.actor).toEqual({ sub: "fin", tenant: "acme" });
    expect(allowed[0]?.data).toMatchObject({
      approval: pending.request.id,
      approvedBy: [{ sub: "fin", tenant: "acme" }],
      onBehalfOf: { sub: "alice", tenant: "acme" },
      requesterToken: "expired",
      code: "allowed",
    });
    expect(fx.sink.ofType("tool.end").map((e) => [e.target.name, e.actor.sub])).toEqual([["refund_order", "alice"]]);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.kind, e.actor.sub, e.reason])).toEqual([["model", "alice", "token expired"]]);
    // One request was raised, while the token was live.
    expect(fx.sink.ofType("approval.requested")).toHaveLength(1);
    fx.expectNoTokens();
  });

  it("asks nothing new for an expired requester: an invalid answer is recorded, then the call is refused as expired", async () => {
    const { fx, agent, config, pending } = await pausedThenExpired("config", "outlive-invalid");
    const unentitled = await fx.token("intern", "orders:read");

    const error = await rejection(agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }], approverToken: unentitled, requestId: pending.request.id } }), config));

    expect(isExpiredRefusal(error)).toBe(true);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["approver-scope"]);
    expect(fx.sink.ofType("approval.requested")).toHaveLength(1);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.kind, e.target.name, e.reason])).toEqual([["tool", "refund_order", "token expired"]]);
  });

  it("binds the resume to that one request: a decision for another request does not run it", async () => {
    const { fx, agent, config } = await pausedThenExpired("config", "outlive-bound");
    // Another request, raised for a live user on another thread.
    const bob = await fx.login("bob", "orders:read orders:refund");
    const [other] = pendingApprovals(await agent.invoke(ask("refund o-7"), fx.warden.config(bob, { configurable: { thread_id: "bob-thread" } })));
    const approverToken = await fx.token("fin", "approvals:refunds");

    const error = await rejection(agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }], approverToken, requestId: other!.request.id } }), config));

    expect(isExpiredRefusal(error)).toBe(true);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["wrong-request"]);
  });

  it("refuses the expired requester's new runs and other calls, as always", async () => {
    const { fx, alice, agent, config } = await pausedThenExpired("config", "outlive-other");

    // A new turn on another thread: its model call is refused.
    const error = await rejection(agent.invoke(ask("refund o-7"), fx.warden.config(alice, { configurable: { thread_id: "later" } })));
    expect(isExpiredRefusal(error)).toBe(true);

    // The same tool, called directly for an amount that needs no approval: refused, no approval is raised.
    const refund = fx.warden.tool(fx.tools.refundOrder);
    await expect(refund.invoke({ orderId: "o-1", amount: 5 }, config)).rejects.toBeInstanceOf(InvalidTokenError);
    // An amount that would need approval, outside a graph: nothing to answer, refused.
    await expect(refund.invoke({ orderId: "o-1", amount: 500 }, config)).rejects.toBeInstanceOf(InvalidTokenError);
    // A tool with no approval rule at all.
    await expect(fx.warden.tool(fx.tools.searchOrders).invoke({ query: "o-1" }, config)).rejects.toBeInstanceOf(InvalidTokenError);

    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.requested")).toHaveLength(1);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.name, e.reason])).toEqual([
      ["default", "token expired"],
      ["refund_order", "token expired"],
      ["refund_order", "token expired"],
      ["search_orders", "token expired"],
    ]);
  });
});
