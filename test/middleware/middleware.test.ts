import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { modelRetryMiddleware, summarizationMiddleware } from "langchain";
import { createWarden, MissingPrincipalError, PolicyError, pendingApprovals, RateLimitedError } from "langchain-warden";
import { wardenMiddleware } from "langchain-warden/middleware";
import { createTestIdentity, memorySink, scriptedChatModel, turnIndex } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { ask, guardedAgent, rejection, rootCause, setup, toolMessages } from "./support.js";

const thread = (thread_id: string) => ({ configurable: { thread_id } });

describe("wardenMiddleware on a createAgent graph with unwrapped tools and model", () => {
  it("runs an allowed call through the guards, for the run's principal, and records it", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([[{ name: "search_orders", args: { query: "o-1" } }]]);
    const { invoke } = guardedAgent(fx, model);

    const result = await invoke(ask("find o-1"), fx.warden.config(alice, thread("plain")));

    expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "o-1" }, sub: "alice" }]);
    expect(toolMessages(result.messages).map((m) => m.content)).toEqual(["orders matching o-1 for alice"]);
    expect(result.messages.at(-1)?.content).toBe("done");
    expect(fx.sink.ofType("access.allowed").map((e) => [e.target.kind, e.target.name, e.actor.sub])).toEqual([
      ["model", "default", "alice"],
      ["tool", "search_orders", "alice"],
      ["model", "default", "alice"],
    ]);
    expect(fx.sink.ofType("model.end")).toHaveLength(2);
    expect(fx.sink.ofType("tool.end").map((e) => [e.target.name, e.actor.sub, e.run?.threadId])).toEqual([["search_orders", "alice", "plain"]]);
    fx.expectNoTokens();
  });

  it("offers the model only the tools the principal could ever use", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const bob = await fx.login("bob", "orders:read orders:refund customers:delete");
    const model = scriptedChatModel(["hello"]);
    const { invoke } = guardedAgent(fx, model);

    await invoke(ask("hi"), fx.warden.config(alice, thread("offer-alice")));
    expect(model.lastBoundTools).toEqual(["search_orders"]);
    await invoke(ask("hi"), fx.warden.config(bob, thread("offer-bob")));
    expect(model.lastBoundTools).toEqual(["search_orders", "refund_order", "delete_customer"]);
  });

  it("refuses and records a call to a registered tool that was not offered", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([[{ name: "refund_order", args: { orderId: "o-1", amount: 5 } }]]);
    const { invoke } = guardedAgent(fx, model);

    const result = await invoke(ask("refund o-1"), fx.warden.config(alice, thread("not-offered")));

    expect(fx.ran).toEqual([]);
    const [reply] = toolMessages(result.messages);
    expect([reply?.status, reply?.content]).toEqual(["error", 'Access denied: you are not permitted to use the tool "refund_order".']);
    expect(result.messages.at(-1)?.content).toBe("done");
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.name, e.actor.sub, e.data?.code])).toEqual([["refund_order", "alice", "missing-scope"]]);
  });

  it("refuses and records a call to a tool the agent does not have, instead of 'not a valid tool'", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([
      [
        { name: "drop_database", args: { name: "orders" } },
        { name: "mail jane.doe@example.com", args: {} },
      ],
    ]);
    const { invoke } = guardedAgent(fx, model);

    const result = await invoke(ask("drop it"), fx.warden.config(alice, thread("unknown")));

    expect(toolMessages(result.messages).map((m) => [m.status, m.content])).toEqual([
      ["error", 'Access denied: the tool "drop_database" is not available to you.'],
      ["error", 'Access denied: the tool "mail jane.doe@example.com" is not available to you.'],
    ]);
    const denied = fx.sink.ofType("access.denied");
    expect(denied.map((e) => [e.target.name, e.actor.sub, e.data?.code, e.run?.threadId])).toEqual([
      ["drop_database", "alice", "unknown-tool", "unknown"],
      ["redacted", "alice", "unknown-tool", "unknown"],
    ]);
    expect(JSON.stringify(fx.sink.events)).not.toContain("jane.doe@example.com");
  });

  it("refuses an unknown tool with AccessDeniedError under onDenied: throw", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([[{ name: "drop_database", args: {} }]]);
    const { invoke } = guardedAgent(fx, model, { middleware: { onDenied: "throw" } });

    const error = await rejection(invoke(ask("drop it"), fx.warden.config(alice, thread("unknown-throw"))));

    expect((rootCause(error) as { code?: string }).code).toBe("WARDEN_ACCESS_DENIED");
    expect(fx.sink.ofType("access.denied").map((e) => e.data?.code)).toEqual(["unknown-tool"]);
  });

  it("masks the model's answer, and with maskModelInput the prompt the provider sees", async () => {
    const fx = setup({ masking: { maskModelInput: true } });
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel(["Write to jane.doe@example.com about card 4111 1111 1111 1111"]);
    const { invoke } = guardedAgent(fx, model);

    const result = await invoke(ask("my mail is john.roe@example.org"), fx.warden.config(alice, thread("masked")));

    const answer = String(result.messages.at(-1)?.content);
    expect(answer).not.toContain("jane.doe@example.com");
    expect(answer).not.toContain("4111 1111 1111 1111");
    expect(JSON.stringify(model.received)).not.toContain("john.roe@example.org");
    const masked = fx.sink.ofType("mask.applied").filter((e) => e.target.kind === "model");
    expect(masked.map((e) => Boolean(e.data?.input))).toEqual([true, false]);
  });

  it("applies the rate limits of policy.models, per user", async () => {
    const fx = setup({ models: { default: { perUser: "2/min" } } });
    const alice = await fx.login("alice", "orders:read");
    const bob = await fx.login("bob", "orders:read");
    const model = scriptedChatModel([[{ name: "search_orders", args: { query: "o-1" } }]]);
    const { invoke } = guardedAgent(fx, model);

    await invoke(ask("find o-1"), fx.warden.config(alice, thread("limit-1")));
    const error = await rejection(invoke(ask("find o-1"), fx.warden.config(alice, thread("limit-2"))));

    expect(rootCause(error)).toBeInstanceOf(RateLimitedError);
    expect(fx.sink.ofType("ratelimit.exceeded").map((e) => [e.actor.sub, e.target.name, e.data?.rule])).toEqual([["alice", "default", "models.default"]]);
    const other = await invoke(ask("find o-1"), fx.warden.config(bob, thread("limit-bob")));
    expect(other.messages.at(-1)?.content).toBe("done");
  });

  it("refuses a run with no principal, and records it", async () => {
    const fx = setup();
    const model = scriptedChatModel(["hello"]);
    const { invoke } = guardedAgent(fx, model);

    const error = await rejection(invoke(ask("hi"), thread("anonymous")));

    expect(rootCause(error)).toBeInstanceOf(MissingPrincipalError);
    expect(model.received).toEqual([]);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.kind, e.actor.sub, e.reason])).toEqual([["model", "anonymous", "no principal in the run config"]]);
  });

  it("accepts only a warden returned by createWarden, and refuses unknown options", () => {
    expect(() => wardenMiddleware({} as never)).toThrow(PolicyError);
    const fx = setup();
    expect(() => wardenMiddleware(fx.warden, { modelName: "" })).toThrow(/middleware\.modelName/);
    expect(() => wardenMiddleware(fx.warden, { retries: 2 } as never)).toThrow(PolicyError);
  });
});

describe("wardenMiddleware: approvals through LangGraph interrupts", () => {
  const refund500 = [[{ name: "refund_order", args: { orderId: "o-7", amount: 500 } }]] as const;

  it("pauses for approval and resumes with a decision in Warden's format", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund");
    const { invoke } = guardedAgent(fx, scriptedChatModel(refund500.map((turn) => [...turn])));
    const config = fx.warden.config(alice, thread("approve-warden"));

    const paused = await invoke(ask("refund o-7"), config);
    const [pending] = pendingApprovals(paused);
    expect(pending?.request.tool).toBe("refund_order");
    expect(fx.ran).toEqual([]);

    const approverToken = await fx.token("fin", "approvals:refunds");
    const done = await invoke(new Command({ resume: { [pending!.interruptId]: { requestId: pending!.request.id, decision: "approve", approverToken } } }), config);

    expect(fx.ran).toEqual([{ tool: "refund_order", args: { orderId: "o-7", amount: 500 }, sub: "alice" }]);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["refunded 500 on o-7"]);
    expect(done.messages.at(-1)?.content).toBe("done");
    expect(fx.sink.ofType("approval.granted").map((e) => [e.actor.sub, e.data?.requestId])).toEqual([["fin", pending!.request.id]]);
    fx.expectNoTokens();
  });

  it("carries LangChain's HITLRequest and takes an edit in its HITLResponse format", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund");
    const { invoke } = guardedAgent(fx, scriptedChatModel(refund500.map((turn) => [...turn])));
    const config = fx.warden.config(alice, thread("approve-hitl"));

    const paused = await invoke(ask("refund o-7"), config);
    const [pending] = pendingApprovals(paused);
    const request = pending!.request;
    expect(request.actionRequests).toEqual([{ name: "refund_order", args: { orderId: "o-7", amount: 500 }, description: expect.stringContaining("Tool: refund_order") }]);
    expect(request.reviewConfigs).toEqual([{ actionName: "refund_order", allowedDecisions: ["approve", "edit", "reject"] }]);
    // Warden's binding, expiry and requester travel in the same value.
    expect([request.type, request.requester, typeof request.expiresAt]).toEqual(["warden.approval", { sub: "alice", tenant: "acme" }, "number"]);

    const approverToken = await fx.token("fin", "approvals:refunds");
    const resume = {
      decisions: [{ type: "edit", editedAction: { name: "refund_order", args: { orderId: "o-7", amount: 150 } } }],
      approverToken,
      requestId: request.id,
    };
    const done = await invoke(new Command({ resume: { [pending!.interruptId]: resume } }), config);

    expect(fx.ran).toEqual([{ tool: "refund_order", args: { orderId: "o-7", amount: 150 }, sub: "alice" }]);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["refunded 150 on o-7"]);
    expect(fx.sink.ofType("approval.granted").map((e) => e.reason)).toEqual(["approved with edited arguments"]);
  });

  it.each([
    ["reject", { type: "reject", message: "over the limit" }, "over the limit"],
    ["respond", { type: "respond", message: "offer store credit instead" }, "offer store credit instead"],
  ])("turns a HITL %s into a rejection with its message", async (_kind, decision, message) => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund");
    const { invoke } = guardedAgent(fx, scriptedChatModel(refund500.map((turn) => [...turn])));
    const config = fx.warden.config(alice, thread(`reject-${_kind}`));

    const [pending] = pendingApprovals(await invoke(ask("refund o-7"), config));
    const approverToken = await fx.token("fin", "approvals:refunds");
    const done = await invoke(new Command({ resume: { decisions: [decision], approverToken, requestId: pending!.request.id } }), config);

    expect(fx.ran).toEqual([]);
    expect(toolMessages(done.messages).map((m) => [m.status, m.content])).toEqual([["error", `The request to use the tool "refund_order" was rejected: ${message}.`]]);
    expect(fx.sink.ofType("approval.rejected").map((e) => e.actor.sub)).toEqual(["fin"]);
  });

  it("refuses an edit that switches tools, or a malformed response, and asks again", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund customers:delete");
    const { invoke } = guardedAgent(fx, scriptedChatModel(refund500.map((turn) => [...turn])));
    const config = fx.warden.config(alice, thread("switch"));

    const [first] = pendingApprovals(await invoke(ask("refund o-7"), config));
    const approverToken = await fx.token("fin", "approvals:refunds");
    const switched = {
      decisions: [{ type: "edit", editedAction: { name: "delete_customer", args: { id: "cus_1" } } }],
      approverToken,
      requestId: first!.request.id,
    };
    const [second] = pendingApprovals(await invoke(new Command({ resume: switched }), config));
    expect(second?.request.refused?.reason).toBe("edit-tool");

    const twoDecisions = { decisions: [{ type: "approve" }, { type: "approve" }], approverToken, requestId: second!.request.id };
    const [third] = pendingApprovals(await invoke(new Command({ resume: twoDecisions }), config));
    expect(third?.request.refused?.reason).toBe("malformed");

    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => [e.actor.sub, e.data?.code])).toEqual([
      ["fin", "edit-tool"],
      ["anonymous", "malformed"],
    ]);
    fx.expectNoTokens();
  });

  it("resumes an approval for a principal passed in context", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund");
    const { invoke } = guardedAgent(fx, scriptedChatModel(refund500.map((turn) => [...turn])));
    const config = { context: { principal: alice }, ...thread("approve-context") };

    const [pending] = pendingApprovals(await invoke(ask("refund o-7"), config));
    expect(pending?.request.requester).toEqual({ sub: "alice", tenant: "acme" });
    const approverToken = await fx.token("fin", "approvals:refunds");
    const done = await invoke(new Command({ resume: { decisions: [{ type: "approve" }], approverToken, requestId: pending!.request.id } }), config);

    expect(fx.ran).toEqual([{ tool: "refund_order", args: { orderId: "o-7", amount: 500 }, sub: "alice" }]);
    expect(done.messages.at(-1)?.content).toBe("done");
  });
});

describe("wardenMiddleware beside LangChain's own middleware", () => {
  it("works after summarizationMiddleware and modelRetryMiddleware, every attempt through the guard", async () => {
    const fx = setup({ models: { default: {}, summarizer: {} } });
    const alice = await fx.login("alice", "orders:read");
    const summarizer = scriptedChatModel(() => "SUMMARY: alice searched o-1");
    let failures = 1;
    const model = scriptedChatModel((messages) => {
      if (failures-- > 0) throw new Error("provider hiccup");
      return turnIndex(messages) === 0 ? [{ name: "search_orders", args: { query: "o-1" } }] : "done";
    });
    const { invoke } = guardedAgent(fx, model, {
      before: [
        summarizationMiddleware({ model: fx.warden.model(summarizer, "summarizer"), trigger: { messages: 5 }, keep: { messages: 2 } }),
        modelRetryMiddleware({ maxRetries: 2, initialDelayMs: 0, jitter: false }),
      ],
    });
    const config = fx.warden.config(alice, thread("beside"));

    const first = await invoke(ask("find o-1"), config);
    expect(first.messages.at(-1)?.content).toBe("done");
    expect(fx.sink.ofType("model.error").map((e) => e.target.name)).toEqual(["default"]);
    expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "o-1" }, sub: "alice" }]);

    const second = await invoke(ask("and o-2?"), config);
    expect(second.messages.at(-1)?.content).toBe("done");
    expect(summarizer.received.length).toBeGreaterThan(0);
    expect(JSON.stringify(model.received.at(-1))).toContain("SUMMARY: alice searched o-1");
    // The summarizer, guarded on its own, took the run's principal.
    const summaries = fx.sink.ofType("model.end").filter((e) => e.target.name === "summarizer");
    expect(summaries.map((e) => e.actor.sub)).toEqual(summarizer.received.map(() => "alice"));
    // Every attempt the provider saw (the failed one too) was admitted by the guard, and only those.
    const modelCalls = fx.sink.ofType("access.allowed").filter((e) => e.target.kind === "model" && e.target.name === "default");
    expect(modelCalls).toHaveLength(model.received.length);
    expect(model.received.length).toBeGreaterThanOrEqual(5);
  });
});

describe("wardenMiddleware: one compiled graph for every user", () => {
  it("serves 20 users at once, each with their own principal and tools", async () => {
    const fx = setup();
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.login(`user-${i}`, i % 2 === 1 ? "orders:read orders:refund" : "orders:read")));
    const model = scriptedChatModel((messages) => {
      const who = String(messages.find((m) => HumanMessage.isInstance(m))?.content);
      return turnIndex(messages) === 0
        ? [
            { name: "search_orders", args: { query: who } },
            { name: "refund_order", args: { orderId: who, amount: 5 } },
          ]
        : "done";
    });
    const { invoke } = guardedAgent(fx, model);

    // The first ten pass their principal in the config, the others in createAgent's context.
    const results = await Promise.all(
      users.map((user, i) => invoke(ask(user.sub), i < 10 ? fx.warden.config(user, thread(`many-${i}`)) : { context: { principal: user }, ...thread(`many-${i}`) })),
    );

    results.forEach((result, i) => {
      const replies = toolMessages(result.messages).map((m) => String(m.content));
      expect(replies[0]).toBe(`orders matching user-${i} for user-${i}`);
      expect(replies[1]).toBe(i % 2 === 1 ? `refunded 5 on user-${i}` : 'Access denied: you are not permitted to use the tool "refund_order".');
    });
    const searches = fx.ran.filter((r) => r.tool === "search_orders");
    expect(searches).toHaveLength(20);
    for (const run of searches) expect(run.sub).toBe(run.args.query);
    const refunds = fx.ran.filter((r) => r.tool === "refund_order");
    expect(refunds.map((r) => r.sub).sort()).toEqual(
      users
        .filter((_, i) => i % 2 === 1)
        .map((u) => u.sub)
        .sort(),
    );
    for (const run of refunds) expect(run.sub).toBe(run.args.orderId);
    expect(
      fx.sink
        .ofType("access.denied")
        .map((e) => e.actor.sub)
        .sort(),
    ).toEqual(
      users
        .filter((_, i) => i % 2 === 0)
        .map((u) => u.sub)
        .sort(),
    );
    const bound = model.boundTools.map((names) => names.join(","));
    expect(bound.filter((names) => names === "search_orders,refund_order")).toHaveLength(20);
    expect(bound.filter((names) => names === "search_orders")).toHaveLength(20);
    // Every event names the user whose run it belongs to.
    for (const event of fx.sink.ofType("tool.end")) expect(event.run?.threadId).toBe(`many-${event.actor.sub.slice("user-".length)}`);
  });
});

describe("wardenMiddleware: the principal in createAgent's context", () => {
  it("takes the principal from context", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([[{ name: "search_orders", args: { query: "o-1" } }]]);
    const { invoke } = guardedAgent(fx, model);

    const result = await invoke(ask("find o-1"), { context: { principal: alice }, ...thread("context") });

    expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "o-1" }, sub: "alice" }]);
    expect(result.messages.at(-1)?.content).toBe("done");
    expect(model.lastBoundTools).toEqual(["search_orders"]);
    expect(fx.sink.ofType("access.allowed").map((e) => [e.target.kind, e.actor.sub])).toEqual([
      ["model", "alice"],
      ["tool", "alice"],
      ["model", "alice"],
    ]);
  });

  it("refuses a look-alike principal in context, and one minted by another warden, and records both", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read orders:refund customers:delete");
    const lookAlike = Object.freeze({ ...alice });
    const otherIdp = createTestIdentity({ clock: fx.clock });
    const other = createWarden({ audit: { sink: memorySink() }, identity: otherIdp.identity, clock: fx.clock, policy: { tools: {} } });
    const foreign = await other.authenticate(await otherIdp.issue({ sub: "alice", scope: "orders:read", tenant: "acme" }));
    const model = scriptedChatModel([[{ name: "search_orders", args: { query: "o-1" } }]]);
    const { invoke } = guardedAgent(fx, model);

    for (const [i, principal] of [lookAlike, foreign].entries()) {
      const error = await rejection(invoke(ask("find o-1"), { context: { principal }, ...thread(`forged-${i}`) }));
      expect(rootCause(error)).toBeInstanceOf(MissingPrincipalError);
    }

    expect(model.received).toEqual([]);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.kind, e.actor.sub, e.reason])).toEqual([
      ["model", "anonymous", "the principal was not minted by this warden's verifier"],
      ["model", "anonymous", "the principal was not minted by this warden's verifier"],
    ]);
  });

  it("refuses a look-alike principal in context on a tool call the model already asked for", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const lookAlike = Object.freeze({ ...alice });
    const model = scriptedChatModel(["unused"]);
    const { agent } = guardedAgent(fx, model);
    // A thread whose last message asks for a tool: the run goes straight to the tools node.
    const config = { context: { principal: lookAlike }, ...thread("forged-tool") };
    await agent.updateState(
      config as never,
      { messages: [new HumanMessage("find"), new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "search_orders", args: { query: "o-1" } }] })] },
      "model_request",
    );

    const error = await rejection(agent.invoke(null as never, config as never));

    expect(rootCause(error)).toBeInstanceOf(MissingPrincipalError);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("access.denied").map((e) => [e.target.kind, e.target.name, e.reason])).toEqual([
      ["tool", "search_orders", "the principal was not minted by this warden's verifier"],
    ]);
  });

  it("refuses a run that carries two different principals", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const bob = await fx.login("bob", "orders:read");
    const model = scriptedChatModel(["hello"]);
    const { invoke } = guardedAgent(fx, model);

    const error = await rejection(invoke(ask("hi"), { ...fx.warden.config(alice, thread("two")), context: { principal: bob } }));

    expect(rootCause(error)).toBeInstanceOf(MissingPrincipalError);
    expect(model.received).toEqual([]);
    expect(fx.sink.ofType("access.denied").map((e) => e.reason)).toEqual(["the run carries two different principals (in its config and in its context)"]);
    // The same principal in both places is one principal.
    const same = await invoke(ask("hi"), { ...fx.warden.config(alice, thread("same")), context: { principal: alice } });
    expect(same.messages.at(-1)?.content).toBe("hello");
  });
});
