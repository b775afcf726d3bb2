import { MemorySaver } from "@langchain/langgraph";
import { createReactAgent, ToolNode } from "@langchain/langgraph/prebuilt";
import type { ScriptedChatModel } from "langchain-warden/testing";
import { agentHandle } from "./fixtures.js";
import { describeGuardedAgent } from "./guarded-agent-suite.js";

type AgentTools = Parameters<typeof createReactAgent>[0]["tools"];

function reactAgent(model: ScriptedChatModel, tools: AgentTools, checkpointSaver = new MemorySaver()) {
  return agentHandle(createReactAgent({ llm: model, tools, checkpointSaver }));
}

describeGuardedAgent({
  title: "createReactAgent with guarded tools",
  build: (model, tools, checkpointSaver) => reactAgent(model, tools, checkpointSaver),
  rethrowing: {
    when: "when the ToolNode does not handle tool errors",
    build: (model, tools) => reactAgent(model, new ToolNode(tools, { handleToolErrors: false })),
  },
  // The prebuilt ToolNode (handleToolErrors: true) turns the thrown error into `Error: <message>`.
  toolErrorText: (_name, message) => `Error: ${message}\n Please fix your mistakes.`,
  unknownToolText: (name) => `Error: Tool "${name}" not found.\n Please fix your mistakes.`,
  rebindsToolsPerModelCall: false,
});
