import { BaseChatModel, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/** One tool call the fake model asks for. */
export interface ScriptedToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** One model turn: tool calls to request, or a final text answer. */
export type Turn = readonly ScriptedToolCall[] | string;

/** Picks the next turn from the conversation so far (a pure function, so concurrent runs stay independent). */
export type Responder = (messages: readonly BaseMessage[]) => Turn;

function toolName(tool: BindToolsInput): string {
  const candidate = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof candidate.name === "string") return candidate.name;
  if (typeof candidate.function?.name === "string") return candidate.function.name;
  return "<unnamed>";
}

/**
 * A chat model that answers from a script. `bindTools` records the tool names
 * it was given and returns the model itself. Each answer depends only on the
 * messages it receives, so one instance can serve many threads at once.
 */
export class ScriptedChatModel extends BaseChatModel {
  /** Every message list the model was called with, in call order. */
  readonly received: BaseMessage[][] = [];
  /** The tool names of every `bindTools` call, in call order. */
  readonly boundTools: string[][] = [];
  private readonly responder: Responder;

  constructor(responder: Responder) {
    super({});
    this.responder = responder;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: BindToolsInput[]): this {
    this.boundTools.push(tools.map(toolName));
    return this;
  }

  /** The tool names of the latest `bindTools` call. */
  get lastBoundTools(): string[] | undefined {
    return this.boundTools.at(-1);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.received.push([...messages]);
    const turn = this.responder(messages);
    const message =
      typeof turn === "string"
        ? new AIMessage({ content: turn })
        : new AIMessage({
            content: "",
            tool_calls: turn.map((call, i) => ({
              type: "tool_call" as const,
              // Unique within a thread: the conversation only grows.
              id: `call_${messages.length}_${i}`,
              name: call.name,
              args: call.args,
            })),
          });
    return { generations: [{ text: typeof turn === "string" ? turn : "", message }] };
  }
}

/** Number of model answers since the latest human message: the index of the turn being asked for. */
export function turnIndex(messages: readonly BaseMessage[]): number {
  let index = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (HumanMessage.isInstance(message)) break;
    if (AIMessage.isInstance(message)) index++;
  }
  return index;
}

/** A model that plays `turns` in order after each human message, then answers `"done"`. */
export function scriptedModel(turns: readonly Turn[]): ScriptedChatModel {
  return new ScriptedChatModel((messages) => turns[turnIndex(messages)] ?? "done");
}

/** The text of the latest human message. */
export function lastHumanText(messages: readonly BaseMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (HumanMessage.isInstance(message)) return message.text;
  }
  return "";
}
