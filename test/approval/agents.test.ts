import { createHash } from "node:crypto";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Command, type Interrupt, MemorySaver } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type Approver,
  callbackApprover,
  createWarden,
  type GuardedTool,
  pendingApprovals,
  type ToolRuleInput,
} from "langchain-warden";
import {
  autoApprove,
  autoReject,
  createTestIdentity,
  fakeClock,
  memorySink,
  resumePending,
  type ScriptedTurn,
  scriptedApprover,
  scriptedChatModel,
} from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

interface AgentResult {
  messages: BaseMessage[];
  __interrupt__?: Interrupt[];
}

const RULES: Record<string, ToolRuleInput> = {
  search_orders: { scopes: ["orders:read"] },
  delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } },
  refund_order: { scopes: ["orders:refund"], approval: { when: ({ args }) => Number(args.amount) > 100, approverScopes: ["approvals:refunds"] } },
};

/** `sha256:` digest of flat arguments (canonical JSON: keys sorted). */
function digestOf(args: Record<string, unknown>): string {
  const sorted = Object.fromEntries(
    Object.keys(args)
      .sort()
      .map((key) => [key, args[key]]),
  );
  return `sha256:${createHash("sha256").update(JSON.stringify(sorted)).digest("hex")}`;
}

/** Counts how often each tool is invoked (LangGraph re-executes a paused node from its start). */
class ToolStarts extends BaseCallbackHandler {
  name = "tool_starts";
  override awaitHandlers = true;
  readonly counts = new Map<string, number>();

  override handleToolStart(_tool: unknown, _input: string, _runId: string, _parentRunId?: string, _tags?: string[], _metadata?: Record<string, unknown>, runName?: string): void {
    const name = runName ?? "?";
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
}

/** A warden over three recording tools, with a fake clock and real test tokens. */
async function setup(approver?: Approver) {
  const clock = fakeClock(Date.UTC(2030, 0, 1));
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: { tool: string; args: Record<string, unknown> }[] = [];
  const warden = createWarden({
    identity: idp.identity,
    clock,
    audit: { sink },
    policy: { tools: RULES },
    ...(approver ? { approvals: { approver } } : {}),
  });
  const searchOrders = tool(async (args) => (ran.push({ tool: "search_orders", args }), `orders matching ${args.query}`), {
    name: "search_orders",
    description: "Search orders",
    schema: z.object({ query: z.string() }),
  });
  const deleteCustomer = tool(async (args) => (ran.push({ tool: "delete_customer", args }), `deleted ${args.id}`), {
    name: "delete_customer",
    description: "Delete a customer",
    schema: z.object({ id: z.string() }),
  });
  const refundOrder = tool(async (args) => (ran.push({ tool: "refund_order", args }), `refunded ${args.amount} on ${args.orderId}`), {
    name: "refund_order",
    description: "Refund an order",
    schema: z.object({ orderId: z.string(), amount: z.number() }),
  });
  const tokens: string[] = [];
  const token = async (sub: string, scope: string) => {
    const issued = await idp.issue({ sub, scope, tenant: "acme" });
    tokens.push(issued);
    return issued;
  };
  const alice = await warden.authenticate(await token("alice", "orders:read orders:refund customers:delete"));
  return {
    clock,
    sink,
    ran,
    warden,
    tokens,
    token,
    alice,
    tools: warden.tools([searchOrders, deleteCustomer, refundOrder]),
    config: (threadId: string, base: RunnableConfig = {}) => warden.config(alice, { ...base, configurable: { thread_id: threadId } }),
    /** No event holds any token minted in this test. */
    expectNoTokens() {
      const recorded = JSON.stringify(sink.events);
      for (const issued of tokens) expect(recorded).not.toContain(issued);
    },
  };
}

function langchainAgent(tools: GuardedTool[], turns: readonly ScriptedTurn[]) {
  const model = scriptedChatModel(turns);
  const agent = createAgent({ model, tools, checkpointer: new MemorySaver() });
  return {
    model,
    agent,
    async invoke(input: { messages: BaseMessage[] } | Command, config: RunnableConfig): Promise<AgentResult> {
      return (await agent.invoke(input as never, config)) as unknown as AgentResult;
    },
  };
}

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const toolMessages = (messages: readonly BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
/** A model turn that repeats the tool results it received. */
const echoResults: ScriptedTurn = (messages) =>
  `results: ${toolMessages(messages)
    .map((m) => String(m.content))
    .join(" | ")}`;

function approveWith(approverToken: string) {
  return (request: ApprovalRequest): ApprovalDecision => ({ requestId: request.id, decision: "approve", approverToken });
}

describe("prebuilt ToolNode: two approvals in one AIMessage", () => {
  it("raises one request at a time and runs each approved tool body exactly once across re-executions", async () => {
    const fx = await setup();
    const model = scriptedChatModel([
      [
        { name: "delete_customer", args: { id: "cus_1" }, id: "call_delete" },
        { name: "refund_order", args: { orderId: "o-7", amount: 500 }, id: "call_refund" },
      ],
      echoResults,
    ]);
    const agent = createReactAgent({ llm: model, tools: fx.tools, checkpointSaver: new MemorySaver() });
    const starts = new ToolStarts();
    const config = fx.config("react-two", { callbacks: [starts] });
    const invoke = async (input: unknown) => (await agent.invoke(input as never, config)) as unknown as AgentResult;

    const first = pendingApprovals(await invoke(ask("clean up")));
    expect(first.map((p) => p.request.tool)).toEqual(["delete_customer"]);
    expect(first[0]?.request.toolCallId).toBe("call_delete");
    expect(fx.ran).toEqual([]);

    const manager = await fx.token("mgr", "approvals:customers");
    const second = pendingApprovals(await invoke(new Command({ resume: approveWith(manager)(first[0]!.request) })));
    expect(second.map((p) => p.request.tool)).toEqual(["refund_order"]);
    expect(second[0]?.request.toolCallId).toBe("call_refund");
    expect(fx.ran.filter((r) => r.tool === "refund_order")).toEqual([]);

    const finance = await fx.token("fin", "approvals:refunds");
    const done = await invoke(new Command({ resume: approveWith(finance)(second[0]!.request) }));
    expect(pendingApprovals(done)).toEqual([]);

    // Each body ran exactly once, although the tools node ran three times. (The approved
    // delete_customer may finish while the node is already paused on the second request.)
    expect(fx.ran).toHaveLength(2);
    expect(fx.ran).toEqual(
      expect.arrayContaining([
        { tool: "delete_customer", args: { id: "cus_1" } },
        { tool: "refund_order", args: { orderId: "o-7", amount: 500 } },
      ]),
    );
    expect(starts.counts.get("delete_customer")).toBe(3);
    expect(starts.counts.get("refund_order")).toBe(3);

    const replies = toolMessages(done.messages);
    expect(replies.map((m) => [m.tool_call_id, m.status, m.content])).toEqual([
      ["call_delete", "success", "deleted cus_1"],
      ["call_refund", "success", "refunded 500 on o-7"],
    ]);
    expect(done.messages.at(-1)?.content).toBe("results: deleted cus_1 | refunded 500 on o-7");
    expect(fx.sink.ofType("approval.granted").map((e) => [e.actor.sub, e.target.name])).toEqual([
      ["mgr", "delete_customer"],
      ["fin", "refund_order"],
    ]);
    expect(
      fx.sink
        .ofType("tool.end")
        .map((e) => e.target.name)
        .sort(),
    ).toEqual(["delete_customer", "refund_order"]);
    expect(fx.sink.ofType("access.allowed")).toHaveLength(2);
    fx.expectNoTokens();
  });
});

describe("langchain createAgent: one task per tool call", () => {
  const twoDeletes: ScriptedTurn[] = [
    [
      { name: "delete_customer", args: { id: "cus_1" } },
      { name: "delete_customer", args: { id: "cus_2" } },
    ],
    echoResults,
  ];

  it("raises both requests at once and resumes them with resumePending()", async () => {
    const fx = await setup();
    const { invoke } = langchainAgent(fx.tools, twoDeletes);
    const config = fx.config("agent-two");
    const paused = await invoke(ask("delete both"), config);
    const pending = pendingApprovals(paused);
    expect(pending.map((p) => p.request.args)).toEqual([{ id: "cus_1" }, { id: "cus_2" }]);
    expect(new Set(pending.map((p) => p.interruptId)).size).toBe(2);
    expect(pending.map((p) => p.interruptId)).toEqual(paused.__interrupt__?.map((i) => i.id));
    expect(fx.sink.ofType("approval.requested")).toHaveLength(2);
    expect(fx.ran).toEqual([]);

    const manager = await fx.token("mgr", "approvals:customers");
    const decided: string[] = [];
    const command = await resumePending(paused, (request) => (decided.push(request.id), approveWith(manager)(request)));
    expect(command).toBeInstanceOf(Command);
    expect(decided).toEqual(pending.map((p) => p.request.id));
    const done = await invoke(command!, config);

    expect(pendingApprovals(done)).toEqual([]);
    // The two tasks run concurrently: each ran once, in either order.
    expect(fx.ran).toHaveLength(2);
    expect(fx.ran).toEqual(
      expect.arrayContaining([
        { tool: "delete_customer", args: { id: "cus_1" } },
        { tool: "delete_customer", args: { id: "cus_2" } },
      ]),
    );
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["deleted cus_1", "deleted cus_2"]);
    expect(done.messages.at(-1)?.content).toBe("results: deleted cus_1 | deleted cus_2");
    expect(
      fx.sink
        .ofType("approval.granted")
        .map((e) => e.data?.requestId)
        .sort(),
    ).toEqual(pending.map((p) => p.request.id).sort());
    expect(await resumePending(done, approveWith(manager))).toBeUndefined();
    fx.expectNoTokens();
  });

  it("resumes with a hand-built Command keyed by interrupt id, one request at a time", async () => {
    const fx = await setup();
    const { invoke } = langchainAgent(fx.tools, twoDeletes);
    const config = fx.config("agent-by-id");
    const paused = await invoke(ask("delete both"), config);
    const [one, two] = pendingApprovals(paused);
    const manager = await fx.token("mgr", "approvals:customers");

    // Answer only the second request: the first stays pending, nothing else runs.
    const half = await invoke(new Command({ resume: { [two!.interruptId]: approveWith(manager)(two!.request) } }), config);
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_2" } }]);
    const left = pendingApprovals(half);
    expect(left.map((p) => p.interruptId)).toEqual([one!.interruptId]);

    const done = await invoke(new Command({ resume: { [one!.interruptId]: approveWith(manager)(one!.request) } }), config);
    expect(fx.ran).toEqual([
      { tool: "delete_customer", args: { id: "cus_2" } },
      { tool: "delete_customer", args: { id: "cus_1" } },
    ]);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["deleted cus_1", "deleted cus_2"]);
    expect(done.messages.at(-1)?.content).toBe("results: deleted cus_1 | deleted cus_2");
  });

  it("refuses swapped answers (each decision names the other request) and raises both again", async () => {
    const fx = await setup();
    const { invoke } = langchainAgent(fx.tools, twoDeletes);
    const config = fx.config("agent-swapped");
    const paused = await invoke(ask("delete both"), config);
    const [one, two] = pendingApprovals(paused);
    const manager = await fx.token("mgr", "approvals:customers");
    const swapped = await invoke(
      new Command({ resume: { [one!.interruptId]: approveWith(manager)(two!.request), [two!.interruptId]: approveWith(manager)(one!.request) } }),
      config,
    );
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["wrong-request", "wrong-request"]);
    const again = pendingApprovals(swapped);
    expect(again.map((p) => p.request.args)).toEqual([{ id: "cus_1" }, { id: "cus_2" }]);
    const done = await invoke((await resumePending(swapped, approveWith(manager)))!, config);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["deleted cus_1", "deleted cus_2"]);
    expect(fx.ran).toHaveLength(2);
  });
});

describe("decisions reaching the agent", () => {
  it("turns a rejection into an error ToolMessage with the approver's message, and the model carries on", async () => {
    const fx = await setup();
    const { invoke, model } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const config = fx.config("agent-reject");
    const [pending] = pendingApprovals(await invoke(ask("delete cus_1"), config));
    const manager = await fx.token("mgr", "approvals:customers");
    const done = await invoke(
      new Command({ resume: { requestId: pending!.request.id, decision: "reject", approverToken: manager, message: "customer has open invoices" } }),
      config,
    );
    expect(fx.ran).toEqual([]);
    const [reply] = toolMessages(done.messages);
    expect(reply?.status).toBe("error");
    expect(reply?.content).toBe('The request to use the tool "delete_customer" was rejected: customer has open invoices.');
    expect(model.received).toHaveLength(2);
    expect(done.messages.at(-1)?.content).toBe(`results: ${String(reply?.content)}`);
    const [rejected] = fx.sink.ofType("approval.rejected");
    expect(rejected).toMatchObject({ outcome: "denied", actor: { sub: "mgr", tenant: "acme" }, data: { requestId: pending!.request.id } });
    expect(fx.sink.ofType("access.allowed")).toEqual([]);
    fx.expectNoTokens();
  });

  it("runs an edit with the edited arguments and records both digests", async () => {
    const fx = await setup();
    const { invoke } = langchainAgent(fx.tools, [[{ name: "refund_order", args: { orderId: "o-7", amount: 500 } }], echoResults]);
    const config = fx.config("agent-edit");
    const [pending] = pendingApprovals(await invoke(ask("refund o-7"), config));
    // Keyed: the plain SHA-256 of the arguments (what a guesser would compute) does not match it.
    expect(pending?.request.argsHash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(pending?.request.argsHash.slice("hmac-".length)).not.toBe(digestOf({ orderId: "o-7", amount: 500 }));
    const finance = await fx.token("fin", "approvals:refunds");
    const edited = { orderId: "o-7", amount: 150 };
    const done = await invoke(new Command({ resume: { requestId: pending!.request.id, decision: "edit", approverToken: finance, args: edited } }), config);

    expect(fx.ran).toEqual([{ tool: "refund_order", args: edited }]);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["refunded 150 on o-7"]);
    const [granted] = fx.sink.ofType("approval.granted");
    expect(granted).toMatchObject({
      actor: { sub: "fin" },
      reason: "approved with edited arguments",
      data: { argsDigest: fx.warden.audit.digest({ orderId: "o-7", amount: 500 }), editedArgsDigest: fx.warden.audit.digest(edited), requestId: pending!.request.id },
    });
    const [allowed] = fx.sink.ofType("access.allowed");
    expect(allowed?.data).toMatchObject({ argsDigest: fx.warden.audit.digest(edited), approval: pending!.request.id });
    expect(JSON.stringify(fx.sink.events)).not.toContain("o-7");
  });

  it("lets small refunds through without a request and stops large ones (approval `when`)", async () => {
    const fx = await setup();
    const { invoke } = langchainAgent(fx.tools, [[{ name: "refund_order", args: { orderId: "o-1", amount: 40 } }], echoResults]);
    const small = await invoke(ask("small refund"), fx.config("refund-small"));
    expect(pendingApprovals(small)).toEqual([]);
    expect(fx.ran).toEqual([{ tool: "refund_order", args: { orderId: "o-1", amount: 40 } }]);
    expect(fx.sink.ofType("approval.requested")).toEqual([]);
    expect(small.messages.at(-1)?.content).toBe("results: refunded 40 on o-1");

    const large = langchainAgent(fx.tools, [[{ name: "refund_order", args: { orderId: "o-2", amount: 4_000 } }], echoResults]);
    const paused = await large.invoke(ask("large refund"), fx.config("refund-large"));
    const [pending] = pendingApprovals(paused);
    expect(pending?.request).toMatchObject({ tool: "refund_order", args: { orderId: "o-2", amount: 4_000 }, approverScopes: ["approvals:refunds"] });
    expect(fx.ran).toHaveLength(1);
    expect(fx.sink.ofType("approval.requested")).toHaveLength(1);
  });
});

describe("callbackApprover", () => {
  it("approves with a real approver token, verified like a resume", async () => {
    let manager = "";
    const asked: ApprovalRequest[] = [];
    const fx = await setup(callbackApprover(async (request) => (asked.push(request), approveWith(manager)(request)), { timeout: 5_000 }));
    manager = await fx.token("mgr", "approvals:customers");
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("callback-approve"));
    expect(done.__interrupt__).toBeUndefined();
    expect(asked.map((r) => [r.tool, r.args, r.threadId])).toEqual([["delete_customer", { id: "cus_1" }, "callback-approve"]]);
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_1" } }]);
    expect(done.messages.at(-1)?.content).toBe("results: deleted cus_1");
    expect(fx.sink.ofType("approval.granted").map((e) => e.actor)).toEqual([{ sub: "mgr", tenant: "acme" }]);
    expect(fx.sink.events.map((e) => e.type).filter((t) => t.startsWith("approval."))).toEqual(["approval.requested", "approval.granted"]);
    fx.expectNoTokens();
  });

  it("rejects with the approver's message", async () => {
    let manager = "";
    const fx = await setup(callbackApprover((request) => ({ requestId: request.id, decision: "reject", approverToken: manager, message: "not now" })));
    manager = await fx.token("mgr", "approvals:customers");
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("callback-reject"));
    expect(fx.ran).toEqual([]);
    const [reply] = toolMessages(done.messages);
    expect(reply).toMatchObject({ status: "error", content: 'The request to use the tool "delete_customer" was rejected: not now.' });
    expect(fx.sink.ofType("approval.rejected").map((e) => e.actor.sub)).toEqual(["mgr"]);
  });

  it("rejects as warden when no answer comes within the timeout", async () => {
    const fx = await setup(callbackApprover(() => new Promise<never>(() => {}), { timeout: 25 }));
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("callback-timeout"));
    expect(fx.ran).toEqual([]);
    const [reply] = toolMessages(done.messages);
    expect(reply).toMatchObject({ status: "error", content: 'The request to use the tool "delete_customer" was rejected: the approval timed out.' });
    expect(done.messages.at(-1)?.content).toBe(`results: ${String(reply?.content)}`);
    const [rejected] = fx.sink.ofType("approval.rejected");
    expect(rejected).toMatchObject({ actor: { sub: "warden" }, reason: "the approval timed out", outcome: "denied" });
    expect(fx.sink.ofType("approval.granted")).toEqual([]);
    expect(fx.sink.ofType("access.allowed")).toEqual([]);
  });

  it("refuses an invalid callback answer and, after repeated refusals, refuses the call with ApprovalInvalidError", async () => {
    const fx = await setup(callbackApprover((request) => ({ requestId: request.id, decision: "approve", approverToken: "not-a-token" })));
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("callback-invalid"));
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["approver-token", "approver-token", "approver-token"]);
    expect(toolMessages(done.messages)[0]?.status).toBe("error");
    expect(String(toolMessages(done.messages)[0]?.content)).toContain("ApprovalInvalidError");
    expect(fx.sink.ofType("approval.rejected")).toEqual([]);
  });
});

describe("test doubles with createAgent", () => {
  it("autoApprove() approves as test-approver without an interrupt", async () => {
    const fx = await setup(autoApprove());
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("auto-approve"));
    expect(done.__interrupt__).toBeUndefined();
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_1" } }]);
    expect(fx.sink.ofType("approval.granted").map((e) => e.actor)).toEqual([{ sub: "test-approver" }]);
  });

  it('autoReject("no") rejects with its reason', async () => {
    const fx = await setup(autoReject("no"));
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    const done = await invoke(ask("delete cus_1"), fx.config("auto-reject"));
    expect(done.__interrupt__).toBeUndefined();
    expect(fx.ran).toEqual([]);
    expect(toolMessages(done.messages)[0]).toMatchObject({ status: "error", content: 'The request to use the tool "delete_customer" was rejected: no.' });
    expect(fx.sink.ofType("approval.rejected").map((e) => e.actor)).toEqual([{ sub: "test-approver" }]);
  });

  it("scriptedApprover() answers in order: approve, edit, reject, then rejects", async () => {
    const approver = scriptedApprover(["approve", { decision: "edit", approver: "lead", args: { id: "cus_9" } }, { decision: "reject", message: "enough" }]);
    const fx = await setup(approver);
    const { invoke } = langchainAgent(fx.tools, [
      [{ name: "delete_customer", args: { id: "cus_1" } }],
      [{ name: "delete_customer", args: { id: "cus_2" } }],
      [{ name: "delete_customer", args: { id: "cus_3" } }],
      [{ name: "delete_customer", args: { id: "cus_4" } }],
      echoResults,
    ]);
    const done = await invoke(ask("delete four"), fx.config("scripted"));
    expect(done.__interrupt__).toBeUndefined();
    expect(approver.requests.map((r) => r.args)).toEqual([{ id: "cus_1" }, { id: "cus_2" }, { id: "cus_3" }, { id: "cus_4" }]);
    expect(fx.ran).toEqual([
      { tool: "delete_customer", args: { id: "cus_1" } },
      { tool: "delete_customer", args: { id: "cus_9" } },
    ]);
    expect(toolMessages(done.messages).map((m) => [m.status, m.content])).toEqual([
      ["success", "deleted cus_1"],
      ["success", "deleted cus_9"],
      ["error", 'The request to use the tool "delete_customer" was rejected: enough.'],
      ["error", 'The request to use the tool "delete_customer" was rejected.'],
    ]);
    expect(fx.sink.ofType("approval.granted").map((e) => e.actor.sub)).toEqual(["test-approver", "lead"]);
  });

  it("scriptedApprover() verifies a decision that carries a real approver token", async () => {
    let clerk = "";
    const approver = scriptedApprover([(request) => ({ requestId: request.id, decision: "approve", approverToken: clerk })]);
    const fx = await setup(approver);
    clerk = await fx.token("clerk", "orders:read");
    const { invoke } = langchainAgent(fx.tools, [[{ name: "delete_customer", args: { id: "cus_1" } }], echoResults]);
    await invoke(ask("delete cus_1"), fx.config("scripted-token"));
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.invalid")[0]?.data?.code).toBe("approver-scope");
  });

  it("never asks an approver for calls that need no approval", async () => {
    const approver = scriptedApprover([]);
    const fx = await setup(approver);
    const { invoke } = langchainAgent(fx.tools, [[{ name: "search_orders", args: { query: "4242" } }], echoResults]);
    await invoke(ask("find 4242"), fx.config("no-approval"));
    expect(approver.requests).toEqual([]);
    expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "4242" } }]);
  });
});

describe("pendingApprovals() on a state snapshot", () => {
  it("lists the pending requests of a paused thread, and nothing once it is answered", async () => {
    const fx = await setup();
    const { invoke, agent } = langchainAgent(fx.tools, [
      [
        { name: "delete_customer", args: { id: "cus_1" } },
        { name: "refund_order", args: { orderId: "o-3", amount: 900 } },
        { name: "search_orders", args: { query: "o-3" } },
      ],
      echoResults,
    ]);
    const config = fx.config("snapshot");
    const paused = await invoke(ask("do three things"), config);
    const fromSnapshot = pendingApprovals(await agent.graph.getState(config));
    expect(fromSnapshot.map((p) => [p.request.tool, p.request.args])).toEqual([
      ["delete_customer", { id: "cus_1" }],
      ["refund_order", { orderId: "o-3", amount: 900 }],
    ]);
    expect(fromSnapshot).toEqual(pendingApprovals(paused));
    expect(fromSnapshot.every((p) => p.request.type === "warden.approval" && p.request.requester.sub === "alice")).toBe(true);
    expect(fx.ran).toEqual([{ tool: "search_orders", args: { query: "o-3" } }]);

    const decide = async (request: ApprovalRequest) =>
      approveWith(await fx.token(request.tool === "refund_order" ? "fin" : "mgr", request.tool === "refund_order" ? "approvals:refunds" : "approvals:customers"))(request);
    const done = await invoke((await resumePending(await agent.graph.getState(config), decide))!, config);
    expect(pendingApprovals(await agent.graph.getState(config))).toEqual([]);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["deleted cus_1", "refunded 900 on o-3", "orders matching o-3"]);
    // The two approved calls are separate tasks that run concurrently: their order is not fixed.
    expect(fx.ran[0]?.tool).toBe("search_orders");
    expect(
      fx.ran
        .slice(1)
        .map((r) => r.tool)
        .sort(),
    ).toEqual(["delete_customer", "refund_order"]);
    fx.expectNoTokens();
  });

  it("leaves out interrupts that are not Warden approvals", () => {
    const snapshot = {
      tasks: [
        { interrupts: [{ id: "a", value: { ask: "confirm" } }] },
        {
          interrupts: [
            { id: "b", value: { type: "warden.approval", id: "req" } },
            { id: "b", value: { type: "warden.approval", id: "req" } },
          ],
        },
      ],
    };
    expect(pendingApprovals(snapshot).map((p) => p.interruptId)).toEqual(["b"]);
    expect(pendingApprovals(undefined)).toEqual([]);
    expect(pendingApprovals({ __interrupt__: "nope" })).toEqual([]);
  });
});
