import { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { createMasker } from "langchain-warden";
import { describe, expect, it } from "vitest";
import { maskModelMessage, maskModelStream } from "../../src/guards/mask-model-output.js";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const AWS = "AKIAZ7QW3RTY5UIO2PLM";
const TEXT = `Hello, write to ${EMAIL}; the card is ${CARD} and the key ${AWS}. Thanks!`;
const RAW = [EMAIL, "jane.doe", "example.com", "4111 1111", AWS, "AKIAZ7"];

/** Cuts `text` at the given offsets. */
function cut(text: string, at: number[]): string[] {
  const points = [0, ...at.filter((p) => p > 0 && p < text.length).sort((a, b) => a - b), text.length];
  return points.slice(1).map((end, i) => text.slice(points[i], end));
}

/** A deterministic pseudo-random generator. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

function joined(chunks: AIMessageChunk[]): AIMessageChunk {
  return chunks.reduce((whole, chunk) => whole.concat(chunk));
}

function run(masker: ReturnType<typeof createMasker>, input: AIMessageChunk[]) {
  const stream = maskModelStream(masker, {});
  const out = input.map((chunk) => stream.push(chunk));
  const last = stream.end();
  if (last) out.push(last);
  return { out, findings: stream.findings };
}

describe("masking a streamed answer", () => {
  const masker = createMasker();
  const whole = maskModelMessage(masker, new AIMessageChunk(TEXT), {}).output;

  it("finds a value cut at every position, and no chunk carries a raw value or half a placeholder", () => {
    for (let at = 1; at < TEXT.length; at++) {
      const { out } = run(
        masker,
        cut(TEXT, [at]).map((piece) => new AIMessageChunk(piece)),
      );
      for (const chunk of out) {
        for (const raw of RAW) expect(String(chunk.content)).not.toContain(raw);
        expect(String(chunk.content)).not.toMatch(/\[[A-Z_]*$/);
      }
      expect(joined(out).content).toBe(whole.content);
    }
  });

  it("equals the whole answer masked, for random chunkings (redact and tokenize)", () => {
    const next = random(7);
    for (const strategy of ["redact", "tokenize"] as const) {
      const engine = createMasker({ strategy });
      for (let round = 0; round < 60; round++) {
        const points = Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * TEXT.length));
        const { out, findings } = run(
          engine,
          cut(TEXT, points).map((piece) => new AIMessageChunk(piece)),
        );
        const text = String(joined(out).content);
        for (const raw of RAW) expect(text).not.toContain(raw);
        expect(findings.map((f) => f.type).sort()).toEqual(["aws_access_key", "credit_card", "email"]);
        if (strategy === "redact") expect(text).toBe(whole.content);
      }
    }
  });

  it("holds OpenAI-style tool-call fragments and raw function arguments, and releases them masked and whole", () => {
    const args = JSON.stringify({ to: EMAIL, card: CARD });
    const pieces = cut(args, [5, 11, 19, 30, 41]);
    const input = pieces.map(
      (piece, i) =>
        new AIMessageChunk({
          content: "",
          tool_call_chunks: [{ type: "tool_call_chunk", index: 0, args: piece, ...(i === 0 ? { id: "call_1", name: "send" } : {}) }],
          // OpenAI streams the raw fragments here too (typed loosely: the fragments lack ids and names).
          additional_kwargs: {
            tool_calls: [{ index: 0, ...(i === 0 ? { id: "call_1", type: "function" } : {}), function: { arguments: piece, ...(i === 0 ? { name: "send" } : {}) } }],
          } as never,
        }),
    );
    input.push(new AIMessageChunk({ content: "", usage_metadata: { input_tokens: 12, output_tokens: 9, total_tokens: 21 } }));
    const { out } = run(masker, input);
    for (const chunk of out) expect(JSON.stringify(chunk)).not.toMatch(/jane|example\.com|4111 1111/);
    const message = joined(out);
    expect(message.tool_calls).toMatchObject([{ id: "call_1", name: "send", args: { to: "[EMAIL]", card: "[CREDIT_CARD]" } }]);
    expect(message.usage_metadata).toMatchObject({ total_tokens: 21 });
    const raw = (message.additional_kwargs.tool_calls as { function: { arguments: string } }[])[0]!.function.arguments;
    expect(raw).not.toContain("example.com");
    const reference = maskModelMessage(masker, joined(input), {}).output;
    expect(message.tool_calls?.[0]?.args).toEqual(reference.tool_calls?.[0]?.args);
  });

  it("streams the text of content blocks and holds tool_use blocks", () => {
    const input = [
      new AIMessageChunk({ content: [{ type: "text", text: "mail jane.d", index: 0 }] }),
      new AIMessageChunk({ content: [{ type: "text", text: "oe@example.com now", index: 0 }] }),
      new AIMessageChunk({ content: [{ type: "tool_use", id: "tu_1", name: "send", input: { to: EMAIL }, index: 1 }] }),
    ];
    const { out } = run(masker, input);
    for (const chunk of out) expect(JSON.stringify(chunk.content)).not.toMatch(/jane|example\.com/);
    const message = joined(out);
    const blocks = message.content as { type: string; text?: string; input?: unknown }[];
    expect(
      blocks
        .filter((b) => b.type === "text")
        .map((b) => b.text)
        .join(""),
    ).toBe("mail [EMAIL] now");
    expect(blocks.find((b) => b.type === "tool_use")?.input).toEqual({ to: "[EMAIL]" });
  });

  it("keeps a whole AIMessage's usage, ids and tool calls, masked", () => {
    const message = new AIMessage({ id: "m1", content: TEXT, tool_calls: [{ id: "c1", name: "send", args: { to: EMAIL }, type: "tool_call" }] });
    message.usage_metadata = { input_tokens: 3, output_tokens: 4, total_tokens: 7 };
    const { output, findings } = maskModelMessage(masker, message as unknown as AIMessageChunk, {});
    expect(output.id).toBe("m1");
    expect(output.usage_metadata).toEqual({ input_tokens: 3, output_tokens: 4, total_tokens: 7 });
    expect(output.tool_calls?.[0]?.args).toEqual({ to: "[EMAIL]" });
    expect(findings.length).toBe(4);
  });
});
