import { hkdfSync } from "node:crypto";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createWarden, generateAuditKeys, type PendingApproval, pendingApprovals, type WardenOptions } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();

/**
 * Instances of one service sharing a checkpointer (as with PostgresSaver):
 * each `instance(options)` is a warden of its own with the given approval and
 * audit settings; `ran` lists what any instance ran.
 */
function service() {
  const checkpointer = new MemorySaver();
  const ran: string[] = [];
  const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
  const instance = (options: Pick<WardenOptions, "approvals"> & { signingKey?: NonNullable<WardenOptions["audit"]>["signingKey"] } = {}) => {
    const sink = memorySink();
    const warden = createWarden({
      identity: idp.identity,
      audit: { sink, ...(options.signingKey ? { signingKey: options.signingKey } : {}) },
      ...(options.approvals ? { approvals: options.approvals } : {}),
      policy: { tools: { delete_customer: { scopes: [], approval: true } } },
    });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode([warden.tool(del)]))
      .addEdge("__start__", "tools")
      .compile({ checkpointer });
    const config = async (threadId: string) => warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })), { configurable: { thread_id: threadId } });
    return {
      sink,
      /** Asks for a delete in `threadId`: the request it raises. */
      async ask(threadId: string): Promise<PendingApproval> {
        const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id: threadId } }] })] };
        const [pending] = pendingApprovals(await graph.invoke(input, await config(threadId)));
        return pending!;
      },
      /** Resumes `threadId` with an approval of `pending` by a manager holding approvals:delete_customer. */
      async approve(threadId: string, pending: PendingApproval): Promise<{ messages: BaseMessage[] }> {
        const approverToken = await idp.issue({ sub: "mgr", scope: "approvals:delete_customer" });
        const decision = { requestId: pending.request.id, decision: "approve", approverToken };
        return (await graph.invoke(new Command({ resume: { [pending.interruptId]: decision } }), await config(threadId))) as { messages: BaseMessage[] };
      },
    };
  };
  return { ran, instance };
}

describe("the key that binds approval requests", () => {
  it("is derived from audit.signingKey when approvals.secret is absent: another instance with the same signing key resumes", async () => {
    const { ran, instance } = service();
    const signingKey = generateAuditKeys().privateKey;
    const pending = await instance({ signingKey }).ask("t1");
    const b = instance({ signingKey });
    await b.approve("t1", pending);
    expect(ran).toEqual(["t1"]);
    expect(b.sink.ofType("approval.granted")).toHaveLength(1);
    expect(b.sink.ofType("approval.invalid")).toEqual([]);
  });

  it('follows the documented derivation (HKDF-SHA256 of the key\'s d, info "langchain-warden approvals v1")', async () => {
    const { ran, instance } = service();
    const signingKey = generateAuditKeys().privateKey;
    const derived = new Uint8Array(hkdfSync("sha256", Buffer.from(signingKey.d!, "base64url"), Buffer.alloc(0), "langchain-warden approvals v1", 32));
    const pending = await instance({ signingKey }).ask("t2");
    await instance({ approvals: { secret: derived } }).approve("t2", pending);
    expect(ran).toEqual(["t2"]);
  });

  it.each([
    ["neither approvals.secret nor audit.signingKey", {}, {}],
    ["another signing key", { signingKey: generateAuditKeys().privateKey }, { signingKey: generateAuditKeys().privateKey }],
    ["another approvals.secret", { approvals: { secret: "a".repeat(32) } }, { approvals: { secret: "b".repeat(32) } }],
  ])("with %s, refuses a request raised by another instance as foreign-binding, recorded and named", async (_, first, second) => {
    const { ran, instance } = service();
    const pending = await instance(first).ask("t3");
    const b = instance(second);
    const result = await b.approve("t3", pending);
    expect(ran).toEqual([]);
    const [invalid] = b.sink.ofType("approval.invalid");
    expect(invalid).toMatchObject({ outcome: "denied", data: { code: "foreign-binding", requestId: pending.request.id } });
    expect(invalid?.reason).toContain("approvals.secret");
    // The request is raised again, under this instance's key, saying why.
    const [again] = pendingApprovals(result);
    expect(again?.request.refused).toMatchObject({ code: "WARDEN_APPROVAL_INVALID", reason: "foreign-binding" });
    expect(again?.request.refused?.message).toContain("approvals.secret");
    await b.approve("t3", again!);
    expect(ran).toEqual(["t3"]);
  });

  it("shows nothing of the key in request ids, and refuses a forged id of this key as wrong-request", async () => {
    const { instance } = service();
    const secret = "s".repeat(40);
    const a = instance({ approvals: { secret } });
    const pending = await a.ask("t4");
    expect(pending.request.id).toMatch(/^[0-9a-z]+\.[\w-]{8}\.[\w-]{32}$/);
    expect(pending.request.id).not.toContain("sss");
    const [stamp, keyId] = pending.request.id.split(".");
    await a.approve("t4", { ...pending, request: { ...pending.request, id: `${stamp}.${keyId}.${"A".repeat(32)}` } });
    expect(a.sink.ofType("approval.invalid")[0]?.data?.code).toBe("wrong-request");
  });
});
