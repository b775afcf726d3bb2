import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, isCommand, Send } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createMasker, createWarden } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const CARD = 4111111111111111;
const PHONE = 14155552671;
const EMAIL = "alice@example.com";
const OTHER_EMAIL = "bob@example.com";
const KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const RAW = [String(CARD), "4111 1111", String(PHONE), EMAIL, OTHER_EMAIL, KEY];

function expectNoRaw(text: string): void {
  for (const value of RAW) expect(text).not.toContain(value);
}

async function setup(masking: Record<string, unknown> = {}) {
  const idp = createTestIdentity();
  const sink = memorySink();
  const warden = createWarden({
    identity: idp.identity,
    policy: { tools: { lookup: { scopes: [] } }, models: { default: { scopes: [] } } },
    audit: { sink },
    masking,
  });
  const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
  return { sink, warden, config };
}

const lookup = (returns: (toolCallId: string) => unknown) =>
  tool(async (_input, runtime) => returns(runtime.toolCall?.id ?? "call_1"), { name: "lookup", description: "Look up", schema: z.object({}) });

/** Runs a guarded tool through LangGraph's ToolNode, as an agent does, and returns the message the model will see. */
async function throughToolNode(returns: (toolCallId: string) => unknown) {
  const fx = await setup();
  const node = new ToolNode([fx.warden.tool(lookup(returns))]);
  const call = new AIMessage({ content: "", tool_calls: [{ id: "call_1", name: "lookup", args: {}, type: "tool_call" }] });
  const out = (await node.invoke({ messages: [call] }, fx.config)) as { messages: ToolMessage[] } | Command[];
  return { ...fx, out };
}

describe("structured tool output is masked as the model will see it", () => {
  it("masks a card and a phone returned as JSON numbers; a masked number becomes its placeholder string", async () => {
    const { out, sink } = await throughToolNode(() => ({ card: CARD, phone: PHONE, amount: 42 }));
    const [reply] = (out as { messages: ToolMessage[] }).messages;
    const content = String(reply?.content);
    expectNoRaw(content);
    expect(JSON.parse(content)).toEqual({ card: "[CREDIT_CARD]", phone: "[PHONE]", amount: 42 });
    expect(sink.ofType("mask.applied")[0]?.data?.counts).toEqual({ credit_card: 1, phone: 1 });
  });

  it("masks emails and keys used as object keys, and keeps every value when masked keys collide", async () => {
    const { out } = await throughToolNode(() => ({ balances: { [EMAIL]: 1, [OTHER_EMAIL]: 2, "[EMAIL]": 3, [KEY]: 4 } }));
    const [reply] = (out as { messages: ToolMessage[] }).messages;
    const content = String(reply?.content);
    expectNoRaw(content);
    // Keys left as they were keep their names; masked keys that meet a taken name get #2, #3 in order.
    expect(JSON.parse(content)).toEqual({ balances: { "[EMAIL]#2": 1, "[EMAIL]#3": 2, "[EMAIL]": 3, "[STRIPE_KEY]": 4 } });
  });

  it("finds a card split across adjacent text blocks, and keeps the blocks", async () => {
    const { out } = await throughToolNode(
      (id) =>
        new ToolMessage({
          content: [
            { type: "text", text: "card 4111 1111" },
            { type: "text", text: " 1111 1111 on file" },
          ],
          tool_call_id: id,
        }),
    );
    const [reply] = (out as { messages: ToolMessage[] }).messages;
    expectNoRaw(JSON.stringify(reply?.content));
    expect(reply?.content).toEqual([
      { type: "text", text: "card " },
      { type: "text", text: "[CREDIT_CARD] on file" },
    ]);
  });

  it("masks every field of a returned ToolMessage: response_metadata, name, kwargs, artifact", async () => {
    const { out } = await throughToolNode(
      (id) =>
        new ToolMessage({
          content: "found",
          name: "lookup",
          tool_call_id: id,
          artifact: { rows: [{ card: CARD }] },
          additional_kwargs: { [EMAIL]: true },
          response_metadata: { contact: EMAIL, phone: PHONE, headers: { authorization: `Bearer ${KEY}` } },
        }),
    );
    const [reply] = (out as { messages: ToolMessage[] }).messages;
    expectNoRaw(JSON.stringify({ ...reply, lc_kwargs: undefined }));
    expectNoRaw(JSON.stringify(reply?.lc_kwargs));
    expect(reply?.response_metadata).toMatchObject({ contact: "[EMAIL]", phone: "[PHONE]" });
    expect(reply?.tool_call_id).toBe("call_1");
  });

  it("masks a Command's update in every channel (messages' metadata, numbers and keys) and its Sends' arguments", async () => {
    const { out } = await throughToolNode(
      (id) =>
        new Command({
          update: {
            messages: [new ToolMessage({ content: "saved", tool_call_id: id, response_metadata: { by: EMAIL } })],
            profile: { card: CARD, contacts: { [EMAIL]: { phone: PHONE } } },
          },
          goto: [new Send("notify", { to: EMAIL, card: CARD })],
        }),
    );
    const [command] = out as Command[];
    expect(isCommand(command)).toBe(true);
    const update = (command as Command).update as { messages: ToolMessage[]; profile: unknown };
    expectNoRaw(JSON.stringify(update.profile));
    expectNoRaw(JSON.stringify(update.messages[0]?.response_metadata));
    expect(update.profile).toEqual({ card: "[CREDIT_CARD]", contacts: { "[EMAIL]": { phone: "[PHONE]" } } });
    const [send] = (command as Command).goto as Send[];
    expect(send).toBeInstanceOf(Send);
    expect(send?.args).toEqual({ to: "[EMAIL]", card: "[CREDIT_CARD]" });
  });
});

describe("a guarded model's prompt is masked in keys, numbers and split text blocks", () => {
  it("masks what the provider sees with maskModelInput", async () => {
    const { warden, config } = await setup({ maskModelInput: true });
    const model = scriptedChatModel(["ok"]);
    const history: BaseMessage[] = [
      new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "pay", args: { card: CARD }, type: "tool_call" }] }),
      new ToolMessage({
        tool_call_id: "c1",
        content: [
          { type: "text", text: "receipt for card 4111 1111" },
          { type: "text", text: " 1111 1111" },
        ],
        response_metadata: { [EMAIL]: { phone: PHONE } },
      }),
    ];
    await warden.model(model).invoke(history, config);
    const seen = JSON.stringify(model.received);
    expectNoRaw(seen);
  });
});

describe("maskDeep on maps", () => {
  it("masks string Map keys and tells colliding ones apart", () => {
    const masker = createMasker();
    const { value } = masker.maskDeep(
      new Map<unknown, unknown>([
        [EMAIL, 1],
        [OTHER_EMAIL, 2],
        [7, CARD],
      ]),
    );
    expect([...(value as Map<unknown, unknown>)]).toEqual([
      ["[EMAIL]", 1],
      ["[EMAIL]#2", 2],
      [7, "[CREDIT_CARD]"],
    ]);
  });
});
