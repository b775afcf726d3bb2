import { AIMessage, type ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, GraphInterrupt, MemorySaver, ParentCommand } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { AccessDeniedError, createWarden, MaskingBlockedError } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ask, toolMessages } from "../agents/fixtures.js";

const CARD = "4111 1111 1111 1111";
const EMAIL = "ana.lopez@example.com";
const KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const GITHUB = "ghp_R3aLt0kenR3aLt0kenR3aLt0kenR3aLt0ken";
const RAW = [CARD, "4111", EMAIL, KEY, GITHUB];

/** A payment failure as client libraries throw it: a code, a status, a cause, and values in the message. */
class PaymentError extends Error {
  readonly status = 402;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = GITHUB;
  }
}

const failingMessage = `charge of card ${CARD} for ${EMAIL} failed with key ${KEY}`;

async function setup(masking: Record<string, unknown> = {}) {
  const idp = createTestIdentity();
  const sink = memorySink();
  const warden = createWarden({
    identity: idp.identity,
    policy: { tools: { charge: { scopes: [] } }, models: { default: { scopes: [] } } },
    audit: { sink },
    masking,
  });
  const principal = await warden.authenticate(await idp.issue({ sub: "alice" }));
  return { sink, warden, principal, config: warden.config(principal) };
}

function chargeTool(thrown: () => unknown) {
  return tool(
    async () => {
      throw thrown();
    },
    { name: "charge", description: "Charge a card", schema: z.object({ orderId: z.string() }) },
  );
}

const paymentError = () => new PaymentError(failingMessage, EMAIL, { cause: new Error(`upstream said ${EMAIL}`) });

function expectNoRaw(text: string): void {
  // Digests, hashes and ids are long hex runs in which "4111" can occur by chance: they are not values.
  const values = text.replace(/[0-9a-f-]{16,}/g, "");
  for (const value of RAW) expect(values).not.toContain(value);
}

describe("an error thrown by a guarded tool leaves the guard masked", () => {
  it("through LangGraph's ToolNode: the error ToolMessage has the card, email and key masked, and the log holds none of them", async () => {
    const { sink, warden, config } = await setup();
    const node = new ToolNode([warden.tool(chargeTool(paymentError))]);
    const call = new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "charge", args: { orderId: "o-1" }, type: "tool_call" }] });
    const { messages } = (await node.invoke({ messages: [call] }, config)) as { messages: ToolMessage[] };
    const [reply] = messages;
    expect(reply?.status).toBe("error");
    const content = String(reply?.content);
    expectNoRaw(content);
    expect(content).toContain("[CREDIT_CARD]");
    expect(content).toContain("[EMAIL]");
    expect(content).toContain("[STRIPE_KEY]");
    expectNoRaw(JSON.stringify(sink.events));
    expect(sink.ofType("tool.error").map((e) => e.data?.error)).toEqual(["redacted"]);
    expect(sink.ofType("mask.applied")).toMatchObject([{ outcome: "success", data: { error: true } }]);
  });

  it("through langchain createAgent with a scripted model: the model never sees the raw values, and the run goes on", async () => {
    const { sink, warden, principal } = await setup();
    const model = scriptedChatModel([[{ name: "charge", args: { orderId: "o-1" } }], "sorry, the charge failed"]);
    const agent = createAgent({ model, tools: [warden.tool(chargeTool(paymentError))], checkpointer: new MemorySaver() });
    const result = (await agent.invoke(ask("charge o-1"), warden.config(principal, { configurable: { thread_id: "t-error" } }))) as { messages: ToolMessage[] };
    const [reply] = toolMessages(result.messages);
    expect(reply?.status).toBe("error");
    // createAgent shows `String(error)`: the masked name and message.
    expect(String(reply?.content)).toContain("[GITHUB_TOKEN]: charge of card [CREDIT_CARD] for [EMAIL]");
    expectNoRaw(JSON.stringify(model.received));
    expectNoRaw(JSON.stringify(result.messages));
    expectNoRaw(JSON.stringify(sink.events));
    expect(result.messages.at(-1)?.content).toBe("sorry, the charge failed");
  });

  it("keeps the error's class, status and code shape, and masks its cause, stack and own properties", async () => {
    const { warden, config } = await setup();
    const error = await warden
      .tool(chargeTool(paymentError))
      .invoke({ orderId: "o-1" }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentError);
    const payment = error as PaymentError;
    expect(payment.status).toBe(402);
    expect(payment.code).toBe("[EMAIL]");
    expect(payment.message).toBe("charge of card [CREDIT_CARD] for [EMAIL] failed with key [STRIPE_KEY]");
    expect(payment.stack).toContain("[CREDIT_CARD]");
    expect((payment.cause as Error).message).toBe("upstream said [EMAIL]");
    expectNoRaw(`${String(payment)} ${payment.stack ?? ""} ${JSON.stringify(payment)}`);
  });

  it("masks a thrown string and an error streamed from a generator tool", async () => {
    const { warden, config } = await setup();
    const thrown = await warden
      .tool(chargeTool(() => `declined: ${CARD}`))
      .invoke({ orderId: "o-1" }, config)
      .catch((e: unknown) => e);
    expect(thrown).toBe("declined: [CREDIT_CARD]");
    const streaming = tool(
      async function* () {
        yield "starting";
        throw new Error(`lost ${EMAIL}`);
      },
      { name: "charge", description: "Charge a card", schema: z.object({ orderId: z.string() }) },
    );
    const streamed = await warden
      .tool(streaming)
      .invoke({ orderId: "o-1" }, config)
      .catch((e: unknown) => e);
    expect((streamed as Error).message).toBe("lost [EMAIL]");
  });

  it("lets an error with nothing to mask through as the same object", async () => {
    const { warden, config } = await setup();
    const plain = new TypeError("orderId o-1 is unknown");
    await expect(warden.tool(chargeTool(() => plain)).invoke({ orderId: "o-1" }, config)).rejects.toBe(plain);
  });

  it("passes LangGraph control-flow errors and Warden's own errors through untouched, even when they carry values", async () => {
    const { warden, config } = await setup();
    const pause = new GraphInterrupt([{ id: "i1", value: { ask: `confirm ${EMAIL}` } }]);
    await expect(warden.tool(chargeTool(() => pause)).invoke({ orderId: "o-1" }, config)).rejects.toBe(pause);
    const parent = new ParentCommand(new Command({ update: { note: EMAIL } }));
    await expect(warden.tool(chargeTool(() => parent)).invoke({ orderId: "o-1" }, config)).rejects.toBe(parent);
    const denied = new AccessDeniedError("tool", "inner", "not permitted");
    await expect(warden.tool(chargeTool(() => denied)).invoke({ orderId: "o-1" }, config)).rejects.toBe(denied);
  });

  it("withholds an error holding a blocked type", async () => {
    const { sink, warden, config } = await setup({ rules: { credit_card: "block" } });
    const error = await warden
      .tool(chargeTool(paymentError))
      .invoke({ orderId: "o-1" }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskingBlockedError);
    expect(sink.ofType("mask.applied")).toMatchObject([{ outcome: "denied", data: { blocked: true } }]);
    expect(sink.ofType("tool.error")).toHaveLength(1);
    expectNoRaw(JSON.stringify(sink.events));
  });
});

describe("error codes and names in the audit log", () => {
  it("records an identifier-like code as written, and a code or name holding a value as redacted", async () => {
    const { sink, warden, config } = await setup();
    const guarded = warden.tool(chargeTool(() => new PaymentError("declined", "ECARD_DECLINED")));
    await guarded.invoke({ orderId: "o-1" }, config).catch(() => undefined);
    const named = new Error("declined");
    named.name = GITHUB;
    await warden
      .tool(chargeTool(() => named))
      .invoke({ orderId: "o-2" }, config)
      .catch(() => undefined);
    const coded = Object.assign(new Error("declined"), { code: `E${CARD.replaceAll(" ", "")}` });
    await warden
      .tool(chargeTool(() => coded))
      .invoke({ orderId: "o-3" }, config)
      .catch(() => undefined);
    expect(sink.ofType("tool.error").map((e) => e.data?.error)).toEqual(["ECARD_DECLINED", "redacted", "redacted"]);
    expectNoRaw(JSON.stringify(sink.events));
  });
});

describe("every failure is recorded", () => {
  it("records each run that throws one shared error instance", async () => {
    const { sink, warden, config } = await setup();
    const shared = new Error(`not found: ${EMAIL}`);
    const guarded = warden.tool(chargeTool(() => shared));
    for (const orderId of ["o-1", "o-2"]) await expect(guarded.invoke({ orderId }, config)).rejects.toThrow("not found: [EMAIL]");
    expect(sink.ofType("tool.error")).toHaveLength(2);
  });
});

describe("an error thrown by a guarded model's provider leaves the guard masked", () => {
  it("masks a provider error that quotes the prompt", async () => {
    const { sink, warden, config } = await setup();
    const model = scriptedChatModel((messages) => {
      throw new Error(`provider rejected the prompt: ${String(messages.at(-1)?.content)}`);
    });
    const error = await warden
      .model(model)
      .invoke([["human", `my card is ${CARD} and my mail ${EMAIL}`]], config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("provider rejected the prompt: my card is [CREDIT_CARD] and my mail [EMAIL]");
    expectNoRaw(JSON.stringify(sink.events));
    expect(sink.ofType("mask.applied")).toMatchObject([{ target: { kind: "model" }, data: { error: true } }]);
  });
});

describe("a WardenError a tool throws itself", () => {
  it("is masked like any other error: its class is kept, its message and cause are not raw", async () => {
    const { WardenError } = await import("langchain-warden");
    const { warden, config } = await setup();
    const thrown = new WardenError("WARDEN_ERROR", failingMessage, { cause: new Error(`upstream said ${EMAIL}`) });
    const error = await warden
      .tool(chargeTool(() => thrown))
      .invoke({ orderId: "o-1" }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WardenError);
    expectNoRaw(String(error));
    expectNoRaw((error as Error).message);
    expectNoRaw(String((error as Error).cause));
  });
});
