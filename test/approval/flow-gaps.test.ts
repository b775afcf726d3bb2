import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import {
  ApprovalInvalidError,
  type ApprovalRequest,
  type Approver,
  callbackApprover,
  createWarden,
  type PendingApproval,
  type Principal,
  pendingApprovals,
  type ToolRuleInput,
  type Warden,
} from "langchain-warden";
import { autoReject, createTestIdentity, fakeClock, memorySink, scriptedApprover } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

interface GraphResult {
  messages: BaseMessage[];
}

const DELETE_RULE: ToolRuleInput = {
  scopes: ["customers:delete"],
  risk: "destructive",
  approval: { approverScopes: ["approvals:customers"] },
};

/**
 * A warden (fake clock, memory sink) guarding `delete_customer`, which records
 * its runs; `alice` of tenant `acme` may call it, `mgr` and `mgr2` (acme) may
 * approve it.
 */
async function setup(options: { rule?: ToolRuleInput; approver?: Approver } = {}) {
  const clock = fakeClock(Date.UTC(2030, 0, 1));
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: { tenant: string | undefined; args: Record<string, unknown> }[] = [];
  const warden = createWarden({
    identity: idp.identity,
    clock,
    audit: { sink },
    policy: { tools: { delete_customer: options.rule ?? DELETE_RULE } },
    ...(options.approver ? { approvals: { approver: options.approver } } : {}),
  });
  const deleteCustomer = warden.tool(
    tool(async (args, config) => (ran.push({ tenant: (config.configurable?.__warden_principal as Principal | undefined)?.tenant, args }), `deleted ${args.id}`), {
      name: "delete_customer",
      description: "Delete a customer",
      schema: z.object({ id: z.string() }),
    }),
  );
  const token = (sub: string, scope: string, tenant = "acme") => idp.issue({ sub, scope, tenant });
  const alice = await warden.authenticate(await token("alice", "customers:delete"));
  return { clock, idp, sink, ran, warden, deleteCustomer, token, alice, graph: () => graphOf(warden, deleteCustomer) };
}

/** A ToolNode graph with its own MemorySaver, running `guarded` for `principal`. */
function graphOf(warden: Warden, guarded: ReturnType<Warden["tool"]>) {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode([guarded]))
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });
  return {
    /** The model asks for `calls` (id, args) in one message of `threadId`. */
    async ask(principal: Principal, threadId: string, calls: [string, Record<string, unknown>][]): Promise<GraphResult> {
      const input = { messages: [new AIMessage({ content: "", tool_calls: calls.map(([id, args]) => ({ id, name: "delete_customer", args })) })] };
      return (await graph.invoke(input, warden.config(principal, { configurable: { thread_id: threadId } }))) as GraphResult;
    },
    async resume(principal: Principal, threadId: string, resume: unknown): Promise<GraphResult> {
      return (await graph.invoke(new Command({ resume }), warden.config(principal, { configurable: { thread_id: threadId } }))) as GraphResult;
    },
  };
}

function onlyPending(result: unknown): PendingApproval {
  const pending = pendingApprovals(result);
  expect(pending).toHaveLength(1);
  return pending[0]!;
}

const answer = (request: ApprovalRequest, approverToken: string, decision: "approve" | "reject" = "approve") => ({ requestId: request.id, decision, approverToken });
const toolMessages = (result: GraphResult) => result.messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("request expiry against the clock skew", () => {
  it("accepts a request created up to the clock skew ahead of this instance's clock, and refuses one created further ahead", async () => {
    for (const [behindMs, accepted] of [
      [60_000, true],
      [60_001, false],
    ] as const) {
      const fx = await setup();
      const g = fx.graph();
      const pending = onlyPending(await g.ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
      // This instance's clock lags behind the one that raised the request.
      fx.clock.set(fx.clock.now() - behindMs);
      const mgr = await fx.token("mgr", "approvals:customers");
      const result = await g.resume(fx.alice, "t1", answer(pending.request, mgr));
      if (accepted) {
        expect(pendingApprovals(result)).toEqual([]);
        expect(fx.ran).toHaveLength(1);
      } else {
        onlyPending(result);
        expect(fx.ran).toEqual([]);
        expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["expired"]);
      }
    }
  });
});

describe("answers remembered across tenants", () => {
  it("an answer approved in one tenant, replayed into another tenant's identical call (same user id, thread and call id), is refused there", async () => {
    const fx = await setup();
    const globexAlice = await fx.warden.authenticate(await fx.token("alice", "customers:delete", "globex"));
    const acme = fx.graph();
    const globex = fx.graph();
    const acmeRequest = onlyPending(await acme.ask(fx.alice, "t1", [["c1", { id: "cus_1" }]])).request;
    const globexPending = onlyPending(await globex.ask(globexAlice, "t1", [["c1", { id: "cus_1" }]]));

    const approved = answer(acmeRequest, await fx.token("mgr", "approvals:customers"));
    await acme.resume(fx.alice, "t1", approved);
    expect(fx.ran).toEqual([{ tenant: "acme", args: { id: "cus_1" } }]);

    const replayed = await globex.resume(globexAlice, "t1", approved);
    expect(fx.ran).toHaveLength(1);
    expect(toolMessages(replayed)).toEqual([]);
    expect(onlyPending(replayed).interruptId).not.toBe(globexPending.interruptId);
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["wrong-request"]);

    // Globex's own approver still decides globex's request.
    const request = onlyPending(replayed).request;
    await globex.resume(globexAlice, "t1", answer(request, await fx.token("gmgr", "approvals:customers", "globex")));
    expect(fx.ran).toEqual([
      { tenant: "acme", args: { id: "cus_1" } },
      { tenant: "globex", args: { id: "cus_1" } },
    ]);
  });
});

describe("distinct decisions", () => {
  it("a second approved request for the same thread id, call id and arguments runs again", async () => {
    const fx = await setup();
    const mgr = await fx.token("mgr", "approvals:customers");
    for (const turn of [1, 2]) {
      // A fresh conversation store that reuses the thread id, as after a reset.
      const g = fx.graph();
      const pending = onlyPending(await g.ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
      fx.clock.advance(1_000);
      const done = await g.resume(fx.alice, "t1", answer(pending.request, mgr));
      expect(pendingApprovals(done)).toEqual([]);
      expect(fx.ran, `turn ${turn}`).toHaveLength(turn);
    }
    expect(fx.sink.ofType("approval.granted")).toHaveLength(2);
  });

  it("a reject after an approval by the same approver counts: the request is rejected", async () => {
    const fx = await setup({ rule: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], quorum: 2 } } });
    const g = fx.graph();
    const mgr = await fx.token("mgr", "approvals:customers");
    const first = onlyPending(await g.ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
    const second = onlyPending(await g.resume(fx.alice, "t1", answer(first.request, mgr)));
    expect(second.request.approvals).toEqual([{ sub: "mgr" }]);
    const done = await g.resume(fx.alice, "t1", answer(second.request, mgr, "reject"));
    expect(pendingApprovals(done)).toEqual([]);
    expect(fx.ran).toEqual([]);
    expect(toolMessages(done)[0]).toMatchObject({ status: "error" });
    expect(fx.sink.ofType("approval.invalid")).toEqual([]);
    expect(fx.sink.ofType("approval.rejected")).toEqual([
      expect.objectContaining({
        outcome: "denied",
        actor: { sub: "mgr", tenant: "acme" },
        reason: "rejected by an approver",
        data: { argsDigest: fx.warden.audit.digest(second.request.args), requestId: second.request.id },
      }),
    ]);
  });

  it("an approver holding only one of two approver scopes is refused", async () => {
    const fx = await setup({ rule: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers", "approvals:destructive"] } } });
    const g = fx.graph();
    const pending = onlyPending(await g.ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
    const again = onlyPending(await g.resume(fx.alice, "t1", answer(pending.request, await fx.token("mgr", "approvals:customers"))));
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["approver-scope"]);
    await g.resume(fx.alice, "t1", answer(again.request, await fx.token("boss", "approvals:customers approvals:destructive")));
    expect(fx.ran).toHaveLength(1);
  });
});

describe("what the audit log records", () => {
  it("a rejection replayed while a second call of the same node is decided is recorded once", async () => {
    const fx = await setup();
    const g = fx.graph();
    const mgr = await fx.token("mgr", "approvals:customers");
    const paused = await g.ask(fx.alice, "t1", [
      ["c1", { id: "cus_1" }],
      ["c2", { id: "cus_2" }],
    ]);
    // One request at a time: the node raises c2's request once c1 is answered.
    const first = onlyPending(paused);
    expect(first.request.toolCallId).toBe("c1");
    const second = onlyPending(await g.resume(fx.alice, "t1", answer(first.request, mgr, "reject")));
    expect(second.request.toolCallId).toBe("c2");
    // LangGraph runs the node again from its start: c1's rejection is replayed once more.
    const done = await g.resume(fx.alice, "t1", answer(second.request, mgr));
    expect(pendingApprovals(done)).toEqual([]);
    expect(fx.ran).toEqual([{ tenant: "acme", args: { id: "cus_2" } }]);
    expect(fx.sink.ofType("approval.rejected")).toHaveLength(1);
    expect(fx.sink.ofType("approval.granted")).toHaveLength(1);
  });

  it("a plain approval is recorded as approved, an edit as approved with edited arguments and both digests", async () => {
    const approver = scriptedApprover([
      { decision: "approve", approver: "ann" },
      { decision: "edit", approver: "ann", args: { id: "cus_2" } },
    ]);
    const fx = await setup({ approver, rule: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], allowEdit: true } } });
    await fx.deleteCustomer.invoke({ id: "cus_1" }, fx.warden.config(fx.alice));
    await fx.deleteCustomer.invoke({ id: "cus_1" }, fx.warden.config(fx.alice));
    expect(fx.ran.map((r) => r.args)).toEqual([{ id: "cus_1" }, { id: "cus_2" }]);
    const [plain, edited] = fx.sink.ofType("approval.granted");
    expect(plain).toMatchObject({ outcome: "success", reason: "approved", actor: { sub: "ann" } });
    expect(plain?.data).not.toHaveProperty("editedArgsDigest");
    expect(edited).toMatchObject({ reason: "approved with edited arguments", data: { argsDigest: plain?.data?.argsDigest } });
    expect(edited?.data?.editedArgsDigest).toMatch(/^hmac-sha256:/);
    expect(edited?.data?.editedArgsDigest).not.toBe(plain?.data?.argsDigest);
  });

  it("approval.requested is recorded when the graph is interrupted, and not when the approver fails otherwise", async () => {
    const failing: Approver = {
      kind: "interrupt",
      ask() {
        throw new Error("approval service down");
      },
    };
    const broken = await setup({ approver: failing });
    await expect(broken.deleteCustomer.invoke({ id: "cus_1" }, broken.warden.config(broken.alice))).rejects.toThrow("approval service down");
    expect(broken.ran).toEqual([]);
    expect(broken.sink.ofType("approval.requested")).toEqual([]);

    const fx = await setup();
    const { request } = onlyPending(await fx.graph().ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
    expect(fx.sink.ofType("approval.requested")).toEqual([
      expect.objectContaining({
        outcome: "pending",
        actor: { sub: "alice", tenant: "acme" },
        target: { kind: "approval", name: "delete_customer" },
        data: { argsDigest: fx.warden.audit.digest(request.args), expiresAt: request.expiresAt, quorum: 1, requestId: request.id },
      }),
    ]);
  });

  it("a timed-out answer is recorded as such, a rejection by an approver is not", async () => {
    const timedOut = await setup({ approver: callbackApprover(() => new Promise<never>(() => {}), { timeout: 20 }) });
    await timedOut.deleteCustomer.invoke({ id: "cus_1" }, timedOut.warden.config(timedOut.alice)).catch(() => undefined);
    expect(timedOut.sink.ofType("approval.rejected")).toEqual([expect.objectContaining({ actor: { sub: "warden" }, reason: "the approval timed out" })]);

    const rejected = await setup({ approver: autoReject() });
    await rejected.deleteCustomer.invoke({ id: "cus_1" }, rejected.warden.config(rejected.alice)).catch(() => undefined);
    expect(rejected.sink.ofType("approval.rejected")).toEqual([expect.objectContaining({ actor: { sub: "test-approver" }, reason: "rejected by an approver" })]);
    expect(timedOut.ran).toEqual([]);
    expect(rejected.ran).toEqual([]);
  });
});

describe("callback answers", () => {
  it("after three invalid answers the call is refused with the reason of the last one, and each retry tells why", async () => {
    const requests: ApprovalRequest[] = [];
    const answers: ((request: ApprovalRequest) => unknown)[] = [
      (request) => ({ requestId: request.id, decision: "approve" }),
      () => ({ requestId: "1.bogus", decision: "approve", approverToken: "x" }),
      (request) => ({ requestId: request.id, decision: "approve", approverToken: "not-a-token" }),
    ];
    const fx = await setup({
      approver: callbackApprover((request) => {
        requests.push(request);
        return answers[requests.length - 1]?.(request);
      }),
    });
    const error = await fx.deleteCustomer.invoke({ id: "cus_1" }, fx.warden.config(fx.alice)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalInvalidError);
    expect((error as ApprovalInvalidError).reason).toBe("approver-token");
    expect((error as ApprovalInvalidError).message).toBe("The approval decision was refused: the approver's token is not valid");
    expect(requests).toHaveLength(3);
    expect(requests[0]).not.toHaveProperty("refused");
    expect(requests[1]?.refused).toMatchObject({ code: "WARDEN_APPROVAL_INVALID", reason: "malformed" });
    expect(requests[2]?.refused).toMatchObject({ reason: "wrong-request", message: expect.stringContaining("does not answer this request") });
    expect(fx.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["malformed", "wrong-request", "approver-token"]);
    expect(fx.sink.ofType("approval.requested")).toHaveLength(3);
    expect(fx.ran).toEqual([]);
  });
});

describe("what approvers are shown", () => {
  it("the risk, the allowed decisions, the approver scopes, the quorum and the expiry of the request", async () => {
    const approver = scriptedApprover(["approve", "approve"]);
    const fx = await setup({
      approver,
      rule: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"], allowEdit: false, ttl: 120_000 } },
    });
    await fx.deleteCustomer.invoke({ id: "cus_1" }, fx.warden.config(fx.alice));
    const [request] = approver.requests;
    expect(request).toMatchObject({
      type: "warden.approval",
      tool: "delete_customer",
      args: { id: "cus_1" },
      requester: { sub: "alice", tenant: "acme" },
      risk: "destructive",
      allowedDecisions: ["approve", "reject"],
      approverScopes: ["approvals:customers"],
      quorum: 1,
      approvals: [],
      expiresAt: fx.clock.now() + 120_000,
    });
    // A call outside a graph has no thread and no tool call to show.
    expect(request).not.toHaveProperty("threadId");
    expect(request).not.toHaveProperty("toolCallId");

    const open = scriptedApprover(["approve"]);
    const other = await setup({ approver: open, rule: { scopes: ["customers:delete"], approval: { approverScopes: ["approvals:customers"], allowEdit: true } } });
    await other.deleteCustomer.invoke({ id: "cus_1" }, other.warden.config(other.alice));
    expect(open.requests[0]).not.toHaveProperty("risk");
    expect(open.requests[0]?.allowedDecisions).toEqual(["approve", "edit", "reject"]);
  });

  it("the thread and tool call of a request raised in a graph", async () => {
    const fx = await setup();
    const { request } = onlyPending(await fx.graph().ask(fx.alice, "t1", [["c1", { id: "cus_1" }]]));
    expect(request).toMatchObject({ threadId: "t1", toolCallId: "c1", reason: expect.any(String) });
  });
});
