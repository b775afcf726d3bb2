import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { type ApprovalRequest, type AuditEvent, type AuditSink, createWarden, type PendingApproval, pendingApprovals, type ToolRuleInput } from "langchain-warden";
import { createTestIdentity, fakeClock, type IssueOptions, type MemorySink, memorySink } from "langchain-warden/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

interface GraphResult {
  messages: BaseMessage[];
}

const DELETE_RULE: ToolRuleInput = {
  scopes: ["customers:delete"],
  risk: "destructive",
  approval: { approverScopes: ["approvals:customers"] },
};

/** Every fixture of the running test: checked for leaked approver tokens afterwards. */
const fixtures: { sink: MemorySink; tokens: string[] }[] = [];

afterEach(() => {
  for (const fx of fixtures.splice(0)) {
    const recorded = JSON.stringify(fx.sink.events);
    for (const token of fx.tokens) expect(recorded).not.toContain(token);
    // Neither the signature alone nor the payload segment of a token reaches the log.
    for (const token of fx.tokens) for (const part of token.split(".").slice(1)) expect(recorded).not.toContain(part);
  }
});

/**
 * A ToolNode graph behind a warden with a fake clock: `delete_customer` (and
 * `wipe_tenant`, never approvable by an edit of another tool) record their
 * runs. The requester `alice` belongs to tenant `acme`; `mgr` and `mgr2` are
 * approvers of the same tenant.
 */
async function setup(rules: Record<string, ToolRuleInput> = { delete_customer: DELETE_RULE }, options: { writeDelayMs?: number } = {}) {
  const clock = fakeClock(Date.UTC(2030, 0, 1));
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  // A sink that takes its time, as a file or a database does.
  const delay = options.writeDelayMs;
  const auditSink: AuditSink = delay === undefined ? sink : { write: async (event) => (await new Promise((resolve) => setTimeout(resolve, delay)), sink.write(event)) };
  const ran: { tool: string; args: Record<string, unknown> }[] = [];
  const tokens: string[] = [];
  const warden = createWarden({ identity: idp.identity, clock, audit: { sink: auditSink }, policy: { tools: rules } });
  const deleteCustomer = tool(async (args) => (ran.push({ tool: "delete_customer", args }), `deleted ${args.id}`), {
    name: "delete_customer",
    description: "Delete a customer",
    schema: z.object({ id: z.string() }),
  });
  const wipeTenant = tool(async (args) => (ran.push({ tool: "wipe_tenant", args }), `wiped ${args.id}`), {
    name: "wipe_tenant",
    description: "Wipe a tenant",
    schema: z.object({ id: z.string() }),
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode(warden.tools([deleteCustomer, wipeTenant])))
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });

  const token = async (sub: string, scope: string, extra: Record<string, unknown> = { tenant: "acme" }, options?: IssueOptions) => {
    const issued = await idp.issue({ sub, scope, ...extra }, options);
    tokens.push(issued);
    return issued;
  };
  const alice = await warden.authenticate(await token("alice", "customers:delete"));
  const configFor = (threadId: string) => warden.config(alice, { configurable: { thread_id: threadId } });
  const fx = {
    clock,
    idp,
    sink,
    ran,
    tokens,
    warden,
    graph,
    alice,
    token,
    configFor,
    mgr: await token("mgr", "approvals:customers"),
    mgr2: await token("mgr2", "approvals:customers"),
    /** The model asks for one tool call in `threadId`. */
    async ask(threadId: string, callId: string, args: Record<string, unknown>, name = "delete_customer"): Promise<GraphResult> {
      const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: callId, name, args }] })] };
      return (await graph.invoke(input, configFor(threadId))) as GraphResult;
    },
    /** Resumes `threadId` with `resume`. */
    async resume(threadId: string, resume: unknown): Promise<GraphResult> {
      return (await graph.invoke(new Command({ resume }), configFor(threadId))) as GraphResult;
    },
  };
  fixtures.push(fx);
  return fx;
}

type Fixture = Awaited<ReturnType<typeof setup>>;

const approve = (request: ApprovalRequest, approverToken: string) => ({ requestId: request.id, decision: "approve", approverToken });

/** The single pending approval of a result. */
function onlyPending(result: unknown): PendingApproval {
  const pending = pendingApprovals(result);
  expect(pending).toHaveLength(1);
  return pending[0]!;
}

function lastToolMessage(result: GraphResult): ToolMessage | undefined {
  return result.messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).at(-1);
}

const invalidCodes = (fx: Fixture) => fx.sink.ofType("approval.invalid").map((e) => e.data?.code);

/**
 * The answer was refused and recorded with `code`, nothing ran and nothing
 * was granted, and the request is pending again under a new interrupt.
 */
function expectRefused(fx: Fixture, result: GraphResult, code: string, previous: PendingApproval): PendingApproval {
  const invalid = fx.sink.ofType("approval.invalid").at(-1);
  expect(invalid).toMatchObject({ outcome: "denied", target: { kind: "approval", name: previous.request.tool }, data: { code } });
  expect(fx.ran).toEqual([]);
  expect(fx.sink.ofType("approval.granted")).toEqual([]);
  expect(fx.sink.ofType("access.allowed")).toEqual([]);
  expect(result.messages.filter((m) => ToolMessage.isInstance(m) && m.tool_call_id === previous.request.toolCallId)).toEqual([]);
  const again = onlyPending(result);
  expect(again.interruptId).not.toBe(previous.interruptId);
  expect(again.request).toMatchObject({ tool: previous.request.tool, args: previous.request.args, argsHash: previous.request.argsHash });
  return again;
}

/** A valid decision on the raised-again request still works: the tool runs once. */
async function expectRecovers(fx: Fixture, threadId: string, pending: PendingApproval, approverToken = fx.mgr): Promise<GraphResult> {
  const before = fx.ran.length;
  const done = await fx.resume(threadId, approve(pending.request, approverToken));
  expect(pendingApprovals(done)).toEqual([]);
  expect(fx.ran.slice(before)).toEqual([{ tool: pending.request.tool, args: pending.request.args }]);
  expect(lastToolMessage(done)?.content).toBe(`deleted ${String(pending.request.args.id)}`);
  return done;
}

function grantedRequestIds(events: readonly AuditEvent[]): unknown[] {
  return events.filter((e) => e.type === "approval.granted").map((e) => e.data?.requestId);
}

describe("replayed and misdirected decisions", () => {
  it("refuses a decision replayed into an identical request of another thread or a second identical call", async () => {
    const fx = await setup();
    const first = onlyPending(await fx.ask("thread-a", "c1", { id: "cus_1" }));
    const decision = approve(first.request, fx.mgr);
    await fx.resume("thread-a", decision);
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_1" } }]);
    fx.ran.length = 0;
    fx.sink.clear();

    // Same tool, same arguments, same tool call id: only the thread differs.
    const inB = onlyPending(await fx.ask("thread-b", "c1", { id: "cus_1" }));
    expect(inB.request.argsHash).toBe(first.request.argsHash);
    const replayedInB = await fx.resume("thread-b", decision);
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    expect(fx.sink.ofType("approval.invalid")[0]?.data?.requestId).toBe(first.request.id);
    await expectRecovers(fx, "thread-b", expectRefused(fx, replayedInB, "wrong-request", inB));
    fx.ran.length = 0;
    fx.sink.clear();

    // A second identical call in thread A.
    const secondInA = onlyPending(await fx.ask("thread-a", "c2", { id: "cus_1" }));
    const replayedInA = await fx.resume("thread-a", decision);
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    await expectRecovers(fx, "thread-a", expectRefused(fx, replayedInA, "wrong-request", secondInA));
  });

  it("refuses a decision for another thread's request", async () => {
    const fx = await setup();
    const inA = onlyPending(await fx.ask("thread-a", "c1", { id: "cus_a" }));
    const inB = onlyPending(await fx.ask("thread-b", "c1", { id: "cus_b" }));
    const crossed = await fx.resume("thread-a", approve(inB.request, fx.mgr));
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    const again = expectRefused(fx, crossed, "wrong-request", inA);
    expect(again.request.threadId).toBe("thread-a");
    await expectRecovers(fx, "thread-a", again);
    // Thread B's own request is untouched and still answerable.
    const doneB = await fx.resume("thread-b", approve(inB.request, fx.mgr));
    expect(lastToolMessage(doneB)?.content).toBe("deleted cus_b");
    expect(fx.ran.map((r) => r.args.id)).toEqual(["cus_a", "cus_b"]);
  });

  it("refuses a well-formed request id that is not pending", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const [stamp, keyId] = pending.request.id.split(".");
    const unknown = await fx.resume("t", { requestId: `${stamp}.${keyId}.${"A".repeat(32)}`, decision: "approve", approverToken: fx.mgr });
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    await expectRecovers(fx, "t", expectRefused(fx, unknown, "wrong-request", pending));
  });
});

describe("expiry, identity and authority of the approver", () => {
  it("refuses a decision after the request expired, and raises it again with a fresh expiry", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    expect(pending.request.expiresAt).toBe(fx.clock.now() + 300_000);
    fx.clock.advance(300_001);
    const late = await fx.resume("t", approve(pending.request, fx.mgr));
    expect(invalidCodes(fx)).toEqual(["expired"]);
    const again = expectRefused(fx, late, "expired", pending);
    expect(again.request.expiresAt).toBe(fx.clock.now() + 300_000);
    await expectRecovers(fx, "t", again);
  });

  it("honours a custom ttl to the millisecond", async () => {
    const fx = await setup({ delete_customer: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], ttl: "90s" } } });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    expect(pending.request.expiresAt).toBe(fx.clock.now() + 90_000);
    fx.clock.advance(90_000);
    await expectRecovers(fx, "t", pending);
  });

  it("refuses the requester approving their own request", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const aliceAsApprover = await fx.token("alice", "customers:delete approvals:customers");
    const self = await fx.resume("t", approve(pending.request, aliceAsApprover));
    expect(invalidCodes(fx)).toEqual(["self-approval"]);
    expect(fx.sink.ofType("approval.invalid")[0]?.actor).toEqual({ sub: "alice", tenant: "acme" });
    await expectRecovers(fx, "t", expectRefused(fx, self, "self-approval", pending));
  });

  it("lets the requester approve their own request when the rule says selfApproval: true", async () => {
    const fx = await setup({ delete_customer: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], selfApproval: true } } });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const aliceAsApprover = await fx.token("alice", "customers:delete approvals:customers");
    await expectRecovers(fx, "t", pending, aliceAsApprover);
    expect(fx.sink.ofType("approval.granted").map((e) => e.actor)).toEqual([{ sub: "alice", tenant: "acme" }]);
    expect(fx.sink.ofType("approval.invalid")).toEqual([]);
  });

  it("refuses a forged approver token, an expired one and one from another issuer", async () => {
    const fx = await setup();
    let pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));

    const [header, payload, signature] = fx.mgr.split(".") as [string, string, string];
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === "A" ? "B" : "A";
    const forged = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    fx.tokens.push(forged);
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, forged)), "approver-token", pending);

    // A payload granting more, re-signed by nobody.
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const escalated = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: "ceo" })).toString("base64url")}.${signature}`;
    fx.tokens.push(escalated);
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, escalated)), "approver-token", pending);

    const expired = await fx.token("mgr", "approvals:customers", { tenant: "acme" }, { expiresIn: -60 });
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, expired)), "approver-token", pending);

    const otherIdp = createTestIdentity({ clock: fx.clock });
    const foreign = await otherIdp.issue({ sub: "mgr", scope: "approvals:customers", tenant: "acme" });
    fx.tokens.push(foreign);
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, foreign)), "approver-token", pending);

    expect(invalidCodes(fx)).toEqual(["approver-token", "approver-token", "approver-token", "approver-token"]);
    // The approver is unknown when the token does not verify.
    expect(fx.sink.ofType("approval.invalid").map((e) => e.actor)).toEqual(Array(4).fill({ sub: "anonymous" }));
    await expectRecovers(fx, "t", pending);
  });

  it("refuses an approver token that expired while the request waited", async () => {
    const fx = await setup();
    const shortLived = await fx.token("mgr", "approvals:customers", { tenant: "acme" }, { expiresIn: 60 });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    fx.clock.advance(120_000);
    const late = await fx.resume("t", approve(pending.request, shortLived));
    await expectRecovers(fx, "t", expectRefused(fx, late, "approver-token", pending));
  });

  it("refuses an approver without the approver scope", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const clerk = await fx.token("clerk", "customers:delete approvals:orders");
    const result = await fx.resume("t", approve(pending.request, clerk));
    expect(invalidCodes(fx)).toEqual(["approver-scope"]);
    expect(fx.sink.ofType("approval.invalid")[0]?.actor).toEqual({ sub: "clerk", tenant: "acme" });
    await expectRecovers(fx, "t", expectRefused(fx, result, "approver-scope", pending));
  });

  it("refuses a rejection from an approver without the scope (nobody can veto without authority)", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const clerk = await fx.token("clerk", "customers:delete");
    const result = await fx.resume("t", { requestId: pending.request.id, decision: "reject", approverToken: clerk, message: "no" });
    expect(fx.sink.ofType("approval.rejected")).toEqual([]);
    await expectRecovers(fx, "t", expectRefused(fx, result, "approver-scope", pending));
  });

  it("refuses an approver from another tenant, and one with no tenant", async () => {
    const fx = await setup();
    let pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const globex = await fx.token("boss", "approvals:customers", { tenant: "globex" });
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, globex)), "other-tenant", pending);
    const tenantless = await fx.token("root", "approvals:customers", {});
    pending = expectRefused(fx, await fx.resume("t", approve(pending.request, tenantless)), "other-tenant", pending);
    expect(invalidCodes(fx)).toEqual(["other-tenant", "other-tenant"]);
    expect(fx.sink.ofType("approval.invalid")[0]?.actor).toEqual({ sub: "boss", tenant: "globex" });
    await expectRecovers(fx, "t", pending);
  });

  it("refuses an approver of some tenant when the requester has none", async () => {
    const fx = await setup();
    const nobody = await fx.warden.authenticate(await fx.token("solo", "customers:delete", {}));
    const config = fx.warden.config(nobody, { configurable: { thread_id: "solo" } });
    const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id: "cus_1" } }] })] };
    const pending = onlyPending(await fx.graph.invoke(input, config));
    const result = await fx.graph.invoke(new Command({ resume: approve(pending.request, fx.mgr) }), config);
    expect(pendingApprovals(result)[0]?.request.refused?.reason).toBe("other-tenant");
    expect(invalidCodes(fx)).toEqual(["other-tenant"]);
    expect(fx.ran).toEqual([]);
  });
});

describe("arguments changed between the request and the decision", () => {
  it("never runs the tool with arguments the approver did not see when the state is rewritten before resuming", async () => {
    const fx = await setup();
    const config = fx.configFor("t");
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const before = await fx.graph.getState(config);
    const asked = before.values.messages.at(-1) as AIMessage;
    expect(pendingApprovals(before)).toHaveLength(1);

    // Same message id: the messages reducer replaces the pending tool call's arguments.
    await fx.graph.updateState(config, {
      messages: [new AIMessage({ id: asked.id!, content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id: "cus_everyone" } }] })],
    });
    const rewritten = await fx.graph.getState(config);
    // LangGraph keeps the tools node scheduled but drops the interrupt from the new checkpoint.
    expect(rewritten.next).toEqual(["tools"]);
    expect(pendingApprovals(rewritten)).toEqual([]);
    expect((rewritten.values.messages.at(-1) as AIMessage).tool_calls?.[0]?.args).toEqual({ id: "cus_everyone" });

    // The resume value still reaches the re-run node, which now holds other arguments: refused.
    const result = await fx.resume("t", approve(pending.request, fx.mgr));
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.granted")).toEqual([]);
    const again = onlyPending(result);
    expect(again.request.args).toEqual({ id: "cus_everyone" });
    expect(again.request.argsHash).not.toBe(pending.request.argsHash);

    // Rejecting the rewritten call leaves the tool unrun for good.
    const rejected = await fx.resume("t", { requestId: again.request.id, decision: "reject", approverToken: fx.mgr, message: "not what I approved" });
    expect(fx.ran).toEqual([]);
    expect(lastToolMessage(rejected)).toMatchObject({ status: "error", tool_call_id: "c1" });
    expect(String(lastToolMessage(rejected)?.content)).toContain("not what I approved");
    expect(grantedRequestIds(fx.sink.events)).toEqual([]);
  });

  it("runs only the arguments shown in the request an approver actually approved", async () => {
    const fx = await setup();
    const config = fx.configFor("t");
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const asked = (await fx.graph.getState(config)).values.messages.at(-1) as AIMessage;
    await fx.graph.updateState(config, {
      messages: [new AIMessage({ id: asked.id!, content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id: "cus_2" } }] })],
    });
    const result = await fx.resume("t", approve(pending.request, fx.mgr));
    expect(invalidCodes(fx)).toEqual(["wrong-request"]);
    expect(fx.ran).toEqual([]);
    const again = onlyPending(result);
    expect(again.request.args).toEqual({ id: "cus_2" });
    await expectRecovers(fx, "t", again);
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_2" } }]);
    expect(fx.sink.ofType("access.allowed").map((e) => e.data?.argsDigest)).toEqual([fx.warden.audit.digest(again.request.args)]);
  });
});

describe("resuming when nothing is pending", () => {
  it("does nothing for a thread that never paused", async () => {
    const fx = await setup();
    const result = await fx.resume("never-started", { requestId: "x.y", decision: "approve", approverToken: fx.mgr });
    expect(result.messages).toEqual([]);
    expect(pendingApprovals(result)).toEqual([]);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.events).toEqual([]);
  });

  it("does not run an approved call again when a finished thread is resumed with the same decision", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const decision = approve(pending.request, fx.mgr);
    const done = await fx.resume("t", decision);
    const recorded = fx.sink.events.length;
    const again = await fx.resume("t", decision);
    expect(again.messages.map((m) => m.content)).toEqual(done.messages.map((m) => m.content));
    expect(pendingApprovals(again)).toEqual([]);
    expect(fx.ran).toHaveLength(1);
    expect(fx.sink.events).toHaveLength(recorded);
    expect(fx.sink.ofType("approval.granted")).toHaveLength(1);
  });

  it("leaves the request pending when the resume map names an interrupt that is not pending", async () => {
    const fx = await setup();
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const result = await fx.resume("t", { ["0".repeat(32)]: approve(pending.request, fx.mgr) });
    // LangGraph hands the node no answer: the interrupt is raised again under the same id.
    const still = onlyPending(result);
    expect(still.interruptId).toBe(pending.interruptId);
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.granted")).toEqual([]);
    expect(fx.sink.ofType("approval.invalid")).toEqual([]);
    expect(fx.sink.ofType("approval.requested")).toHaveLength(2);
    await expectRecovers(fx, "t", still);
  });
});

describe("malformed and out-of-policy edits", () => {
  it("refuses an edit that names another tool (extra keys) as malformed", async () => {
    const fx = await setup({ delete_customer: DELETE_RULE, wipe_tenant: { scopes: ["customers:delete"] } });
    let pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const base = { requestId: pending.request.id, decision: "edit", approverToken: fx.mgr, args: { id: "acme" } };
    pending = expectRefused(fx, await fx.resume("t", { ...base, tool: "wipe_tenant" }), "malformed", pending);
    pending = expectRefused(fx, await fx.resume("t", { ...base, requestId: pending.request.id, name: "wipe_tenant" }), "malformed", pending);
    pending = expectRefused(fx, await fx.resume("t", { ...base, requestId: pending.request.id, decision: "switch" }), "malformed", pending);
    // `args` only belongs to an edit.
    pending = expectRefused(fx, await fx.resume("t", { ...base, requestId: pending.request.id, decision: "approve" }), "malformed", pending);
    // An edit without arguments.
    pending = expectRefused(fx, await fx.resume("t", { requestId: pending.request.id, decision: "edit", approverToken: fx.mgr }), "malformed", pending);
    pending = expectRefused(fx, await fx.resume("t", "yes"), "malformed", pending);
    expect(invalidCodes(fx)).toEqual(Array(6).fill("malformed"));
    expect(fx.ran).toEqual([]);
    await expectRecovers(fx, "t", pending);
    expect(fx.ran.map((r) => r.tool)).toEqual(["delete_customer"]);
  });

  it("re-checks an edit against the requester's deny patterns and condition, and the tool's schema", async () => {
    const fx = await setup({
      delete_customer: {
        ...DELETE_RULE,
        deny: { args: [/"id":"admin/] },
        when: ({ args }) => String(args.id).startsWith("cus_") || "only customer ids",
      },
    });
    let pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const edit = (args: Record<string, unknown>) => ({ requestId: pending.request.id, decision: "edit", approverToken: fx.mgr, args });
    pending = expectRefused(fx, await fx.resume("t", edit({ id: "admin-1" })), "edit-policy", pending);
    pending = expectRefused(fx, await fx.resume("t", edit({ id: "usr_1" })), "edit-policy", pending);
    pending = expectRefused(fx, await fx.resume("t", edit({ id: 42 })), "edit-schema", pending);
    pending = expectRefused(fx, await fx.resume("t", edit({})), "edit-schema", pending);
    expect(invalidCodes(fx)).toEqual(["edit-policy", "edit-policy", "edit-schema", "edit-schema"]);
    expect(fx.sink.ofType("approval.invalid").every((e) => e.actor.sub === "mgr")).toBe(true);
    // A valid edit still goes through.
    const done = await fx.resume("t", edit({ id: "cus_2" }));
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_2" } }]);
    expect(lastToolMessage(done)?.content).toBe("deleted cus_2");
  });

  it("refuses an edit when the rule says allowEdit: false", async () => {
    const fx = await setup({ delete_customer: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], allowEdit: false } } });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    expect(pending.request.allowedDecisions).toEqual(["approve", "reject"]);
    const result = await fx.resume("t", { requestId: pending.request.id, decision: "edit", approverToken: fx.mgr, args: { id: "cus_2" } });
    expect(invalidCodes(fx)).toEqual(["edit-not-allowed"]);
    await expectRecovers(fx, "t", expectRefused(fx, result, "edit-not-allowed", pending));
  });
});

describe("quorum", () => {
  it("counts an approver once, and runs once when a second distinct approver agrees", async () => {
    const fx = await setup({ delete_customer: { ...DELETE_RULE, approval: { approverScopes: ["approvals:customers"], quorum: 2 } } });
    const first = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    expect(first.request).toMatchObject({ quorum: 2, approvals: [] });

    const afterOne = await fx.resume("t", approve(first.request, fx.mgr));
    expect(fx.ran).toEqual([]);
    const second = onlyPending(afterOne);
    expect(second.request).toMatchObject({ quorum: 2, approvals: [{ sub: "mgr" }] });
    expect(fx.sink.ofType("approval.granted").map((e) => [e.actor.sub, e.data?.approvals])).toEqual([["mgr", 1]]);

    // The same approver again, even with a fresh token: refused.
    const mgrAgain = await fx.token("mgr", "approvals:customers");
    const twice = await fx.resume("t", approve(second.request, mgrAgain));
    expect(invalidCodes(fx)).toEqual(["duplicate-approver"]);
    expect(fx.ran).toEqual([]);
    const third = onlyPending(twice);
    expect(third.interruptId).not.toBe(second.interruptId);
    expect(third.request.approvals).toEqual([{ sub: "mgr" }]);

    const done = await fx.resume("t", approve(third.request, fx.mgr2));
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_1" } }]);
    expect(lastToolMessage(done)?.content).toBe("deleted cus_1");
    expect(pendingApprovals(done)).toEqual([]);
    expect(fx.sink.ofType("approval.granted").map((e) => [e.actor.sub, e.data?.approvals])).toEqual([
      ["mgr", 1],
      ["mgr2", 2],
    ]);
    expect(fx.sink.ofType("access.allowed")).toHaveLength(1);
    expect(fx.sink.ofType("access.allowed")[0]?.data?.approval).toBe(third.request.id);
  });
});

describe("concurrent resumes", () => {
  it("runs an approved request once when the same decision is submitted several times at once", async () => {
    const fx = await setup(undefined, { writeDelayMs: 2 });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const decision = approve(pending.request, fx.mgr);
    const results = await Promise.all([fx.resume("t", decision), fx.resume("t", decision), fx.resume("t", decision)]);
    expect(fx.ran).toEqual([{ tool: "delete_customer", args: { id: "cus_1" } }]);
    for (const result of results) expect(lastToolMessage(result)?.content).toBe("deleted cus_1");
    expect(fx.sink.ofType("approval.granted")).toHaveLength(1);
    expect(fx.sink.ofType("access.allowed")).toHaveLength(1);
    expect(fx.sink.ofType("tool.end")).toHaveLength(1);
  });

  it("runs a request once when two approvers answer it at the same time", async () => {
    const fx = await setup(undefined, { writeDelayMs: 2 });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const results = await Promise.all([
      fx.resume("t", approve(pending.request, fx.mgr)),
      fx.resume("t", approve(pending.request, fx.mgr2)),
      fx.resume("t", { requestId: pending.request.id, decision: "edit", approverToken: fx.mgr2, args: { id: "cus_2" } }),
    ]);
    expect(fx.ran).toHaveLength(1);
    expect(fx.sink.ofType("access.allowed")).toHaveLength(1);
    expect(fx.sink.ofType("tool.end")).toHaveLength(1);
    const [only] = fx.ran;
    for (const result of results) expect(lastToolMessage(result)?.content).toBe(`deleted ${String(only?.args.id)}`);
  });
});

describe("answers judged once", () => {
  it("keeps a refused answer refused when LangGraph replays it after its token became valid", async () => {
    const fx = await setup();
    const notYet = await fx.token("mgr", "approvals:customers", { tenant: "acme" }, { notBefore: 60 });
    const pending = onlyPending(await fx.ask("t", "c1", { id: "cus_1" }));
    const again = expectRefused(fx, await fx.resume("t", approve(pending.request, notYet)), "approver-token", pending);
    fx.clock.advance(120_000);
    // Another approver rejects the raised-again request; the replayed first answer must not turn into an approval.
    const rejected = await fx.resume("t", { requestId: again.request.id, decision: "reject", approverToken: fx.mgr2, message: "no" });
    expect(fx.ran).toEqual([]);
    expect(fx.sink.ofType("approval.granted")).toEqual([]);
    expect(fx.sink.ofType("access.allowed")).toEqual([]);
    expect(fx.sink.ofType("approval.rejected").map((e) => e.actor.sub)).toEqual(["mgr2"]);
    expect(lastToolMessage(rejected)).toMatchObject({ status: "error" });
  });
});
