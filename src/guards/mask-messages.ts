import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";

/**
 * Masks a conversation before a provider sees it: every message's content
 * (text or structured blocks), the tool-call arguments of earlier model turns,
 * and provider-specific `additional_kwargs`. Returns new messages of the same
 * classes; the input is left untouched.
 */
export function maskMessages(masker: Masker, messages: readonly BaseMessage[], options: MaskCallOptions): { messages: BaseMessage[]; findings: { type: string }[] } {
  const findings: { type: string }[] = [];
  const deep = <T>(value: T): T => {
    const result = masker.maskDeep(value, options);
    findings.push(...result.findings);
    return result.value;
  };
  const masked = messages.map((message) => {
    const content = typeof message.content === "string" ? deep(message.content) : deep(message.content);
    const fields: Record<string, unknown> = {
      ...(message.lc_kwargs as Record<string, unknown>),
      content,
      additional_kwargs: deep(message.additional_kwargs),
    };
    if (AIMessage.isInstance(message) && message.tool_calls) {
      fields.tool_calls = message.tool_calls.map((call) => ({ ...call, args: deep(call.args) }));
    }
    const MessageClass = message.constructor as new (fields: Record<string, unknown>) => BaseMessage;
    return new MessageClass(fields);
  });
  return { messages: masked, findings };
}
