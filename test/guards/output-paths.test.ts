import { AIMessageChunk, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, GraphInterrupt, isCommand } from "@langchain/langgraph";
import { type AuditEvent, callbackSink, createWarden, guardTool, MaskingBlockedError, PolicyError } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const EMAIL = "ana.lopez@example.com";
const CARD = "4111 1111 1111 1111";
const call = (name: string, args: Record<string, unknown> = {}) => ({ type: "tool_call" as const, id: "call_1", name, args });

async function setup(policy: Record<string, unknown> = { tools: { lookup: { scopes: [] } } }) {
  const idp = createTestIdentity();
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, policy: policy as never, audit: { sink } });
  const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
  return { idp, sink, warden, config };
}

describe("every way a tool can return is masked and recorded", () => {
  it("masks the messages of a LangGraph Command a tool returns", async () => {
    const { warden, sink, config } = await setup();
    const lookup = tool(
      async (_input, runtime) =>
        new Command({ update: { messages: [new ToolMessage({ content: `customer ${EMAIL}, card ${CARD}`, tool_call_id: runtime.toolCall?.id ?? "call_1" })] } }),
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    const result = await warden.tool(lookup).invoke(call("lookup"), config);
    expect(isCommand(result)).toBe(true);
    const text = JSON.stringify((result as Command).update);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain("4111");
    expect(sink.ofType("mask.applied")[0]?.data?.counts).toMatchObject({ email: 1, credit_card: 1 });
    expect(sink.ofType("tool.end")).toHaveLength(1);
  });

  it("masks a ToolMessage's additional_kwargs as well as its content and artifact", async () => {
    const { warden, sink, config } = await setup();
    const lookup = tool(
      async (_input, runtime) =>
        new ToolMessage({ content: "found", artifact: { note: `card ${CARD}` }, additional_kwargs: { contact: EMAIL }, tool_call_id: runtime.toolCall?.id ?? "call_1" }),
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    const result = (await warden.tool(lookup).invoke(call("lookup"), config)) as ToolMessage;
    expect(JSON.stringify(result.additional_kwargs)).not.toContain(EMAIL);
    expect(JSON.stringify(result.artifact)).not.toContain("4111");
    expect(sink.ofType("mask.applied")[0]?.data?.counts).toMatchObject({ email: 1, credit_card: 1 });
  });

  it("masks every chunk and the result of a streaming tool, and records its end", async () => {
    const { warden, sink, config } = await setup();
    const lookup = tool(
      async function* () {
        yield `first ${EMAIL}`;
        yield `then ${CARD}`;
        return `done ${EMAIL}`;
      },
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    const guarded = warden.tool(lookup);
    const seen: string[] = [];
    const result = await guarded.invoke(call("lookup"), {
      ...config,
      callbacks: [...((config.callbacks as never[] | undefined) ?? []), { handleToolEvent: (chunk: unknown) => void seen.push(JSON.stringify(chunk)) }],
    });
    expect(JSON.stringify(result)).not.toContain(EMAIL);
    expect(seen).toHaveLength(2);
    expect(seen.join(" ")).not.toContain(EMAIL);
    expect(seen.join(" ")).not.toContain("4111");
    expect(sink.ofType("tool.end")).toHaveLength(1);
    expect(sink.ofType("mask.applied").length).toBeGreaterThan(0);
  });

  it("finds a value a streaming tool splits across chunks, and records what it found once", async () => {
    const { warden, sink, config } = await setup();
    const lookup = tool(
      async function* () {
        yield "customer ana.lo";
        yield "pez@exam";
        yield `ple.com, card 4111 1111 `;
        yield "1111 1111, thanks";
        return "done";
      },
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    const seen: string[] = [];
    await warden.tool(lookup).invoke(call("lookup"), {
      ...config,
      callbacks: [...((config.callbacks as never[] | undefined) ?? []), { handleToolEvent: (chunk: unknown) => void seen.push(String(chunk)) }],
    });
    expect(seen).toHaveLength(4);
    const streamed = seen.join("");
    expect(streamed).not.toContain("ana.lopez");
    expect(streamed).not.toContain("4111");
    expect(streamed).toMatch(/^customer .+, card .+, thanks$/);
    expect(sink.ofType("mask.applied").map((e) => e.data?.counts)).toEqual([{ email: 1, credit_card: 1 }]);
    expect(sink.ofType("tool.end")).toHaveLength(1);
  });

  it("stops a stream at a blocked type split across chunks, and records the withheld output", async () => {
    const idp = createTestIdentity();
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink }, masking: { rules: { credit_card: "block" } } });
    const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
    const lookup = tool(
      async function* () {
        yield "card 4111 1111 ";
        yield "1111 1111 on file";
        return "done";
      },
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    const seen: string[] = [];
    const error = await warden
      .tool(lookup)
      .invoke(call("lookup"), {
        ...config,
        callbacks: [...((config.callbacks as never[] | undefined) ?? []), { handleToolEvent: (chunk: unknown) => void seen.push(String(chunk)) }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskingBlockedError);
    expect(seen.join("")).not.toContain("4111");
    expect(sink.ofType("mask.applied")).toMatchObject([{ outcome: "denied", data: { blocked: true } }]);
    expect(sink.ofType("tool.error")).toHaveLength(1);
  });

  it("lets a GraphInterrupt through even when its record cannot be written", async () => {
    const idp = createTestIdentity();
    let failing = false;
    const warden = createWarden({
      identity: idp.identity,
      policy: { tools: { lookup: { scopes: [] } } },
      audit: { sink: callbackSink(async () => (failing ? Promise.reject(new Error("sink down")) : undefined)) },
    });
    const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
    const pause = new GraphInterrupt([{ id: "i1", value: "wait" }]);
    const lookup = tool(
      async () => {
        failing = true;
        throw pause;
      },
      { name: "lookup", description: "Look up", schema: z.object({}) },
    );
    await expect(warden.tool(lookup).invoke(call("lookup"), config)).rejects.toBe(pause);
  });
});

describe("a guard from elsewhere never replaces this warden's policy", () => {
  it("guards a tool guarded by another policy again, under its own rules, and records the refusal", async () => {
    const { sink, warden, config } = await setup({ tools: {} });
    let ran = 0;
    const wipe = tool(async () => (ran++, "wiped"), { name: "wipe", description: "Wipe", schema: z.object({}) });
    const looseGuard = guardTool(wipe, { audit: { sink: memorySink() }, policy: { tools: { wipe: { scopes: [] } } } });
    const result = await warden.tool(looseGuard).invoke(call("wipe"), config);
    expect((result as ToolMessage).status).toBe("error");
    expect(ran).toBe(0);
    expect(sink.ofType("access.denied").map((e: AuditEvent) => e.target.name)).toEqual(["wipe"]);
  });

  it("refuses a chat model guarded by another warden", async () => {
    const { warden } = await setup();
    const other = (await setup()).warden;
    expect(() => warden.model(other.model(scriptedChatModel(["hi"])))).toThrow(PolicyError);
  });
});

describe("model turns in a prompt", () => {
  it("masks the arguments of streamed tool-call chunks before a provider sees them", async () => {
    const idp = createTestIdentity();
    const seen: string[] = [];
    const model = scriptedChatModel((messages) => {
      seen.push(JSON.stringify(messages));
      return "ok";
    });
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: idp.identity,
      policy: { tools: {}, models: { default: { scopes: [] } } },
      masking: { maskModelInput: true },
    });
    const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
    const chunk = new AIMessageChunk({ content: "", tool_call_chunks: [{ name: "send", args: JSON.stringify({ to: EMAIL }), id: "c1", index: 0, type: "tool_call_chunk" }] });
    await warden.model(model).invoke([chunk], config);
    expect(seen.join(" ")).not.toContain(EMAIL);
  });
});
