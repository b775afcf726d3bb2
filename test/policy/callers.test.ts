/**
 * The kind of caller in the policy: a tool or model rule's `callers` admits
 * users, services or both; an approval is only ever given by a user, so a
 * service's API key never approves, whatever scopes its record grants.
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { AccessDeniedError, createApiKey, createWarden, PolicyError, type PolicyInput, pendingApprovals } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();

/** A warden on JWTs and API keys, with the service key `key` granting `scopes`. */
function setup(policy: PolicyInput, scopes: string[] = ["orders:read", "approvals:refund_order", "approvals:*"]) {
  const sink = memorySink();
  const { key, record } = createApiKey({ sub: "billing-service", scopes });
  const warden = createWarden({ identity: { ...idp.identity, apiKeys: { records: [record] } }, policy, audit: { sink } });
  const lookup = tool(async () => "order 1: shipped", { name: "lookup", description: "Look up an order", schema: z.object({}) });
  return { sink, warden, key, lookup };
}

const accessEvent = (sink: ReturnType<typeof memorySink>) => sink.events.filter((e) => e.type.startsWith("access.")).at(-1);

describe("callers on a tool rule", () => {
  it('callers: ["user"] refuses a service (code caller-kind, rule tools.lookup.callers) and admits a user', async () => {
    const fx = setup({ tools: { lookup: { scopes: ["orders:read"], callers: ["user"] } } });
    const service = await fx.warden.authenticate(fx.key);
    const guarded = fx.warden.tool(fx.lookup, { onDenied: "throw" });
    const refusal = await guarded.invoke({}, fx.warden.config(service)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AccessDeniedError);
    expect((refusal as AccessDeniedError).reason).toBe('the tool "lookup" is not available to this kind of caller');
    expect(accessEvent(fx.sink)).toMatchObject({
      type: "access.denied",
      actor: { sub: "billing-service" },
      reason: "callers of kind service are not admitted",
      data: { code: "caller-kind", rule: "tools.lookup.callers" },
    });

    const user = await fx.warden.authenticate(await idp.issue({ sub: "alice", scope: "orders:read" }));
    expect(await guarded.invoke({}, fx.warden.config(user))).toBe("order 1: shipped");
  });

  it("tells the model only that the tool is not available to this kind of caller", async () => {
    const fx = setup({ tools: { lookup: { scopes: [], callers: ["user"] } } });
    const service = await fx.warden.authenticate(fx.key);
    const message = await fx.warden.tool(fx.lookup).invoke({ id: "c1", name: "lookup", args: {}, type: "tool_call" }, fx.warden.config(service));
    expect(String(message.content)).toContain('the tool "lookup" is not available to this kind of caller');
  });

  it('callers: ["service"] refuses a user and admits a service; left out, both are admitted', async () => {
    const fx = setup({ tools: { lookup: { scopes: [], callers: ["service"] }, open: { scopes: [] } } });
    const service = await fx.warden.authenticate(fx.key);
    const user = await fx.warden.authenticate(await idp.issue({ sub: "alice" }));
    const guarded = fx.warden.tool(fx.lookup, { onDenied: "throw" });
    expect(await guarded.invoke({}, fx.warden.config(service))).toBe("order 1: shipped");
    await expect(guarded.invoke({}, fx.warden.config(user))).rejects.toBeInstanceOf(AccessDeniedError);
    expect(accessEvent(fx.sink)).toMatchObject({ reason: "callers of kind user are not admitted", data: { code: "caller-kind" } });
    const open = fx.warden.tool(
      tool(async () => "ok", { name: "open", description: "open", schema: z.object({}) }),
      { onDenied: "throw" },
    );
    expect(await open.invoke({}, fx.warden.config(service))).toBe("ok");
    expect(await open.invoke({}, fx.warden.config(user))).toBe("ok");
  });

  it("toolsFor() leaves out tools whose rule does not admit the caller's kind", async () => {
    const fx = setup({ tools: { lookup: { scopes: [], callers: ["user"] }, open: { scopes: [] } } });
    const open = tool(async () => "ok", { name: "open", description: "open", schema: z.object({}) });
    const service = await fx.warden.authenticate(fx.key);
    const user = await fx.warden.authenticate(await idp.issue({ sub: "alice" }));
    expect(fx.warden.toolsFor(service, [fx.lookup, open]).map((t) => t.name)).toEqual(["open"]);
    expect(fx.warden.toolsFor(user, [fx.lookup, open]).map((t) => t.name)).toEqual(["lookup", "open"]);
  });

  it("refuses an empty or unknown callers list", () => {
    const build = (callers: unknown) => () => createWarden({ identity: idp.identity, policy: { tools: { t: { scopes: [], callers } } } as PolicyInput });
    expect(build([])).toThrow(PolicyError);
    expect(build(["admin"])).toThrow(/policy\.tools\.t\.callers\[0\]/);
    expect(build("user")).toThrow(PolicyError);
  });
});

describe("callers on a model rule", () => {
  it('callers: ["user"] keeps services off a model (code caller-kind)', async () => {
    const fx = setup({ models: { default: { callers: ["user"] } } });
    const service = await fx.warden.authenticate(fx.key);
    const user = await fx.warden.authenticate(await idp.issue({ sub: "alice" }));
    const model = fx.warden.model(scriptedChatModel(["hello", "hello"]));
    await expect(model.invoke("hi", fx.warden.config(service))).rejects.toBeInstanceOf(AccessDeniedError);
    expect(accessEvent(fx.sink)).toMatchObject({ type: "access.denied", data: { code: "caller-kind", rule: "models.default.callers" } });
    expect((await model.invoke("hi", fx.warden.config(user))).content).toBe("hello");
  });
});

describe("approvals are given by users", () => {
  it("refuses a service's API key as the approver's token (approver-kind), whatever scopes it grants, and accepts a user's", async () => {
    const fx = setup({ tools: { refund_order: { scopes: ["orders:refund"], approval: true } } });
    const ran: unknown[] = [];
    const refund = tool(async (args) => (ran.push(args), "refunded"), { name: "refund_order", description: "Refund", schema: z.object({ orderId: z.string() }) });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode([fx.warden.tool(refund)]))
      .addEdge("__start__", "tools")
      .compile({ checkpointer: new MemorySaver() });
    const alice = await fx.warden.authenticate(await idp.issue({ sub: "alice", scope: "orders:refund" }));
    const config = fx.warden.config(alice, { configurable: { thread_id: "t-approval" } });
    const first = await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "refund_order", args: { orderId: "o1" } }] })] }, config);
    const resume = async (result: unknown, approverToken: string) => {
      const [pending] = pendingApprovals(result);
      return (await graph.invoke(new Command({ resume: { [pending!.interruptId]: { requestId: pending!.request.id, decision: "approve", approverToken } } }), config)) as {
        messages: BaseMessage[];
      };
    };
    const afterKey = await resume(first, fx.key);
    expect(ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["approver-kind"]);
    expect(fx.sink.ofType("approval.invalid")[0]).toMatchObject({ actor: { sub: "billing-service" } });
    expect(pendingApprovals(afterKey)[0]?.request.refused).toMatchObject({ reason: "approver-kind" });

    await resume(afterKey, await idp.issue({ sub: "manager", scope: "approvals:refund_order" }));
    expect(ran).toEqual([{ orderId: "o1" }]);
    expect(fx.sink.ofType("approval.granted")[0]?.actor).toEqual({ sub: "manager" });
  });

  it("refuses a client-credentials JWT as an approver too", async () => {
    const fx = setup({ tools: { refund_order: { scopes: ["orders:refund"], approval: { approverScopes: ["approvals:refunds"] } } } });
    const refund = tool(async () => "refunded", { name: "refund_order", description: "Refund", schema: z.object({ orderId: z.string() }) });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode([fx.warden.tool(refund)]))
      .addEdge("__start__", "tools")
      .compile({ checkpointer: new MemorySaver() });
    const alice = await fx.warden.authenticate(await idp.issue({ sub: "alice", scope: "orders:refund" }));
    const config = fx.warden.config(alice, { configurable: { thread_id: "t-cc" } });
    const first = await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "refund_order", args: { orderId: "o1" } }] })] }, config);
    const [pending] = pendingApprovals(first);
    const machine = await idp.issue({ sub: "ops-bot", client_id: "ops-bot", scope: "approvals:refunds" });
    await graph.invoke(new Command({ resume: { [pending!.interruptId]: { requestId: pending!.request.id, decision: "approve", approverToken: machine } } }), config);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["approver-kind"]);
    expect(fx.sink.ofType("approval.granted")).toEqual([]);
  });
});
