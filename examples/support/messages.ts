/** Small helpers for reading and writing agent messages in the examples. */
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";

/** An assistant turn that asks for one tool call. */
export function callTool(name: string, args: Record<string, unknown>, id: string): AIMessage {
  return new AIMessage({ content: "", tool_calls: [{ type: "tool_call", id, name, args }] });
}

/** The last tool result in a conversation, or undefined. */
export function lastToolMessage(messages: readonly BaseMessage[]): ToolMessage | undefined {
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
