import { AIMessage } from "@langchain/core/messages";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import { Command, interrupt, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createWarden, pendingApprovals } from "langchain-warden";
import { autoApprove, createTestIdentity, memorySink, scriptedApprover } from "langchain-warden/testing";
import { expect, it } from "vitest";
import { z } from "zod";

/** A graph whose only node is a ToolNode running `guarded`, with a MemorySaver. */
function toolNodeGraph(guarded: StructuredToolInterface) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode([guarded]))
    .addEdge("__start__", "tools")
    .compile({ checkpointer: new MemorySaver() });
}

/** A model turn asking to delete customer `id`. */
const deleteCall = (id: string) => ({ messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id } }] })] });

it("pauses a destructive call until a manager approves it, then runs it once", async () => {
  const idp = createTestIdentity();
  const sink = memorySink();
  const ran: string[] = [];
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink },
    policy: { tools: { delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } } } },
  });
  const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
  const graph = toolNodeGraph(warden.tool(del));
  const alice = await warden.authenticate(await idp.issue({ sub: "alice", scope: "customers:delete" }));
  const config = warden.config(alice, { configurable: { thread_id: "t1" } });
  const input = deleteCall("cus_9");
  const paused = await graph.invoke(input, config);
  const [pending] = pendingApprovals(paused);
  expect(pending?.request).toMatchObject({
    type: "warden.approval",
    tool: "delete_customer",
    args: { id: "cus_9" },
    requester: { sub: "alice" },
    threadId: "t1",
    risk: "destructive",
  });
  expect(ran).toEqual([]);
  const managerToken = await idp.issue({ sub: "mgr", scope: "approvals:customers" });
  const done = await graph.invoke(new Command({ resume: { requestId: pending!.request.id, decision: "approve", approverToken: managerToken } }), config);
  expect(ran).toEqual(["cus_9"]);
  expect(done.messages.at(-1)?.content).toBe("deleted cus_9");
  expect(sink.events.map((e) => e.type)).toEqual(["approval.requested", "approval.granted", "access.allowed", "tool.end"]);
  expect(JSON.stringify(sink.events)).not.toContain(managerToken);
});

it("records every call answered by a callback approver, even identical ones", async () => {
  const idp = createTestIdentity();
  const sink = memorySink();
  const ran: string[] = [];
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink },
    approvals: { approver: autoApprove() },
    policy: { tools: { delete_customer: { scopes: [], approval: true } } },
  });
  const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
  const alice = await warden.authenticate(await idp.issue({ sub: "alice" }));
  const guarded = warden.tool(del);
  await guarded.invoke({ id: "cus_1" }, warden.config(alice));
  await guarded.invoke({ id: "cus_1" }, warden.config(alice));
  expect(ran).toEqual(["cus_1", "cus_1"]);
  expect(sink.ofType("approval.granted")).toHaveLength(2);
  expect(sink.ofType("access.allowed")).toHaveLength(2);
});

it("binds later approvals of a quorum to an edit: the next approver sees, and approves, the edited arguments", async () => {
  const idp = createTestIdentity();
  const sink = memorySink();
  const ran: unknown[] = [];
  const approver = scriptedApprover([
    { decision: "edit", approver: "first", args: { id: "cus_1", amount: 40 } },
    { decision: "approve", approver: "first" },
    { decision: "approve", approver: "second" },
  ]);
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink },
    approvals: { approver },
    policy: { tools: { refund: { scopes: [], approval: { quorum: 2 } } } },
  });
  const refund = tool(async (args) => (ran.push(args), "ok"), {
    name: "refund",
    description: "x",
    schema: z.object({ id: z.string(), amount: z.number() }),
  });
  const alice = await warden.authenticate(await idp.issue({ sub: "alice" }));
  await warden.tool(refund).invoke({ id: "cus_1", amount: 400 }, warden.config(alice));
  expect(ran).toEqual([{ id: "cus_1", amount: 40 }]);
  expect(approver.requests.map((r) => r.args)).toEqual([
    { id: "cus_1", amount: 400 },
    { id: "cus_1", amount: 40 },
    { id: "cus_1", amount: 40 },
  ]);
  expect(sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["duplicate-approver"]);
  const granted = sink.ofType("approval.granted");
  expect(granted.map((e) => e.actor.sub)).toEqual(["first", "second"]);
  expect(granted[1]?.data?.argsDigest).toBe(granted[0]?.data?.editedArgsDigest);
});

it("raises a refused request again, telling the approver why the last answer was refused", async () => {
  const idp = createTestIdentity();
  const ran: string[] = [];
  const warden = createWarden({
    audit: { sink: memorySink() },
    identity: idp.identity,
    policy: { tools: { delete_customer: { scopes: [], approval: { approverScopes: ["approvals:customers"] } } } },
  });
  const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
  const graph = toolNodeGraph(warden.tool(del));
  const alice = await warden.authenticate(await idp.issue({ sub: "alice" }));
  const config = warden.config(alice, { configurable: { thread_id: "t-refused" } });
  const input = deleteCall("cus_3");
  const [first] = pendingApprovals(await graph.invoke(input, config));
  const colleague = await idp.issue({ sub: "bob" });
  const again = pendingApprovals(await graph.invoke(new Command({ resume: { requestId: first!.request.id, decision: "approve", approverToken: colleague } }), config));
  expect(ran).toEqual([]);
  expect(again[0]?.request.refused).toMatchObject({ code: "WARDEN_APPROVAL_INVALID", reason: "approver-scope" });
  expect(JSON.stringify(again[0]?.request)).not.toContain(colleague);
});

it("lets an interrupt raised inside a policy condition pass through untouched", async () => {
  const idp = createTestIdentity();
  const ran: string[] = [];
  const warden = createWarden({
    audit: { sink: memorySink() },
    identity: idp.identity,
    policy: { tools: { delete_customer: { scopes: [], when: () => interrupt({ ask: "really?" }) === "yes" } } },
  });
  const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
  const graph = toolNodeGraph(warden.tool(del));
  const alice = await warden.authenticate(await idp.issue({ sub: "alice" }));
  const config = warden.config(alice, { configurable: { thread_id: "t-condition" } });
  const input = deleteCall("cus_4");
  const paused = (await graph.invoke(input, config)) as { __interrupt__?: { value: unknown }[] };
  expect(paused.__interrupt__?.[0]?.value).toEqual({ ask: "really?" });
  await graph.invoke(new Command({ resume: "yes" }), config);
  expect(ran).toEqual(["cus_4"]);
});
