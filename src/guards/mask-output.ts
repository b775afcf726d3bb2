import { ToolMessage } from "@langchain/core/messages";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";

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
 * Masks what a tool returned before it leaves the guard: a string, a
 * ToolMessage (its content, text or structured blocks, and its artifact), a
 * `[content, artifact]` pair for `content_and_artifact` tools, or any JSON
 * value. Throws `MaskingBlockedError` when a `block` type is found.
 */
export function maskToolOutput(masker: Masker, output: unknown, contentAndArtifact: boolean, options: MaskCallOptions): MaskedOutput {
  if (ToolMessage.isInstance(output)) {
    const content = maskAny(masker, output.content, options);
    const artifact = maskAny(masker, output.artifact, options);
    const message = new ToolMessage({
      content: content.output as ToolMessage["content"],
      tool_call_id: output.tool_call_id,
      ...(output.name !== undefined ? { name: output.name } : {}),
      ...(output.status !== undefined ? { status: output.status } : {}),
      ...(output.id !== undefined ? { id: output.id } : {}),
      ...(output.artifact !== undefined ? { artifact: artifact.output } : {}),
      additional_kwargs: output.additional_kwargs,
      response_metadata: output.response_metadata,
    });
    return { output: message, findings: [...content.findings, ...artifact.findings] };
  }
  if (contentAndArtifact && Array.isArray(output) && output.length === 2) {
    const content = maskAny(masker, output[0], options);
    const artifact = maskAny(masker, output[1], options);
    return { output: [content.output, artifact.output], findings: [...content.findings, ...artifact.findings] };
  }
  return maskAny(masker, output, options);
}
