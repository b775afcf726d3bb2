import { Document } from "@langchain/core/documents";
import { AIMessage } from "@langchain/core/messages";
import { BaseRetriever } from "@langchain/core/retrievers";
import { tool } from "@langchain/core/tools";
import { Command, interrupt, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createWarden, getPrincipal } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();

function setup() {
  const sink = memorySink();
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink, recordUnguarded: true },
    policy: { tools: { summarize: { scopes: [] }, confirm_delete: { scopes: [] } } },
  });
  return { sink, warden };
}

class StaticRetriever extends BaseRetriever {
  override lc_namespace = ["test"];
  override async _getRelevantDocuments(): Promise<Document[]> {
    return [new Document({ pageContent: "secret plan A" }), new Document({ pageContent: "secret plan B" })];
  }
}

describe("the audit handler that warden.config() attaches with audit.recordUnguarded", () => {
  it("is not attached by default: guarded calls are still recorded, by their guards", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, audit: { sink }, policy: { tools: { summarize: { scopes: [] } } } });
    const principal = await warden.authenticate(await idp.issue({ sub: "alice" }));
    const config = warden.config(principal);
    expect(config.callbacks).toBeUndefined();
    const summarize = tool(async ({ text }) => `summary of ${text}`, { name: "summarize", description: "x", schema: z.object({ text: z.string() }) });
    const plain = tool(async () => "plain", { name: "plain", description: "x", schema: z.object({}) });
    await warden.tool(summarize).invoke({ text: "long" }, config);
    await plain.invoke({}, config);
    expect(sink.events.map((e) => e.type)).toEqual(["access.allowed", "tool.end"]);
  });

  it("records an unguarded tool's start and end with the principal and thread", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme" }));
    const plain = tool(async ({ q }) => `result for ${q}`, { name: "plain_lookup", description: "x", schema: z.object({ q: z.string() }) });
    await plain.invoke({ q: "private" }, warden.config(principal, { configurable: { thread_id: "t-9" } }));
    expect(sink.events.map((e) => e.type)).toEqual(["tool.start", "tool.end"]);
    for (const event of sink.events) {
      expect(event.actor).toEqual({ sub: "ann", tenant: "acme" });
      expect(event.target).toEqual({ kind: "tool", name: "plain_lookup" });
      expect(event.run?.threadId).toBe("t-9");
    }
    expect(JSON.stringify(sink.events)).not.toContain("private");
  });

  it("names the actor from the principal alone: a warden_tenant or warden_sub in the base config's metadata does not survive", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "bob" }));
    const plain = tool(async () => "ok", { name: "plain_lookup", description: "x", schema: z.object({}) });
    const config = warden.config(principal, { metadata: { warden_tenant: "acme", warden_sub: "alice", team: "support" } });
    expect(config.metadata).toMatchObject({ warden_sub: "bob", team: "support" });
    expect(config.metadata).not.toHaveProperty("warden_tenant");
    await plain.invoke({}, config);
    expect(sink.events.map((e) => e.actor)).toEqual([{ sub: "bob" }, { sub: "bob" }]);
  });

  it("records chat model calls with token usage, and retriever results as counts", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const model = scriptedChatModel(["the answer is blue-falcon"]);
    await model.invoke("what is the answer?", warden.config(principal));
    await new StaticRetriever().invoke("plans", warden.config(principal));
    expect(sink.events.map((e) => e.type)).toEqual(["model.start", "model.end", "retriever.end"]);
    const end = sink.ofType("model.end")[0];
    expect(end?.data?.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    expect(sink.ofType("retriever.end")[0]).toMatchObject({ outcome: "success", data: { documents: 2 }, actor: { sub: "ann" } });
    const serialized = JSON.stringify(sink.events);
    expect(serialized).not.toContain("blue-falcon");
    expect(serialized).not.toContain("secret plan");
  });

  it("hands itself to the nested runs of a guarded tool", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const inner = scriptedChatModel(["short summary"]);
    const summarize = tool(
      async ({ text }, config) => {
        expect(getPrincipal(config)?.sub).toBe("ann");
        const reply = await inner.invoke(`summarize: ${text}`, config);
        return String(reply.content);
      },
      { name: "summarize", description: "x", schema: z.object({ text: z.string() }) },
    );
    const result = await warden.tool(summarize).invoke({ type: "tool_call", id: "c1", name: "summarize", args: { text: "long" } }, warden.config(principal));
    expect(result.content).toBe("short summary");
    expect(sink.events.map((e) => e.type)).toEqual(["access.allowed", "model.start", "model.end", "tool.end"]);
    const toolRun = sink.ofType("access.allowed")[0]?.run?.id;
    expect(sink.ofType("model.start")[0]?.actor).toEqual({ sub: "ann" });
    expect(sink.ofType("tool.end")[0]?.run?.id).toBe(toolRun);
  });

  it("joins a guarded model's decision to the model run the handler records, inside the tool run that called it", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, audit: { sink }, policy: { tools: { summarize: { scopes: [] } }, models: { default: { scopes: [] } } } });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const model = warden.model(scriptedChatModel(["short summary", "again"]));
    await model.invoke("hello", warden.config(principal, { configurable: { thread_id: "t-3" } }));
    const [allowed, start] = [sink.ofType("access.allowed")[0]!, sink.ofType("model.start")[0]!];
    expect(allowed.target).toEqual({ kind: "model", name: "default" });
    expect(allowed.run).toEqual(start.run);
    expect(allowed.run?.threadId).toBe("t-3");

    sink.clear();
    const summarize = tool(async ({ text }, config) => String((await model.invoke(`summarize: ${text}`, config)).content), {
      name: "summarize",
      description: "x",
      schema: z.object({ text: z.string() }),
    });
    await warden.tool(summarize).invoke({ type: "tool_call", id: "c1", name: "summarize", args: { text: "long" } }, warden.config(principal));
    const toolRun = sink.events.find((e) => e.target.kind === "tool")!.run!.id;
    const modelEvents = sink.events.filter((e) => e.target.kind === "model");
    expect(modelEvents.map((e) => e.type)).toEqual(["access.allowed", "model.start", "model.end"]);
    expect(new Set(modelEvents.map((e) => e.run?.id)).size).toBe(1);
    expect(modelEvents.map((e) => e.run?.parentId)).toEqual([toolRun, toolRun, toolRun]);
  });

  it("records an interrupt in a guarded tool as pending, and the resumed run as a success", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const ran: string[] = [];
    const confirmDelete = tool(
      async ({ id }) => {
        const answer = interrupt({ question: `delete ${id}?` });
        ran.push(`${id}:${String(answer)}`);
        return "deleted";
      },
      { name: "confirm_delete", description: "x", schema: z.object({ id: z.string() }) },
    );
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode([warden.tool(confirmDelete)]))
      .addEdge("__start__", "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = warden.config(principal, { configurable: { thread_id: "t-int" } });
    const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "confirm_delete", args: { id: "cus_1" } }] })] };
    const paused = await graph.invoke(input, config);
    expect((paused as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);
    expect(ran).toEqual([]);
    const pending = sink.ofType("tool.end").find((e) => e.outcome === "pending");
    expect(pending?.reason).toMatch(/interrupted/);
    expect(sink.ofType("tool.error")).toEqual([]);
    await graph.invoke(new Command({ resume: "yes" }), config);
    expect(ran).toEqual(["cus_1:yes"]);
    expect(sink.ofType("tool.end").map((e) => e.outcome)).toEqual(["pending", "success"]);
  });
});
