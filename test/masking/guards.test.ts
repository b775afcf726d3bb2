import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { AccessDeniedError, createWarden, guardModel, guardTool, InvalidTokenError, MaskingBlockedError, pendingApprovals, type WardenMaskingOptions } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const EMAIL = "jane.doe@example.com";
const CARD = "4242 4242 4242 4242";
const idp = createTestIdentity();

function setup(masking?: WardenMaskingOptions | false) {
  const sink = memorySink();
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink },
    ...(masking !== undefined ? { masking } : {}),
    policy: {
      tools: {
        lookup: { scopes: [] },
        lookup_raw: { scopes: [] },
        send_email: { scopes: [] },
        close_account: { scopes: [], approval: true },
      },
      models: { default: { scopes: [] } },
    },
  });
  return { sink, warden };
}

const lookup = tool(async ({ id }) => `customer ${id}: ${EMAIL}, card ${CARD}`, {
  name: "lookup",
  description: "Look up a customer",
  schema: z.object({ id: z.string() }),
});
const call = (name: string, args: Record<string, unknown>) => ({ type: "tool_call" as const, id: `call-${name}`, name, args });

describe("guards mask what leaves them", () => {
  it("masks a tool's text result by default and records counts by type, never values", async () => {
    const { sink, warden } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const result = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(principal))) as ToolMessage;
    expect(result.content).toBe("customer c1: [EMAIL], card [CREDIT_CARD]");
    const [applied] = sink.ofType("mask.applied");
    expect(applied?.data).toEqual({ counts: { credit_card: 1, email: 1 } });
    expect(applied?.target).toEqual({ kind: "tool", name: "lookup" });
    const log = JSON.stringify(sink.events);
    expect(log).not.toContain(EMAIL);
    // The card as written, or its digits run together: a random hex digest may hold "4242", never these.
    expect(log).not.toContain(CARD);
    expect(log).not.toContain(CARD.replaceAll(" ", ""));
  });

  it("masks structured results, ToolMessage content blocks and artifacts", async () => {
    const { warden } = setup();
    const principal = await warden.authenticate(await idp.issue({}));
    const json = tool(async () => ({ customer: { email: EMAIL, notes: ["call back", `card ${CARD}`] } }), {
      name: "lookup_raw",
      description: "x",
      schema: z.object({}),
    });
    const jsonResult = (await warden.tool(json).invoke(call("lookup_raw", {}), warden.config(principal))) as ToolMessage;
    expect(JSON.parse(String(jsonResult.content))).toEqual({ customer: { email: "[EMAIL]", notes: ["call back", "card [CREDIT_CARD]"] } });

    const blocks = tool(
      async (_args, config) =>
        new ToolMessage({
          tool_call_id: config.toolCall?.id ?? "",
          content: [{ type: "text", text: `mail ${EMAIL}` }],
          artifact: { raw: EMAIL },
        }),
      { name: "lookup_raw", description: "x", schema: z.object({}) },
    );
    const message = (await warden.tool(blocks).invoke(call("lookup_raw", {}), warden.config(principal))) as ToolMessage;
    expect(message.content).toEqual([{ type: "text", text: "mail [EMAIL]" }]);
    expect(message.artifact).toEqual({ raw: "[EMAIL]" });

    const pair = tool(async () => [`mail ${EMAIL}`, { raw: EMAIL }], {
      name: "lookup_raw",
      description: "x",
      schema: z.object({}),
      responseFormat: "content_and_artifact",
    });
    const paired = (await warden.tool(pair).invoke(call("lookup_raw", {}), warden.config(principal))) as ToolMessage;
    expect(paired.content).toBe("mail [EMAIL]");
    expect(paired.artifact).toEqual({ raw: "[EMAIL]" });
  });

  it("lets a principal holding a reveal scope see the types it grants, and only those", async () => {
    const { warden } = setup({ reveal: { "pii:read": ["email"] } });
    const reader = await warden.authenticate(await idp.issue({ scope: "pii:read" }));
    const other = await warden.authenticate(await idp.issue({}));
    const seen = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(reader))) as ToolMessage;
    expect(seen.content).toBe(`customer c1: ${EMAIL}, card [CREDIT_CARD]`);
    const hidden = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(other))) as ToolMessage;
    expect(hidden.content).toBe("customer c1: [EMAIL], card [CREDIT_CARD]");
  });

  it("withholds an output holding a blocked type, and records it", async () => {
    const { sink, warden } = setup({ rules: { credit_card: "block" } });
    const principal = await warden.authenticate(await idp.issue({}));
    const error = await warden
      .tool(lookup)
      .invoke({ id: "c1" }, warden.config(principal))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaskingBlockedError);
    expect((error as MaskingBlockedError).code).toBe("WARDEN_MASK_BLOCKED");
    expect(String((error as Error).message)).not.toContain("4242");
    expect(sink.ofType("mask.applied")[0]).toMatchObject({ outcome: "denied", data: { blocked: true } });
    expect(sink.ofType("tool.error")).toHaveLength(1);
  });

  it("passes outputs through untouched with masking: false", async () => {
    const { sink, warden } = setup(false);
    const principal = await warden.authenticate(await idp.issue({}));
    const result = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(principal))) as ToolMessage;
    expect(result.content).toContain(EMAIL);
    expect(sink.ofType("mask.applied")).toEqual([]);
    expect(warden.masker).toBeUndefined();
  });

  it("shows approvers masked arguments, while the tool runs with the real ones", async () => {
    const { warden } = setup();
    const ran: unknown[] = [];
    const close = tool(async (args) => (ran.push(args), "closed"), { name: "close_account", description: "x", schema: z.object({ email: z.string() }) });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode([warden.tool(close)]))
      .addEdge("__start__", "tools")
      .compile({ checkpointer: new MemorySaver() });
    const alice = await warden.authenticate(await idp.issue({ sub: "alice" }));
    const config = warden.config(alice, { configurable: { thread_id: "t-approve" } });
    const input = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "close_account", args: { email: EMAIL } }] })] };
    const [pending] = pendingApprovals(await graph.invoke(input, config));
    expect(pending?.request.args).toEqual({ email: "[EMAIL]" });
    expect(JSON.stringify(pending?.request)).not.toContain(EMAIL);
    const approverToken = await idp.issue({ sub: "mgr", scope: "approvals:close_account" });
    await graph.invoke(new Command({ resume: { requestId: pending!.request.id, decision: "approve", approverToken } }), config);
    expect(ran).toEqual([{ email: EMAIL }]);
  });
});

describe("guarded chat models", () => {
  it("refuses a model with no policy rule (deny by default) and records it", async () => {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, audit: { sink }, policy: {} });
    const principal = await warden.authenticate(await idp.issue({}));
    const model = warden.model(scriptedChatModel(["hi"]), "assistant");
    await expect(model.invoke("hello", warden.config(principal))).rejects.toBeInstanceOf(AccessDeniedError);
    expect(sink.ofType("access.denied")[0]?.target).toEqual({ kind: "model", name: "assistant" });
  });

  it("masks prompts with tokens, and restores them for the tool of the same tenant and thread only", async () => {
    const { sink, warden } = setup({ strategy: "tokenize", maskModelInput: true });
    const sent: string[] = [];
    const sendEmail = tool(async ({ to }) => (sent.push(to), `sent to ${to}`), { name: "send_email", description: "x", schema: z.object({ to: z.string() }) });
    const model = scriptedChatModel((messages: readonly BaseMessage[]) => {
      const last = messages.at(-1);
      if (HumanMessage.isInstance(last)) {
        const token = /<EMAIL_TOKEN:[^>]+>/.exec(last.text)?.[0] ?? "none";
        return [{ name: "send_email", args: { to: token } }];
      }
      return "done";
    });
    const agent = createAgent({ model: warden.model(model), tools: warden.tools([sendEmail]), checkpointer: new MemorySaver() });
    const ann = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme" }));
    await agent.invoke({ messages: [{ role: "user", content: `please write to ${EMAIL}` }] }, warden.config(ann, { configurable: { thread_id: "t-mail" } }));
    // The provider never saw the address; the tool got it back.
    expect(JSON.stringify(model.received)).not.toContain(EMAIL);
    expect(sent).toEqual([EMAIL]);
    expect(sink.ofType("mask.applied").some((e) => e.target.kind === "model")).toBe(true);

    // The same token in another thread, or for another tenant, is not restored.
    const token = /<EMAIL_TOKEN:[^>]+>/.exec(JSON.stringify(model.received))?.[0];
    expect(token).toBeDefined();
    const guardedSend = warden.tool(sendEmail);
    await guardedSend.invoke({ to: token! }, warden.config(ann, { configurable: { thread_id: "another-thread" } }));
    const bob = await warden.authenticate(await idp.issue({ sub: "bob", tenant: "other" }));
    await guardedSend.invoke({ to: token! }, warden.config(bob, { configurable: { thread_id: "t-mail" } }));
    expect(sent.slice(1)).toEqual([token, token]);
  });

  it("restores tokens with warden.unmask only for holders of the unmask scope", async () => {
    const { sink, warden } = setup({ strategy: "tokenize" });
    const ann = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme", scope: "pii:unmask" }));
    const eve = await warden.authenticate(await idp.issue({ sub: "eve", tenant: "acme" }));
    const masked = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(ann, { configurable: { thread_id: "t1" } }))) as ToolMessage;
    expect(String(masked.content)).not.toContain(EMAIL);
    await warden.masker!.flush();
    expect(await warden.unmask(String(masked.content), ann, { threadId: "t1" })).toContain(EMAIL);
    await expect(warden.unmask(String(masked.content), eve, { threadId: "t1" })).rejects.toBeInstanceOf(AccessDeniedError);
    const unmasks = sink.events.filter((e) => e.target.name === "unmask");
    expect(unmasks.map((e) => e.type)).toEqual(["access.allowed", "access.denied"]);
    expect(unmasks.map((e) => e.run?.threadId)).toEqual(["t1", "t1"]);
  });
});

describe("warden.unmask with an expired principal", () => {
  it("refuses to restore values once the holder's token has expired, and records the refusal", async () => {
    const clock = fakeClock();
    // Tokens minted on the warden's clock: on real time, a second boundary between the two would make them "not valid yet".
    const idp = createTestIdentity({ clock });
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, clock, audit: { sink }, masking: { strategy: "tokenize" }, policy: { tools: { lookup: { scopes: [] } } } });
    const ann = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme", scope: "pii:unmask" }, { expiresIn: "1m" }));
    const masked = (await warden.tool(lookup).invoke(call("lookup", { id: "c1" }), warden.config(ann, { configurable: { thread_id: "t1" } }))) as ToolMessage;
    await warden.masker!.flush();
    expect(await warden.unmask(String(masked.content), ann, { threadId: "t1" })).toContain(EMAIL);
    clock.advance(120_000);
    await expect(warden.unmask(String(masked.content), ann, { threadId: "t1" })).rejects.toBeInstanceOf(InvalidTokenError);
    const refusal = sink.events.filter((e) => e.target.name === "unmask").at(-1);
    expect(refusal).toMatchObject({ type: "access.denied", reason: "token expired", actor: { sub: "ann", tenant: "acme" }, run: { threadId: "t1" } });
  });
});

describe("guards without the facade", () => {
  it("guardModel enforces the models policy and masks nothing it was not asked to", async () => {
    const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {} });
    const principal = await warden.authenticate(await idp.issue({ scope: "llm:use" }));
    const allowed = guardModel(scriptedChatModel(["fine"]), { audit: { sink: memorySink() }, policy: { models: { default: { scopes: ["llm:use"] } } } });
    expect((await allowed.invoke("hi", { configurable: { __warden_principal: principal } })).content).toBe("fine");
    const refused = guardModel(scriptedChatModel(["fine"]), { audit: { sink: memorySink() }, policy: { models: { default: { scopes: ["llm:admin"] } } } });
    await expect(refused.invoke("hi", { configurable: { __warden_principal: principal } })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(allowed.invoke("hi")).rejects.toMatchObject({ code: "WARDEN_MISSING_PRINCIPAL" });
  });

  it("guardTool masks results by default, like warden.tool", async () => {
    const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {} });
    const principal = await warden.authenticate(await idp.issue({}));
    const guarded = guardTool(lookup, { audit: { sink: memorySink() }, policy: { tools: { lookup: { scopes: [] } } } });
    const result = (await guarded.invoke(call("lookup", { id: "c1" }), { configurable: { __warden_principal: principal } })) as ToolMessage;
    expect(result.content).toBe("customer c1: [EMAIL], card [CREDIT_CARD]");
  });
});

describe("policy reasons", () => {
  it("masks a condition's reason that quotes the arguments, in the audit log and for the model", async () => {
    const sink = memorySink();
    const warden = createWarden({
      identity: idp.identity,
      audit: { sink },
      policy: { tools: { send_email: { scopes: [], when: ({ args }) => `mail to ${String(args.to)} is not allowed` } } },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    const send = tool(async () => "sent", { name: "send_email", description: "x", schema: z.object({ to: z.string() }) });
    const reply = (await warden.tool(send).invoke(call("send_email", { to: EMAIL }), warden.config(principal))) as ToolMessage;
    expect(reply.content).toBe("Access denied: mail to [EMAIL] is not allowed.");
    expect(JSON.stringify(sink.events)).not.toContain(EMAIL);
  });
});
