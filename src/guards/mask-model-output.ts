import { AIMessageChunk, type MessageContent } from "@langchain/core/messages";
import type { Masker } from "../masking/masker.js";
import type { MaskingStream } from "../masking/stream.js";
import type { MaskCallOptions } from "../masking/types.js";
import { maskMessages } from "./mask-messages.js";

/**
 * Masks a model's answer before it leaves the guard: its text and content
 * blocks, tool-call arguments (parsed, unparsable and chunked), the provider's
 * raw `additional_kwargs` (function-call argument strings included) and
 * `response_metadata`; ids and token usage are kept (see `maskMessages`).
 */
export function maskModelMessage(masker: Masker, message: AIMessageChunk, options: MaskCallOptions): { output: AIMessageChunk; findings: readonly { type: string }[] } {
  const masked = maskMessages(masker, [message], options);
  return { output: masked.messages[0] as AIMessageChunk, findings: masked.findings };
}

/** A masker of one streamed answer: one chunk out per chunk in, and maybe a last one at the end. */
export interface ModelStreamMasker {
  /** Takes the provider's next chunk; returns the chunk to send on (its text may be shorter, or empty, while held back). */
  push(chunk: AIMessageChunk): AIMessageChunk;
  /** Ends the answer: the chunk that carries the held-back text and the masked tool calls, or `undefined` when nothing is left. */
  end(): AIMessageChunk | undefined;
  /** What was found so far. */
  readonly findings: readonly { type: string }[];
}

type Block = Record<string, unknown> & { type?: unknown; text?: unknown };

/** A text block (`{ type: "text", text }`): its text is streamed through the masker. */
function isTextBlock(block: unknown): block is Block & { text: string } {
  return typeof block === "object" && block !== null && (block as Block).type === "text" && typeof (block as Block).text === "string";
}

/** Masks a tool call's argument text: parsed, masked as a value and written again when it is JSON, masked as text otherwise. */
function maskArgsText(masker: Masker, text: string, options: MaskCallOptions, findings: { type: string }[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const masked = masker.mask(text, options);
    findings.push(...masked.findings);
    return masked.text;
  }
  const masked = masker.maskDeep(parsed, options);
  findings.push(...masked.findings);
  return JSON.stringify(masked.value);
}

/**
 * Masks a streamed answer chunk by chunk, so that what leaves equals, once
 * LangChain's `concat` has joined it, {@link maskModelMessage} of the whole
 * answer:
 *
 * - Text (string content, and the text of `text` blocks) goes through one
 *   masking stream: a value split across chunks is found as in the whole
 *   text, and no chunk carries a raw value or half a placeholder. A chunk may
 *   carry less text than it brought (the end is held for the next one).
 * - Everything that can hold arguments is held until the end and leaves
 *   masked and whole in the last chunk: tool-call chunks (joined per index,
 *   their JSON masked as a value), the provider's `additional_kwargs` (raw
 *   function-call argument fragments), and content blocks other than text
 *   (a `tool_use` block's input, its JSON deltas).
 * - `usage_metadata` and ids pass with their chunk; `response_metadata` is
 *   masked per chunk.
 *
 * A `block` strategy type throws `MaskingBlockedError`; the caller records it.
 */
export function maskModelStream(masker: Masker, options: MaskCallOptions): ModelStreamMasker {
  const findings: { type: string }[] = [];
  let text: MaskingStream | undefined;
  let textFindingsSeen = 0;
  /** What is held until the end: tool-call chunks, additional kwargs and non-text blocks, joined by `concat`. */
  let held: AIMessageChunk | undefined;
  /** The last text block seen (its index and type), so the held-back rest lands in it. */
  let lastTextBlock: Block | undefined;
  let arrayContent = false;
  let id: string | undefined;

  const collectTextFindings = (): void => {
    if (!text) return;
    for (; textFindingsSeen < text.findings.length; textFindingsSeen++) findings.push(text.findings[textFindingsSeen]!);
  };
  const pushText = (value: string): string => {
    text ??= masker.stream(options);
    const out = text.push(value);
    collectTextFindings();
    return out;
  };
  const hold = (chunk: AIMessageChunk): void => {
    held = held === undefined ? chunk : held.concat(chunk);
  };

  return {
    get findings() {
      return findings;
    },
    push(chunk) {
      id ??= chunk.id;
      let content: MessageContent;
      const heldBlocks: Block[] = [];
      if (typeof chunk.content === "string") {
        content = chunk.content.length > 0 ? pushText(chunk.content) : "";
      } else {
        arrayContent = true;
        const out: Block[] = [];
        for (const block of chunk.content as Block[]) {
          if (isTextBlock(block)) {
            lastTextBlock = block;
            out.push({ ...block, text: pushText(block.text) });
          } else heldBlocks.push(block);
        }
        content = out as MessageContent;
      }
      const toolCallChunks = chunk.tool_call_chunks ?? [];
      const kwargs = chunk.additional_kwargs ?? {};
      if (toolCallChunks.length > 0 || Object.keys(kwargs).length > 0 || heldBlocks.length > 0) {
        hold(new AIMessageChunk({ content: heldBlocks as MessageContent, tool_call_chunks: toolCallChunks, additional_kwargs: kwargs }));
      }
      const metadata = masker.maskDeep(chunk.response_metadata ?? {}, options);
      findings.push(...metadata.findings);
      return new AIMessageChunk({
        content,
        ...(chunk.id !== undefined ? { id: chunk.id } : {}),
        ...(chunk.name !== undefined ? { name: chunk.name } : {}),
        response_metadata: metadata.value,
        ...(chunk.usage_metadata !== undefined ? { usage_metadata: chunk.usage_metadata } : {}),
      });
    },
    end() {
      const rest = text ? text.end() : "";
      collectTextFindings();
      text = undefined;
      if (rest.length === 0 && held === undefined) return undefined;
      const blocks: Block[] = [];
      if (rest.length > 0 && arrayContent) blocks.push({ ...(lastTextBlock ?? { type: "text" }), text: rest });
      let toolCallChunks: AIMessageChunk["tool_call_chunks"] = [];
      let kwargs: Record<string, unknown> = {};
      if (held !== undefined) {
        // Tool-call fragments joined per index by concat, each call's arguments masked whole.
        toolCallChunks = (held.tool_call_chunks ?? []).map((call) => ({
          ...call,
          args: typeof call.args === "string" && call.args.length > 0 ? maskArgsText(masker, call.args, options, findings) : call.args,
        }));
        const maskedKwargs = masker.maskDeep(held.additional_kwargs ?? {}, options);
        findings.push(...maskedKwargs.findings);
        kwargs = maskedKwargs.value;
        if (Array.isArray(held.content) && held.content.length > 0) {
          const maskedBlocks = masker.maskDeep(held.content as Block[], options);
          findings.push(...maskedBlocks.findings);
          blocks.push(...maskedBlocks.value);
        }
      }
      return new AIMessageChunk({
        content: arrayContent || blocks.length > 0 ? (blocks as MessageContent) : rest,
        ...(id !== undefined ? { id } : {}),
        tool_call_chunks: toolCallChunks,
        additional_kwargs: kwargs,
      });
    },
  };
}
