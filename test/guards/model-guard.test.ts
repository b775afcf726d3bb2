import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type AIMessageChunk, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import { MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { AccessDeniedError, BudgetExceededError, CircuitOpenError, createWarden, guardModel, type PolicyInput, RateLimitedError } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";

async function setup(policy: PolicyInput, extra: Record<string, unknown> = {}) {
  const clock = (extra.clock as ReturnType<typeof fakeClock> | undefined) ?? undefined;
  // Tokens are minted on the warden's clock: a fake one must not fall behind their iat.
  const idp = createTestIdentity(clock ? { clock } : {});
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, policy, audit: { sink }, ...extra });
  const as = async (sub: string, claims: Record<string, unknown> = {}, threadId = "t-1") =>
    warden.config(await warden.authenticate(await idp.issue({ sub, ...claims })), { configurable: { thread_id: threadId } });
  return { idp, sink, warden, as, clock };
}

/** A provider that fails the first `failures` calls, then answers; records the signal of each call. */
class FlakyModel extends BaseChatModel {
  calls = 0;
  signals: (AbortSignal | undefined)[] = [];
  constructor(private readonly behave: (call: number, signal: AbortSignal | undefined) => Promise<string>) {
    super({});
  }
  _llmType(): string {
    return "flaky";
  }
  async _generate(_messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    this.calls++;
    this.signals.push(options.signal);
    const text = await this.behave(this.calls, options.signal);
    return { generations: [{ text, message: new AIMessage({ content: text, usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }) }] };
  }
}

describe("the model guard is a chat model", () => {
  it("masks what the model answers: text and tool-call arguments", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [] } } });
    const model = scriptedChatModel([
      new AIMessage({ content: `write to ${EMAIL}`, tool_calls: [{ id: "c1", name: "pay", args: { card: CARD, note: `for ${EMAIL}` }, type: "tool_call" }] }),
    ]);
    const answer = await warden.model(model).invoke([new HumanMessage("hi")], await as("alice"));
    expect(answer.content).toBe("write to [EMAIL]");
    expect(answer.tool_calls?.[0]?.args).toEqual({ card: "[CREDIT_CARD]", note: "for [EMAIL]" });
    expect(JSON.stringify(answer)).not.toContain(EMAIL);
    expect(sink.ofType("mask.applied")[0]).toMatchObject({ target: { kind: "model" }, data: { counts: { credit_card: 1, email: 2 } } });
  });

  it("masks every streamed chunk: no raw value in any chunk, and the whole answer masked", async () => {
    const { warden, as } = await setup({ models: { default: { scopes: [] } } });
    const model = scriptedChatModel([`mail ${EMAIL} or pay with ${CARD} today`], { chunkSize: 3 });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await warden.model(model).stream([new HumanMessage("hi")], await as("alice"))) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(String(chunk.content)).not.toMatch(/jane|example\.com|1111/);
    }
    expect(chunks.map((c) => c.content).join("")).toBe("mail [EMAIL] or pay with [CREDIT_CARD] today");
  });

  it("keeps tool-call arguments masked when streamed in pieces, and the usage", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [] } } });
    const model = scriptedChatModel([[{ name: "lookup", args: { email: EMAIL } }]], { chunkSize: 4 });
    let whole: AIMessageChunk | undefined;
    for await (const chunk of await warden.model(model).stream([new HumanMessage("hi")], await as("alice"))) {
      expect(JSON.stringify(chunk)).not.toContain("example.com");
      whole = whole ? whole.concat(chunk) : chunk;
    }
    expect(whole?.tool_calls?.[0]).toMatchObject({ name: "lookup", args: { email: "[EMAIL]" } });
    expect(sink.ofType("model.end")[0]?.data?.usage).toMatchObject({ total: whole?.usage_metadata?.total_tokens });
  });

  it("works with batch, bindTools and withStructuredOutput, staying guarded", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [] } } });
    const model = scriptedChatModel((messages) => (String(messages.at(-1)?.content) === "structured" ? [{ name: "Contact", args: { name: "Jane", email: EMAIL } }] : "plain"));
    const guarded = warden.model(model);
    const config = await as("alice");
    const batch = await guarded.batch([[new HumanMessage("a")], [new HumanMessage("b")]], config);
    expect(batch.map((m) => m.content)).toEqual(["plain", "plain"]);
    const bound = guarded.bindTools([{ name: "lookup", description: "x", schema: z.object({}) }]);
    expect(await bound.invoke([new HumanMessage("c")], config)).toMatchObject({ content: "plain" });
    const structured = guarded.withStructuredOutput(z.object({ name: z.string(), email: z.string() }), { name: "Contact" });
    expect(await structured.invoke([new HumanMessage("structured")], config)).toEqual({ name: "Jane", email: "[EMAIL]" });
    expect(sink.ofType("model.end")).toHaveLength(4);
    await expect(guarded.invoke([new HumanMessage("no config")])).rejects.toMatchObject({ code: "WARDEN_MISSING_PRINCIPAL" });
  });

  it("uses policy.models[name], else policy.models.default; no rule is denied naming the missing rule", async () => {
    const { warden, as, sink } = await setup({ models: { small: { scopes: ["llm:small"] } } });
    const config = await as("alice", { scope: "llm:small" });
    await expect(warden.model(scriptedChatModel(["ok"]), "small").invoke("hi", config)).resolves.toMatchObject({ content: "ok" });
    const denied = warden.model(scriptedChatModel(["ok"]), "large").invoke("hi", config);
    await expect(denied).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(denied).rejects.toThrow(/policy\.models\.large or policy\.models\.default/);
    expect(sink.ofType("access.denied").at(-1)).toMatchObject({ target: { kind: "model", name: "large" }, data: { code: "no-rule" } });

    const withDefault = await setup({ models: { default: { scopes: [] } } });
    const answer = await withDefault.warden.model(scriptedChatModel(["ok"]), "large").invoke("hi", await withDefault.as("bob"));
    expect(answer.content).toBe("ok");
    expect(withDefault.sink.ofType("access.allowed").at(-1)?.data?.rule).toBe("models.default");
  });

  it("finds the run's principal inside a LangGraph node that calls llm.invoke(messages) without a config", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [] } } });
    const llm = warden.model(scriptedChatModel(["from the node"]));
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await llm.invoke(state.messages)] }))
      .addEdge("__start__", "agent")
      .compile({ checkpointer: new MemorySaver() });
    const out = await graph.invoke({ messages: [new HumanMessage("hi")] }, await as("alice", {}, "thread-9"));
    expect(out.messages.at(-1)?.content).toBe("from the node");
    expect(sink.ofType("model.end")[0]).toMatchObject({ actor: { sub: "alice" }, run: { threadId: "thread-9" } });
  });

  it("is the model of createAgent and createReactAgent, one model.start/model.end per call", async () => {
    const { warden, as, sink } = await setup({ tools: { lookup: { scopes: [] } }, models: { default: { scopes: [] } } });
    const lookup = tool(async () => `customer ${EMAIL}`, { name: "lookup", description: "x", schema: z.object({}) });
    const script = () => scriptedChatModel([[{ name: "lookup", args: {} }], (messages) => `found: ${String(messages.at(-1)?.content)}`]);
    const agent = createAgent({ model: warden.model(script()), tools: [warden.tool(lookup)], checkpointer: new MemorySaver() });
    const out = await agent.invoke({ messages: [new HumanMessage("who?")] }, await as("alice", {}, "a-1"));
    expect(out.messages.at(-1)?.content).toBe("found: customer [EMAIL]");
    const react = createReactAgent({ llm: warden.model(script()), tools: [warden.tool(lookup)], checkpointer: new MemorySaver() });
    const out2 = await react.invoke({ messages: [new HumanMessage("who?")] }, await as("bob", {}, "r-1"));
    expect(out2.messages.at(-1)?.content).toBe("found: customer [EMAIL]");
    // The guard records its own calls: the audit handler does not record the wrapped model again.
    expect(sink.ofType("model.start")).toHaveLength(4);
    expect(sink.ofType("model.end")).toHaveLength(4);
    expect(sink.ofType("model.end").every((e) => ((e.data?.usage as { total?: number } | undefined)?.total ?? 0) > 0)).toBe(true);
  });
});

describe("tokens in tool-call arguments", () => {
  it("under tokenize, the tool gets the real value for the same tenant and thread; another thread gets the token", async () => {
    const received: string[] = [];
    const send = tool(async ({ to }) => (received.push(to), `sent to ${to}`), { name: "send", description: "x", schema: z.object({ to: z.string() }) });
    const { warden, as } = await setup({ tools: { send: { scopes: [] } }, models: { default: { scopes: [] } } }, { masking: { strategy: "tokenize" } });
    const model = scriptedChatModel([[{ name: "send", args: { to: EMAIL } }], "done"]);
    const agent = createAgent({ model: warden.model(model), tools: [warden.tool(send)], checkpointer: new MemorySaver() });
    const out = await agent.invoke({ messages: [new HumanMessage("mail jane")] }, await as("alice", { tenant: "acme" }, "th-a"));
    expect(received).toEqual([EMAIL]);
    const call = out.messages.find((m: BaseMessage) => AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) > 0) as AIMessage;
    const token = String(call.tool_calls?.[0]?.args.to);
    expect(token).not.toContain("example.com");
    expect(JSON.stringify(out.messages)).not.toContain(EMAIL);

    // The token the model saw in thread th-a means nothing in another thread.
    const other = await warden.tool(send).invoke({ to: token }, await as("alice", { tenant: "acme" }, "th-b"));
    expect(other).toBe(`sent to ${token}`);
  });
});

describe("masking around the model", () => {
  it("applies reveal scopes to the answer", async () => {
    const { warden, as } = await setup({ models: { default: { scopes: [] } } }, { masking: { reveal: { "pii:read": ["email"] } } });
    const llm = warden.model(scriptedChatModel(() => `mail ${EMAIL}, card ${CARD}`));
    expect((await llm.invoke("hi", await as("reader", { scope: "pii:read" }))).content).toBe(`mail ${EMAIL}, card [CREDIT_CARD]`);
    expect((await llm.invoke("hi", await as("other"))).content).toBe("mail [EMAIL], card [CREDIT_CARD]");
  });

  it("with maskModelInput, masks the history once: a later step of the run does not mask the same messages again", async () => {
    const { warden, as, sink } = await setup({ tools: { lookup: { scopes: [] } }, models: { default: { scopes: [] } } }, { masking: { maskModelInput: true } });
    const lookup = tool(async () => "order A-1 shipped", { name: "lookup", description: "x", schema: z.object({}) });
    const model = scriptedChatModel([[{ name: "lookup", args: {} }], [{ name: "lookup", args: {} }], "done"]);
    const agent = createAgent({ model: warden.model(model), tools: [warden.tool(lookup)], checkpointer: new MemorySaver() });
    await agent.invoke({ messages: [new HumanMessage(`I am ${EMAIL}`)] }, await as("alice", {}, "h-1"));
    // Three model calls; the user's email was masked (and recorded) once, not on every turn.
    expect(sink.ofType("model.start")).toHaveLength(3);
    expect(
      sink
        .ofType("mask.applied")
        .filter((e) => e.data?.input === true)
        .map((e) => e.data?.counts),
    ).toEqual([{ email: 1 }]);
    for (const received of model.received) expect(JSON.stringify(received)).not.toContain(EMAIL);
  });
});

describe("model limits in process", () => {
  it("refuses the call past perUser with RateLimitedError and retryAfterMs, recorded; other users are unaffected", async () => {
    const clock = fakeClock();
    const { warden, as, sink } = await setup({ models: { default: { scopes: [], perUser: "2/min" } } }, { clock });
    const llm = warden.model(scriptedChatModel(() => "ok"));
    const alice = await as("alice");
    await llm.invoke("1", alice);
    await llm.invoke("2", alice);
    const refused = await llm.invoke("3", alice).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect((refused as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(sink.ofType("ratelimit.exceeded")).toMatchObject([{ outcome: "denied", actor: { sub: "alice" }, data: { scope: "user", kind: "rate", limit: "2/min" } }]);
    await expect(llm.invoke("1", await as("bob"))).resolves.toMatchObject({ content: "ok" });
    clock.advance(60_001);
    await expect(llm.invoke("4", alice)).resolves.toMatchObject({ content: "ok" });
  });

  it("counts perTenant and global across users", async () => {
    const { warden, as } = await setup({ models: { default: { scopes: [], perTenant: "2/min", global: "3/min" } } });
    const llm = warden.model(scriptedChatModel(() => "ok"));
    await llm.invoke("1", await as("a1", { tenant: "acme" }));
    await llm.invoke("2", await as("a2", { tenant: "acme" }));
    await expect(llm.invoke("3", await as("a3", { tenant: "acme" }))).rejects.toMatchObject({ limit: { scope: "tenant" } });
    await llm.invoke("1", await as("b1", { tenant: "beta" }));
    await expect(llm.invoke("2", await as("b2", { tenant: "beta" }))).rejects.toMatchObject({ limit: { scope: "global" } });
  });

  it("reserves an estimate against token budgets and settles with the provider's usage", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [], tokens: { perUser: { day: 100 } } } } });
    const llm = warden.model(new FlakyModel(async () => "ok"));
    const alice = await as("alice");
    // Each call uses 15 tokens (input 10, output 5): six calls fit in 100, the seventh's reservation does not.
    for (let i = 0; i < 6; i++) await llm.invoke("x", alice);
    const refused = await llm.invoke("x".repeat(200), alice).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(sink.ofType("budget.exceeded")[0]).toMatchObject({ data: { scope: "user", kind: "tokens", limit: "100/day" } });
    expect(sink.ofType("model.end")[0]?.data?.usage).toEqual({ input: 10, output: 5, total: 15 });
    // Alice's exhausted budget is hers: Bob's is untouched.
    const bob = await as("bob");
    for (let i = 0; i < 6; i++) await llm.invoke("x", bob);
    await expect(llm.invoke("x".repeat(200), alice)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(sink.ofType("budget.exceeded")).toHaveLength(2);
  });

  it("refuses a prompt over maxInputTokens before the provider sees it", async () => {
    const { warden, as, sink } = await setup({ models: { default: { scopes: [], maxInputTokens: 50 } } });
    const provider = new FlakyModel(async () => "ok");
    const refused = await warden
      .model(provider)
      .invoke("y".repeat(1_000), await as("alice"))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).retryAfterMs).toBe(Number.POSITIVE_INFINITY);
    expect(provider.calls).toBe(0);
    expect(sink.ofType("budget.exceeded")[0]).toMatchObject({ data: { kind: "input", retryAfterMs: null } });
  });

  it("limits calls at once per user, and waits for room with onLimit.wait", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const provider = new FlakyModel(async (call) => (call === 1 ? (await gate, "first") : "next"));
    const { warden, as } = await setup({ models: { default: { scopes: [], maxConcurrent: 1 } } });
    const llm = warden.model(provider);
    const alice = await as("alice");
    const first = llm.invoke("1", alice);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(llm.invoke("2", alice)).rejects.toMatchObject({ code: "WARDEN_RATE_LIMITED", limit: { kind: "concurrency" } });
    release();
    await expect(first).resolves.toMatchObject({ content: "first" });

    const waiting = await setup({ models: { default: { scopes: [], maxConcurrent: 1, onLimit: { wait: 5_000 } } } });
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    const slow = new FlakyModel(async (call) => (call === 1 ? (await held, "first") : "second"));
    const queued = waiting.warden.model(slow);
    const bob = await waiting.as("bob");
    const a = queued.invoke("1", bob);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = queued.invoke("2", bob);
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    await expect(Promise.all([a, b])).resolves.toMatchObject([{ content: "first" }, { content: "second" }]);
  });

  it("guards tools with the same rates", async () => {
    const { warden, as, sink } = await setup({ tools: { sms: { scopes: [], perUser: "1/hour" } } });
    const sms = warden.tool(tool(async () => "sent", { name: "sms", description: "x", schema: z.object({}) }));
    const config = await as("alice");
    expect(await sms.invoke({}, config)).toBe("sent");
    const again = await sms.invoke({ id: "c2", name: "sms", args: {}, type: "tool_call" }, config);
    expect(String(again.content)).toMatch(/rate limit reached\. Try again in \d+ s/);
    expect(sink.ofType("ratelimit.exceeded")).toMatchObject([{ target: { kind: "tool", name: "sms" }, data: { scope: "user", limit: "1/hour" } }]);
  });
});

describe("circuit breaking", () => {
  it("opens after failures, refuses with CircuitOpenError without calling, lets one trial through, and closes", async () => {
    let failing = true;
    const provider = new FlakyModel(async () => {
      if (failing) throw new Error("provider down");
      return "back";
    });
    const { warden, as, sink } = await setup({
      models: { default: { scopes: [], breaker: { timeoutMs: 1_000, errorThresholdPercentage: 50, volumeThreshold: 2, resetTimeoutMs: 200 } } },
    });
    const llm = warden.model(provider);
    const alice = await as("alice");
    await expect(llm.invoke("1", alice)).rejects.toThrow("provider down");
    await expect(llm.invoke("2", alice)).rejects.toThrow("provider down");
    const calls = provider.calls;
    await expect(llm.invoke("3", alice)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(provider.calls).toBe(calls);
    expect(sink.ofType("circuit.open").map((e) => e.outcome)).toEqual(["failure", "denied"]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    failing = false;
    // Half-open: one trial; a second call made while it runs is refused.
    const trial = llm.invoke("4", alice);
    await expect(llm.invoke("5", alice)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(trial).resolves.toMatchObject({ content: "back" });
    await expect(llm.invoke("6", alice)).resolves.toMatchObject({ content: "back" });
    expect(sink.ofType("circuit.close").map((e) => e.data?.state)).toEqual(["half-open", "close"]);
    await warden.close();
  });

  it("aborts a call past timeoutMs through its AbortSignal", async () => {
    const provider = new FlakyModel(
      (_call, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
        }),
    );
    const { warden, as, sink } = await setup({
      models: { default: { scopes: [], breaker: { timeoutMs: 50, errorThresholdPercentage: 50, volumeThreshold: 10, resetTimeoutMs: 1_000 } } },
    });
    await expect(warden.model(provider).invoke("1", await as("alice"))).rejects.toThrow(/did not finish within 50 ms/);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(sink.ofType("model.error")[0]?.data?.error).toBe("ETIMEDOUT");
    await warden.close();
  });
});

describe("audit of model calls", () => {
  it("records model.start and model.end with usage, joined to the run and thread; the standalone guard too", async () => {
    const idp = createTestIdentity();
    const sink = memorySink();
    const llm = guardModel(scriptedChatModel(["ok"]), { policy: { models: { default: { scopes: [], perUser: "10/min" } } }, audit: { sink } });
    const principal = await createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {} }).authenticate(await idp.issue({ sub: "carol" }));
    await llm.invoke("hi", { configurable: { __warden_principal: principal, thread_id: "th-1" } });
    const [start] = sink.ofType("model.start");
    const [end] = sink.ofType("model.end");
    expect(start).toMatchObject({ outcome: "pending", actor: { sub: "carol" }, run: { threadId: "th-1" } });
    expect(end?.run?.id).toBe(start?.run?.id);
    expect(end?.data?.usage).toMatchObject({ total: expect.any(Number) });
  });
});
