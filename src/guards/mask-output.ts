import { type BaseMessage, isBaseMessage, ToolMessage } from "@langchain/core/messages";
import type { Command, Send } from "@langchain/langgraph";
import { isCommand, isSend } from "../langgraph-signals.js";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";
import { maskMessages } from "./mask-messages.js";

/** A masked tool output and what was found in it. */
export interface MaskedOutput {
  output: unknown;
  findings: readonly { type: string }[];
}

function maskAny(masker: Masker, value: unknown, options: MaskCallOptions): MaskedOutput {
  if (typeof value === "string") {
    const { text, findings } = masker.mask(value, options);
    return { output: text, findings };
  }
  if (value === null || value === undefined || typeof value !== "object") return { output: value, findings: [] };
  const { value: masked, findings } = masker.maskDeep(value, options);
  return { output: masked, findings };
}

/**
 * Masks the state a LangGraph `Command` a tool returned carries: its update
 * its `resume` value and the arguments of the `Send`s in its `goto`; messages as a conversation
 * (content, tool calls, artifacts, metadata), any other value as JSON. The
 * update may be an object of channels, a list of `[channel, value]` pairs, or
 * a single value.
 */
function maskCommand(masker: Masker, command: Command, options: MaskCallOptions): MaskedOutput {
  const findings: { type: string }[] = [];
  const maskValue = (value: unknown): unknown => {
    const messages = Array.isArray(value) && value.length > 0 && value.every(isBaseMessage) ? (value as BaseMessage[]) : isBaseMessage(value) ? [value] : undefined;
    const masked = messages ? maskMessages(masker, messages, options) : undefined;
    if (masked) {
      findings.push(...masked.findings);
      return Array.isArray(value) ? masked.messages : masked.messages[0];
    }
    const other = maskAny(masker, value, options);
    findings.push(...other.findings);
    return other.output;
  };
  const update: unknown = command.update;
  const pairs = Array.isArray(update) && update.every((item) => Array.isArray(item) && item.length === 2 && typeof item[0] === "string");
  const maskedUpdate =
    update !== null && typeof update === "object" && !Array.isArray(update)
      ? Object.fromEntries(Object.entries(update).map(([channel, value]) => [channel, maskValue(value)]))
      : pairs
        ? (update as [string, unknown][]).map(([channel, value]) => [channel, maskValue(value)])
        : maskValue(update);
  // A `Send` carries state to another node: its arguments are masked like the update.
  // Copies are made with the value's own class: the LangGraph the tool returned it from.
  const maskSend = (goto: unknown): unknown => (isSend(goto) ? new (goto.constructor as typeof Send)(goto.node, maskValue(goto.args), { timeout: goto.timeout }) : goto);
  const goto = Array.isArray(command.goto) ? command.goto.map(maskSend) : maskSend(command.goto);
  const output = new (command.constructor as typeof Command)({
    graph: command.graph,
    goto: goto as Command["goto"],
    resume: command.resume === undefined ? undefined : maskValue(command.resume),
    update: maskedUpdate as Record<string, unknown>,
  });
  return { output, findings };
}

/**
 * Masks what a tool returned before it leaves the guard, in every field the
 * model or the checkpointer will see: a string, a ToolMessage (as
 * {@link maskMessages} does: content, name, artifact, `additional_kwargs`,
 * `response_metadata`), a `[content, artifact]` pair for
 * `content_and_artifact` tools, a LangGraph `Command` (its state update), or
 * any JSON value (keys and numbers included, see `Masker.maskDeep`). Throws
 * `MaskingBlockedError` when a `block` type is found, `NestingLimitError`
 * for a value nested too deep.
 */
export function maskToolOutput(masker: Masker, output: unknown, contentAndArtifact: boolean, options: MaskCallOptions): MaskedOutput {
  if (isCommand(output)) return maskCommand(masker, output, options);
  if (ToolMessage.isInstance(output)) {
    const masked = maskMessages(masker, [output], options);
    return { output: masked.messages[0], findings: masked.findings };
  }
  if (contentAndArtifact && Array.isArray(output) && output.length === 2) {
    const content = maskAny(masker, output[0], options);
    const artifact = maskAny(masker, output[1], options);
    return { output: [content.output, artifact.output], findings: [...content.findings, ...artifact.findings] };
  }
  return maskAny(masker, output, options);
}
