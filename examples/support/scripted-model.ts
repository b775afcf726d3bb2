import { BaseChatModel, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/**
 * One turn of a script: a fixed message, a plain text answer, or a function
 * of the conversation so far (to answer from the last tool result).
 */
export type ScriptStep = AIMessage | string | ((messages: BaseMessage[]) => AIMessage | string);

/** An assistant turn that asks for one tool call. */
export function callTool(name: string, args: Record<string, unknown>, id: string): AIMessage {
  return new AIMessage({ content: "", tool_calls: [{ type: "tool_call", id, name, args }] });
}

/** The last tool result in a conversation, or undefined. */
export function lastToolMessage(messages: BaseMessage[]): ToolMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (ToolMessage.isInstance(message)) return message;
  }
  return undefined;
}

/** The text of a message's content (string or content blocks). */
export function textOf(message: BaseMessage | undefined): string {
  if (!message) return "";
  const { content } = message;
  if (typeof content === "string") return content;
  return content.map((block) => ("text" in block && typeof block.text === "string" ? block.text : "")).join("");
}

/**
 * A chat model that plays back a script, one step per call: tool calls first,
 * then a final answer. No network and no API key; deterministic. `bindTools`
 * records the names of the tools it was offered and returns the model itself.
 */
export class ScriptedChatModel extends BaseChatModel {
  static override lc_name(): string {
    return "ScriptedChatModel";
  }

  /** Names of the tools bound by the last `bindTools` call. */
  offeredTools: string[] = [];
  private readonly steps: ScriptStep[];
  private cursor = 0;

  /** @param steps - the turns to play back, in order */
  constructor(steps: ScriptStep[] = []) {
    super({});
    this.steps = [...steps];
  }

  /** Appends turns to the script. */
  push(...steps: ScriptStep[]): this {
    this.steps.push(...steps);
    return this;
  }

  /** Turns not played yet. */
  get remaining(): number {
    return this.steps.length - this.cursor;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: BindToolsInput[]): this {
    this.offeredTools = tools.map((t) => {
      const named = t as { name?: unknown; function?: { name?: unknown } };
      if (typeof named.name === "string") return named.name;
      if (typeof named.function?.name === "string") return named.function.name;
      return "(unnamed)";
    });
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const step = this.steps[this.cursor];
    if (step === undefined) throw new Error("ScriptedChatModel: the script has no more turns");
    this.cursor++;
    const produced = typeof step === "function" ? step(messages) : step;
    const message = typeof produced === "string" ? new AIMessage(produced) : produced;
    return { generations: [{ text: textOf(message), message }] };
  }
}
