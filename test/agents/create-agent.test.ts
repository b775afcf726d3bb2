import { MemorySaver } from "@langchain/langgraph";
import { createAgent, createMiddleware } from "langchain";
import type { GuardedTool } from "langchain-warden";
import { type ScriptedChatModel, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { agentHandle, ask, lastMessage, setup, thread, toolMessages } from "./fixtures.js";
import { describeGuardedAgent } from "./guarded-agent-suite.js";

const title = "langchain createAgent with guarded tools";

/** A middleware that only forwards tool calls. */
const passThrough = createMiddleware({
  name: "PassThrough",
  wrapToolCall: (request, handler) => handler(request),
});

function langchainAgent(model: ScriptedChatModel, tools: GuardedTool[], options: { checkpointer?: MemorySaver; middleware?: (typeof passThrough)[] } = {}) {
  const agent = createAgent({
    model,
    tools,
    checkpointer: options.checkpointer ?? new MemorySaver(),
    ...(options.middleware ? { middleware: options.middleware } : {}),
  });
  return agentHandle(agent);
}

describeGuardedAgent({
  title,
  build: (model, tools, checkpointer) => langchainAgent(model, tools, { checkpointer }),
  rethrowing: {
    when: "when a wrapToolCall middleware is in the stack",
    build: (model, tools) => langchainAgent(model, tools, { middleware: [passThrough] }),
  },
  // createAgent's default tool-error handler turns any thrown error into `<name>: <message>`.
  toolErrorText: (name, message) => `${name}: ${message}\n Please fix your mistakes.`,
  unknownToolText: (name, available) => `Error: ${name} is not a valid tool, try one of [${available.join(", ")}].`,
  // createAgent binds the tools again before every model call.
  rebindsToolsPerModelCall: true,
});

describe(title, () => {
  it("still answers a policy denial with an error ToolMessage when a wrapToolCall middleware is in the stack", async () => {
    const fx = setup();
    const alice = await fx.login("alice", "orders:read");
    const model = scriptedChatModel([[{ name: "refund_order", args: { orderId: "o-1", amount: 5 } }]]);
    const { invoke } = langchainAgent(model, fx.warden.tools([fx.tools.refundOrder]), { middleware: [passThrough] });

    const result = await invoke(ask("refund o-1"), fx.warden.config(alice, thread("thread-scope-middleware")));

    expect(fx.ran).toEqual([]);
    const [reply] = toolMessages(result.messages);
    expect(reply?.status).toBe("error");
    expect(reply?.content).toBe('Access denied: you are not permitted to use the tool "refund_order".');
    expect(lastMessage(result)?.content).toBe("done");
    expect(fx.sink.ofType("access.denied").map((e) => e.data?.code)).toEqual(["missing-scope"]);
  });
});
