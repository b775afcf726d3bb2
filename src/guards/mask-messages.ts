import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";

/**
 * Masks messages before a provider, a trace or a checkpoint sees them: every
 * message's content (text or structured blocks, adjacent text blocks as one
 * text), its name, the tool-call arguments of model turns (parsed, streamed
 * chunks and unparsable calls), tool artifacts, and provider-specific
 * `additional_kwargs` and `response_metadata` — keys and numbers included
 * (see `Masker.maskDeep`). Ids and token usage are kept. Returns new messages
 * of the same classes; the input is left untouched.
 */
export function maskMessages(masker: Masker, messages: readonly BaseMessage[], options: MaskCallOptions): { messages: BaseMessage[]; findings: { type: string }[] } {
  const findings: { type: string }[] = [];
  const deep = <T>(value: T): T => {
    const result = masker.maskDeep(value, options);
    findings.push(...result.findings);
    return result.value;
  };
  const masked = messages.map((message) => {
    const fields: Record<string, unknown> = {
      ...(message.lc_kwargs as Record<string, unknown>),
      content: deep(message.content),
      additional_kwargs: deep(message.additional_kwargs),
      response_metadata: deep(message.response_metadata),
    };
    if (message.name !== undefined) fields.name = deep(message.name);
    const artifact = (message as { artifact?: unknown }).artifact;
    if (artifact !== undefined) fields.artifact = deep(artifact);
    if (message.id !== undefined) fields.id = message.id;
    if (AIMessage.isInstance(message) || AIMessageChunk.isInstance(message)) {
      // Token usage is numbers the provider counted: kept as it is, even when set after construction.
      if (message.usage_metadata !== undefined) fields.usage_metadata = message.usage_metadata;
      // Every place a model turn keeps its arguments: parsed calls, and the raw text of
      // streamed chunks and unparsable calls (a chunk rebuilds its calls from its chunks).
      if (message.tool_calls) fields.tool_calls = message.tool_calls.map((call) => ({ ...call, args: deep(call.args) }));
      if (message.invalid_tool_calls) fields.invalid_tool_calls = message.invalid_tool_calls.map((call) => ({ ...call, args: deep(call.args) }));
      const chunks = (message as AIMessageChunk).tool_call_chunks;
      if (chunks) fields.tool_call_chunks = chunks.map((chunk) => ({ ...chunk, args: deep(chunk.args) }));
    }
    const MessageClass = message.constructor as new (fields: Record<string, unknown>) => BaseMessage;
    return new MessageClass(fields);
  });
  return { messages: masked, findings };
}
