/**
 * A provider-free estimate of how many tokens a prompt holds, used to reserve
 * a token budget before a call (settled with the provider's `usage_metadata`
 * after it) and to refuse a prompt over `maxInputTokens`.
 *
 * @module
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";

/** Characters per token of the estimate: about four for English text with the common tokenizers. */
export const CHARS_PER_TOKEN = 4;

/** Characters of a message's content: text, and the text and JSON of structured blocks. */
function contentLength(content: BaseMessage["content"]): number {
  if (typeof content === "string") return content.length;
  let length = 0;
  for (const block of content) {
    const text = (block as { text?: unknown }).text;
    length += typeof text === "string" ? text.length : JSON.stringify(block).length;
  }
  return length;
}

/**
 * Estimated tokens of `messages`: their content and tool-call arguments at
 * {@link CHARS_PER_TOKEN} characters a token, plus a few tokens of framing per
 * message. At least 1.
 */
export function estimateTokens(messages: readonly BaseMessage[]): number {
  let characters = 0;
  for (const message of messages) {
    characters += contentLength(message.content) + 16;
    if (AIMessage.isInstance(message)) for (const call of message.tool_calls ?? []) characters += call.name.length + JSON.stringify(call.args).length;
  }
  return Math.max(1, Math.ceil(characters / CHARS_PER_TOKEN));
}
