import { randomUUID } from "node:crypto";
import { AIMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { Redis } from "ioredis";
import { createWarden, pendingApprovals, redisApprovalStore } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { REDIS, serviceAvailable } from "../support/services.js";

const redisUp = await serviceAvailable("redis");

describe.skipIf(!redisUp)("a decision replayed on another instance (Redis on 127.0.0.1:6379)", () => {
  const client = redisUp ? new Redis({ host: REDIS.host, port: REDIS.port, lazyConnect: false, maxRetriesPerRequest: 1 }) : undefined;
  afterAll(async () => {
    await client?.quit();
  });

  it("does not run the approved action a second time when the store is shared", async () => {
    const idp = createTestIdentity();
    const checkpointer = new MemorySaver();
    const secret = randomUUID() + randomUUID();
    const keyPrefix = `warden:test:${randomUUID()}:`;
    const ran: string[] = [];
    const del = tool(async ({ id }) => (ran.push(id), `deleted ${id}`), { name: "delete_customer", description: "x", schema: z.object({ id: z.string() }) });
    const instance = () => {
      const sink = memorySink();
      const warden = createWarden({
        identity: idp.identity,
        audit: { sink },
        approvals: { secret, store: redisApprovalStore({ client: client!, keyPrefix }) },
        policy: { tools: { delete_customer: { scopes: [], approval: true } } },
      });
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("tools", new ToolNode([warden.tool(del)]))
        .addEdge("__start__", "tools")
        .compile({ checkpointer });
      return { warden, graph, sink };
    };
    const a = instance();
    const b = instance();
    const threadId = `t-${randomUUID()}`;
    const requesterToken = await idp.issue({ sub: "alice" });
    const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "delete_customer", args: { id: "cus_9" } }] })] };

    const configA = a.warden.config(await a.warden.authenticate(requesterToken), { configurable: { thread_id: threadId } });
    const [pending] = pendingApprovals(await a.graph.invoke(input, configA));
    const pausedAt = (await a.graph.getState(configA)).config.configurable?.checkpoint_id as string;
    const decision = { requestId: pending!.request.id, decision: "approve", approverToken: await idp.issue({ sub: "mgr", scope: "approvals:delete_customer" }) };
    await a.graph.invoke(new Command({ resume: decision }), configA);
    expect(ran).toEqual(["cus_9"]);

    // The same decision, replayed on instance B from the paused checkpoint.
    const configB = b.warden.config(await b.warden.authenticate(requesterToken), { configurable: { thread_id: threadId, checkpoint_id: pausedAt } });
    const replayed = await b.graph.invoke(new Command({ resume: decision }), configB);
    expect(ran).toEqual(["cus_9"]);
    expect(String(replayed.messages.at(-1)?.content)).toContain("already used");
    expect(b.sink.ofType("approval.invalid").map((e) => e.data?.code)).toEqual(["replayed"]);
    expect(b.sink.ofType("approval.invalid")[0]?.actor).toEqual({ sub: "alice" });
    expect(b.sink.ofType("access.allowed")).toEqual([]);
  });
});
